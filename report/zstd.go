package report

import (
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// leanZstd is Arrow's ZSTD codec with encoders kept for the life of the
// process instead of in a sync.Pool, which the garbage collector empties:
// every collection made the next pages build new encoders (a few MB of
// tables and history each). Its window is 1 MiB, four times the data page
// size (dataPageBytes); the frames are standard ZSTD frames any reader
// decodes. Decoding is Arrow's own.
type leanZstd struct {
	compress.Codec
	encoders chan *zstd.Encoder
}

// zstdEncoders bounds the idle encoders kept: one per column being encoded
// at once is enough (EncodeWorkers is at most GOMAXPROCS by default).
const zstdEncoders = 16

func (z leanZstd) Encode(dst, src []byte) []byte {
	return z.EncodeLevel(dst, src, compress.DefaultCompressionLevel)
}

func (z leanZstd) EncodeLevel(dst, src []byte, level int) []byte {
	if level != compress.DefaultCompressionLevel {
		return z.Codec.EncodeLevel(dst, src, level)
	}
	var enc *zstd.Encoder
	select {
	case enc = <-z.encoders:
	default:
		var err error
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1),
			zstd.WithZeroFrames(true), zstd.WithAllLitEntropyCompression(true), zstd.WithWindowSize(1<<20))
		if err != nil {
			return z.Codec.EncodeLevel(dst, src, level)
		}
	}
	out := enc.EncodeAll(src, dst[:0])
	select {
	case z.encoders <- enc:
	default:
	}
	return out
}

func init() {
	if base, err := compress.GetCodec(compress.Codecs.Zstd); err == nil {
		compress.RegisterCodec(compress.Codecs.Zstd, leanZstd{Codec: base, encoders: make(chan *zstd.Encoder, zstdEncoders)})
	}
}
