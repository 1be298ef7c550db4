package cache

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cespare/xxhash/v2"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// A snapshot is the facts of every CloudTrail file of one run, folded
// (facts.Aggregator.Facts), with the run's merged Result of those files and
// the sorted fingerprints of their eventIDs. A run over the same paths with
// the same options finds it by name; when every file it holds (a member)
// is still there, unchanged, the run delivers the snapshot in place of the
// members' entries, and only the other files (new ones) are served from
// their entries or parsed. On a ctgen tree of 1M events in 800 files the
// members' 618k rows of per-file facts fold to about 450k, and the
// snapshot is 54 MB against their entries' 244 MB; without the fold it
// was 64 MB, a warm run ~0.1 s slower and a cold one ~0.4 s faster
// (docs/BENCH.md).
//
// A snapshot file (DIR/snapshots/<hash>.kfs) is, little-endian:
//
//	magic "KAFSNAPS", u32 formatVersion, u32 facts.Version
//	chunks: each the facts of some records (body.go), 8-aligned
//	ids: the sorted union of the members' fingerprints (u64 each)
//	member ids: each member's sorted fingerprints, in member order
//	trailer: JSON of snapMeta, padded with spaces to 8
//	footer: u64 trailer offset, u64 JSON length, u64 xxhash64 of the
//	  trailer, magic "KAFSNAPS"
//
// Every chunk and both fingerprint regions have their own checksum, in
// the trailer; the fingerprints are read only when a run has other files
// to check against them. A run checks the footer and trailer when it
// plans, and every chunk (and the fingerprints it reads) before it
// delivers any, so a bad snapshot is reported, removed and not used (the
// run goes on from the entries), never half-delivered.
const (
	snapMagic   = "KAFSNAPS"
	snapDir     = "snapshots"
	snapExt     = ".kfs"
	snapChunk   = 1 << 20 // bytes of facts per chunk: what a delivering run holds of a snapshot
	snapFooter  = 32
	snapFold    = 1 << 14 // groups the folding Aggregator holds before it flushes (Options.MaxGroups)
	snapBatch   = 4096    // rows per record of the folding Aggregator (Options.BatchRows)
	snapRefresh = 8       // a run writes a new snapshot when the other files hold more than 1/snapRefresh of its rows
)

// snapMeta is a snapshot's trailer.
type snapMeta struct {
	Options string   `json:"options"`
	Paths   []string `json:"paths"`   // the paths of the run, as given
	Members []Key    `json:"members"` // in walk order
	Result  *meta    `json:"result"`  // the members' merged Result (no Key); Rows: the folded rows
	Chunks  []chunk  `json:"chunks"`
	IDs     chunk    `json:"ids"`        // the union of the members' fingerprints
	ByFile  chunk    `json:"member_ids"` // each member's, NIDs[i] of them
	NIDs    []int    `json:"member_nids"`
}

type chunk struct {
	Off int64  `json:"off"`
	Len int64  `json:"len"`
	Sum uint64 `json:"sum"`
}

// snapshotName is the file name of the snapshot of a run over paths with
// the options key okey.
func snapshotName(okey string, paths []string) string {
	return fmt.Sprintf("%016x%s", xxhash.Sum64String(okey+"\x00"+strings.Join(paths, "\x00")), snapExt)
}

// snapshot is an open snapshot whose trailer has been read and checked.
type snapshot struct {
	f    *os.File
	path string
	m    snapMeta
	ids  []uint64 // the IDs region, once read (has)
}

func (s *snapshot) Close() error { return s.f.Close() }

// rows is the number of folded fact rows the snapshot holds.
func (s *snapshot) rows() int64 {
	var n int64
	for _, r := range s.m.Result.Rows {
		n += r
	}
	return n
}

// has reports whether fingerprint h is among the members'; loadIDs first.
func (s *snapshot) has(h uint64) bool {
	_, ok := slices.BinarySearch(s.ids, h)
	return ok
}

// loadIDs reads the union of the members' fingerprints.
func (s *snapshot) loadIDs() error {
	if s.ids != nil {
		return nil
	}
	ids, err := s.readIDs(s.m.IDs)
	s.ids = ids
	return err
}

// memberIDs reads each member's fingerprints.
func (s *snapshot) memberIDs() ([][]uint64, error) {
	all, err := s.readIDs(s.m.ByFile)
	if err != nil {
		return nil, err
	}
	out := make([][]uint64, len(s.m.NIDs))
	for i, n := range s.m.NIDs {
		if n < 0 || n > len(all) {
			return nil, errCorrupt
		}
		out[i], all = all[:n:n], all[n:]
	}
	if len(all) != 0 {
		return nil, errCorrupt
	}
	return out, nil
}

func (s *snapshot) readIDs(c chunk) ([]uint64, error) {
	b := make([]byte, c.Len)
	if _, err := s.f.ReadAt(b, c.Off); err != nil && !errors.Is(err, io.EOF) {
		return nil, errCorrupt
	}
	if xxhash.Sum64(b) != c.Sum {
		return nil, errCorrupt
	}
	ids := make([]uint64, c.Len/8)
	le := binary.LittleEndian
	for i := range ids {
		ids[i] = le.Uint64(b[8*i:])
	}
	return ids, nil
}

// openSnapshot opens the snapshot at path and checks its header, footer
// and trailer (not its chunks). A missing snapshot is os.ErrNotExist.
func openSnapshot(path string) (*snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := readSnapshot(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.path = path
	return s, nil
}

func readSnapshot(f *os.File) (*snapshot, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	le := binary.LittleEndian
	var hdr [16]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[:8]) != snapMagic {
		if err == nil || size >= 16 {
			return nil, errForeign
		}
		return nil, errCorrupt
	}
	if le.Uint32(hdr[8:]) != formatVersion || le.Uint32(hdr[12:]) != facts.Version {
		return nil, fmt.Errorf("%w (format %d, facts_version %d; this keyaudit writes %d, %d)",
			errOldFormat, le.Uint32(hdr[8:]), le.Uint32(hdr[12:]), formatVersion, facts.Version)
	}
	if size < 16+snapFooter {
		return nil, errCorrupt
	}
	var foot [snapFooter]byte
	if _, err := f.ReadAt(foot[:], size-snapFooter); err != nil || string(foot[24:]) != snapMagic {
		return nil, errCorrupt
	}
	off, jlen := int64(le.Uint64(foot[0:])), int64(le.Uint64(foot[8:]))
	if off < 16 || off%8 != 0 || jlen < 0 || off+jlen > size-snapFooter {
		return nil, errCorrupt
	}
	tr := make([]byte, size-snapFooter-off)
	if _, err := f.ReadAt(tr, off); err != nil || pad8(int(jlen)) != len(tr) {
		return nil, errCorrupt
	}
	if xxhash.Sum64(tr) != le.Uint64(foot[16:]) {
		return nil, errCorrupt
	}
	s := &snapshot{f: f}
	if err := json.Unmarshal(tr[:jlen], &s.m); err != nil || s.m.Result == nil {
		return nil, errCorrupt
	}
	// The parts tile the file between header and trailer, in order.
	end := int64(16)
	var total int
	for _, n := range s.m.NIDs {
		total += n
	}
	for _, c := range append(slices.Clone(s.m.Chunks), s.m.IDs, s.m.ByFile) {
		if c.Off != end || c.Len < 0 || c.Len%8 != 0 || c.Off+c.Len > off {
			return nil, errCorrupt
		}
		end += c.Len
	}
	if end != off || len(s.m.NIDs) != len(s.m.Members) || int64(total)*8 != s.m.ByFile.Len {
		return nil, errCorrupt
	}
	return s, nil
}

// check reads every chunk and compares it with its checksum, through one
// buffer of mem.
func (s *snapshot) check(mem memory.Allocator) error {
	var most int64
	for _, c := range s.m.Chunks {
		most = max(most, c.Len)
	}
	buf := memory.NewResizableBuffer(mem)
	defer buf.Release()
	buf.Resize(int(most))
	for _, c := range s.m.Chunks {
		b := buf.Bytes()[:c.Len]
		if err := s.read(b, c); err != nil {
			return err
		}
		if xxhash.Sum64(b) != c.Sum {
			return errCorrupt
		}
	}
	return nil
}

func (s *snapshot) read(b []byte, c chunk) error {
	if n, err := s.f.ReadAt(b, c.Off); n != len(b) || err != nil && !errors.Is(err, io.EOF) {
		return errCorrupt
	}
	return nil
}

// replay hands the facts of every chunk to sinks, one chunk at a time:
// each chunk's records share one buffer of mem, released after the
// sinks had them (a sink that keeps a record keeps its chunk). The
// chunks are not hashed again: check has just read them through the same
// open file, and decodeBody checks every bound, so a chunk changed in
// place since can give wrong facts but never a panic.
func (s *snapshot) replay(ctx context.Context, mem memory.Allocator, sinks ...facts.Sink) error {
	for _, c := range s.m.Chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf := memory.NewResizableBuffer(mem)
		buf.Resize(int(c.Len))
		err := s.read(buf.Bytes(), c)
		set := &facts.Set{}
		if err == nil {
			err = decodeBody(buf, set)
		}
		buf.Release()
		if err == nil {
			err = set.Replay(sinks...)
		}
		set.Release()
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// snapWriter writes a snapshot: it is the Sink of the folding Aggregator
// (records are encoded as they come, in chunks written to a temporary
// file), and finish writes the trailer and renames the file into place.
type snapWriter struct {
	dir, name string
	f         *os.File
	off       int64
	buf       []byte
	m         snapMeta
	err       error
	dict      *dictEnc
}

func newSnapWriter(cacheDir, name, okey string, paths []string) (*snapWriter, error) {
	dir := filepath.Join(cacheDir, snapDir)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return nil, err
	}
	w := &snapWriter{dir: dir, name: name, f: f, dict: newDictEnc(), m: snapMeta{Options: okey, Paths: paths, Result: &meta{}}}
	le := binary.LittleEndian
	w.buf = le.AppendUint32(le.AppendUint32(append(w.buf, snapMagic...), formatVersion), facts.Version)
	w.flushBuf()
	if w.err != nil {
		w.abort()
		return nil, w.err
	}
	return w, nil
}

// Facts encodes rec into the current chunk. It does not retain rec.
// A write error is kept for finish, never returned: the snapshot is
// given up, the run and the folding Aggregator's other sinks go on.
func (w *snapWriter) Facts(t facts.Table, rec arrow.Record) error {
	if w.err != nil {
		return nil
	}
	one := facts.Set{}
	one.Records[t] = []arrow.Record{rec}
	b, err := appendBody(w.buf, &one, w.dict)
	if err != nil {
		w.err = err
		return nil
	}
	w.buf = b
	w.m.Result.Rows[t] += rec.NumRows()
	if len(w.buf) >= snapChunk {
		w.endChunk()
	}
	return nil
}

// endChunk writes the facts encoded so far as one chunk.
func (w *snapWriter) endChunk() {
	if len(w.buf) == 0 || w.err != nil {
		return
	}
	w.m.Chunks = append(w.m.Chunks, chunk{Off: w.off, Len: int64(len(w.buf)), Sum: xxhash.Sum64(w.buf)})
	w.flushBuf()
}

func (w *snapWriter) flushBuf() {
	if w.err == nil {
		_, w.err = w.f.Write(w.buf)
	}
	w.off += int64(len(w.buf))
	w.buf = w.buf[:0]
}

// finish writes the fingerprints (ids, sorted; each member's, sorted, in
// m.Members' order) and the trailer (m's Options, Paths, Members and
// Result, whose Rows are the rows written) and renames the snapshot into
// place, or removes it on an error.
func (w *snapWriter) finish(ids []uint64, byFile [][]uint64) error {
	w.endChunk()
	le := binary.LittleEndian
	region := func(parts ...[]uint64) chunk {
		c := chunk{Off: w.off}
		d := xxhash.New()
		for _, p := range parts {
			for _, h := range p {
				w.buf = le.AppendUint64(w.buf, h)
				if len(w.buf) >= 1<<20 {
					d.Write(w.buf)
					c.Len += int64(len(w.buf))
					w.flushBuf()
				}
			}
		}
		d.Write(w.buf)
		c.Len += int64(len(w.buf))
		w.flushBuf()
		c.Sum = d.Sum64()
		return c
	}
	w.m.IDs = region(ids)
	w.m.ByFile = region(byFile...)
	w.m.NIDs = make([]int, len(byFile))
	for i, p := range byFile {
		w.m.NIDs[i] = len(p)
	}
	if w.err == nil {
		js, err := json.Marshal(&w.m)
		if err != nil {
			w.err = err
		} else {
			toff := w.off
			b := append(w.buf[:0], js...)
			for len(b)%8 != 0 {
				b = append(b, ' ')
			}
			sum := xxhash.Sum64(b)
			b = le.AppendUint64(le.AppendUint64(le.AppendUint64(b, uint64(toff)), uint64(len(js))), sum)
			w.buf = append(b, snapMagic...)
			w.flushBuf()
		}
	}
	tmp := w.f.Name()
	if err := errors.Join(w.err, w.f.Close()); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, filePerm); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, w.name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// abort removes the unfinished snapshot.
func (w *snapWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// resultMeta is the meta of a Result with no key: what an entry or a
// snapshot stores of it.
func resultMeta(res *ingest.Result) *meta {
	m := &meta{Stats: res.Stats, Skipped: res.Skipped}
	for _, e := range res.Errors {
		m.Errors = append(m.Errors, storedError{File: e.File, Line: e.Line, Record: e.Record,
			Column: e.Column, Msg: e.Err.Error(), Unlisted: e.Unlisted})
	}
	return m
}

// snapBuilder folds the facts of a run's member files into a new
// snapshot, and hands the folded rows to the run's sinks as well (in
// place of the files' own rows: fewer rows, the same facts, docs/FACTS.md
// rule 4). It is a Sink; add records a member's key, Result and
// fingerprints.
type snapBuilder struct {
	w       *snapWriter
	agg     *facts.Aggregator
	members []Key
	parts   []*ingest.Result
	ids     [][]uint64 // each member's fingerprints
}

func newSnapBuilder(mem memory.Allocator, cacheDir, name, okey string, paths []string, sinks []facts.Sink) (*snapBuilder, error) {
	w, err := newSnapWriter(cacheDir, name, okey, paths)
	if err != nil {
		return nil, err
	}
	to := append(sinks[:len(sinks):len(sinks)], w)
	return &snapBuilder{w: w, agg: facts.NewAggregator(mem, facts.Options{MaxGroups: snapFold, BatchRows: snapBatch}, to...)}, nil
}

// Facts folds rec; the error is a sink's (the snapshot's own are kept
// for finish). It does not retain rec.
func (b *snapBuilder) Facts(t facts.Table, rec arrow.Record) error {
	return b.agg.Facts(t, rec)
}

// add records member k, whose facts the builder has been given, with its
// Result and fingerprints.
func (b *snapBuilder) add(res *ingest.Result, ids []uint64, k Key) {
	b.members = append(b.members, k)
	b.parts = append(b.parts, res)
	b.ids = append(b.ids, ids)
}

// addSnapshot records the members of snapshot s, whose facts the builder
// has been given: their merged Result and each one's fingerprints.
func (b *snapBuilder) addSnapshot(res *ingest.Result, s *snapshot, byFile [][]uint64) {
	b.members = append(b.members, s.m.Members...)
	b.parts = append(b.parts, res)
	b.ids = append(b.ids, byFile...)
}

// finish hands the last folded rows to the sinks (err: a sink's) and
// writes the snapshot, or removes it on an error of its own (werr).
func (b *snapBuilder) finish(ctx context.Context) (werr, err error) {
	if err := b.agg.Close(); err != nil {
		b.w.abort()
		return nil, err
	}
	if err := ctx.Err(); err != nil { // a sink may have cancelled the run
		b.w.abort()
		return nil, err
	}
	if b.w.err == nil && len(b.members) == 0 {
		b.w.err = errors.New("no member files")
	}
	if b.w.err != nil {
		b.w.abort()
		return b.w.err, nil
	}
	var n int
	for _, s := range b.ids {
		n += len(s)
	}
	ids := make([]uint64, 0, n)
	for _, s := range b.ids {
		ids = append(ids, s...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows := b.w.m.Result.Rows
	b.w.m.Result = resultMeta(ingest.Merge(b.parts...))
	b.w.m.Result.Rows = rows
	b.w.m.Members = b.members
	return b.w.finish(ids, b.ids), nil
}

// abort removes the unfinished snapshot; the rows the Aggregator holds
// are dropped (its maps hold no Arrow memory).
func (b *snapBuilder) abort() {
	b.w.abort()
}
