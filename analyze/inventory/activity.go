package inventory

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/analyze/keyid"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// Bounds of an Activity, per key: distinct values kept per dimension (the
// rest are counted under OtherValue) and lifecycle events kept.
const (
	MaxDistinct  = 10_000
	MaxLifecycle = 10_000
	OtherValue   = "(other)"
)

// Activity collects, for a few given keys (AKIA or ASIA), everything the
// logs say about them: for `keyaudit trace` and `whois`. It is an event
// consumer (it reads events, not facts: ActivityColumns): Add is called
// from one goroutine and does not retain the record. Memory is bounded per
// key (MaxDistinct, MaxLifecycle).
type Activity struct {
	traces     map[string]*trace
	recipients map[string]bool
}

// KeyActivity is what the logs say about one key. Counts are sorted by count
// (highest first), then value; lifecycle events by time.
type KeyActivity struct {
	AccessKeyID string     `json:"access_key_id"`
	Info        keyid.Info `json:"decoded"` // from keyid.Lookup; zero when the ID is not one
	DecodeError string     `json:"decode_error,omitempty"`

	Calls         int64            `json:"calls"`              // distinct API calls signed with the key (cross-account copies counted once; see copies)
	FirstUse      time.Time        `json:"first_use,omitzero"` // zero when never used in the logs
	LastUse       time.Time        `json:"last_use,omitzero"`
	Accounts      []Count          `json:"accounts"`       // userIdentity.accountId of the calls
	Principals    []Count          `json:"principals"`     // userIdentity.arn
	IdentityTypes []Count          `json:"identity_types"` // userIdentity.type
	Services      []Count          `json:"services"`       // eventSource
	Regions       []Count          `json:"regions"`        // awsRegion
	EventNames    []Count          `json:"event_names"`
	SourceIPs     []Count          `json:"source_ips"`
	UserAgents    []Count          `json:"user_agents"`
	ErrorCodes    []Count          `json:"error_codes"` // calls that failed, by errorCode
	Recipients    []Count          `json:"recipients"`  // accounts whose trails logged the calls (every copy)
	Lifecycle     []LifecycleEvent `json:"lifecycle"`

	LastService string `json:"last_service,omitempty"` // eventSource of the last call
	LastRegion  string `json:"last_region,omitempty"`  // awsRegion of the last call
	// CallerIdentity is the sts:GetCallerIdentity calls signed with the
	// key: what a scanner (or an attacker) makes to check that a key works.
	CallerIdentity CallSpan `json:"get_caller_identity,omitzero"`
	// Since and AfterSince are set when Since was called for the key: the
	// calls at or after that time.
	Since            time.Time `json:"since,omitzero"`
	AfterSince       CallSpan  `json:"calls_since,omitzero"`
	LifecycleDropped int       `json:"lifecycle_dropped,omitempty"` // lifecycle events beyond MaxLifecycle
	Truncated        bool      `json:"truncated,omitempty"`         // some dimension had more than MaxDistinct values
}

// LifecycleEvent is one event that created, changed, deleted or issued
// the key, successful or not.
type LifecycleEvent struct {
	Time      time.Time `json:"time"`
	EventName string    `json:"event_name"`   // CreateAccessKey, UpdateAccessKey, DeleteAccessKey, AssumeRole, GetSessionToken, …
	Action    string    `json:"action"`       // created, status Active, status Inactive, deleted, issued; "… failed" when ErrorCode is set
	By        string    `json:"by,omitempty"` // userIdentity.arn of the caller
	SourceIP  string    `json:"source_ip,omitempty"`
	ErrorCode string    `json:"error_code,omitempty"` // "" when the call succeeded
	Detail    string    `json:"detail,omitempty"`     // target user, assumed role, expiry
	EventID   string    `json:"event_id,omitempty"`
	Expires   time.Time `json:"expires,omitzero"` // issued: the credentials' expiration
}

// CallSpan counts calls (as Calls does: cross-account copies once) and
// says when the first and last were.
type CallSpan struct {
	Calls int64     `json:"calls"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// span tracks a CallSpan while events are added.
type span struct {
	calls       copies
	first, last int64
}

func (s *span) add(home bool, at int64) {
	s.calls.add(home)
	if s.first == 0 || at < s.first {
		s.first = at
	}
	s.last = max(s.last, at)
}

func (s span) result(in bool) CallSpan {
	n := s.calls.n(in)
	if n == 0 {
		return CallSpan{}
	}
	return CallSpan{Calls: n, First: msTime(s.first), Last: msTime(s.last)}
}

type trace struct {
	id         string
	info       keyid.Info
	decErr     string
	account    evidence
	calls      copies
	first      int64
	last       int64
	dims       [numDims]map[string]*copies
	recipients map[string]int64
	truncated  bool
	life       []LifecycleEvent
	lifeSeen   map[string]bool
	dropped    int

	lastService, lastRegion string
	callerIdentity          span
	since                   int64 // Unix ms; 0 when Since was not called
	afterSince              span
}

const (
	dimAccount = iota
	dimPrincipal
	dimType
	dimService
	dimRegion
	dimEvent
	dimIP
	dimAgent
	dimError
	numDims
)

// NewActivity returns an Activity for the given key IDs (duplicates and
// empty strings ignored).
func NewActivity(keys []string) *Activity {
	a := &Activity{traces: map[string]*trace{}, recipients: map[string]bool{}}
	for _, id := range keys {
		if id == "" || a.traces[id] != nil {
			continue
		}
		t := &trace{id: id, recipients: map[string]int64{}, lifeSeen: map[string]bool{}}
		// Lookup: an ID the logs carry is traced even when its account
		// cannot be decoded (Info.NoAccountReason then says why).
		if info, err := keyid.Lookup(id); err != nil {
			t.decErr = err.Error()
		} else {
			t.info = info
		}
		for i := range t.dims {
			t.dims[i] = map[string]*copies{}
		}
		a.traces[id] = t
	}
	return a
}

// Since asks Add to count the calls key makes at or after t as well
// (KeyActivity.AfterSince): for a leaked key, its use after the leak.
// Call it before Add; a key not given to NewActivity is ignored.
func (a *Activity) Since(key string, t time.Time) {
	if tr := a.traces[key]; tr != nil && !t.IsZero() {
		tr.since = t.UnixMilli()
	}
}

// Add folds the events of rec (schema cloudtrail.EventSchema). It does not
// retain rec. It fails, wrapping ErrEventSchema, on another schema.
func (a *Activity) Add(rec arrow.Record) error {
	ev, err := newEvents(rec)
	if err != nil {
		return err
	}
	for i := 0; i < ev.N; i++ {
		at := ev.Millis(ct.ColEventTime, i)
		recipient := ev.Str(ct.ColRecipientAccountID, i)
		if recipient != "" && !a.recipients[recipient] {
			a.recipients[strings.Clone(recipient)] = true
		}
		if t := a.traces[ev.Str(ct.ColUIAccessKeyID, i)]; t != nil {
			t.use(ev, i, at, recipient)
		}
		for _, col := range [...]int{ct.ColRespAccessKeyID, ct.ColReqAccessKeyID, ct.ColRespCredentialsAccessKeyID} {
			if t := a.traces[ev.Str(col, i)]; t != nil {
				t.lifecycle(ev, i, at, col)
			}
		}
	}
	return nil
}

func (t *trace) use(ev *events, i int, at int64, recipient string) {
	caller := ev.Str(ct.ColUIAccountID, i)
	home := recipient == "" || caller == "" || recipient == caller
	t.account.offer(caller, at)
	t.calls.add(home)
	if t.first == 0 || at < t.first {
		t.first = at
	}
	if at >= t.last {
		t.lastService = strings.Clone(ev.Str(ct.ColEventSource, i))
		t.lastRegion = strings.Clone(ev.Str(ct.ColAWSRegion, i))
	}
	t.last = max(t.last, at)
	if ev.Str(ct.ColEventName, i) == "GetCallerIdentity" && ev.Str(ct.ColEventSource, i) == "sts.amazonaws.com" {
		t.callerIdentity.add(home, at)
	}
	if t.since != 0 && at >= t.since {
		t.afterSince.add(home, at)
	}
	vals := [numDims]string{
		dimAccount:   caller,
		dimPrincipal: ev.Str(ct.ColUIARN, i),
		dimType:      ev.Str(ct.ColUIType, i),
		dimService:   ev.Str(ct.ColEventSource, i),
		dimRegion:    ev.Str(ct.ColAWSRegion, i),
		dimEvent:     ev.Str(ct.ColEventName, i),
		dimIP:        ev.Str(ct.ColSourceIPAddress, i),
		dimAgent:     ev.Str(ct.ColUserAgent, i),
		dimError:     ev.Str(ct.ColErrorCode, i),
	}
	for d, v := range vals {
		if d == dimError && v == "" {
			continue
		}
		m := t.dims[d]
		c := m[v]
		if c == nil {
			if len(m) >= MaxDistinct {
				t.truncated = true
				v = OtherValue
				c = m[v]
			}
			if c == nil {
				c = &copies{}
				m[strings.Clone(v)] = c
			}
		}
		c.add(home)
	}
	r := recipient
	if _, ok := t.recipients[r]; !ok && len(t.recipients) >= MaxDistinct {
		r, t.truncated = OtherValue, true
	}
	if _, ok := t.recipients[r]; !ok {
		r = strings.Clone(r)
	}
	t.recipients[r]++
}

func (t *trace) lifecycle(ev *events, i int, at int64, col int) {
	name := ev.Str(ct.ColEventName, i)
	var action, detail string
	var expires int64
	switch {
	case col == ct.ColRespAccessKeyID && name == "CreateAccessKey":
		action, detail = "created", userDetail(ev, i)
	case col == ct.ColReqAccessKeyID && name == "UpdateAccessKey":
		action, detail = "status "+ev.Str(ct.ColReqStatus, i), userDetail(ev, i)
	case col == ct.ColReqAccessKeyID && name == "DeleteAccessKey":
		action, detail = "deleted", userDetail(ev, i)
	case col == ct.ColRespCredentialsAccessKeyID:
		action = "issued"
		var parts []string
		if r := ev.Str(ct.ColRespAssumedRoleARN, i); r != "" {
			parts = append(parts, "as "+r)
		}
		if x := ev.Millis(ct.ColRespCredentialsExpiration, i); x != 0 {
			parts = append(parts, "expires "+msTime(x).Format(time.RFC3339))
			expires = x
		}
		detail = strings.Join(parts, ", ")
	default:
		return
	}
	if ev.Str(ct.ColErrorCode, i) != "" {
		action = failed[action]
		if action == "" {
			action = "status change failed"
		}
	}
	id := ev.Str(ct.ColSharedEventID, i)
	if id == "" {
		id = ev.Str(ct.ColEventID, i)
	}
	if id != "" {
		if t.lifeSeen[id] {
			return // the same call logged in another account
		}
		if len(t.life) < MaxLifecycle {
			t.lifeSeen[strings.Clone(id)] = true
		}
	}
	if len(t.life) >= MaxLifecycle {
		t.dropped++
		return
	}
	t.life = append(t.life, LifecycleEvent{
		Time:      msTime(at),
		EventName: strings.Clone(name),
		Action:    action,
		By:        strings.Clone(ev.Str(ct.ColUIARN, i)),
		SourceIP:  strings.Clone(ev.Str(ct.ColSourceIPAddress, i)),
		ErrorCode: strings.Clone(ev.Str(ct.ColErrorCode, i)),
		Detail:    detail,
		EventID:   strings.Clone(ev.Str(ct.ColEventID, i)),
		Expires:   msTime(expires),
	})
}

// failed names a lifecycle action whose call failed.
var failed = map[string]string{
	"created":         "create failed",
	"status Active":   "activate failed",
	"status Inactive": "deactivate failed",
	"deleted":         "delete failed",
	"issued":          "issue failed",
}

func userDetail(ev *events, i int) string {
	if u := ev.targetUser(i); u != "" {
		return "user " + strings.Clone(u)
	}
	return ""
}

// Result returns the activity of one requested key; nil when key was not
// given to NewActivity.
func (a *Activity) Result(key string) *KeyActivity {
	t := a.traces[key]
	if t == nil {
		return nil
	}
	r := a.result(t)
	return &r
}

// Results returns one KeyActivity per requested key, sorted by key ID; a
// key the logs never mention has one with no calls and no lifecycle.
func (a *Activity) Results() []KeyActivity {
	var out []KeyActivity
	for _, t := range a.traces {
		out = append(out, a.result(t))
	}
	slices.SortFunc(out, func(x, y KeyActivity) int { return strings.Compare(x.AccessKeyID, y.AccessKeyID) })
	return out
}

func (a *Activity) result(t *trace) KeyActivity {
	in := a.recipients[t.account.v]
	tr := KeyActivity{
		AccessKeyID: t.id, Info: t.info, DecodeError: t.decErr,
		Calls: t.calls.n(in), FirstUse: msTime(t.first), LastUse: msTime(t.last),
		Truncated: t.truncated, LifecycleDropped: t.dropped,
		LastService: t.lastService, LastRegion: t.lastRegion,
		CallerIdentity: t.callerIdentity.result(in), AfterSince: t.afterSince.result(in),
		Since: msTime(t.since),
	}
	counts := func(d int) []Count {
		var cs []Count
		for v, c := range t.dims[d] {
			if n := c.n(in); n > 0 {
				cs = append(cs, Count{Value: v, N: n})
			}
		}
		sortCounts(cs)
		return cs
	}
	tr.Accounts, tr.Principals, tr.IdentityTypes = counts(dimAccount), counts(dimPrincipal), counts(dimType)
	tr.Services, tr.Regions, tr.EventNames = counts(dimService), counts(dimRegion), counts(dimEvent)
	tr.SourceIPs, tr.UserAgents, tr.ErrorCodes = counts(dimIP), counts(dimAgent), counts(dimError)
	for r, n := range t.recipients {
		tr.Recipients = append(tr.Recipients, Count{Value: r, N: n})
	}
	sortCounts(tr.Recipients)
	tr.Lifecycle = slices.Clone(t.life)
	slices.SortFunc(tr.Lifecycle, func(x, y LifecycleEvent) int {
		return cmp.Or(x.Time.Compare(y.Time), strings.Compare(x.EventName, y.EventName), strings.Compare(x.EventID, y.EventID))
	})
	return tr
}
