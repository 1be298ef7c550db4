package main

import (
	"fmt"
	"io"
	"time"

	"github.com/keyaudit/keyaudit/ingest"
)

// progressBar draws one status line on a terminal's stderr. A nil
// *progressBar does nothing, so callers need no checks.
type progressBar struct {
	w     io.Writer
	start time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (b *progressBar) update(p ingest.Progress) {
	if b == nil {
		return
	}
	secs := time.Since(b.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.Events) / secs
	}
	// FilesTotal grows while the walk goes on, so no percentage: it would
	// run backwards.
	fmt.Fprintf(b.w, "\r\x1b[Kreading  files %d done of %d found  events %d  %.0f events/s  %.0f MB/s",
		p.FilesDone, p.FilesTotal, p.Events, rate, float64(p.Bytes)/1e6/max(secs, 1e-9))
	b.drawn = true
}

func (b *progressBar) done() {
	if b != nil && b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}
