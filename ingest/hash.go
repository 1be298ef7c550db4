package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
)

// FileHash is the SHA-256 of one file, taken while the Run read it
// (Options.HashFiles), as CloudTrail's digests hash a log: over the
// decompressed bytes of its first gzip member, or over the whole file
// when it is not gzip.
type FileHash struct {
	Path string // as walked, like InputError.File
	// Gzip says the file starts with the gzip magic bytes. A file that does
	// not is hashed whole; CloudTrail writes none.
	Gzip   bool
	SHA256 [sha256.Size]byte
	Size   int64 // bytes hashed
	// TrailingBytes are the bytes of the file after its first gzip member
	// (a second member, or anything else), which are not hashed;
	// TrailingGzip says they start like a gzip member. The Run still reads
	// the members after the first as part of the file, as it always does.
	TrailingBytes int64
	TrailingGzip  bool
	// Events is the number of events the Run used from the file (the
	// events of Result.Stats' Used, duplicates not counted).
	Events int64
	// Err, when not nil, says the first member could not be read to its
	// end (a corrupt or truncated gzip stream, ErrTooBig past
	// Options.MaxFileBytes, an unreadable file): SHA256, Size and the
	// trailing bytes are then not known.
	Err error
}

// hasher sits between a file's decompressed body and its parser, and hashes
// what the parser reads. Over a gzip stream it reads the first member
// alone, notes what follows it, and then reads on through the next members
// as the gzip reader would have in multistream mode, so that the parser
// sees the same bytes and errors as without hashing.
type hasher struct {
	h    hash.Hash
	r    io.Reader    // the body: the gzip reader, or the file
	gz   *gzip.Reader // nil when the file is not gzip
	src  io.Reader    // under gz: a *bytes.Reader over the whole file or a *bufio.Reader over f
	f    *os.File     // under src when it is a *bufio.Reader
	size int64        // of f

	fh   FileHash
	done bool // the hash is final (or failed: fh.Err)
}

// reset starts hashing one file. gz, when not nil, must read src in
// single-member mode (Multistream(false)).
func (hs *hasher) reset(path string, r io.Reader, gz *gzip.Reader, src io.Reader, f *os.File, size int64) {
	if hs.h == nil {
		hs.h = sha256.New()
	}
	hs.h.Reset()
	hs.r, hs.gz, hs.src, hs.f, hs.size = r, gz, src, f, size
	hs.fh = FileHash{Path: path, Gzip: gz != nil}
	hs.done = false
}

// clear drops the references to the file.
func (hs *hasher) clear() { hs.r, hs.gz, hs.src, hs.f = nil, nil, nil, nil }

func (hs *hasher) Read(p []byte) (int, error) {
	n, err := hs.r.Read(p)
	if hs.done {
		return n, err
	}
	hs.h.Write(p[:n])
	hs.fh.Size += int64(n)
	switch {
	case err == nil:
		return n, nil
	case err != io.EOF:
		hs.fail(err)
		return n, err
	}
	hs.final()
	if hs.gz == nil || hs.fh.TrailingBytes == 0 {
		return n, io.EOF
	}
	// More follows the first member: go on as multistream would, which
	// reads the next header (io.EOF or ErrHeader alike) and continues.
	if err := hs.gz.Reset(hs.src); err != nil {
		return n, err
	}
	hs.r = hs.gz
	if n > 0 {
		return n, nil
	}
	return hs.gz.Read(p)
}

func (hs *hasher) fail(err error) {
	hs.done = true
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	hs.fh.Err = err
}

// final closes the hash at the end of the first member (or of a file that
// is not gzip) and measures what follows.
func (hs *hasher) final() {
	hs.done = true
	hs.h.Sum(hs.fh.SHA256[:0])
	if hs.gz == nil {
		return
	}
	switch src := hs.src.(type) {
	case *bytes.Reader:
		hs.fh.TrailingBytes = int64(src.Len())
	case *bufio.Reader:
		pos, err := hs.f.Seek(0, io.SeekCurrent)
		if err != nil {
			hs.fh.Err = err
			return
		}
		hs.fh.TrailingBytes = hs.size - (pos - int64(src.Buffered()))
	}
	if hs.fh.TrailingBytes > 0 {
		var magic []byte
		switch src := hs.src.(type) {
		case *bytes.Reader:
			magic = make([]byte, 2)
			m, _ := src.ReadAt(magic, src.Size()-int64(src.Len()))
			magic = magic[:m]
		case *bufio.Reader:
			magic, _ = src.Peek(2)
		}
		hs.fh.TrailingGzip = len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	}
}

// finishHash reads what the parser left of the first member (it stops
// early on a file it skips or cannot parse), so that the hash covers all of
// it, and keeps the file's hash with the number of events used from it.
func (w *worker) finishHash(events int64) {
	hs := &w.hash
	if !hs.done {
		_, err := io.Copy(io.Discard, w.bodyR)
		if !hs.done {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			hs.fail(err)
		}
	}
	fh := hs.fh
	if fh.Err != nil && errors.Is(fh.Err, ErrTooBig) {
		fh.Err = w.readErr(fh.Err, false)
	}
	fh.Events = events
	w.hashes = append(w.hashes, fh)
	hs.clear()
}

// hashFailed records the hash of a gzip file whose header or bytes could
// not be read, when it is being hashed.
func (w *worker) hashFailed(hashing bool, err error) {
	if hashing {
		w.hashes = append(w.hashes, FileHash{Path: w.cur, Gzip: true, Err: err})
	}
}
