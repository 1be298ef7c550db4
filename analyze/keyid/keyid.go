package keyid

import (
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Len is the length of an access key ID (AKIA, ASIA). MaxLen is the
// length of the principal IDs (AIDA, AROA, AGPA, ANPA, AIPA, …), which have
// one more character; Decode accepts both lengths for those prefixes and
// reads the account from the 16 characters after the prefix either way.
const (
	Len    = 20
	MaxLen = 21
)

// ErrInvalid is the cause of every error Decode returns.
var ErrInvalid = errors.New("invalid AWS identifier")

// Kind says what a 4-character prefix identifies.
type Kind struct {
	Prefix      string
	Name        string // short name, e.g. "access-key"
	Description string // e.g. "long-term access key (IAM user or root)"
}

// kinds are the prefixes AWS documents for unique identifiers ("IAM
// identifiers", section "Understanding unique ID prefixes").
var kinds = []Kind{
	{"ABIA", "sts-bearer-token", "AWS STS service bearer token"},
	{"ACCA", "context-credential", "context-specific credential"},
	{"AGPA", "group", "IAM user group"},
	{"AIDA", "user", "IAM user"},
	{"AIPA", "instance-profile", "Amazon EC2 instance profile"},
	{"AKIA", "access-key", "long-term access key (IAM user or root)"},
	{"ANPA", "managed-policy", "managed policy"},
	{"ANVA", "policy-version", "version in a managed policy"},
	{"APKA", "public-key", "public key"},
	{"AROA", "role", "IAM role"},
	{"ASCA", "certificate", "certificate"},
	{"ASIA", "temporary-access-key", "temporary access key (AWS STS)"},
}

// Kinds returns every known prefix, sorted by prefix. The slice is new on
// each call.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// LookupPrefix returns the kind of a 4-character prefix.
func LookupPrefix(p string) (Kind, bool) {
	for _, k := range kinds {
		if k.Prefix == p {
			return k, true
		}
	}
	return Kind{}, false
}

// Generation of an identifier: whether it carries its account.
type Generation string

// Generations. An identifier whose fifth character is Q–Z or 2–7 (the top
// bit of its first base32 digit set) is Current and encodes the account
// that owns it; one whose fifth character is A–P is Legacy and does not.
const (
	Legacy  Generation = "legacy"
	Current Generation = "current"
)

// Info is what Decode learns from an identifier, offline.
type Info struct {
	ID         string
	Kind       // Prefix, Name and Description of the identifier's kind
	Generation Generation
	// Account is the owning account as 12 digits; "" when the identifier
	// does not carry it (see NoAccountReason).
	Account         string
	NoAccountReason string // why Account is empty; "" when it is set
}

// AccessKey reports whether the identifier is an access key ID (AKIA or
// ASIA).
func (i Info) AccessKey() bool { return i.Kind.Prefix == "AKIA" || i.Kind.Prefix == "ASIA" }

// NoteLegacy is Info.NoAccountReason for a legacy identifier.
const NoteLegacy = "cannot be decoded (legacy key ID)"

// NoteOutOfRange is Info.NoAccountReason when the decoded number has more than
// 12 digits, so it cannot be an account ID.
const NoteOutOfRange = "cannot be decoded (encoded number is not a 12-digit account ID)"

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

var enc = base32.NewEncoding(alphabet).WithPadding(base32.NoPadding)

// Decode validates an AWS unique identifier (access key ID, user, role, ...
// ID) and decodes it without any network call. It fails, with an error
// wrapping ErrInvalid, when its prefix is unknown, its length is wrong (20
// for AKIA and ASIA; 20 or 21 for the others) or any character after the
// prefix is outside the base32 alphabet A–Z2–7.
// The error never quotes id beyond one offending character.
func Decode(id string) (Info, error) {
	if len(id) < 4 || len(id) > MaxLen {
		return Info{}, fmt.Errorf("%w: length %d, want %d (access key) or %d", ErrInvalid, len(id), Len, MaxLen)
	}
	k, ok := LookupPrefix(id[:4])
	if !ok {
		if isPrintable(id[:4]) {
			return Info{}, fmt.Errorf("%w: unknown prefix %q", ErrInvalid, id[:4])
		}
		return Info{}, fmt.Errorf("%w: unknown prefix", ErrInvalid)
	}
	accessKey := k.Prefix == "AKIA" || k.Prefix == "ASIA"
	if accessKey && len(id) != Len || !accessKey && len(id) < Len {
		want := fmt.Sprint(Len)
		if !accessKey {
			want = fmt.Sprintf("%d or %d", Len, MaxLen)
		}
		return Info{}, fmt.Errorf("%w: length %d, want %s for prefix %s", ErrInvalid, len(id), want, k.Prefix)
	}
	for i := 4; i < len(id); i++ {
		if !isBase32(id[i]) {
			c := id[i]
			if c >= 0x20 && c < 0x7f {
				return Info{}, fmt.Errorf("%w: character %d (%q) is not base32 (A-Z, 2-7)", ErrInvalid, i+1, rune(c))
			}
			return Info{}, fmt.Errorf("%w: character %d is not base32 (A-Z, 2-7)", ErrInvalid, i+1)
		}
	}
	info := Info{ID: id, Kind: k}
	if id[4] >= 'A' && id[4] <= 'P' {
		// A–P: the top bit of the first base32 digit is clear.
		info.Generation = Legacy
		info.NoAccountReason = NoteLegacy
		return info, nil
	}
	info.Generation = Current
	var b [10]byte
	if _, err := enc.Decode(b[:], []byte(id[4:Len])); err != nil {
		// Unreachable: every character was checked above.
		return Info{}, fmt.Errorf("%w: not base32", ErrInvalid)
	}
	var z8 [8]byte
	copy(z8[2:], b[:6])
	z := binary.BigEndian.Uint64(z8[:])
	acct := (z & 0x7fffffffff80) >> 7
	if acct > 999_999_999_999 {
		info.NoAccountReason = NoteOutOfRange
		return info, nil
	}
	info.Account = fmt.Sprintf("%012d", acct)
	return info, nil
}

// Lookup is Decode for IDs found in logs and inventories: an identifier
// with a known prefix and the right length, made of upper-case letters and
// digits only, is accepted even when a character is outside base32 (0, 1,
// 8, 9: AWS does not issue such IDs, but anonymised or edited logs carry
// them). Its Info then has the Kind, no Generation and no Account, and
// NoAccountReason says which character stopped the decoding. Anything else
// fails as Decode fails, wrapping ErrInvalid.
func Lookup(id string) (Info, error) {
	info, err := Decode(id)
	if err == nil {
		return info, nil
	}
	k, ok := LookupPrefix(prefixOf(id))
	if !ok || !wellFormed(id, k) {
		return Info{}, err
	}
	for i := 4; i < len(id); i++ {
		if !isBase32(id[i]) {
			return Info{ID: id, Kind: k,
				NoAccountReason: fmt.Sprintf("cannot be decoded (character %d (%q) is not base32 (A-Z, 2-7))", i+1, rune(id[i]))}, nil
		}
	}
	return Info{}, err
}

func prefixOf(id string) string {
	if len(id) < 4 {
		return ""
	}
	return id[:4]
}

// wellFormed reports whether id has k's length and only upper-case letters
// and digits after the prefix.
func wellFormed(id string, k Kind) bool {
	accessKey := k.Prefix == "AKIA" || k.Prefix == "ASIA"
	if accessKey && len(id) != Len || len(id) < Len || len(id) > MaxLen {
		return false
	}
	for i := 4; i < len(id); i++ {
		if c := id[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Account returns the account encoded in id, or "" when id is invalid or
// does not carry one. It is Decode for callers that only want the account.
func Account(id string) string {
	i, err := Decode(id)
	if err != nil {
		return ""
	}
	return i.Account
}

// Encode builds a current-generation identifier with the given prefix that
// decodes to account, taking its other 39 bits from r. It is for tests and
// fixture generators: AWS assigns real identifiers.
func Encode(prefix string, account string, r io.Reader) (string, error) {
	if _, ok := LookupPrefix(prefix); !ok {
		return "", fmt.Errorf("%w: unknown prefix %q", ErrInvalid, truncate(prefix))
	}
	if len(account) != 12 {
		return "", fmt.Errorf("encode identifier: account must be 12 digits, have %d characters", len(account))
	}
	a, err := strconv.ParseUint(account, 10, 64)
	if err != nil {
		return "", fmt.Errorf("encode identifier: account must be 12 digits")
	}
	var b [10]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("encode identifier: read random bytes: %w", err)
	}
	var z8 [8]byte
	copy(z8[2:], b[:6])
	z := binary.BigEndian.Uint64(z8[:])
	z = 1<<47 | a<<7 | z&0x7f
	binary.BigEndian.PutUint64(z8[:], z)
	copy(b[:6], z8[2:])
	return prefix + enc.EncodeToString(b[:]), nil
}

func isBase32(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '2' && c <= '7' }

func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

// IsAccountID reports whether s is an AWS account ID: exactly 12 ASCII
// digits (leading zeros included).
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PartialMinLen is the shortest visible prefix of an access key ID whose
// account DecodePartial can always decode: the 4-character prefix and 9
// more. The account is bits 46 to 7 of the 48 bits that characters 5 to
// 14 encode, so characters 5 to 12 carry all of it but its lowest bit,
// which is the top bit of character 13.
const PartialMinLen = 13

// NotePartial is Info.NoAccountReason when too little of a redacted key ID
// remains to decode its account.
const NotePartial = "cannot be decoded (too few characters of the redacted key ID remain)"

// DecodePartial decodes the visible start of a redacted access key ID (a
// secret scanner's "AKIAY34FZKBOK..."): its kind, its generation and,
// when the characters given fix it (PartialMinLen, or fewer when both
// completions agree), its account. prefix must be a known 4-character
// prefix followed by up to 16 base32 characters; a complete ID is decoded
// as Decode does. Errors wrap ErrInvalid and never quote prefix.
func DecodePartial(prefix string) (Info, error) {
	if len(prefix) >= Len {
		return Decode(prefix)
	}
	if len(prefix) < 4 {
		return Info{}, fmt.Errorf("%w: %d characters, too short for a prefix", ErrInvalid, len(prefix))
	}
	k, ok := LookupPrefix(prefix[:4])
	if !ok {
		return Info{}, fmt.Errorf("%w: unknown prefix", ErrInvalid)
	}
	for i := 4; i < len(prefix); i++ {
		if !isBase32(prefix[i]) {
			return Info{}, fmt.Errorf("%w: character %d is not base32 (A-Z, 2-7)", ErrInvalid, i+1)
		}
	}
	info := Info{ID: prefix, Kind: k}
	if len(prefix) == 4 {
		info.NoAccountReason = NotePartial
		return info, nil
	}
	pad := func(c byte) string { return prefix + strings.Repeat(string(c), Len-len(prefix)) }
	lo, err1 := Decode(pad('A'))
	hi, err2 := Decode(pad('7'))
	if err1 != nil || err2 != nil {
		return Info{}, fmt.Errorf("%w: not decodable", ErrInvalid) // unreachable: every character was checked
	}
	info.Generation = lo.Generation
	switch {
	case lo.Generation == Legacy:
		info.NoAccountReason = NoteLegacy
	case lo.Account != "" && lo.Account == hi.Account:
		info.Account = lo.Account
	case lo.Account == "" && hi.Account == "" && lo.NoAccountReason == NoteOutOfRange && hi.NoAccountReason == NoteOutOfRange:
		info.NoAccountReason = NoteOutOfRange
	default:
		info.NoAccountReason = NotePartial
	}
	return info, nil
}
