package report

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Output format names accepted by NewWriter.
const (
	FormatTable   = "table"
	FormatCSV     = "csv"
	FormatJSON    = "json"
	FormatNDJSON  = "ndjson"
	FormatParquet = "parquet"
	FormatOCSF    = "ocsf" // one OCSF event per row and line; needs Options.Events
	FormatASFF    = "asff" // findings only: see ASFFWriter
	FormatHTML    = "html" // a document, not a record stream: see package report/htmlreport
)

// ErrUnknownFormat is the cause of the error NewWriter returns for a format
// name it does not know.
var ErrUnknownFormat = errors.New("unknown output format")

// ErrUnsupportedType is the cause of the error NewWriter returns when the
// schema has a column type the format cannot write.
var ErrUnsupportedType = errors.New("unsupported column type")

// ErrSchemaMismatch is the cause of the error Write returns when a record's
// schema differs from the schema the Writer was created with.
var ErrSchemaMismatch = errors.New("record schema does not match writer schema")

// ErrNotRecordFormat is the cause of the error NewWriter returns for a
// format that is not written from a record stream (html).
var ErrNotRecordFormat = errors.New("not a record format")

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("writer is closed")

// Formats returns the output format names NewWriter accepts, sorted.
func Formats() []string {
	return []string{FormatASFF, FormatCSV, FormatHTML, FormatJSON, FormatNDJSON, FormatOCSF, FormatParquet, FormatTable}
}

// FindingsOnly reports whether format is written from keyaudit's findings
// alone (asff, which reads the findings columns; html, a whole document;
// ocsf, whose rows need Options.Events to become events): commands that
// write other records do not offer it.
func FindingsOnly(format string) bool {
	return format == FormatASFF || format == FormatHTML || format == FormatOCSF
}

// Options tune a Writer. The zero value writes every column with defaults.
type Options struct {
	// Columns selects and orders the columns to write, by field name.
	// Empty means every column of the schema, in schema order. It applies
	// to every format, Parquet included.
	Columns []string

	// FreeText names the table columns of free text (details, user
	// agents, notes): the only ones a table ever shortens, to MaxCellWidth
	// or to fit Width. Every other column is shown whole, so identifiers
	// can be copied from the table. Table format only.
	FreeText []string

	// HideOrder names the table columns that may be hidden, first listed
	// first, when the table does not fit Width with free text at
	// MinTextWidth. Columns not listed are never hidden. Table format only.
	HideOrder []string

	// Marks add text to table cells by the value of a boolean column, e.g.
	// " (muted)" after the severity of a muted finding. Table format only.
	Marks []Mark

	// MaxCellWidth caps the display width of FreeText cells; longer values
	// end in "…". 0 or negative means no cap. Table format only.
	MaxCellWidth int

	// Width is the width of the terminal the table is shown on. When it is
	// positive, FreeText columns narrow and HideOrder columns are hidden
	// until the table fits (see TableWriter). 0 means no limit: nothing is
	// cut. Table format only.
	Width int

	// Color enables Colorize on table cells. The caller sets it only when
	// the output is a terminal. Table format only.
	Color bool

	// Colorize returns val decorated for a terminal (ANSI colours). It is
	// called with the column name and the already truncated cell text, only
	// when Color is true. Nil means SeverityColorize.
	Colorize func(col, val string) string

	// EscapeFormulas prefixes a ' to CSV string cells that begin with
	// = + - @ tab or carriage return, so a spreadsheet opening the file
	// does not evaluate attacker-controlled text (a user agent, say) as a
	// formula. Off by default because it changes the data. CSV only.
	EscapeFormulas bool

	// Allocator is used for Parquet encoding and for projected records.
	// Nil means memory.DefaultAllocator.
	Allocator memory.Allocator

	// RowGroupBytes is the estimated size of the Arrow data, uncompressed,
	// after which the Parquet writer closes a row group. 0 means
	// DefaultRowGroupBytes. Parquet format only.
	RowGroupBytes int64

	// Compression is the Parquet codec, one of Compressions(): "" means
	// CompressionSnappy. Parquet format only.
	Compression string

	// EncodeWorkers is how many goroutines encode the columns of a Parquet
	// row group at once; 0 means runtime.GOMAXPROCS. The bytes written do
	// not depend on it. Parquet format only.
	EncodeWorkers int

	// PlainColumns names columns the Parquet writer stores without
	// dictionary encoding (PLAIN, then compressed): columns of values that
	// rarely repeat, such as event IDs or JSON documents, where a
	// dictionary costs hashing time and bytes for nothing. Parquet only.
	PlainColumns []string

	// Events maps rows to the JSON objects of FormatOCSF, whose fields mean
	// something report does not know. Event formats only.
	Events EventMapper
	// ASFF configures the ASFF writer. ASFF format only.
	ASFF ASFFOptions
}

// Mark appends Text to the table cell of column Cell in every row where the
// boolean column If is true (If need not be among Options.Columns).
type Mark struct {
	If, Cell, Text string
}

func (o Options) allocator() memory.Allocator {
	if o.Allocator == nil {
		return memory.DefaultAllocator
	}
	return o.Allocator
}

// NewWriter returns a Writer that writes records with the given schema to w
// in format, one of Formats() (FormatOCSF needs Options.Events). The Writer never closes w; the caller closes
// the Writer first, then w.
func NewWriter(format string, w io.Writer, schema *arrow.Schema, opts Options) (Writer, error) {
	if schema == nil {
		return nil, errors.New("new report writer: nil schema")
	}
	switch format {
	case FormatTable:
		return NewTableWriter(w, schema, opts)
	case FormatCSV:
		return NewCSVWriter(w, schema, opts)
	case FormatJSON:
		return NewJSONWriter(w, schema, opts)
	case FormatNDJSON:
		return NewNDJSONWriter(w, schema, opts)
	case FormatParquet:
		return NewParquetWriter(w, schema, opts)
	case FormatOCSF:
		return NewEventWriter(w, schema, opts)
	case FormatASFF:
		return NewASFFWriter(w, schema, opts)
	case FormatHTML:
		return nil, fmt.Errorf("new report writer: %w: html is a whole document, written by htmlreport.Write", ErrNotRecordFormat)
	default:
		return nil, fmt.Errorf("new report writer: %w %q (valid: %s)",
			ErrUnknownFormat, truncate(format, 32), strings.Join(Formats(), ", "))
	}
}

// projection maps output columns to input column indices.
type projection struct {
	in    *arrow.Schema // schema of the records passed to Write
	out   *arrow.Schema // schema of what is written
	index []int         // out column i is in column index[i]
	all   bool          // out == in
}

func newProjection(schema *arrow.Schema, columns []string) (projection, error) {
	p := projection{in: schema}
	if len(columns) == 0 {
		p.out = schema
		p.all = true
		p.index = make([]int, schema.NumFields())
		for i := range p.index {
			p.index[i] = i
		}
		return p, nil
	}
	fields := make([]arrow.Field, 0, len(columns))
	for _, name := range columns {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			names := make([]string, 0, schema.NumFields())
			for _, f := range schema.Fields() {
				names = append(names, f.Name)
			}
			slices.Sort(names)
			return p, fmt.Errorf("unknown column %q (valid: %s)", truncate(name, 64), strings.Join(names, ", "))
		}
		if len(idx) > 1 {
			return p, fmt.Errorf("column %q is ambiguous: the schema has it %d times", truncate(name, 64), len(idx))
		}
		if slices.Contains(p.index, idx[0]) {
			return p, fmt.Errorf("column %q selected twice", truncate(name, 64))
		}
		p.index = append(p.index, idx[0])
		fields = append(fields, schema.Field(idx[0]))
	}
	md := schema.Metadata()
	p.out = arrow.NewSchema(fields, &md)
	return p, nil
}

// check verifies that rec has the schema the writer was created with.
func (p projection) check(rec arrow.Record) error {
	if rec == nil {
		return errors.New("nil record")
	}
	if !rec.Schema().Equal(p.in) {
		return ErrSchemaMismatch
	}
	return nil
}

// truncate shortens s to at most n bytes on a rune boundary, for error
// messages that must not echo long input.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// FormatForPath returns the format a file name implies by its extension
// (.csv, .json, .ndjson or .jsonl, .parquet, .ocsf.json or .ocsf.jsonl,
// .asff.json, .html or .htm, .sarif, case-insensitive), and false for any
// other name. A plain .json is json. FormatSARIF is not one NewWriter
// writes: see SARIFWriter.
func FormatForPath(path string) (string, bool) {
	ext := strings.ToLower(filepath.Ext(path))
	if (ext == ".json" || ext == ".jsonl") && strings.HasSuffix(strings.ToLower(strings.TrimSuffix(path, filepath.Ext(path))), ".ocsf") {
		return FormatOCSF, true
	}
	if strings.HasSuffix(strings.ToLower(path), ".asff.json") {
		return FormatASFF, true
	}
	switch ext {
	case ".html", ".htm":
		return FormatHTML, true
	case ".csv":
		return FormatCSV, true
	case ".json":
		return FormatJSON, true
	case ".ndjson", ".jsonl":
		return FormatNDJSON, true
	case ".parquet":
		return FormatParquet, true
	case ".sarif":
		return FormatSARIF, true
	}
	return "", false
}
