package report_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/ctgen"
	"github.com/keyaudit/keyaudit/report"
)

// BenchmarkEventsParquet encodes 100,000 cmd/ctgen events to Parquet with
// export's settings, on one encoding goroutine (so ns/op is CPU), from
// records of 800 rows (what an S3 tree's files give) and 8,192 rows. The
// writer gathers small records into runs before encoding; compare the two
// within one run (the machine is noisy).
func BenchmarkEventsParquet(b *testing.B) {
	mem := memory.NewGoAllocator()
	g, err := ctgen.New(ctgen.Config{Events: 100_000, Files: 1, Accounts: 1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	data := g.RenderFile(0)
	plain := []string{"event_time", "event_id", "request_id", "request_parameters", "response_elements", "additional_event_data"}
	for _, rows := range []int{800, 8192} {
		var recs []arrow.Record
		d := cloudtrail.NewDecoder(mem)
		d.BatchRows = rows
		d.Emit = func(r arrow.Record) error { recs = append(recs, r); return nil }
		if inErr, fatal := d.DecodeFile(data, cloudtrail.FormatRecords); inErr != nil || fatal != nil {
			b.Fatal(inErr, fatal)
		}
		if err := d.Flush(); err != nil {
			b.Fatal(err)
		}
		d.Release()
		for _, codec := range report.Compressions() {
			b.Run(fmt.Sprintf("%s/rows=%d", codec, rows), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for range b.N {
					w, err := report.NewParquetWriter(io.Discard, cloudtrail.EventSchema, report.Options{Allocator: mem,
						RowGroupBytes: 64 << 20, EncodeWorkers: 1, Compression: codec, PlainColumns: plain})
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range recs {
						if err := w.Write(r); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		for _, r := range recs {
			r.Release()
		}
	}
}
