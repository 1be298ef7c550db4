package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

var _ Writer = (*EventWriter)(nil)

// EventMapper turns each row of a record into one JSON object: the event
// of an event format (FormatOCSF). What the columns mean is the mapper's
// business (analyze/ocsf maps findings); report only writes the lines.
type EventMapper interface {
	// AppendEvent appends the JSON object of row r of rec to b, without a
	// newline. It does not keep rec.
	AppendEvent(b []byte, rec arrow.Record, r int) ([]byte, error)
}

// ErrNoEventMapper is the cause of the error NewWriter returns for an event
// format without Options.Events.
var ErrNoEventMapper = errors.New("no event mapper (Options.Events)")

// EventWriter writes one JSON object per row and line, made by
// Options.Events. No input gives no output.
type EventWriter struct {
	buf    *bufio.Writer
	schema *arrow.Schema
	m      EventMapper
	b      []byte
	closed bool
}

// NewEventWriter returns an EventWriter for records with the given schema.
// Only opts.Events applies; it is required.
func NewEventWriter(w io.Writer, schema *arrow.Schema, opts Options) (*EventWriter, error) {
	if opts.Events == nil {
		return nil, fmt.Errorf("new event writer: %w", ErrNoEventMapper)
	}
	return &EventWriter{buf: bufio.NewWriter(w), schema: schema, m: opts.Events}, nil
}

// Write writes one line per row of rec and flushes. The caller keeps
// ownership of rec.
func (w *EventWriter) Write(rec arrow.Record) error {
	if w.closed {
		return fmt.Errorf("write events: %w", ErrClosed)
	}
	if rec == nil || !rec.Schema().Equal(w.schema) {
		return fmt.Errorf("write events: %w", ErrSchemaMismatch)
	}
	for r := 0; r < int(rec.NumRows()); r++ {
		b, err := w.m.AppendEvent(w.b[:0], rec, r)
		if err != nil {
			return fmt.Errorf("write events: row %d: %w", r, err)
		}
		w.b = append(b, '\n')
		w.buf.Write(w.b) // error is sticky in bufio.Writer and reported by Flush
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("write events: %w", err)
	}
	return nil
}

// Close flushes. It does not close the underlying io.Writer. Calling Close
// twice is a no-op.
func (w *EventWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("close events: %w", err)
	}
	return nil
}
