package cache

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cespare/xxhash/v2"

	"github.com/keyaudit/keyaudit/facts"
)

// The index (DIR/index.kfi) repeats the head of every entry and where
// its parts are, so that a run plans with one read of one file instead of
// one per input; it is little-endian:
//
//	magic "KAFINDEX"
//	u32 formatVersion, u32 facts.Version, u64 count
//	count × (u32 n, n bytes of JSON {meta, loc}, u64 nIDs, nIDs × u64)
//	u64 xxhash64 of everything above
//
// The index is only a shortcut: every entry is read and checked against
// the loc the index gives (both checksums), and one that does not match
// is looked up in its own head instead. So a stale index (another run
// rewrote an entry since), a missing one or a corrupt one (reported once,
// then rewritten) never changes a result. Runs write it through a
// temporary file and a rename; the last one wins.
const (
	indexName  = "index.kfi"
	indexMagic = "KAFINDEX"
)

type indexRec struct {
	Meta *meta `json:"meta"`
	Loc  loc   `json:"loc"`
}

// readIndex reads the index of the cache in dir, by input path. A cache
// without one has an empty index and no error.
func readIndex(dir string) (map[string]*meta, error) {
	b, err := os.ReadFile(filepath.Join(dir, indexName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	if len(b) < 32 || string(b[:8]) != indexMagic {
		return nil, errCorrupt
	}
	if le.Uint32(b[8:]) != formatVersion || le.Uint32(b[12:]) != facts.Version {
		return nil, errOldFormat
	}
	end := len(b) - 8
	if xxhash.Sum64(b[:end]) != le.Uint64(b[end:]) {
		return nil, errCorrupt
	}
	count := le.Uint64(b[16:])
	if count > uint64(len(b)) {
		return nil, errCorrupt
	}
	idx := make(map[string]*meta, count)
	p := b[24:end]
	for range count {
		if len(p) < 4 {
			return nil, errCorrupt
		}
		n := int(le.Uint32(p))
		if len(p) < 4+n+8 {
			return nil, errCorrupt
		}
		var r indexRec
		if err := json.Unmarshal(p[4:4+n], &r); err != nil || r.Meta == nil {
			return nil, errCorrupt
		}
		p = p[4+n:]
		nids := le.Uint64(p)
		p = p[8:]
		if nids > uint64(len(p))/8 {
			return nil, errCorrupt
		}
		m := r.Meta
		m.loc = r.Loc
		m.ids = make([]uint64, nids)
		for i := range m.ids {
			m.ids[i] = le.Uint64(p[8*i:])
		}
		p = p[8*nids:]
		idx[m.Key.Path] = m
	}
	if len(p) != 0 {
		return nil, errCorrupt
	}
	return idx, nil
}

// writeIndex writes the index of metas (each with its loc) into dir.
func writeIndex(dir string, metas []*meta) error {
	le := binary.LittleEndian
	b := []byte(indexMagic)
	b = le.AppendUint32(le.AppendUint32(b, formatVersion), facts.Version)
	b = le.AppendUint64(b, uint64(len(metas)))
	for _, m := range metas {
		js, err := json.Marshal(indexRec{Meta: m, Loc: m.loc})
		if err != nil {
			return fmt.Errorf("write cache index: %w", err)
		}
		b = le.AppendUint32(b, uint32(len(js)))
		b = append(b, js...)
		b = le.AppendUint64(b, uint64(len(m.ids)))
		for _, h := range m.ids {
			b = le.AppendUint64(b, h)
		}
	}
	b = le.AppendUint64(b, xxhash.Sum64(b))
	if err := writeAtomic(dir, indexName, b); err != nil {
		return fmt.Errorf("write cache index: %w", err)
	}
	return nil
}
