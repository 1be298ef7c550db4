package ingest

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/iotest"
	"time"
)

// failAfter returns its data, then err.
type failAfter struct {
	r   io.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		err = f.err
	}
	return n, err
}

func TestReadAhead(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	payload := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	errBoom := errors.New("boom")
	var ra readAhead // one reader for every case: buffers are reused
	before := runtime.NumGoroutine()
	for _, size := range []int{0, 1, aheadBufSize - 1, aheadBufSize, aheadBufSize + 1, aheadBufs*aheadBufSize + 7, 3*aheadBufs*aheadBufSize + 11} {
		data := payload(size)
		for name, src := range map[string]func() io.Reader{
			"whole": func() io.Reader { return bytes.NewReader(data) },
			"half":  func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
			"eof":   func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
		} {
			ra.Start(src())
			got, err := io.ReadAll(iotest.HalfReader(&ra))
			ra.Stop()
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%d bytes, %s: read %d bytes (equal %v), err %v", size, name, len(got), bytes.Equal(got, data), err)
			}
		}

		// An error after the data arrives after all of it, and again.
		ra.Start(&failAfter{r: iotest.HalfReader(bytes.NewReader(data)), err: errBoom})
		got, err := io.ReadAll(&ra)
		if !errors.Is(err, errBoom) || !bytes.Equal(got, data) {
			t.Errorf("%d bytes then an error: read %d bytes (equal %v), err %v", size, len(got), bytes.Equal(got, data), err)
		}
		if n, err := ra.Read(make([]byte, 8)); n != 0 || !errors.Is(err, errBoom) {
			t.Errorf("read after the error = %d, %v; want 0, boom", n, err)
		}
		ra.Stop()

		// Stopped early, with the goroutine a few buffers ahead, the
		// reader starts over cleanly on the next source.
		ra.Start(bytes.NewReader(data))
		io.CopyN(io.Discard, &ra, int64(size/3))
		ra.Stop()
		ra.Start(bytes.NewReader([]byte("next")))
		if got, err := io.ReadAll(&ra); err != nil || string(got) != "next" {
			t.Errorf("after an early stop at %d bytes: read %q, %v", size/3, got, err)
		}
		ra.Stop()
	}
	ra.Stop() // a second Stop is harmless

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after every Stop, %d before", n, before)
	}
}
