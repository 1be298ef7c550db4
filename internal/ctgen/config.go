package ctgen

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Config describes the corpus to generate.
type Config struct {
	Events   int       // exact number of records written to log files (duplicates included)
	Files    int       // number of CloudTrail log files
	Accounts int       // number of AWS accounts
	Seed     uint64    // random seed; same seed, same bytes
	Org      string    // organization ID ("o-abc123"); empty for single-account trails
	Dups     float64   // fraction of records that repeat an event of another file (0..0.2)
	Start    time.Time // corpus start (UTC); zero means DefaultStart
	Days     int       // corpus span in days; 0 means DefaultDays
	Workers  int       // files rendered in parallel; 0 means 2
}

// DefaultStart is the default first instant of the corpus.
var DefaultStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// DefaultDays is the default span of the corpus.
const DefaultDays = 14

var orgRE = regexp.MustCompile(`^o-[a-z0-9]{4,32}$`)

// ErrConfig is the cause of every configuration error.
var ErrConfig = errors.New("invalid ctgen config")

func (c *Config) normalize() error {
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC().Truncate(time.Second)
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	switch {
	case c.Accounts < 1 || c.Accounts > 1000:
		return fmt.Errorf("%w: accounts %d not in 1..1000", ErrConfig, c.Accounts)
	case c.Files < c.Accounts:
		return fmt.Errorf("%w: files %d < accounts %d", ErrConfig, c.Files, c.Accounts)
	case c.Events < 20*c.Files:
		return fmt.Errorf("%w: events %d < 20 per file (%d files)", ErrConfig, c.Events, c.Files)
	case c.Dups < 0 || c.Dups > 0.2:
		return fmt.Errorf("%w: dups %g not in 0..0.2", ErrConfig, c.Dups)
	case c.Days < 1 || c.Days > 365:
		return fmt.Errorf("%w: days %d not in 1..365", ErrConfig, c.Days)
	case c.Org != "" && !orgRE.MatchString(c.Org):
		return fmt.Errorf("%w: org %.40q is not o-[a-z0-9]{4,32}", ErrConfig, c.Org)
	}
	return nil
}
