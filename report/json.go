package report

import (
	"bufio"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

var _ Writer = (*JSONWriter)(nil)

// JSONWriter writes all records as one JSON array of objects, one object
// per line:
//
//	[
//	{"a":1,"b":"x"},
//	{"a":2,"b":null}
//	]
//
// Keys follow schema (or Options.Columns) order. Integers and booleans are
// JSON numbers and booleans, nulls are null, everything else is a string
// (see FormatTimestamp). No input gives "[]".
type JSONWriter struct {
	enc    objectEncoder
	rows   int64 // rows written; "[" comes with the first
	closed bool
}

// NewJSONWriter returns a JSONWriter for records with the given schema.
// Only opts.Columns applies.
func NewJSONWriter(w io.Writer, schema *arrow.Schema, opts Options) (*JSONWriter, error) {
	enc, err := newObjectEncoder(w, schema, opts)
	if err != nil {
		return nil, fmt.Errorf("new json writer: %w", err)
	}
	return &JSONWriter{enc: enc}, nil
}

// Write appends the rows of rec to the array and flushes. The caller keeps
// ownership of rec.
func (w *JSONWriter) Write(rec arrow.Record) error {
	if w.closed {
		return fmt.Errorf("write json: %w", ErrClosed)
	}
	if err := w.enc.proj.check(rec); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	n := int(rec.NumRows())
	for r := 0; r < n; r++ {
		if w.rows == 0 {
			w.enc.buf.WriteString("[\n")
		} else {
			w.enc.buf.WriteString(",\n")
		}
		w.enc.object(rec, r)
		w.rows++
	}
	if err := w.enc.buf.Flush(); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// Close ends the array and flushes. It does not close the underlying
// io.Writer. Calling Close twice is a no-op.
func (w *JSONWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.rows == 0 {
		w.enc.buf.WriteString("[]\n")
	} else {
		w.enc.buf.WriteString("\n]\n")
	}
	if err := w.enc.buf.Flush(); err != nil {
		return fmt.Errorf("close json: %w", err)
	}
	return nil
}

// objectEncoder writes one row as a JSON object; shared by JSON and NDJSON.
type objectEncoder struct {
	buf  *bufio.Writer
	proj projection
	keys [][]byte // `"name":` per output column, escaped once
	b    []byte   // scratch
}

func newObjectEncoder(w io.Writer, schema *arrow.Schema, opts Options) (objectEncoder, error) {
	proj, err := newProjection(schema, opts.Columns)
	if err != nil {
		return objectEncoder{}, err
	}
	if err := checkTextSchema(proj.out); err != nil {
		return objectEncoder{}, err
	}
	keys := make([][]byte, len(proj.index))
	for i, f := range proj.out.Fields() {
		k := appendJSONString(nil, f.Name)
		keys[i] = append(k, ':')
	}
	return objectEncoder{buf: bufio.NewWriter(w), proj: proj, keys: keys}, nil
}

// object writes row r of rec (with the full input schema) without a
// trailing newline.
func (e *objectEncoder) object(rec arrow.Record, r int) {
	b := append(e.b[:0], '{')
	for c, idx := range e.proj.index {
		if c > 0 {
			b = append(b, ',')
		}
		b = append(b, e.keys[c]...)
		s, kind := value(rec.Column(idx), r)
		switch kind {
		case kindNull:
			b = append(b, "null"...)
		case kindRaw:
			b = append(b, s...)
		default:
			b = appendJSONString(b, s)
		}
	}
	b = append(b, '}')
	e.buf.Write(b) // error is sticky in bufio.Writer and reported by Flush
	e.b = b
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string literal. Control characters
// are escaped, invalid UTF-8 becomes U+FFFD, and U+2028/U+2029 are escaped
// so the output is also valid JavaScript. HTML characters are left alone.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
