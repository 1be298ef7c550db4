package ingest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// firstMember returns the decompressed first gzip member of data and the
// number of bytes after it, read with the standard library, as verify does.
func firstMember(t *testing.T, data []byte) ([]byte, int64) {
	t.Helper()
	br := bytes.NewReader(data)
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return body, int64(br.Len())
}

func manyEvents(n int, pad int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("e%06d-%s", i, strings.Repeat("x", pad))
	}
	return s3File(ids...)
}

func jsonLines(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(event(fmt.Sprintf("l%07d", i)))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestFileHashes: the hashes taken while reading are the SHA-256 of the
// decompressed first member (of the whole file when not gzip), whatever
// path the file takes through the worker, and hashing changes nothing the
// Run reports.
func TestFileHashes(t *testing.T) {
	big := manyEvents(3000, 200) // about 750 KB decompressed
	tests := []struct {
		name  string
		data  func(t *testing.T) []byte
		setup func() func() // changes thresholds, returns the undo
		want  FileHash      // Gzip, TrailingGzip, Events and whether Err is set
		plain bool
	}{
		{name: "plain", plain: true, data: func(t *testing.T) []byte { return []byte(s3File("a", "b")) },
			want: FileHash{Events: 2}},
		{name: "gzip", data: func(t *testing.T) []byte { return gz(t, s3File("a", "b")) },
			want: FileHash{Gzip: true, Events: 2}},
		{name: "appended gzip member: trailing data, still read",
			data: func(t *testing.T) []byte {
				doc := s3File("a", "b", "c")
				return append(gz(t, doc[:50]), gz(t, doc[50:])...)
			},
			want: FileHash{Gzip: true, TrailingGzip: true, Events: 3}},
		{name: "appended garbage",
			data: func(t *testing.T) []byte { return append(gz(t, s3File("a")), "garbage"...) },
			want: FileHash{Gzip: true, Events: 1}},
		{name: "skipped after sniffing: hashed to the end",
			data: func(t *testing.T) []byte {
				return gz(t, `{"x":1,"pad":"`+strings.Repeat("y", 200<<10)+`"}`+"\n"+`{"y":2}`)
			},
			want: FileHash{Gzip: true}},
		{name: "syntax error mid-file: hashed to the end",
			data: func(t *testing.T) []byte {
				return gz(t, `{"Records":[`+event("a")+`,{"eventTime":]}`+strings.Repeat(" ", 300<<10))
			},
			want: FileHash{Gzip: true, Events: 1}},
		{name: "streamed (over wholeGzipMax)", data: func(t *testing.T) []byte { return append(gz(t, big), gz(t, "  ")...) },
			setup: func() func() { s := wholeGzipMax; wholeGzipMax = 1 << 10; return func() { wholeGzipMax = s } },
			want:  FileHash{Gzip: true, TrailingGzip: true, Events: 3000}},
		{name: "read-ahead (over readAheadMin)", data: func(t *testing.T) []byte { return append(gz(t, big), gz(t, "  ")...) },
			setup: func() func() {
				s, a := wholeGzipMax, readAheadMin
				wholeGzipMax, readAheadMin = 1<<10, 1<<10
				return func() { wholeGzipMax, readAheadMin = s, a }
			},
			want: FileHash{Gzip: true, TrailingGzip: true, Events: 3000}},
		{name: "json lines in lanes", plain: true, data: func(t *testing.T) []byte { return []byte(jsonLines(20000)) },
			setup: func() func() {
				s := parallelLinesMin
				parallelLinesMin = 1 << 10
				return func() { parallelLinesMin = s }
			},
			want: FileHash{Events: 20000}},
		{name: "json lines in lanes, gzip", data: func(t *testing.T) []byte { return gz(t, jsonLines(20000)) },
			setup: func() func() {
				s := parallelLinesMin
				parallelLinesMin = 1 << 10
				return func() { parallelLinesMin = s }
			},
			want: FileHash{Gzip: true, Events: 20000}},
		{name: "truncated gzip: no hash", data: func(t *testing.T) []byte { b := gz(t, big); return b[:len(b)/2] },
			want: FileHash{Gzip: true, Events: 1479, Err: io.ErrUnexpectedEOF}},
		{name: "over MaxFileBytes: no hash", data: func(t *testing.T) []byte { return gz(t, big) },
			want: FileHash{Gzip: true, Events: 225, Err: ErrTooBig}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				defer tt.setup()()
			}
			data := tt.data(t)
			path := write(t, t.TempDir(), "AWSLogs/f.json.gz", data)
			other := write(t, filepath.Dir(path), "not-hashed.json", []byte(s3File("z")))
			opts := Options{Workers: 2}
			if tt.want.Err == ErrTooBig {
				opts.MaxFileBytes = 64 << 10
			}
			plainRes, plainSink := run(t, []string{path, other}, opts)
			opts.HashFiles = func(p string) bool { return p == path }
			res, sink := run(t, []string{path, other}, opts)

			// Hashing changes nothing else.
			if !reflect.DeepEqual(errStrings(res.Errors), errStrings(plainRes.Errors)) || !reflect.DeepEqual(res.Stats, plainRes.Stats) ||
				!reflect.DeepEqual(res.Skipped, plainRes.Skipped) || !reflect.DeepEqual(sink.sorted(t), plainSink.sorted(t)) {
				t.Errorf("with hashing: errors %q stats %v skipped %v; without: %q %v %v",
					errStrings(res.Errors), res.Stats, res.Skipped, errStrings(plainRes.Errors), plainRes.Stats, plainRes.Skipped)
			}
			if plainRes.FileHashes != nil {
				t.Errorf("without HashFiles: FileHashes %v", plainRes.FileHashes)
			}
			if len(res.FileHashes) != 1 {
				t.Fatalf("FileHashes = %+v, want one, of %s", res.FileHashes, path)
			}
			fh := res.FileHashes[0]
			if fh.Path != path || fh.Gzip != tt.want.Gzip || fh.TrailingGzip != tt.want.TrailingGzip || fh.Events != tt.want.Events {
				t.Errorf("got %+v, want %+v", fh, tt.want)
			}
			if tt.want.Err != nil {
				if !errors.Is(fh.Err, tt.want.Err) {
					t.Errorf("Err = %v, want %v", fh.Err, tt.want.Err)
				}
				return
			}
			if fh.Err != nil {
				t.Fatalf("Err = %v", fh.Err)
			}
			body, trailing := data, int64(0)
			if !tt.plain {
				body, trailing = firstMember(t, data)
			}
			if fh.SHA256 != sha256.Sum256(body) || fh.Size != int64(len(body)) || fh.TrailingBytes != trailing {
				t.Errorf("hash %x size %d trailing %d, want %x %d %d", fh.SHA256, fh.Size, fh.TrailingBytes, sha256.Sum256(body), len(body), trailing)
			}
		})
	}
}

// TestNoHasherWithoutHashFiles: without Options.HashFiles a worker never
// sets up the hasher (no SHA-256 state, nothing wraps the body); with it,
// only the files it names are hashed.
func TestNoHasherWithoutHashFiles(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.json.gz", gz(t, s3File("a")))
	for _, hashFiles := range []func(string) bool{nil, func(string) bool { return false }} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		opts := Options{Mem: mem, Workers: 1, HashFiles: hashFiles}.withDefaults()
		out := make(chan arrow.Record, 1)
		w := newWorker(t.Context(), &opts, nil, out, nil)
		var files, events, nbytes atomic.Int64
		w.filesDone, w.nevents, w.bytes = &files, &events, &nbytes
		if err := w.file(job{path: p}); err != nil {
			t.Fatal(err)
		}
		if err := w.dec.Flush(); err != nil {
			t.Fatal(err)
		}
		(<-out).Release()
		w.dec.Release()
		mem.AssertSize(t, 0)
		if w.hash.h != nil || w.hashes != nil {
			t.Errorf("HashFiles %v: hasher set up (%v) or hashes kept (%v)", hashFiles != nil, w.hash.h != nil, w.hashes)
		}
	}
}
