package report

import (
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/s2"
)

// fastSnappy is Arrow's Snappy codec with the standard block encoder
// (s2.EncodeSnappy) instead of the "better" one Arrow Go uses
// (klauspost/compress/snappy.Encode is s2.EncodeSnappyBetter). Both write
// standard Snappy blocks that every reader decodes; on CloudTrail events
// the standard encoder took about half the CPU for a file ~5% larger (48.2 -> 50.7 MB on the 400,000-event bench tree)
// (see docs/BENCH.md, issue 16). Decoding is Arrow's own.
type fastSnappy struct{ compress.Codec }

func (fastSnappy) Encode(dst, src []byte) []byte { return s2.EncodeSnappy(dst, src) }

func (fastSnappy) EncodeLevel(dst, src []byte, _ int) []byte { return s2.EncodeSnappy(dst, src) }

// The registry is Arrow's, for the whole process: set once, before any
// writer exists.
func init() {
	if base, err := compress.GetCodec(compress.Codecs.Snappy); err == nil {
		compress.RegisterCodec(compress.Codecs.Snappy, fastSnappy{base})
	}
}
