package ingest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

func TestIDSet(t *testing.T) {
	var s idSet
	const n = 100_000
	for i := 0; i < n; i++ {
		if s.seen([]byte(fmt.Sprintf("evt-%d", i))) {
			t.Fatalf("evt-%d reported as seen before", i)
		}
	}
	for i := 0; i < n; i += 7 {
		if !s.seen([]byte(fmt.Sprintf("evt-%d", i))) {
			t.Fatalf("evt-%d not found", i)
		}
	}
	if s.len() != n {
		t.Errorf("len %d, want %d", s.len(), n)
	}
	if s.seen(nil) || !s.seen([]byte{}) {
		t.Errorf("the empty ID is one ID")
	}
}

// TestIDSetConcurrent: goroutines adding overlapping IDs find each new ID
// exactly once.
func TestIDSetConcurrent(t *testing.T) {
	var s idSet
	var fresh atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20_000; i++ {
				if !s.seen([]byte(fmt.Sprintf("id-%d", (i*7+g*5000)%30_000))) {
					fresh.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if fresh.Load() != int64(s.len()) || s.len() != 30_000 {
		t.Errorf("%d fresh, %d distinct, want 30000", fresh.Load(), s.len())
	}
}
