package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

func event(id string) string {
	return fmt.Sprintf(`{"eventTime":"2026-10-01T10:00:00Z","eventName":"GetCallerIdentity","eventID":%q}`, id)
}

func s3File(ids ...string) string {
	var evs []string
	for _, id := range ids {
		evs = append(evs, event(id))
	}
	return `{"Records":[` + strings.Join(evs, ",") + `]}`
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunCases(t *testing.T) {
	type want struct {
		stats   map[Kind]Counts
		errs    []error  // causes, in order
		skipped []string // reasons (substrings), in order
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) []string
		opts  Options
		want  want
	}{
		{
			name: "gzip bomb stops at MaxFileBytes",
			setup: func(t *testing.T, dir string) []string {
				return []string{write(t, dir, "bomb.json.gz", gz(t, `{"Records":[`+strings.Repeat(" ", 8<<20)+`]}`))}
			},
			opts: Options{MaxFileBytes: 1 << 20},
			// Streamed up to the limit: what follows the '[' is cut, and,
			// as in any truncated file, counts as one rejected record.
			want: want{stats: map[Kind]Counts{KindCloudTrail: {Files: 1, FilesFailed: 1, Records: 1, Rejected: 1}}, errs: []error{ErrTooBig}},
		},
		{
			name: "multi-member gzip",
			setup: func(t *testing.T, dir string) []string {
				doc := s3File("a", "b", "c")
				data := append(gz(t, doc[:50]), gz(t, doc[50:])...)
				return []string{write(t, dir, "multi.json.gz", data)}
			},
			want: want{stats: map[Kind]Counts{KindCloudTrail: {Files: 1, Records: 3, Used: 3}}},
		},
		{
			name: "corrupt gzip header",
			setup: func(t *testing.T, dir string) []string {
				return []string{write(t, dir, "bad.gz", []byte{0x1f, 0x8b, 0, 0, 1, 2, 3})}
			},
			want: want{stats: map[Kind]Counts{KindUnknown: {Files: 1, FilesFailed: 1}}, errs: []error{ErrTruncated}},
		},
		{
			name: "json lines: overlong and broken lines are rejected, the rest read",
			setup: func(t *testing.T, dir string) []string {
				long := `{"eventTime":"2026-10-01T10:00:00Z","pad":"` + strings.Repeat("x", 600) + `"}`
				lines := []string{event("a"), long, `{"eventTime":`, "", event("b"), long + long, event("c")}
				return []string{write(t, dir, "e.jsonl", []byte(strings.Join(lines, "\n")))}
			},
			opts: Options{MaxRecordBytes: 300},
			want: want{stats: map[Kind]Counts{KindJSONLines: {Files: 1, Records: 6, Used: 3, Rejected: 3}},
				errs: []error{ErrLineTooLong, cloudtrail.ErrSyntax, ErrLineTooLong}},
		},
		{
			name: "json lines in gzip, no final newline",
			setup: func(t *testing.T, dir string) []string {
				return []string{write(t, dir, "e.jsonl.gz", gz(t, event("a")+"\r\n"+event("b")))}
			},
			want: want{stats: map[Kind]Counts{KindJSONLines: {Files: 1, Records: 2, Used: 2}}},
		},
		{
			name: "same file twice, via a symlink and a second argument",
			setup: func(t *testing.T, dir string) []string {
				p := write(t, dir, "d/a.json", []byte(s3File("a", "b")))
				if err := os.Symlink(p, filepath.Join(dir, "d", "link.json")); err != nil {
					t.Fatal(err)
				}
				return []string{filepath.Join(dir, "d"), p}
			},
			want: want{stats: map[Kind]Counts{KindCloudTrail: {Files: 1, Records: 2, Used: 2}},
				skipped: []string{"same file as", "same file as"}},
		},
		{
			name: "directory symlink loop",
			setup: func(t *testing.T, dir string) []string {
				write(t, dir, "a/b/e.json", []byte(s3File("a")))
				if err := os.Symlink("..", filepath.Join(dir, "a", "b", "up")); err != nil {
					t.Fatal(err)
				}
				return []string{filepath.Join(dir, "a")}
			},
			want: want{stats: map[Kind]Counts{KindCloudTrail: {Files: 1, Records: 1, Used: 1}},
				skipped: []string{"directory loop"}},
		},
		{
			name: "fifo is skipped without opening it",
			setup: func(t *testing.T, dir string) []string {
				p := filepath.Join(dir, "fifo")
				if err := syscall.Mkfifo(p, 0o644); err != nil {
					t.Skip("mkfifo:", err)
				}
				return []string{dir}
			},
			want: want{stats: map[Kind]Counts{KindUnknown: {Files: 1, FilesSkipped: 1}}, skipped: []string{"named pipe"}},
		},
		{
			name: "missing paths and dangling symlinks are errors, not fatal",
			setup: func(t *testing.T, dir string) []string {
				if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
					t.Fatal(err)
				}
				return []string{filepath.Join(dir, "missing"), dir}
			},
			want: want{stats: map[Kind]Counts{KindUnknown: {Files: 2, FilesFailed: 2}}, errs: []error{os.ErrNotExist, os.ErrNotExist}},
		},
		{
			name: "duplicates kept with NoDedup",
			setup: func(t *testing.T, dir string) []string {
				return []string{write(t, dir, "a.json", []byte(s3File("a", "b"))), write(t, dir, "b.json", []byte(s3File("a", "b", "")))}
			},
			opts: Options{NoDedup: true},
			want: want{stats: map[Kind]Counts{KindCloudTrail: {Files: 2, Records: 5, Used: 5}}},
		},
		{
			name: "duplicates across files; events without eventID are kept",
			setup: func(t *testing.T, dir string) []string {
				return []string{write(t, dir, "a.json", []byte(s3File("a", "b", ""))), write(t, dir, "b.json.gz", gz(t, s3File("a", "b", "c", "")))}
			},
			want: want{stats: map[Kind]Counts{KindCloudTrail: {Files: 2, Records: 7, Used: 5, Duplicate: 2}}},
		},
		{
			name: "a million nested arrays is an error, not a crash",
			setup: func(t *testing.T, dir string) []string {
				return []string{write(t, dir, "deep.json.gz", gz(t, strings.Repeat("[", 1_000_000)))}
			},
			want: want{stats: map[Kind]Counts{KindJSONArray: {Files: 1, FilesFailed: 1, Records: 1, Rejected: 1}}, errs: []error{cloudtrail.ErrTooDeep}},
		},
		{
			name: "unreadable file",
			setup: func(t *testing.T, dir string) []string {
				if os.Geteuid() == 0 {
					t.Skip("root reads any file")
				}
				p := write(t, dir, "secret.json", []byte(s3File("a")))
				if err := os.Chmod(p, 0); err != nil {
					t.Fatal(err)
				}
				return []string{p, write(t, dir, "ok.json", []byte(s3File("b")))}
			},
			want: want{stats: map[Kind]Counts{KindUnknown: {Files: 1, FilesFailed: 1}, KindCloudTrail: {Files: 1, Records: 1, Used: 1}},
				errs: []error{os.ErrPermission}},
		},
		{
			name: "two reports of one account: one is superseded",
			setup: func(t *testing.T, dir string) []string {
				data, err := os.ReadFile("testdata/tree/creds/credential-report.csv")
				if err != nil {
					t.Fatal(err)
				}
				return []string{write(t, dir, "a.csv", data), write(t, dir, "b.csv", data)}
			},
			want: want{stats: map[Kind]Counts{KindCredentialReport: {Files: 2, Records: 8, Used: 4, Skipped: 4}}},
		},
		{
			name: "CloudTrail-Insight folder",
			setup: func(t *testing.T, dir string) []string {
				write(t, dir, "AWSLogs/1/CloudTrail-Insight/us-east-1/x.json.gz", gz(t, s3File("a")))
				return []string{dir}
			},
			want: want{stats: map[Kind]Counts{KindUnknown: {Files: 1, FilesSkipped: 1}}, skipped: []string{"Insights"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := tt.setup(t, dir)
			res, _ := run(t, paths, tt.opts)
			got := statsOf(res)
			if len(got) != len(tt.want.stats) {
				t.Errorf("stats %+v, want %+v", got, tt.want.stats)
			}
			for k, w := range tt.want.stats {
				if got[k] != w {
					t.Errorf("%s: %+v, want %+v", k, got[k], w)
				}
			}
			if len(res.Errors) != len(tt.want.errs) {
				t.Fatalf("errors:\n%s\nwant causes %v", strings.Join(errStrings(res.Errors), "\n"), tt.want.errs)
			}
			for i, e := range res.Errors {
				if !errors.Is(e, tt.want.errs[i]) {
					t.Errorf("error %d = %v, want cause %v", i, e, tt.want.errs[i])
				}
				if e.File == "" {
					t.Errorf("error %d names no file: %v", i, e)
				}
			}
			if len(res.Skipped) != len(tt.want.skipped) {
				t.Fatalf("skipped %+v, want %v", res.Skipped, tt.want.skipped)
			}
			for i, s := range res.Skipped {
				if !strings.Contains(s.Reason, tt.want.skipped[i]) {
					t.Errorf("skipped %d: %+v, want reason with %q", i, s, tt.want.skipped[i])
				}
			}
		})
	}
}

func TestRunLineErrorsNameLine(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "e.jsonl", []byte(event("a")+"\n"+`{"eventTime":"2026-10-01T10:00:00Z","eventName":7}`+"\n"))
	res, _ := run(t, []string{p}, Options{})
	if len(res.Errors) != 1 {
		t.Fatalf("errors %v", errStrings(res.Errors))
	}
	if e := res.Errors[0]; e.Line != 2 || e.Record != 1 || e.Column != "eventName" || !strings.Contains(e.Error(), "e.jsonl:2: eventName:") {
		t.Errorf("error %q (line %d, record %d)", e, e.Line, e.Record)
	}
}

func TestRunStdin(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	go func() {
		w.Write(gz(t, s3File("a", "b")))
		w.Close()
	}()
	res, sink := run(t, []string{"-", "-"}, Options{})
	if len(sink.rows) != 2 || res.Stats[KindCloudTrail].Files != 1 || len(res.Skipped) != 1 {
		t.Errorf("rows %d, stats %+v, skipped %+v", len(sink.rows), res.Stats[KindCloudTrail], res.Skipped)
	}
}

func TestRunStdinOption(t *testing.T) {
	res, sink := run(t, []string{"-"}, Options{Stdin: strings.NewReader(event("a") + "\n" + event("b") + "\n")})
	if len(sink.rows) != 2 || res.Stats[KindJSONLines].Used != 2 {
		t.Errorf("rows %d, stats %+v", len(sink.rows), res.Stats)
	}
}

type failSink struct{ n int }

func (f *failSink) Events(arrow.Record) error {
	f.n++
	return errors.New("disk full")
}

func TestRunFatal(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 20; i++ {
		write(t, dir, fmt.Sprintf("f%02d.json", i), []byte(s3File(fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i))))
	}
	t.Run("sink error", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		sink := &failSink{}
		_, err := Run(context.Background(), []string{dir}, Options{Mem: mem, BatchRows: 1, Workers: 2}, sink)
		if err == nil || err.Error() != "disk full" || sink.n != 1 {
			t.Errorf("err %v after %d calls", err, sink.n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Run(ctx, []string{dir}, Options{Mem: mem}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("no allocator", func(t *testing.T) {
		if _, err := Run(context.Background(), []string{dir}, Options{}, nil); !errors.Is(err, ErrNoAllocator) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("nil sink and progress", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		var last Progress
		calls := 0
		res, err := Run(context.Background(), []string{dir}, Options{Mem: mem, Progress: func(p Progress) { last = p; calls++ }}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if calls == 0 || last.FilesDone != 20 || last.FilesTotal != 20 || last.Events != 40 || last.Bytes == 0 {
			t.Errorf("%d calls, last %+v", calls, last)
		}
		if c := res.Stats[KindCloudTrail]; c.Used != 40 {
			t.Errorf("stats %+v", c)
		}
	})
}

// TestTruncatedGzipPaths: a truncated gzip file reads the same whether it
// is inflated from memory (a small regular file) or streamed (stdin): the
// records before the cut are kept and the file is failed as truncated.
func TestTruncatedGzipPaths(t *testing.T) {
	var ids []string
	for i := 0; i < 3000; i++ {
		ids = append(ids, fmt.Sprintf("id-%04d-%x", i, i*7919))
	}
	data := gz(t, s3File(ids...))
	data = data[:len(data)*2/3]
	p := write(t, t.TempDir(), "cut.json.gz", data)

	fromFile, fileRows := run(t, []string{p}, Options{})
	fromStdin, stdinRows := run(t, []string{"-"}, Options{Stdin: bytes.NewReader(data)})
	saved := readAheadMin
	readAheadMin = 0 // the file is inflated through a readAhead
	fromAhead, aheadRows := run(t, []string{p}, Options{})
	readAheadMin = saved
	for name, res := range map[string]*Result{"file": fromFile, "stdin": fromStdin, "read ahead": fromAhead} {
		if len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrTruncated) {
			t.Errorf("%s: errors %v, want one %v", name, errStrings(res.Errors), ErrTruncated)
		}
		if c := res.Stats[KindCloudTrail]; c.FilesFailed != 1 {
			t.Errorf("%s: stats %+v, want the file failed", name, c)
		}
	}
	if len(fileRows.rows) == 0 || len(fileRows.rows) != len(stdinRows.rows) || len(fileRows.rows) != len(aheadRows.rows) {
		t.Errorf("kept %d rows from the file, %d from stdin and %d read ahead, want the same, > 0",
			len(fileRows.rows), len(stdinRows.rows), len(aheadRows.rows))
	}
}

// TestLargeFileStreams: a file several times the decoder's window is read
// whole, as a stream; with a MaxFileBytes below its size, the events before
// the limit are kept and the file is failed with ErrTooBig.
func TestLargeFileStreams(t *testing.T) {
	pad := strings.Repeat("x", 1000)
	var ids []string
	for i := 0; i < 20000; i++ { // ~21 MB of JSON, 5x the window
		ids = append(ids, fmt.Sprintf("%s-%06d", pad, i))
	}
	data := gz(t, s3File(ids...))
	p := write(t, t.TempDir(), "big.json.gz", data)

	for _, ahead := range []bool{false, true} {
		saved := readAheadMin
		if ahead {
			readAheadMin = 0 // inflated through a readAhead
		}
		res, sink := run(t, []string{p}, Options{})
		if c := res.Stats[KindCloudTrail]; len(sink.rows) != len(ids) || c.Used != int64(len(ids)) || len(res.Errors) != 0 {
			t.Errorf("ahead %v: rows %d, stats %+v, errors %v; want all %d events", ahead, len(sink.rows), c, errStrings(res.Errors), len(ids))
		}

		res, sink = run(t, []string{p}, Options{MaxFileBytes: 10 << 20})
		c := res.Stats[KindCloudTrail]
		if len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrTooBig) || c.FilesFailed != 1 {
			t.Errorf("ahead %v: errors %v, stats %+v; want the file failed as too big", ahead, errStrings(res.Errors), c)
		}
		if n := len(sink.rows); n < 9000 || n >= len(ids) {
			t.Errorf("ahead %v: kept %d events before the 10 MB limit, want about half of %d", ahead, n, len(ids))
		}
		readAheadMin = saved
	}
}
