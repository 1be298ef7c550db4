package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	internaldatasets "github.com/keyaudit/keyaudit/internal/datasets"
)

// collect is an EventSink that keeps every row as a map of column name to
// value (strings, RFC 3339 times, bools), for comparisons.
type collect struct {
	mu   sync.Mutex
	rows []map[string]any
	recs int
}

func (c *collect) Events(rec arrow.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !rec.Schema().Equal(cloudtrail.EventSchema) {
		return fmt.Errorf("unexpected schema %v", rec.Schema())
	}
	c.recs++
	c.rows = append(c.rows, rowsOf(rec)...)
	return nil
}

func rowsOf(rec arrow.Record) []map[string]any {
	rows := make([]map[string]any, rec.NumRows())
	for r := range rows {
		row := map[string]any{}
		for i := 0; i < int(rec.NumCols()); i++ {
			col := rec.Column(i)
			if col.IsNull(r) {
				continue
			}
			name := rec.ColumnName(i)
			switch a := col.(type) {
			case *array.String:
				row[name] = a.Value(r)
			case *array.Timestamp:
				row[name] = time.UnixMilli(int64(a.Value(r))).UTC().Format(time.RFC3339Nano)
			case *array.Boolean:
				row[name] = a.Value(r)
			default:
				row[name] = fmt.Sprintf("unexpected %T", a)
			}
		}
		rows[r] = row
	}
	return rows
}

// sorted returns the rows sorted by event_id, then event_time, then JSON.
func (c *collect) sorted(t *testing.T) []map[string]any {
	type keyed struct {
		key string
		row map[string]any
	}
	rows := make([]keyed, len(c.rows))
	for i, m := range c.rows {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = keyed{fmt.Sprint(m["event_id"], "|", m["event_time"], "|", string(b)), m}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = r.row
	}
	return out
}

// run runs Run with a checked allocator and checks the accounting.
func run(t *testing.T, paths []string, opts Options) (*Result, *collect) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts.Mem = mem
	sink := &collect{}
	res, err := Run(context.Background(), paths, opts, sink)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkAccounting(t, res, int64(len(sink.rows)))
	return res, sink
}

// checkAccounting checks Records = Used + Skipped + Rejected + Duplicate for
// every kind and that the used events are the rows delivered.
func checkAccounting(t *testing.T, res *Result, rows int64) {
	t.Helper()
	var used int64
	for k, c := range res.Stats {
		if c.Records != c.Used+c.Skipped+c.Rejected+c.Duplicate {
			t.Errorf("%s: records %d != used %d + skipped %d + rejected %d + duplicate %d",
				k, c.Records, c.Used, c.Skipped, c.Rejected, c.Duplicate)
		}
		if c.FilesSkipped+c.FilesFailed > c.Files {
			t.Errorf("%s: %d files skipped + %d failed > %d files", k, c.FilesSkipped, c.FilesFailed, c.Files)
		}
		switch k {
		case KindCredentialReport, KindCredentialsFile:
		default:
			used += c.Used
		}
	}
	if used != rows {
		t.Errorf("stats count %d used events, sink got %d rows", used, rows)
	}
}

// datasets locates the shared sample data, or skips.
func datasets(t testing.TB, sub string) string { return internaldatasets.Dir(t, sub) }

func errStrings(errs []*InputError) []string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return s
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
