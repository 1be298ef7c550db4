package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

var _ Writer = (*CSVWriter)(nil)

// CSVWriter writes records as RFC 4180 CSV: a header row of field names,
// then one row per record row. Nulls are empty cells; see FormatTimestamp
// for times. Each Write flushes to the underlying io.Writer.
type CSVWriter struct {
	cw      *csv.Writer
	proj    projection
	row     []string
	escape  bool
	started bool
	closed  bool
}

// NewCSVWriter returns a CSVWriter for records with the given schema.
// Only opts.Columns applies. The header is written by the first Write, or
// by Close when there were no records.
func NewCSVWriter(w io.Writer, schema *arrow.Schema, opts Options) (*CSVWriter, error) {
	proj, err := newProjection(schema, opts.Columns)
	if err != nil {
		return nil, fmt.Errorf("new csv writer: %w", err)
	}
	if err := checkTextSchema(proj.out); err != nil {
		return nil, fmt.Errorf("new csv writer: %w", err)
	}
	return &CSVWriter{
		cw:     csv.NewWriter(w),
		proj:   proj,
		row:    make([]string, len(proj.index)),
		escape: opts.EscapeFormulas,
	}, nil
}

func (w *CSVWriter) header() error {
	if w.started {
		return nil
	}
	w.started = true
	for i, f := range w.proj.out.Fields() {
		w.row[i] = f.Name
	}
	return w.cw.Write(w.row)
}

// Write writes the rows of rec. The caller keeps ownership of rec.
func (w *CSVWriter) Write(rec arrow.Record) error {
	if w.closed {
		return fmt.Errorf("write csv: %w", ErrClosed)
	}
	if err := w.proj.check(rec); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := w.header(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cols := make([]arrow.Array, len(w.proj.index))
	for i, idx := range w.proj.index {
		cols[i] = rec.Column(idx)
	}
	n := int(rec.NumRows())
	for r := 0; r < n; r++ {
		for c, col := range cols {
			s, kind := value(col, r)
			if w.escape && kind == kindString && isFormula(s) {
				s = "'" + s
			}
			w.row[c] = s
		}
		if err := w.cw.Write(w.row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// Close writes the header if nothing was written yet and flushes. It does
// not close the underlying io.Writer. Calling Close twice is a no-op.
func (w *CSVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.header()
	w.cw.Flush()
	if err = errors.Join(err, w.cw.Error()); err != nil {
		return fmt.Errorf("close csv: %w", err)
	}
	return nil
}

// isFormula reports whether a spreadsheet would treat s as a formula.
func isFormula(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
