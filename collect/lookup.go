package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// lookupRegionsAtOnce bounds the regions of one account read at once (each
// has its own LookupEvents quota).
const lookupRegionsAtOnce = 8

// finalAfter: a day is complete, and kept by a later run, once it ended
// this long before the run (CloudTrail delivers events within about 15
// minutes).
const finalAfter = time.Hour

// lookupEvent is one element of `aws cloudtrail lookup-events` output;
// the ingest reads CloudTrailEvent.
type lookupEvent struct {
	EventId         string `json:"EventId,omitempty"`
	EventName       string `json:"EventName,omitempty"`
	ReadOnly        string `json:"ReadOnly,omitempty"`
	AccessKeyId     string `json:"AccessKeyId,omitempty"`
	EventTime       string `json:"EventTime,omitempty"`
	EventSource     string `json:"EventSource,omitempty"`
	Username        string `json:"Username,omitempty"`
	CloudTrailEvent string `json:"CloudTrailEvent"`
}

// lookupWindow is the part of the window LookupEvents can serve: its
// last 90 days.
func (r *runner) lookupWindow() (since, until time.Time, clamped bool) {
	since, until = r.opts.Since, r.opts.Until
	if oldest := r.opts.Clock.Now().Add(-LookupEventsMaxAge); since.Before(oldest) {
		since, clamped = oldest, true
	}
	return since, until, clamped
}

// lookupEvents reads the account's management events with LookupEvents,
// one file per region and UTC day (lookup-events/ACCT/REGION/DAY.json),
// each written when its day is complete, so an interrupted run resumes at
// the first missing day. Days not over yet (and the first, cut, day of
// the window) go to DAY.partial.json and are fetched again by every run.
func (r *runner) lookupEvents(ctx context.Context, t target) {
	since, until, clamped := r.lookupWindow()
	var wg sync.WaitGroup
	sem := make(chan struct{}, lookupRegionsAtOnce)
	for _, region := range r.opts.Regions {
		re := &RegionEntry{Region: region, Source: "lookup-events", Status: StatusOK}
		if clamped {
			re.Note = fmt.Sprintf("LookupEvents reaches back 90 days only: events before %s are not collected (give --trail-bucket for older ones)", since.Format(time.RFC3339))
		}
		t.entry.Regions = append(t.entry.Regions, re)
		if !since.Before(until) {
			re.Status = StatusSkipped
			re.Note = "the whole window is older than LookupEvents' 90 days"
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r.lookupRegion(ctx, t, re, since, until)
		}()
	}
	wg.Wait()
}

func (r *runner) lookupRegion(ctx context.Context, t target, re *RegionEntry, since, until time.Time) {
	lim := rate.NewLimiter(rate.Limit(r.opts.LookupRate), 1)
	client := cloudtrail.NewFromConfig(t.cfg, func(o *cloudtrail.Options) {
		o.Region = re.Region
		o.Retryer = r.retryer(&re.c)
		o.APIOptions = append(o.APIOptions, r.limitAttempts(lim))
	})
	now := r.opts.Clock.Now()
	for day := since.Truncate(24 * time.Hour); day.Before(until); day = day.Add(24 * time.Hour) {
		from, to := maxTime(day, since), minTime(day.Add(24*time.Hour), until)
		base := filepath.Join(r.opts.Out, LookupEventsDir, t.entry.ID, re.Region, day.Format(lookupEventsLayout))
		// A whole day that ended a while ago is final: DAY.json, kept by
		// later runs. Any other is DAY.partial.json, fetched again each run
		// and removed once its DAY.json is written.
		final := !to.Add(finalAfter).After(now) && to.Equal(day.Add(24*time.Hour)) && from.Equal(day)
		name := base + ".partial.json"
		if final {
			name = base + ".json"
			if _, err := os.Stat(name); err == nil {
				re.DaysReused++
				continue
			}
		}
		n, err := r.lookupDay(ctx, client, name, from, to)
		if err == nil && final {
			os.Remove(base + ".partial.json")
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			re.Status = statusOf(err)
			if re.Status == StatusSkipped {
				re.Note = "region not enabled in this account (an opt-in region): skipped"
				re.Error = short(err)
				return
			}
			if re.Status == StatusOK {
				re.Status = StatusError
			}
			if re.Days > 0 || re.DaysReused > 0 {
				re.Status = StatusPartial
			}
			re.Error = fmt.Sprintf("cloudtrail LookupEvents %s: %s", day.Format(lookupEventsLayout), short(err))
			r.note("account %s region %s: %s", t.entry.ID, re.Region, re.Error)
			return
		}
		re.Days++
		re.Events += n
		r.prog.lookupEvs.Add(int64(n))
	}
}

// lookupDay writes the events of [from, to) to name, page by page.
func (r *runner) lookupDay(ctx context.Context, client *cloudtrail.Client, name string, from, to time.Time) (int64, error) {
	var n int64
	err := os.MkdirAll(filepath.Dir(name), dirMode)
	if err != nil {
		return 0, err
	}
	err = writeFrom(name, func(w io.Writer) error {
		if _, err := io.WriteString(w, "{\"Events\": ["); err != nil {
			return err
		}
		in := &cloudtrail.LookupEventsInput{StartTime: aws.Time(from), EndTime: aws.Time(to), MaxResults: aws.Int32(LookupEventsPage)}
		for {
			out, err := client.LookupEvents(ctx, in)
			if err != nil {
				return err
			}
			for _, ev := range out.Events {
				le := lookupEvent{EventId: aws.ToString(ev.EventId), EventName: aws.ToString(ev.EventName), ReadOnly: aws.ToString(ev.ReadOnly),
					AccessKeyId: aws.ToString(ev.AccessKeyId), EventTime: fmtTime(ev.EventTime), EventSource: aws.ToString(ev.EventSource),
					Username: aws.ToString(ev.Username), CloudTrailEvent: aws.ToString(ev.CloudTrailEvent)}
				b, err := json.Marshal(le)
				if err != nil {
					return err
				}
				sep := ",\n  "
				if n == 0 {
					sep = "\n  "
				}
				if _, err := w.Write(append([]byte(sep), b...)); err != nil {
					return err
				}
				n++
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		end := "\n]}\n"
		if n == 0 {
			end = "]}\n"
		}
		_, err := io.WriteString(w, end)
		return err
	})
	return n, err
}

// limitAttempts holds every attempt of a call, retries included, to lim
// on the run's clock: it runs after the SDK's retry step.
func (r *runner) limitAttempts(lim *rate.Limiter) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("keyauditRateLimit",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				res := lim.ReserveN(r.opts.Clock.Now(), 1)
				if !res.OK() {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("rate limiter refused a request")
				}
				if err := r.opts.Clock.Sleep(ctx, res.DelayFrom(r.opts.Clock.Now())); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
