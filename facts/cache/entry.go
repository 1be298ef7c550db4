package cache

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cespare/xxhash/v2"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// An entry file is, little-endian:
//
//	magic "KAFCACHE"
//	u32 formatVersion, u32 facts.Version
//	u32 n, n bytes of meta (JSON, padded with spaces so that what follows
//	  is 8-aligned), u64 nIDs, nIDs × u64 fingerprints
//	u64 xxhash64 of everything above
//	u64 m, m bytes of facts (see body.go)
//	u64 xxhash64 of the facts bytes
//
// The head (up to the first checksum) is what a run plans with when the
// index does not have it; the facts are read, with the head, in one read
// when the run delivers them. Each part has its own checksum, so a torn,
// truncated or edited entry is detected and rebuilt, never trusted.
const (
	magic         = "KAFCACHE"
	formatVersion = 2
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
// With the size and modification time it tells a changed file, and the
// tail of a .json.gz file ends with the CRC-32 and length of all of its
// content. 4 KiB: a warm run checks every input file, and 64 KiB blocks
// read most CloudTrail files whole (0.24 of the 2.4 CPU s of a warm run on
// 2,500 files).
const keyBlock = 4 << 10

// keyBufs holds the buffers fileKey reads into.
var keyBufs = sync.Pool{New: func() any { b := make([]byte, 2*keyBlock); return &b }}

// fileKey computes the Key of path now; options is copied into it. A
// file of up to 2 × keyBlock bytes is read in one
// pread; a larger one in two, its first and last block.
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
	size := fi.Size()
	k := Key{Path: path, Size: size, MtimeNS: fi.ModTime().UnixNano(), Options: options}
	bp := keyBufs.Get().(*[]byte)
	defer keyBufs.Put(bp)
	buf := *bp
	if size <= 2*keyBlock {
		n, err := f.ReadAt(buf[:size], 0)
		if err != nil && err != io.EOF {
			return Key{}, err
		}
		b := buf[:n]
		k.Head = xxhash.Sum64(b[:min(keyBlock, len(b))])
		k.Tail = xxhash.Sum64(b[max(len(b)-keyBlock, 0):])
		return k, nil
	}
	head, tail := buf[:keyBlock], buf[keyBlock:]
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return Key{}, err
	}
	if _, err := f.ReadAt(tail, size-keyBlock); err != nil && err != io.EOF {
		return Key{}, err
	}
	k.Head, k.Tail = xxhash.Sum64(head), xxhash.Sum64(tail)
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
	loc     loc                            // where the entry's parts are (not in the entry's own meta)
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
	m := resultMeta(res)
	m.Key, m.ids = k, ids
	for t := range m.Rows {
		m.Rows[t] = set.Rows(facts.Table(t))
	}
	return m
}

// loc is where an entry's parts are in its file, and their checksums:
// enough to read and check the whole entry in one read.
type loc struct {
	Entry   string `json:"entry"` // file name under entries/
	Size    int64  `json:"size"`  // of the whole entry file
	HeadSum uint64 `json:"head_sum"`
	BodyOff int64  `json:"body_off"` // of the facts bytes, 8-aligned
	BodyLen int64  `json:"body_len"`
	BodySum uint64 `json:"body_sum"`
}

// encode returns the bytes of an entry and where its parts are.
func encode(m *meta, set *facts.Set) ([]byte, loc, error) {
	js, err := json.Marshal(m)
	if err != nil {
		return nil, loc{}, err
	}
	for (20+len(js))%8 != 0 {
		js = append(js, ' ')
	}
	le := binary.LittleEndian
	b := make([]byte, 0, 64+len(js)+8*len(m.ids)+256*int(set.Rows(facts.KeyUse)+set.Rows(facts.SessionUse)+set.Rows(facts.STSIssue)))
	b = append(b, magic...)
	b = le.AppendUint32(le.AppendUint32(b, formatVersion), facts.Version)
	b = le.AppendUint32(b, uint32(len(js)))
	b = append(b, js...)
	b = le.AppendUint64(b, uint64(len(m.ids)))
	for _, h := range m.ids {
		b = le.AppendUint64(b, h)
	}
	l := loc{HeadSum: xxhash.Sum64(b)}
	b = le.AppendUint64(b, l.HeadSum)
	lenAt := len(b)
	b = le.AppendUint64(b, 0)
	l.BodyOff = int64(len(b))
	if b, err = appendBody(b, set, nil); err != nil {
		return nil, loc{}, err
	}
	l.BodyLen = int64(len(b)) - l.BodyOff
	le.PutUint64(b[lenAt:], uint64(l.BodyLen))
	l.BodySum = xxhash.Sum64(b[l.BodyOff:])
	b = le.AppendUint64(b, l.BodySum)
	l.Size = int64(len(b))
	return b, l, nil
}

// Errors of a bad entry; they say what is wrong, the caller says which.
var (
	errForeign   = errors.New("not a keyaudit cache entry")
	errCorrupt   = errors.New("corrupt (checksum mismatch or truncated)")
	errOldFormat = errors.New("made by another version")
)

// readMeta reads the head of the entry in f: its meta and fingerprints,
// checked, and where its parts are (m.loc; the facts are not checked).
func readMeta(f *os.File) (*meta, error) {
	var hdr [20]byte
	if n, err := io.ReadFull(f, hdr[:]); err != nil {
		if n < len(magic) || string(hdr[:len(magic)]) != magic {
			return nil, errForeign
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errCorrupt
		}
		return nil, err
	}
	if string(hdr[:8]) != magic {
		return nil, errForeign
	}
	le := binary.LittleEndian
	if le.Uint32(hdr[8:]) != formatVersion || le.Uint32(hdr[12:]) != facts.Version {
		return nil, fmt.Errorf("%w (format %d, facts_version %d; this keyaudit writes %d, %d)",
			errOldFormat, le.Uint32(hdr[8:]), le.Uint32(hdr[12:]), formatVersion, facts.Version)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	n := int64(le.Uint32(hdr[16:]))
	if 20+n+8 > fi.Size() {
		return nil, errCorrupt
	}
	head := make([]byte, 20+n+8)
	copy(head, hdr[:])
	if _, err := io.ReadFull(f, head[20:]); err != nil {
		return nil, errCorrupt
	}
	nids := int64(le.Uint64(head[20+n:]))
	if nids < 0 || 20+n+8+8*nids+8+16 > fi.Size() {
		return nil, errCorrupt
	}
	head = append(head, make([]byte, 8*nids+8+8)...) // ids, checksum, facts length
	if _, err := io.ReadFull(f, head[20+n+8:]); err != nil {
		return nil, errCorrupt
	}
	end := len(head) - 16
	if xxhash.Sum64(head[:end]) != le.Uint64(head[end:]) {
		return nil, errCorrupt
	}
	m := &meta{}
	if err := json.Unmarshal(head[20:20+n], m); err != nil {
		return nil, errCorrupt
	}
	m.ids = make([]uint64, nids)
	p := head[20+n+8:]
	for i := range m.ids {
		m.ids[i] = le.Uint64(p[8*i:])
	}
	l := loc{Entry: filepath.Base(f.Name()), Size: fi.Size(), HeadSum: le.Uint64(head[end:]),
		BodyOff: int64(len(head)), BodyLen: int64(le.Uint64(head[end+8:]))}
	if l.BodyLen < 0 || l.BodyOff+l.BodyLen+8 != l.Size {
		return nil, errCorrupt
	}
	var sum [8]byte
	if _, err := f.ReadAt(sum[:], l.Size-8); err != nil {
		return nil, errCorrupt
	}
	l.BodySum = le.Uint64(sum[:])
	m.loc = l
	return m, nil
}

// readEntry reads the whole entry at l in dir in one read into a buffer
// of mem, checks both parts against l, and adds its facts to set.
func readEntry(mem memory.Allocator, dir string, l loc, set *facts.Set) error {
	f, err := os.Open(filepath.Join(dir, l.Entry))
	if err != nil {
		return err
	}
	defer f.Close()
	le := binary.LittleEndian
	if l.Size < 16 || l.BodyOff < 16 || l.BodyOff%8 != 0 || l.BodyLen < 0 || l.BodyOff+l.BodyLen+8 != l.Size {
		return errCorrupt
	}
	buf := memory.NewResizableBuffer(mem)
	defer buf.Release()
	buf.Resize(int(l.Size) + 1) // one byte more: a longer file is not this entry
	b := buf.Bytes()
	n, err := f.ReadAt(b, 0)
	if n != int(l.Size) || err != nil && err != io.EOF {
		return errCorrupt
	}
	hs := l.BodyOff - 16 // the head checksum, then the facts length
	if xxhash.Sum64(b[:hs]) != l.HeadSum || le.Uint64(b[hs:]) != l.HeadSum ||
		le.Uint64(b[hs+8:]) != uint64(l.BodyLen) {
		return errCorrupt
	}
	body := b[l.BodyOff : l.BodyOff+l.BodyLen]
	if xxhash.Sum64(body) != l.BodySum || le.Uint64(b[l.BodyOff+l.BodyLen:]) != l.BodySum {
		return errCorrupt
	}
	bb := memory.SliceBuffer(buf, int(l.BodyOff), int(l.BodyLen))
	defer bb.Release()
	return decodeBody(bb, set)
}
