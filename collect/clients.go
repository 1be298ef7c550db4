package collect

import (
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// counters count the retries of some calls; retries include throttles.
type counters struct {
	retries, throttles atomic.Int64
}

// countingRetryer is the SDK's standard retryer, counting.
type countingRetryer struct {
	aws.RetryerV2
	c *counters
}

func (r countingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	r.c.retries.Add(1)
	if isThrottle(err) {
		r.c.throttles.Add(1)
	}
	return r.RetryerV2.RetryDelay(attempt, err)
}

// retryer returns the retryer of every client: the standard one with
// MaxAttempts and without the client-side retry quota, so that a long
// throttling spell is waited out instead of failing the calls after it.
func (r *runner) retryer(c *counters) aws.Retryer {
	std := retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = r.opts.MaxAttempts
		so.MaxBackoff = 20 * time.Second
		so.RateLimiter = ratelimit.None
		if r.opts.RetryBackoff != nil {
			so.Backoff = r.opts.RetryBackoff
		}
	})
	return countingRetryer{RetryerV2: std, c: c}
}
