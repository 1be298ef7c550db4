package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/fakeaws"
)

func lookupFake(t *testing.T) *fakeaws.Server {
	srv := fakeaws.New(mgmt)
	t.Cleanup(srv.Close)
	var evs []string
	for d := 28; d <= 32; d++ { // Oct 28 .. Nov 1, four events a day
		for h := 0; h < 4; h++ {
			when := time.Date(2026, 10, d, h*3, 0, 0, 0, time.UTC)
			evs = append(evs, fmt.Sprintf(`{"eventVersion":"1.08","eventID":"ev-%d-%d","eventTime":%q,"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","recipientAccountId":%q,"userIdentity":{"type":"IAMUser","accountId":%q,"accessKeyId":"AKIAEXAMPLE0000000%02d","userName":"alice"}}`,
				d, h, when.Format(time.RFC3339), mgmt, mgmt, d))
		}
	}
	srv.Add(&fakeaws.Account{ID: mgmt, Report: []byte("x"), Fresh: true, LookupThrottle: 2,
		Events: map[string][]string{"us-east-1": evs}, OptOut: []string{"af-south-1"}})
	return srv
}

func TestLookupEvents(t *testing.T) {
	srv := lookupFake(t)
	clock := newClock()
	var mu sync.Mutex
	var at []time.Time
	srv.OnRequest = func(r fakeaws.Request) {
		if r.Action == "LookupEvents" && r.Region == "us-east-1" {
			mu.Lock()
			at = append(at, clock.Now())
			mu.Unlock()
		}
	}
	out := t.TempDir()
	o := options(srv, out, clock)
	o.Regions = []string{"us-east-1", "af-south-1"}
	o.Since = asOf.Add(-120 * 24 * time.Hour)
	m, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	a := accountOf(m, mgmt)
	us, af := regionOf(a, "us-east-1"), regionOf(a, "af-south-1")
	if us.Status != StatusOK || us.Events != 20 || us.Throttles != 2 || !strings.Contains(us.Note, "90 days") {
		t.Errorf("us-east-1 %+v: want 20 events, 2 throttles, the 90-day note", us)
	}
	if af.Status != StatusSkipped || !strings.Contains(af.Note, "not enabled") || m.Partial {
		t.Errorf("af-south-1 %+v (partial %v): want skipped, not enabled", af, m.Partial)
	}
	// 2 requests a second, throttled retries included.
	if len(at) < 90 {
		t.Fatalf("%d LookupEvents requests, want one a day at least", len(at))
	}
	for i := 1; i < len(at); i++ {
		if d := at[i].Sub(at[i-1]); d < 500*time.Millisecond {
			t.Fatalf("requests %d and %d %s apart: over 2 per second", i-1, i, d)
		}
	}
	// One file a day, the lookup-events form, which the ingest reads.
	dir := filepath.Join(out, LookupEventsDir, mgmt, "us-east-1")
	var doc struct {
		Events []struct{ CloudTrailEvent, EventId string }
	}
	b, _ := os.ReadFile(filepath.Join(dir, "2026-10-29.json"))
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Events) != 4 || !strings.HasPrefix(doc.Events[0].CloudTrailEvent, "{") {
		t.Fatalf("2026-10-29.json: %v %s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "2026-11-01.partial.json")); err != nil {
		t.Errorf("the day not over yet: %v", err)
	}
	res, err := ingest.Run(context.Background(), []string{out}, ingest.Options{Mem: memory.DefaultAllocator}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Stats[ingest.KindLookupEvents]; c == nil || c.Records != 20 {
		t.Errorf("ingest read %+v lookup-events records, want 20", c)
	}

	// Resume: only the days not final are fetched again.
	before := srv.Calls("cloudtrail.LookupEvents")
	m, err = Run(context.Background(), options2(o, newClock()))
	if err != nil {
		t.Fatal(err)
	}
	us = regionOf(accountOf(m, mgmt), "us-east-1")
	if got := srv.Calls("cloudtrail.LookupEvents") - before; got > 4 || us.DaysReused < 85 {
		t.Errorf("second run: %d requests, %d days reused", got, us.DaysReused)
	}
	// A day later the partial day is final: written whole, partial removed.
	later := &fakeClock{t: asOf.Add(24 * time.Hour)}
	if _, err := Run(context.Background(), options2(o, later)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "2026-11-01.partial.json")); err == nil {
		t.Error("2026-11-01.partial.json left beside 2026-11-01.json")
	}
	b, _ = os.ReadFile(filepath.Join(dir, "2026-11-01.json"))
	if json.Unmarshal(b, &doc); len(doc.Events) != 4 {
		t.Errorf("2026-11-01.json has %d events, want 4", len(doc.Events))
	}
	checkModes(t, out)
}

// options2 is o on another clock, with the window's end from that clock.
func options2(o Options, c *fakeClock) Options {
	o.Clock = c
	o.Until = time.Time{}
	o.Since = c.t.Add(-120 * 24 * time.Hour)
	return o
}

func TestInterruptedDownload(t *testing.T) {
	srv := demoFake(t)
	srv.Stalled = make(chan struct{})
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, trailOptions(srv, out, newClock()))
		done <- err
	}()
	select {
	case <-srv.Stalled:
	case err := <-done:
		t.Fatalf("run ended before any download: %v", err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(out, ManifestName)); err == nil {
		t.Error("an interrupted run wrote its manifest")
	}
	if n := countFiles(t, filepath.Join(out, S3Dir)); n != 0 {
		t.Errorf("%d files under s3/ after the interrupt, want none", n)
	}
	checkModes(t, out) // and no temporary
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n++
		}
		return nil
	})
	return n
}
