package cache

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cespare/xxhash/v2"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// An entry file is, little-endian:
//
//	magic "KAFCACHE"
//	u32 formatVersion, u32 facts.Version
//	u32 n, n bytes of meta (JSON), u64 nIDs, nIDs × u64 fingerprints
//	u64 xxhash64 of everything above
//	u64 m, m bytes of facts: per table with rows, u8 table, u64 len, an
//	  Arrow IPC stream of its records
//	u64 xxhash64 of the facts bytes
//
// The head (up to the first checksum) is all a run needs to plan; the
// facts are read only for the files whose facts it delivers. Each part
// has its own checksum, so a torn, truncated or edited entry is detected
// and rebuilt, never trusted.
const (
	magic         = "KAFCACHE"
	formatVersion = 1
)

// Key identifies the content of one input file without reading it all:
// the path as walked, size, modification time, and the xxhash64 of its
// first and last keyBlock bytes. Options is the ingest options and
// producer that shape an entry's facts.
type Key struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	MtimeNS int64  `json:"mtime_ns"`
	Head    uint64 `json:"head"`
	Tail    uint64 `json:"tail"`
	Options string `json:"options"`
}

// keyBlock is the size of the head and tail blocks hashed into a Key.
const keyBlock = 64 << 10

// fileKey computes the Key of path now; options is copied into it.
func fileKey(path, options string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return Key{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Key{}, err
	}
	k := Key{Path: path, Size: fi.Size(), MtimeNS: fi.ModTime().UnixNano(), Options: options}
	buf := make([]byte, min(keyBlock, fi.Size()))
	if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
		return Key{}, err
	}
	k.Head = xxhash.Sum64(buf)
	if _, err := f.ReadAt(buf, max(fi.Size()-keyBlock, 0)); err != nil && err != io.EOF {
		return Key{}, err
	}
	k.Tail = xxhash.Sum64(buf)
	return k, nil
}

// meta is what an entry says about its file besides the facts.
type meta struct {
	Key     Key                            `json:"key"`
	Stats   map[ingest.Kind]*ingest.Counts `json:"stats"`
	Errors  []storedError                  `json:"errors,omitempty"`
	Skipped []ingest.SkippedFile           `json:"skipped,omitempty"`
	Rows    [facts.NumTables]int64         `json:"rows"`
	ids     []uint64                       // fingerprints of the used events' eventIDs, sorted
}

// storedError is an ingest.InputError with its message kept as text.
type storedError struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Record   int    `json:"record"`
	Column   string `json:"column,omitempty"`
	Msg      string `json:"msg"`
	Unlisted int    `json:"unlisted,omitempty"`
}

func (m *meta) result() *ingest.Result {
	r := &ingest.Result{Stats: map[ingest.Kind]*ingest.Counts{}, Skipped: m.Skipped}
	for k, c := range m.Stats {
		cc := *c
		r.Stats[k] = &cc
	}
	for _, e := range m.Errors {
		r.Errors = append(r.Errors, &ingest.InputError{File: e.File, Line: e.Line, Record: e.Record,
			Column: e.Column, Err: errors.New(e.Msg), Unlisted: e.Unlisted})
	}
	return r
}

func metaOf(k Key, res *ingest.Result, ids []uint64, set *facts.Set) *meta {
	m := &meta{Key: k, Stats: res.Stats, Skipped: res.Skipped, ids: ids}
	for _, e := range res.Errors {
		m.Errors = append(m.Errors, storedError{File: e.File, Line: e.Line, Record: e.Record,
			Column: e.Column, Msg: e.Err.Error(), Unlisted: e.Unlisted})
	}
	for t := range m.Rows {
		m.Rows[t] = set.Rows(facts.Table(t))
	}
	return m
}

// encode returns the bytes of an entry.
func encode(mem memory.Allocator, m *meta, set *facts.Set) ([]byte, error) {
	js, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(magic)
	le := binary.LittleEndian
	b.Write(le.AppendUint32(le.AppendUint32(nil, formatVersion), facts.Version))
	b.Write(le.AppendUint32(nil, uint32(len(js))))
	b.Write(js)
	b.Write(le.AppendUint64(nil, uint64(len(m.ids))))
	ids := make([]byte, 0, 8*len(m.ids))
	for _, h := range m.ids {
		ids = le.AppendUint64(ids, h)
	}
	b.Write(ids)
	b.Write(le.AppendUint64(nil, xxhash.Sum64(b.Bytes())))

	var fb bytes.Buffer
	for t := facts.Table(0); t < facts.NumTables; t++ {
		if len(set.Records[t]) == 0 {
			continue
		}
		var tb bytes.Buffer
		w := ipc.NewWriter(&tb, ipc.WithSchema(facts.Schema(t)), ipc.WithAllocator(mem))
		for _, rec := range set.Records[t] {
			if err := w.Write(rec); err != nil {
				w.Close()
				return nil, fmt.Errorf("encode %s: %w", t, err)
			}
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("encode %s: %w", t, err)
		}
		fb.WriteByte(byte(t))
		fb.Write(le.AppendUint64(nil, uint64(tb.Len())))
		fb.Write(tb.Bytes())
	}
	b.Write(le.AppendUint64(nil, uint64(fb.Len())))
	b.Write(fb.Bytes())
	b.Write(le.AppendUint64(nil, xxhash.Sum64(fb.Bytes())))
	return b.Bytes(), nil
}

// Errors of a bad entry; they say what is wrong, the caller says which.
var (
	errForeign   = errors.New("not a keyaudit cache entry")
	errCorrupt   = errors.New("corrupt (checksum mismatch or truncated)")
	errOldFormat = errors.New("made by another version")
)

// readMeta reads the head of the entry in f: its meta and fingerprints,
// checked. It returns the offset of the facts part.
func readMeta(f *os.File) (*meta, int64, error) {
	var hdr [20]byte
	if n, err := io.ReadFull(f, hdr[:]); err != nil {
		if n < len(magic) || string(hdr[:len(magic)]) != magic {
			return nil, 0, errForeign
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, errCorrupt
		}
		return nil, 0, err
	}
	if string(hdr[:8]) != magic {
		return nil, 0, errForeign
	}
	le := binary.LittleEndian
	if le.Uint32(hdr[8:]) != formatVersion || le.Uint32(hdr[12:]) != facts.Version {
		return nil, 0, fmt.Errorf("%w (format %d, facts_version %d; this keyaudit writes %d, %d)",
			errOldFormat, le.Uint32(hdr[8:]), le.Uint32(hdr[12:]), formatVersion, facts.Version)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	n := int64(le.Uint32(hdr[16:]))
	if 20+n+8 > fi.Size() {
		return nil, 0, errCorrupt
	}
	head := make([]byte, 20+n+8)
	copy(head, hdr[:])
	if _, err := io.ReadFull(f, head[20:]); err != nil {
		return nil, 0, errCorrupt
	}
	nids := int64(le.Uint64(head[20+n:]))
	if nids < 0 || 20+n+8+8*nids+8 > fi.Size() {
		return nil, 0, errCorrupt
	}
	head = append(head, make([]byte, 8*nids+8)...)
	if _, err := io.ReadFull(f, head[20+n+8:]); err != nil {
		return nil, 0, errCorrupt
	}
	end := len(head) - 8
	if xxhash.Sum64(head[:end]) != le.Uint64(head[end:]) {
		return nil, 0, errCorrupt
	}
	m := &meta{}
	if err := json.Unmarshal(head[20:20+n], m); err != nil {
		return nil, 0, errCorrupt
	}
	m.ids = make([]uint64, nids)
	p := head[20+n+8:]
	for i := range m.ids {
		m.ids[i] = le.Uint64(p[8*i:])
	}
	return m, int64(len(head)), nil
}

// checkFacts checks the checksum of the facts part of the entry in f, at
// off, without decoding it.
func checkFacts(f *os.File, off int64) error {
	_, err := factsBody(f, off)
	return err
}

func factsBody(f *os.File, off int64) ([]byte, error) {
	var n [8]byte
	if _, err := f.ReadAt(n[:], off); err != nil {
		return nil, errCorrupt
	}
	le := binary.LittleEndian
	size := int64(le.Uint64(n[:]))
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if size < 0 || off+8+size+8 != fi.Size() {
		return nil, errCorrupt
	}
	buf := make([]byte, size+8)
	if _, err := f.ReadAt(buf, off+8); err != nil {
		return nil, errCorrupt
	}
	body := buf[:size]
	if xxhash.Sum64(body) != le.Uint64(buf[size:]) {
		return nil, errCorrupt
	}
	return body, nil
}

// readFacts reads the facts part of the entry in f, at off, and hands
// every record to sinks, releasing it after.
func readFacts(mem memory.Allocator, f *os.File, off int64, sinks []facts.Sink) error {
	body, err := factsBody(f, off)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	// Parse the whole part before delivering anything, so that a sink
	// never sees half an entry.
	var set facts.Set
	defer set.Release()
	for len(body) > 0 {
		if len(body) < 9 {
			return errCorrupt
		}
		t := facts.Table(body[0])
		l := int64(le.Uint64(body[1:]))
		if t < 0 || t >= facts.NumTables || l < 0 || 9+l > int64(len(body)) {
			return errCorrupt
		}
		if err := readTable(mem, t, body[9:9+l], &set); err != nil {
			return err
		}
		body = body[9+l:]
	}
	return set.Replay(sinks...)
}

func readTable(mem memory.Allocator, t facts.Table, b []byte, set *facts.Set) error {
	r, err := ipc.NewReader(bytes.NewReader(b), ipc.WithAllocator(mem), ipc.WithSchema(facts.Schema(t)))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errCorrupt, t, err)
	}
	defer r.Release()
	for r.Next() {
		var rec arrow.Record = r.Record()
		if _, err := facts.NewView(t, rec); err != nil {
			return fmt.Errorf("%w: %v", errCorrupt, err)
		}
		if err := set.Facts(t, rec); err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%w: %s: %v", errCorrupt, t, err)
	}
	return nil
}
