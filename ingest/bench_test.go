package ingest

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	kgzip "github.com/klauspost/compress/gzip"

	"github.com/keyaudit/keyaudit/ingest/internal/synth"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// cpuTime is the process's user+system CPU time: benchmarks report MB per
// CPU-second too, which stays meaningful on a shared, loaded machine where
// wall-clock MB/s does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchTree writes files .json.gz files of perFile synthetic events each
// and returns the directory and the decompressed size.
func benchTree(b *testing.B, files, perFile int) (string, int64) {
	b.Helper()
	dir := b.TempDir()
	var total int64
	for f := 0; f < files; f++ {
		var raw bytes.Buffer
		n, err := synth.Records(&raw, 7, f*perFile, perFile)
		if err != nil {
			b.Fatal(err)
		}
		total += n
		var z bytes.Buffer
		w := kgzip.NewWriter(&z)
		if _, err := w.Write(raw.Bytes()); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("AWSLogs/123456789012/CloudTrail/us-east-1/2026/10/01/f%04d.json.gz", f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, z.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir, total
}

// BenchmarkRun reads a tree of .json.gz S3 files (decompressed size in
// SetBytes) into Arrow records with dedup, as keyaudit does. Set
// KEYAUDIT_BENCH_DIR to read a larger tree instead (e.g. one from
// `go run ./cmd/ctgen -out DIR`).
//
// Measured on the project's 2-core VM (shared with other jobs; 2026-11-26)
// over a cmd/ctgen corpus of 2,000,000 events in 2,500 .json.gz files
// (2.42 GB of JSON, 290 MB gzip):
//
//	ctgen -out /tmp/ctbig -events 2000000 -files 2500 -dups 0.01 -j 2 -q
//	time (find /tmp/ctbig -name '*.json.gz' -not -path '*Digest*' | xargs -P2 -n 100 zcat >/dev/null)
//	    4.48 s wall, 8.55 s CPU
//	KEYAUDIT_BENCH_DIR=/tmp/ctbig go test ./ingest -run X -bench Run/workers=2 -benchtime 2x
//	    5.50 s wall (1.23x zcat), 440 MB/s, 266 MB per CPU-second, 360,000 events/s
//
// Per CPU-second on the 200,000-event corpus (ctgen -events 200000 -files
// 250): gunzip alone 750-845 MB (klauspost; compress/gzip 490-630, hence
// klauspost), decoding alone 590-670 MB (BenchmarkParsers), the whole Run
// 260-305 MB.
func BenchmarkRun(b *testing.B) {
	dir, size := os.Getenv("KEYAUDIT_BENCH_DIR"), int64(0)
	if dir == "" {
		dir, size = benchTree(b, 40, 1000)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var events int64
			start := cpuTime()
			b.ResetTimer()
			read := int64(0)
			for i := 0; i < b.N; i++ {
				res, err := Run(context.Background(), []string{dir}, Options{Mem: memory.NewGoAllocator(), Workers: workers,
					Progress: func(p Progress) { read = p.Bytes }}, nil)
				if err != nil {
					b.Fatal(err)
				}
				events = 0
				for _, c := range res.Stats {
					events += c.Used
				}
			}
			b.StopTimer()
			cpu := cpuTime() - start
			if size == 0 {
				size = read
			}
			b.SetBytes(size)
			b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkGunzip compares klauspost/compress/gzip (used) with the
// standard library on one synthetic S3 file (decompressed size in
// SetBytes).
func BenchmarkGunzip(b *testing.B) {
	var files [][]byte // compressed
	var size int64     // decompressed, all files
	if dir := os.Getenv("KEYAUDIT_BENCH_DIR"); dir != "" {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && len(files) < 40 && filepath.Ext(p) == ".gz" && !bytes.Contains([]byte(p), []byte("Digest")) {
				if data, err := os.ReadFile(p); err == nil {
					files = append(files, data)
				}
			}
			return nil
		})
	} else {
		var raw bytes.Buffer
		if _, err := synth.Records(&raw, 3, 0, 2000); err != nil {
			b.Fatal(err)
		}
		var z bytes.Buffer
		w := stdgzip.NewWriter(&z)
		w.Write(raw.Bytes())
		w.Close()
		files = append(files, z.Bytes())
	}
	for _, f := range files {
		r, err := stdgzip.NewReader(bytes.NewReader(f))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, r)
		size += n
	}
	buf := make([]byte, 256<<10)
	for _, impl := range []string{"klauspost", "stdlib"} {
		b.Run(impl, func(b *testing.B) {
			b.SetBytes(size)
			kr, _ := kgzip.NewReader(bytes.NewReader(files[0]))
			sr, _ := stdgzip.NewReader(bytes.NewReader(files[0]))
			start := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, f := range files {
					var r io.Reader
					if impl == "klauspost" {
						kr.Reset(bytes.NewReader(f))
						r = kr
					} else {
						sr.Reset(bytes.NewReader(f))
						r = sr
					}
					for {
						_, err := r.Read(buf)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(size)*float64(b.N)/1e6/(cpuTime()-start).Seconds(), "MB/cpu-s")
		})
	}
}

const largeFileEvents = 100000

// largeFileJSON is one cmd/ctgen log file of largeFileEvents events (about
// 120 MB of JSON), for the one-large-file benchmarks.
func largeFileJSON(b *testing.B) []byte {
	b.Helper()
	g, err := ctgen.New(ctgen.Config{Events: largeFileEvents, Files: 1, Accounts: 1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return g.RenderFile(0)
}

// BenchmarkOneLargeFile reads one large .json.gz file (decompressed size in
// SetBytes: 100,000 cmd/ctgen events, about 120 MB of JSON, 15 MB gzip) with
// two workers: "serial" inflates and decodes in one goroutine, "readahead"
// inflates in a goroutine of its own (what Run does for gzip files over
// readAheadMin), and "gunzip" only inflates the file, the floor for both.
// Compare their ns/op within one run; the machine is noisy.
func BenchmarkOneLargeFile(b *testing.B) {
	raw := largeFileJSON(b)
	var z bytes.Buffer
	zw := kgzip.NewWriter(&z)
	if _, err := zw.Write(raw); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	compressed, size := z.Bytes(), int64(len(raw))
	path := filepath.Join(b.TempDir(), "large.json.gz")
	if err := os.WriteFile(path, compressed, 0o644); err != nil {
		b.Fatal(err)
	}
	zr, err := kgzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		b.Fatal(err)
	}
	savedWhole, savedAhead := wholeGzipMax, readAheadMin
	defer func() { wholeGzipMax, readAheadMin = savedWhole, savedAhead }()
	wholeGzipMax = 0 // streamed, as a file over 16 MiB is
	for _, mode := range []string{"gunzip", "serial", "readahead"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(size)
			readAheadMin = math.MaxInt64
			if mode == "readahead" {
				readAheadMin = 0
			}
			for i := 0; i < b.N; i++ {
				if mode == "gunzip" {
					zr.Reset(bytes.NewReader(compressed))
					if _, err := io.Copy(io.Discard, zr); err != nil {
						b.Fatal(err)
					}
					continue
				}
				res, err := Run(context.Background(), []string{path}, Options{Mem: memory.NewGoAllocator(), Workers: 2}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if c := res.Stats[KindCloudTrail]; c == nil || c.Records != largeFileEvents {
					b.Fatalf("read %+v, want %d events", c, largeFileEvents)
				}
			}
		})
	}
}

// BenchmarkOneLargeJSONLines reads one uncompressed JSON-lines file (100,000
// cmd/ctgen events, about 120 MB, decompressed size in SetBytes) with two
// workers: "serial" decodes every line in the worker, "lanes" hands blocks
// of lines to one decoder per core (what Run does over parallelLinesMin).
func BenchmarkOneLargeJSONLines(b *testing.B) {
	var file struct{ Records []json.RawMessage }
	if err := json.Unmarshal(largeFileJSON(b), &file); err != nil {
		b.Fatal(err)
	}
	var lines bytes.Buffer
	for _, r := range file.Records {
		lines.Write(r)
		lines.WriteByte('\n')
	}
	path := filepath.Join(b.TempDir(), "export.jsonl")
	if err := os.WriteFile(path, lines.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	saved := parallelLinesMin
	defer func() { parallelLinesMin = saved }()
	for _, mode := range []string{"serial", "lanes"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(lines.Len()))
			parallelLinesMin = math.MaxInt64
			if mode == "lanes" {
				parallelLinesMin = 0
			}
			for i := 0; i < b.N; i++ {
				res, err := Run(context.Background(), []string{path}, Options{Mem: memory.NewGoAllocator(), Workers: 2}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if c := res.Stats[KindJSONLines]; c == nil || c.Records != largeFileEvents {
					b.Fatalf("read %+v, want %d events", c, largeFileEvents)
				}
			}
		})
	}
}
