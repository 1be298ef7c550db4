package ingest

import (
	"io"
)

const (
	aheadBufs    = 4
	aheadBufSize = 1 << 20
)

// readAhead reads from a source in a goroutine of its own, up to aheadBufs
// buffers ahead of its reader. Over a large gzip file it makes inflating
// overlap with decoding, so that a single big file keeps two cores busy
// instead of one.
//
// Start and Stop bracket one source; the buffers are kept for the next. The
// source must not block forever (a regular file, not a pipe): Stop waits for
// the goroutine's read in progress to return.
type readAhead struct {
	bufs  [aheadBufs][]byte
	free  chan []byte
	full  chan chunk
	done  chan struct{} // closed by Stop
	ended chan struct{} // closed by the goroutine when it returns

	cur chunk // being read
	off int   // into cur.b
}

// chunk is a filled buffer and the error the source returned after it.
type chunk struct {
	b   []byte
	err error
}

// Start reads src ahead until it returns an error (io.EOF included) or Stop
// is called. A readAhead must be stopped before it is started again.
func (ra *readAhead) Start(src io.Reader) {
	if ra.free == nil {
		ra.free = make(chan []byte, aheadBufs)
		ra.full = make(chan chunk, aheadBufs)
	}
	for i := range ra.bufs {
		if ra.bufs[i] == nil {
			ra.bufs[i] = make([]byte, aheadBufSize)
		}
		ra.free <- ra.bufs[i]
	}
	ra.done = make(chan struct{})
	ra.ended = make(chan struct{})
	ra.cur, ra.off = chunk{}, 0
	go ra.fill(src, ra.done, ra.ended)
}

func (ra *readAhead) fill(src io.Reader, done, ended chan struct{}) {
	defer close(ended)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-done:
			return
		}
		// Fill the buffer; the source's error (io.EOF or another) travels
		// with the bytes read before it, as the source returned it.
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
		}
		select {
		case ra.full <- chunk{buf[:n], err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read returns the source's bytes in order, then its error.
func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.off == len(ra.cur.b) {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.cur.b != nil {
			ra.free <- ra.cur.b[:cap(ra.cur.b)]
		}
		ra.cur, ra.off = <-ra.full, 0
	}
	n := copy(p, ra.cur.b[ra.off:])
	ra.off += n
	return n, nil
}

// Stop ends the goroutine and waits for it, then drains the channels so the
// buffers are free for the next Start. After Stop the source is no longer
// read and may be reset or closed.
func (ra *readAhead) Stop() {
	if ra.done == nil {
		return
	}
	close(ra.done)
	<-ra.ended
	ra.done, ra.ended = nil, nil
	for {
		select {
		case <-ra.full:
		case <-ra.free:
		default:
			ra.cur, ra.off = chunk{}, 0
			return
		}
	}
}
