package ingest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// linesFixture is a JSON-lines file of about 12 MB (several lineBlocks) with
// every kind of line the reader and the decoder treat specially: blank,
// invalid, wrong types, longer than maxLine, longer than a lineBlock (decoded
// by the reader itself), CRLF, duplicates, no final newline.
func linesFixture(maxLine int) string {
	rng := rand.New(rand.NewPCG(3, 4))
	pad := strings.Repeat("p", 900)
	var b strings.Builder
	huge := strings.Repeat("h", lineBlockBytes+lineBlockBytes/2)
	for i := 0; i < 3000; i++ {
		switch i {
		case 500, 2000:
			b.WriteString(`{"eventID":"long-` + fmt.Sprint(i) + `","x":"` + strings.Repeat("y", maxLine) + `"}` + "\n") // too long
			continue
		case 800, 1500:
			fmt.Fprintf(&b, `{"eventTime":"2026-10-01T11:00:00Z","eventName":"Huge","eventID":"huge-%d","requestParameters":{"blob":"%s"}}`+"\n", i, huge)
			continue
		case 1200:
			b.WriteString(`{"eventTime":"2026-10-01T11:00:00Z","eventID":"huge-bad","x":"` + huge + "\n") // invalid
			continue
		}
		switch r := rng.IntN(100); {
		case r < 3:
			b.WriteString("\n") // blank
		case r < 5:
			b.WriteString("  \t \n") // white space only
		case r < 8:
			b.WriteString(`{"eventTime":"2026-10-01T10:00:00Z","eventID":` + "\n") // invalid JSON
		case r < 11:
			b.WriteString(`{"eventTime":17,"eventName":"X","eventID":"bad-` + fmt.Sprint(i) + `"}` + "\n") // wrong type
		case r < 14:
			b.WriteString(event(fmt.Sprintf("id-%04d", i/2*2)) + "\r\n") // CRLF, and an identical copy of a neighbour
		default:
			fmt.Fprintf(&b, `{"eventTime":"2026-10-01T10:%02d:00Z","eventName":"ListBuckets","eventSource":"s3.amazonaws.com","eventID":"id-%04d","userAgent":"%s"}`+"\n", i%60, i, pad)
		}
	}
	b.WriteString(event("last-line-without-newline"))
	return b.String()
}

// TestLinesParallel: a large JSON-lines file decoded by several lanes gives
// the rows, counts and errors of the serial path, gzip or not, with the
// per-file error cap applied to the same errors.
func TestLinesParallel(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("two lanes need two cores")
	}
	const maxLine = 2 * lineBlockBytes
	data := linesFixture(maxLine)
	dir := t.TempDir()
	plain := write(t, dir, "export.jsonl", []byte(data))
	packed := write(t, dir, "export.jsonl.gz", gz(t, data))
	saved := parallelLinesMin
	defer func() { parallelLinesMin = saved }()
	for _, path := range []string{plain, packed} {
		parallelLinesMin = 1 << 62
		serial, serialRows := run(t, []string{path}, Options{Workers: 2, MaxRecordBytes: maxLine})
		parallelLinesMin = 0
		par, parRows := run(t, []string{path}, Options{Workers: 2, MaxRecordBytes: maxLine})

		c := serial.Stats[KindJSONLines]
		if c == nil || c.Used < 2000 || c.Rejected == 0 || c.Duplicate == 0 || c.Files != 1 {
			t.Fatalf("%s: the fixture does not exercise the decoder: %+v", path, c)
		}
		if pc := par.Stats[KindJSONLines]; len(par.Stats) != len(serial.Stats) || pc == nil || *pc != *c {
			t.Errorf("%s: stats differ:\n serial   %+v\n parallel %+v", path, *c, pc)
		}
		if !slices.ContainsFunc(serial.Errors, func(e *InputError) bool { return strings.Contains(e.Error(), "more problems not listed") }) {
			t.Errorf("%s: %d errors and no cap: the fixture does not reach maxErrorsPerFile", path, len(serial.Errors))
		}
		if got, want := errPositions(par.Errors), errPositions(serial.Errors); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: errors differ:\n serial   %d %q\n parallel %d %q", path, len(want), want, len(got), got)
		}
		if !reflect.DeepEqual(serialRows.sorted(t), parRows.sorted(t)) {
			t.Errorf("%s: rows differ: %d serial, %d parallel", path, len(serialRows.rows), len(parRows.rows))
		}
		if parRows.recs < 2 {
			t.Errorf("%s: %d records from the lanes, want one per lane at least", path, parRows.recs)
		}
	}
}

func TestLanesFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	big := parallelLinesMin + 1
	for _, tt := range []struct {
		size       int64
		compressed bool
		workers    int
		want       int
	}{
		{parallelLinesMin, false, 4, 1}, // small
		{-1, false, 4, 1},               // stdin or a pipe
		{big, false, 1, 1},              // --workers 1
		{big, false, 4, 4},              // one lane per core
		{big, true, 4, 3},               // a core for the inflater
	} {
		if got := lanesFor(tt.size, tt.compressed, tt.workers); got != tt.want {
			t.Errorf("lanesFor(%d, %v, %d) = %d, want %d", tt.size, tt.compressed, tt.workers, got, tt.want)
		}
	}
	runtime.GOMAXPROCS(8)
	if got := lanesFor(big, false, 8); got != maxLanes {
		t.Errorf("8 cores: %d lanes, want the cap %d", got, maxLanes)
	}
}

// errPositions renders errors with their line and record index, which
// Error() leaves out when it has the line.
func errPositions(errs []*InputError) []string {
	var s []string
	for _, e := range errs {
		s = append(s, fmt.Sprintf("line %d record %d: %v", e.Line, e.Record, e))
	}
	return s
}

// FuzzLinesParallel: on any input read as JSON lines, the lanes give the
// serial path's counts, errors and rows.
func FuzzLinesParallel(f *testing.F) {
	f.Add([]byte(event("a") + "\n\n" + event("b") + "\r\n  \n{\"eventID\":\n" + event("a")))
	f.Add([]byte(linesFixture(64)[:4096]))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := write(t, t.TempDir(), "f.jsonl", data)
		saved := parallelLinesMin
		defer func() { parallelLinesMin = saved }()
		opts := Options{Workers: 2, MaxRecordBytes: 256}
		parallelLinesMin = 1 << 62
		serial, serialRows := run(t, []string{path}, opts)
		parallelLinesMin = -1
		par, parRows := run(t, []string{path}, opts)
		if !reflect.DeepEqual(errPositions(serial.Errors), errPositions(par.Errors)) {
			t.Fatalf("errors differ:\n serial   %q\n parallel %q", errPositions(serial.Errors), errPositions(par.Errors))
		}
		for k, c := range serial.Stats {
			if pc := par.Stats[k]; pc == nil || *pc != *c {
				t.Fatalf("%s: stats differ: serial %+v, parallel %+v", k, *c, pc)
			}
		}
		if len(par.Stats) != len(serial.Stats) || !reflect.DeepEqual(serialRows.sorted(t), parRows.sorted(t)) {
			t.Fatalf("rows or kinds differ: %d/%d rows, %d/%d kinds", len(serialRows.rows), len(parRows.rows), len(serial.Stats), len(par.Stats))
		}
	})
}
