package analyze

import (
	"fmt"
	"strings"
	"time"
)

// Severity orders findings; higher is worse.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", s, strings.Join(severityNames[:], ", "))
}

// Finding is one problem found with one key or one user.
//
// KeySlot is 0 for findings about a user rather than one key slot
// (two-active-keys, at-key-quota, key-limit-exceeded). AgeDays is -1 when
// the finding has no age. Zero times are nulls in every output.
type Finding struct {
	Rule        string
	Severity    Severity
	AccountID   string
	User        string
	ARN         string
	KeySlot     int
	AccessKeyID string
	KeyStatus   string // Active, Inactive or ""
	LastRotated time.Time
	LastUsed    time.Time
	AgeDays     int64
	Detail      string

	// Set by suppressions: a muted finding is still reported, marked.
	Muted      bool
	MuteReason string

	// Set by CompareBaseline: StatusNew, StatusUnchanged or StatusResolved
	// ("" without a baseline), and when the finding was first seen.
	Status    string
	FirstSeen time.Time
}

// Config holds what every rule may read. AsOf is the only clock: rules
// never call time.Now. Thresholds are used as they are: zero means zero
// (every key older than the as-of time is past it), so start from
// DefaultConfig and change what differs.
type Config struct {
	AsOf        time.Time
	MaxKeyAge   time.Duration // stale-key: default 90 days
	MaxUnused   time.Duration // unused-key: default 45 days
	MaxRotation time.Duration // rotation-stalled: default 7 days
	Skip        map[string]bool
}

// Day is 24 hours; thresholds are exact durations against AsOf.
const Day = 24 * time.Hour

// DefaultConfig returns the CIS / Security Hub defaults at asOf.
func DefaultConfig(asOf time.Time) Config {
	return Config{AsOf: asOf, MaxKeyAge: 90 * Day, MaxUnused: 45 * Day, MaxRotation: 7 * Day}
}
