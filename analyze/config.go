package analyze

import (
	"errors"
	"fmt"
	"time"
)

// ErrConfig is the cause of every error Config.Validate returns.
var ErrConfig = errors.New("invalid analysis config")

// Validate reports a Config the rules cannot work with: no AsOf, or a
// negative threshold. A zero threshold is valid and means zero: every key
// older than no time at all is past it.
func (c Config) Validate() error {
	if c.AsOf.IsZero() {
		return fmt.Errorf("%w: as-of time not set", ErrConfig)
	}
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"max key age", c.MaxKeyAge}, {"max unused", c.MaxUnused}, {"max rotation", c.MaxRotation}} {
		if t.d < 0 {
			return fmt.Errorf("%w: %s is negative (%s)", ErrConfig, t.name, t.d)
		}
	}
	return nil
}

// floorDays is the number of whole days in d, rounded down: 89.9 days is
// 89, and -0.5 days (a date in the future) is -1.
func floorDays(d time.Duration) int64 {
	n := int64(d / Day)
	if d%Day < 0 {
		n--
	}
	return n
}

// DaysSince is the age of t at asOf in whole days, rounded down. It is
// false, and no age is given, when either time is zero or t is after asOf:
// an age is never negative (name the date with AfterAsOf instead).
func DaysSince(asOf, t time.Time) (int64, bool) {
	if asOf.IsZero() || t.IsZero() || t.After(asOf) {
		return 0, false
	}
	return floorDays(asOf.Sub(t)), true
}

// AfterAsOf names a time after the as-of time, which has no age: "on
// 2026-12-02, after the as-of time". Every output says it this way.
func AfterAsOf(t time.Time) string {
	return "on " + t.UTC().Format(time.DateOnly) + ", after the as-of time"
}

// agoPhrase says how long ago t was, from its age in whole days. A t after
// the as-of time (a negative age) is named by its date instead.
func agoPhrase(t time.Time, days int64) string {
	switch {
	case days < 0:
		return AfterAsOf(t)
	case days == 0:
		return "less than a day ago"
	case days == 1:
		return "1 day ago"
	default:
		return fmt.Sprintf("%d days ago", days)
	}
}

// limitPhrase prints a threshold: whole days as "90 days", otherwise as a
// Go duration.
func limitPhrase(d time.Duration) string {
	if d%Day == 0 {
		if d == Day {
			return "1 day"
		}
		return fmt.Sprintf("%d days", d/Day)
	}
	return d.String()
}
