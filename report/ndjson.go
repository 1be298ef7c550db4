package report

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

var _ Writer = (*NDJSONWriter)(nil)

// NDJSONWriter writes one JSON object per line (newline-delimited JSON),
// with the same keys and values as JSONWriter. No input gives no output.
type NDJSONWriter struct {
	enc    objectEncoder
	closed bool
}

// NewNDJSONWriter returns an NDJSONWriter for records with the given
// schema. Only opts.Columns applies.
func NewNDJSONWriter(w io.Writer, schema *arrow.Schema, opts Options) (*NDJSONWriter, error) {
	enc, err := newObjectEncoder(w, schema, opts)
	if err != nil {
		return nil, fmt.Errorf("new ndjson writer: %w", err)
	}
	return &NDJSONWriter{enc: enc}, nil
}

// Write writes one line per row of rec and flushes. The caller keeps
// ownership of rec.
func (w *NDJSONWriter) Write(rec arrow.Record) error {
	if w.closed {
		return fmt.Errorf("write ndjson: %w", ErrClosed)
	}
	if err := w.enc.proj.check(rec); err != nil {
		return fmt.Errorf("write ndjson: %w", err)
	}
	n := int(rec.NumRows())
	for r := 0; r < n; r++ {
		w.enc.object(rec, r)
		w.enc.buf.WriteByte('\n')
	}
	if err := w.enc.buf.Flush(); err != nil {
		return fmt.Errorf("write ndjson: %w", err)
	}
	return nil
}

// Close flushes. It does not close the underlying io.Writer. Calling Close
// twice is a no-op.
func (w *NDJSONWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.enc.buf.Flush(); err != nil {
		return fmt.Errorf("close ndjson: %w", err)
	}
	return nil
}
