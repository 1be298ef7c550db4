package collect

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/keyaudit/keyaudit/internal/fakeaws"
)

const (
	demoDir  = "../testdata/demo"
	mgmt     = "111122223333"
	dev      = "444455556666"
	sandbox  = "777788889999"
	bucket   = "org-trail-logs"
	demoOrg  = fakeaws.DemoOrgID
	demoSign = fakeaws.DemoSignature
)

// fakeClock is the run's time: it moves only when the run sleeps.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	if d > 0 {
		c.t = c.t.Add(d)
		c.slept += d
	}
	c.mu.Unlock()
	return ctx.Err()
}

var asOf = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// demoFake is a fake of the demo organization (fakeaws.LoadDemo).
func demoFake(t *testing.T) *fakeaws.Server {
	t.Helper()
	srv := fakeaws.New(mgmt)
	t.Cleanup(srv.Close)
	if err := srv.LoadDemo(demoDir, bucket, "trail"); err != nil {
		t.Fatal(err)
	}
	return srv
}

// options are the Options of a run against srv: in-process endpoint and
// static keys, a fake clock, and short SDK backoff.
func options(srv *fakeaws.Server, out string, clock *fakeClock) Options {
	return Options{
		Out: out,
		Config: aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider(fakeaws.CallerKey, fakeaws.CallerSecret, ""),
			BaseEndpoint: aws.String(srv.URL),
		},
		Clock:        clock,
		Version:      "test",
		RetryBackoff: retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil }),
	}
}

func newClock() *fakeClock { return &fakeClock{t: asOf} }

func regionOf(a *AccountEntry, region string) *RegionEntry {
	for _, r := range a.Regions {
		if r.Region == region {
			return r
		}
	}
	return nil
}

func accountOf(m *Manifest, id string) *AccountEntry {
	for _, a := range m.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}
