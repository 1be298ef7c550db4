package sessions

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/coltest"
)

// only returns a copy of e with the columns not in cols cleared.
func only(e *ct.Event, cols []int) *ct.Event {
	c := *e
	for i := 0; i < ct.NumColumns; i++ {
		if !slices.Contains(cols, i) {
			c.Strings[i], c.Times[i], c.Bools[i] = "", time.Time{}, nil
		}
	}
	return &c
}

// TestColumns: Columns names every event column that the code reading
// events for a Builder names: this package's (none but through facts)
// and the facts Aggregator's, which Add feeds; and every scenario and
// real trail gives the same sessions when only those columns are present.
func TestColumns(t *testing.T) {
	if named := coltest.Named(t, "."); len(named) != 0 {
		t.Errorf("sessions reads event columns %v itself; it should read them only through facts", named)
	}
	coltest.Check(t, "../../facts", Columns())
	if !slices.Equal(Columns(), facts.EventColumns()) {
		t.Errorf("Columns() = %v, want facts.EventColumns() = %v", Columns(), facts.EventColumns())
	}

	for _, sc := range scenarios() {
		var cut []*ct.Event
		for _, e := range sc.events {
			cut = append(cut, only(e, Columns()))
		}
		if got, want := render(build(t, cut, len(cut))), render(build(t, sc.events, len(sc.events))); got != want {
			t.Errorf("%s: sessions differ with only Columns:\n%s\nwant:\n%s", sc.name, got, want)
		}
	}

	for _, name := range []string{"grycap-cloudtrail-tracker", "invictus-ir-aws-dataset"} {
		path := filepath.Join(datasetsDir(t), name)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("%s absent: %v", path, err)
		}
		full := render(ingestResult(t, ingest.Options{Workers: 2}, path))
		cut := render(ingestResult(t, ingest.Options{Workers: 2, OmitColumns: ct.OmitAllBut(Columns())}, path))
		if full != cut {
			t.Errorf("%s: sessions differ when only Columns are ingested", name)
		}
	}
}
