package verify

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// MaxDigestBytes bounds an uncompressed digest file, which is held in
// memory (an hour of an organization trail lists a few thousand logs, a
// few MB). A larger file is invalid-format.
const MaxDigestBytes = 64 << 20

// localFile is one CloudTrail log or digest found under PATH.
type localFile struct {
	path string // as walked
	key  digest.Key
}

// content is what reading a gzip file found.
type content struct {
	sum      [sha256.Size]byte
	data     []byte // the uncompressed first member, when kept
	trailing int64  // bytes after the first member
	second   bool   // they start like another gzip member
	err      error  // not readable as gzip; the rest is meaningless
}

func (c content) hash() string { return hex.EncodeToString(c.sum[:]) }

func (c content) trailingDetail() string {
	what := "data"
	if c.second {
		what = "a second gzip member"
	}
	return fmt.Sprintf("%d bytes after the first gzip member (%s), not hashed", c.trailing, what)
}

// errTooLarge is the cause of a read error past the size limit.
var errTooLarge = errors.New("decompresses to more than the size limit")

// gzReader is the reusable state of readGzip: its buffers are most of
// what reading a small log costs, so each worker keeps one (readers).
type gzReader struct {
	br  *bufio.Reader
	zr  *gzip.Reader
	buf []byte
}

var readers = sync.Pool{New: func() any {
	return &gzReader{br: bufio.NewReaderSize(nil, 16<<10), buf: make([]byte, 32<<10)}
}}

// readGzip hashes exactly the decompressed bytes of the first gzip member
// of path and counts what follows it. With keep, the bytes are returned
// too (at most max of them either way).
func readGzip(path string, keep bool, max int64) content {
	var c content
	f, err := os.Open(path)
	if err != nil {
		c.err = fmt.Errorf("read: %w", unwrapPath(err))
		return c
	}
	defer f.Close()
	g := readers.Get().(*gzReader)
	defer readers.Put(g)
	g.br.Reset(f)
	if g.zr == nil {
		g.zr, err = gzip.NewReader(g.br)
	} else {
		err = g.zr.Reset(g.br)
	}
	if err != nil {
		c.err = fmt.Errorf("not gzip: %v", err)
		return c
	}
	g.zr.Multistream(false)
	h := sha256.New()
	var w io.Writer = h
	var buf bytes.Buffer
	if keep {
		w = io.MultiWriter(h, &buf)
	}
	n, err := io.CopyBuffer(w, io.LimitReader(g.zr, max+1), g.buf)
	switch {
	case err != nil:
		c.err = fmt.Errorf("gzip: %v", err)
		return c
	case n > max:
		c.err = fmt.Errorf("%w (%d bytes)", errTooLarge, max)
		return c
	}
	h.Sum(c.sum[:0])
	if keep {
		c.data = buf.Bytes()
	}
	if head, _ := g.br.Peek(2); len(head) > 0 {
		c.second = len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b
		c.trailing, _ = io.CopyBuffer(io.Discard, g.br, g.buf)
	}
	return c
}

// hashed is the content of a log hashed by the ingest, in the terms of
// readGzip. The wording of an unreadable gzip stream's error may differ
// from readGzip's (another inflater read it); its status does not.
func hashed(fh ingest.FileHash, max int64) content {
	var c content
	switch {
	case !fh.Gzip && fh.Size == 0:
		c.err = fmt.Errorf("not gzip: %v", io.EOF)
	case !fh.Gzip:
		c.err = fmt.Errorf("not gzip: %v", gzip.ErrHeader)
	case errors.Is(fh.Err, ingest.ErrTooBig):
		c.err = fmt.Errorf("%w (%d bytes)", errTooLarge, max)
	case fh.Err != nil:
		c.err = fmt.Errorf("gzip: %v", unwrapPath(fh.Err))
	default:
		c.sum, c.trailing, c.second = fh.SHA256, fh.TrailingBytes, fh.TrailingGzip
	}
	return c
}

// unwrapPath drops the path of an *fs.PathError: rows name the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// tree is what walking PATH found.
type tree struct {
	digests []*localFile
	logs    []*localFile
	bad     []Row // files in CloudTrail folders with names CloudTrail does not write
	ignored int   // other files
}

// walk finds every CloudTrail log and digest under paths, in walk order
// (arguments in order, directories sorted), each file once.
func walk(paths []string) *tree {
	t := &tree{}
	type id struct{ dev, ino uint64 }
	seen := map[id]bool{}
	ingest.VisitFiles(paths, func(path string, fi fs.FileInfo) {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			k := id{uint64(st.Dev), uint64(st.Ino)}
			if seen[k] {
				return
			}
			seen[k] = true
		}
		slash := filepath.ToSlash(path)
		key, err := digest.ParseKey(slash)
		switch {
		case errors.Is(err, digest.ErrNotCloudTrail):
			t.ignored++
		case err != nil:
			kind := digest.KindLog
			if strings.Contains(slash, "/CloudTrail-Digest/") {
				kind = digest.KindDigest
			}
			t.bad = append(t.bad, Row{Kind: kind, Status: InvalidFormat, Path: path, S3Object: digest.KeyPath(slash), Detail: err.Error()})
		case key.Kind == digest.KindDigest:
			t.digests = append(t.digests, &localFile{path: path, key: key})
		default:
			t.logs = append(t.logs, &localFile{path: path, key: key})
		}
	})
	return t
}

// dedup keeps the first file of each key (files sorted by path) and
// returns rows for the others: two local files claiming one S3 key cannot
// both be the object a digest names.
func dedup(files []*localFile) ([]*localFile, []Row) {
	sort.SliceStable(files, func(i, j int) bool { return files[i].path < files[j].path })
	first := map[string]*localFile{}
	var keep []*localFile
	var rows []Row
	for _, f := range files {
		if o := first[f.key.Path]; o != nil {
			rows = append(rows, Row{Kind: f.key.Kind, Status: InvalidFormat, Path: f.path, S3Object: f.key.Path,
				Account: f.key.Account, Region: f.key.Region,
				Detail: "same S3 key as " + o.path + ": verify one copy of a bucket at a time"})
			continue
		}
		first[f.key.Path] = f
		keep = append(keep, f)
	}
	return keep, rows
}

// parallel runs do(i) for i in [0, n) on workers goroutines; it stops
// early when ctx is done.
func parallel(ctx context.Context, n, workers int, do func(i int)) error {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				do(i)
			}
		}()
	}
	var err error
loop:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break loop
		}
	}
	close(next)
	wg.Wait()
	return err
}
