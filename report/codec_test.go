package report

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// TestCodecs round-trips pages through the codecs keyaudit registers in
// place of Arrow's (fastSnappy, leanZstd): small, large, repetitive and
// random pages, a page larger than leanZstd's window, from several
// goroutines at once; ZSTD frames must also decode with a plain decoder.
func TestCodecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 300<<10)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	var text bytes.Buffer
	for i := 0; text.Len() < 3<<20; i++ { // 3 MiB: past the 1 MiB window
		fmt.Fprintf(&text, `{"eventID":"%08x","eventName":"AssumeRole","n":%d}`, rng.Uint32(), i%977)
	}
	pages := [][]byte{[]byte("x"), []byte("AKIA AKIA AKIA AKIA"), random, text.Bytes()}
	plain, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, c := range []compress.Compression{compress.Codecs.Snappy, compress.Codecs.Zstd} {
		codec, err := compress.GetCodec(c)
		if err != nil {
			t.Fatal(err)
		}
		switch c {
		case compress.Codecs.Snappy:
			if _, ok := codec.(fastSnappy); !ok {
				t.Fatalf("snappy codec is %T, want fastSnappy", codec)
			}
		case compress.Codecs.Zstd:
			if _, ok := codec.(leanZstd); !ok {
				t.Fatalf("zstd codec is %T, want leanZstd", codec)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8*len(pages))
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, page := range pages {
					enc := codec.EncodeLevel(make([]byte, 0, codec.CompressBound(int64(len(page)))), page, compress.DefaultCompressionLevel)
					dec, err := decodePage(codec, len(page), enc)
					if err == nil && !bytes.Equal(dec, page) {
						err = fmt.Errorf("decoded %d bytes differ", len(dec))
					}
					if err == nil && c == compress.Codecs.Zstd {
						dec, err = plain.DecodeAll(enc, nil)
						if err == nil && !bytes.Equal(dec, page) {
							err = fmt.Errorf("plain zstd decoder: %d bytes differ", len(dec))
						}
					}
					if err != nil {
						errs <- fmt.Errorf("%s goroutine %d page %d (%d bytes): %w", c, g, i, len(page), err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// decodePage decodes with the codec's own decoder, turning its panic on a
// bad page (Arrow's Decode has no error result) into an error.
func decodePage(codec compress.Codec, n int, enc []byte) (dec []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decode: %v", r)
		}
	}()
	return codec.Decode(make([]byte, n), enc), nil
}
