package sessions

import (
	"fmt"
	"strings"
	"time"
)

// RootKind says what kind of principal started a temporary key's chain.
type RootKind string

// Root kinds. See the package documentation for how each is decided.
const (
	KindIAMUser      RootKind = "iam_user"
	KindRoot         RootKind = "root"
	KindSAML         RootKind = "saml"
	KindWebIdentity  RootKind = "web_identity"
	KindAWSService   RootKind = "aws_service"
	KindConsole      RootKind = "console"
	KindUnattributed RootKind = "unattributed"
)

// Session is the attribution of one temporary (ASIA) access key: one row of
// SessionSchema. Empty strings and zero times are nulls in the record;
// ChainDepth 0 is null (unattributed).
type Session struct {
	AccessKeyID       string
	AccountID         string    // account that owns the temporary key
	IssuedBy          string    // STS event name of the issuing record, "" when none
	IssuedAt          time.Time // time of the issuing record
	IssuerAccessKeyID string    // key that signed the issuing call (AKIA or ASIA)
	RoleARN           string
	SessionName       string
	SourceIdentity    string
	RootKind          RootKind
	RootPrincipal     string // "" when unattributed
	RootAccessKeyID   string // AKIA key at the start of the chain (iam_user, root)
	ChainDepth        int    // 1 = issued directly by the root principal; 0 = unknown
	EventCount        int64  // distinct API calls signed with the key
	FirstSeen         time.Time
	LastSeen          time.Time
	UsedByARN         string // userIdentity.arn of the calls signed with the key
	Note              string // why an unusual choice was made; "" normally
}

// Hop is one step of a key's chain, as returned by Result.Chain. Every hop
// but the last describes a temporary key and the record that issued it
// (EventName etc. are empty when no issuing record was seen). The last hop
// describes the root principal: RootKind and Principal set, AccessKeyID the
// root's long-term key when there is one.
type Hop struct {
	AccessKeyID string
	EventName   string
	Time        time.Time
	RoleARN     string
	SessionName string
	SourceIP    string
	UserAgent   string

	// Set on the last hop only.
	RootKind  RootKind
	Principal string
}

// String renders the hop on one line, for `keyaudit trace`.
func (h Hop) String() string {
	if h.RootKind != "" {
		s := fmt.Sprintf("root %s %s", h.RootKind, orDash(h.Principal))
		if h.AccessKeyID != "" {
			s += " key " + h.AccessKeyID
		}
		return s
	}
	if h.EventName == "" {
		return fmt.Sprintf("%s (no issuing record)", h.AccessKeyID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", h.AccessKeyID, h.EventName, h.Time.UTC().Format(time.RFC3339))
	for _, kv := range [][2]string{{"role", h.RoleARN}, {"session", h.SessionName}, {"ip", h.SourceIP}, {"agent", h.UserAgent}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Unattributed summarises the keys whose root principal is unknown, for the
// `asia-unattributed` info line.
type Unattributed struct {
	Count   int           // keys with RootKind unattributed
	Total   int           // all keys in the result
	Reasons []ReasonCount // by count, descending, then reason
}

// ReasonCount is how many keys are unattributed for one reason.
type ReasonCount struct {
	Reason string
	Count  int
}

// String renders the summary on one line, e.g.
// "3 of 412 temporary keys unattributed: 3 no issuing record in the input".
func (u Unattributed) String() string {
	s := fmt.Sprintf("%d of %d temporary keys unattributed", u.Count, u.Total)
	if len(u.Reasons) == 0 {
		return s
	}
	parts := make([]string, len(u.Reasons))
	for i, r := range u.Reasons {
		parts[i] = fmt.Sprintf("%d %s", r.Count, r.Reason)
	}
	return s + ": " + strings.Join(parts, ", ")
}

// Reasons a key is unattributed (Unattributed.Reasons, Session.Note).
const (
	ReasonNoIssuer      = "no issuing record in the input"
	ReasonUserNoConsole = "IAM user or root session with no issuing record and no console marker"
	ReasonForwarded     = "IAM user or root session seen only in calls AWS services made on its behalf"
	ReasonParent        = "issuing key is unattributed"
	ReasonCycle         = "issuance cycle"
	ReasonUnknownIssuer = "issuing record names no principal"
)
