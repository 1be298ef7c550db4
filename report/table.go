package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"
)

var _ Writer = (*TableWriter)(nil)

const (
	// DefaultMaxCellWidth is the display width a table cell is cut to when
	// Options.MaxCellWidth is 0. A 20-character timestamp fits; long ARNs
	// and user agents are cut.
	DefaultMaxCellWidth = 40

	// MinColumnWidth is the narrowest a column gets when the table is
	// squeezed into Options.Width.
	MinColumnWidth = 6

	// What the default tablewriter renderer adds around cells: per
	// column "│ " before and " " after, and once the closing "│".
	tableColumnOverhead = 3
	tableEdgeOverhead   = 1

	ellipsis = "…"
)

// TableWriter renders records as a human-readable box table. It buffers
// every row until Close, so it is meant for terminal-sized outputs.
//
// Cells are the same text CSV has, except that control characters and
// bidirectional-override characters are shown escaped (\n, \x1b, \u202e)
// so that input cannot move the cursor or recolour the terminal, and long
// values are cut to the column width and end in "…".
type TableWriter struct {
	w      io.Writer
	proj   projection
	opts   Options
	rows   [][]string
	widths []int // natural display width per column
	closed bool
}

// NewTableWriter returns a TableWriter for records with the given schema.
// Options.Columns, MaxCellWidth, Width, Color and Colorize apply.
func NewTableWriter(w io.Writer, schema *arrow.Schema, opts Options) (*TableWriter, error) {
	proj, err := newProjection(schema, opts.Columns)
	if err != nil {
		return nil, fmt.Errorf("new table writer: %w", err)
	}
	if err := checkTextSchema(proj.out); err != nil {
		return nil, fmt.Errorf("new table writer: %w", err)
	}
	t := &TableWriter{w: w, proj: proj, opts: opts, widths: make([]int, len(proj.index))}
	for i, f := range proj.out.Fields() {
		t.widths[i] = twwidth.Width(escapeTerminal(f.Name))
	}
	return t, nil
}

// Write buffers the rows of rec. The caller keeps ownership of rec.
func (t *TableWriter) Write(rec arrow.Record) error {
	if t.closed {
		return fmt.Errorf("write table: %w", ErrClosed)
	}
	if err := t.proj.check(rec); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	n := int(rec.NumRows())
	for r := 0; r < n; r++ {
		row := make([]string, len(t.proj.index))
		for c, idx := range t.proj.index {
			s, _ := value(rec.Column(idx), r)
			s = escapeTerminal(s)
			row[c] = s
			if w := twwidth.Width(s); w > t.widths[c] {
				t.widths[c] = w
			}
		}
		t.rows = append(t.rows, row)
	}
	return nil
}

// Close renders the table. It does not close the underlying io.Writer.
// Calling Close twice is a no-op.
func (t *TableWriter) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	text := make([]bool, len(t.widths))
	for c, f := range t.proj.out.Fields() {
		text[c] = isText(f.Type)
	}
	widths := fitWidths(t.widths, text, t.opts.MaxCellWidth, t.opts.Width)
	colorize := t.opts.Colorize
	if colorize == nil {
		colorize = SeverityColorize
	}
	header := make([]any, len(widths))
	for c, f := range t.proj.out.Fields() {
		header[c] = cut(escapeTerminal(f.Name), widths[c])
	}
	names := make([]string, len(widths))
	for c, f := range t.proj.out.Fields() {
		names[c] = f.Name
	}
	for _, row := range t.rows {
		for c := range row {
			row[c] = cut(row[c], widths[c])
			if t.opts.Color {
				row[c] = colorize(names[c], row[c])
			}
		}
	}
	// Numbers are right-aligned so digits line up; everything else left.
	align := make([]tw.Align, len(widths))
	for c, f := range t.proj.out.Fields() {
		align[c] = tw.AlignLeft
		if isNumeric(f.Type) {
			align[c] = tw.AlignRight
		}
	}
	table := tablewriter.NewTable(t.w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
	)
	table.Header(header...)
	if err := table.Bulk(t.rows); err != nil {
		return fmt.Errorf("close table: %w", err)
	}
	t.rows = nil
	if err := table.Render(); err != nil {
		return fmt.Errorf("close table: %w", err)
	}
	return nil
}

func isText(dt arrow.DataType) bool {
	switch dt := dt.(type) {
	case *arrow.StringType, *arrow.LargeStringType:
		return true
	case *arrow.DictionaryType:
		return isText(dt.ValueType)
	}
	return false
}

func isNumeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return false
}

// fitWidths caps each natural column width at maxCell (0 means
// DefaultMaxCellWidth, negative no cap), then, when total > 0, narrows
// the widest column one cell at a time until the rendered table fits in
// total: first only the columns marked in text (free text is the least
// harmed by "…"), then any column, never below MinColumnWidth.
func fitWidths(natural []int, text []bool, maxCell, total int) []int {
	if maxCell == 0 {
		maxCell = DefaultMaxCellWidth
	}
	widths := make([]int, len(natural))
	for i, w := range natural {
		if maxCell > 0 && w > maxCell {
			w = max(maxCell, 1)
		}
		widths[i] = w
	}
	if total <= 0 {
		return widths
	}
	sum := tableEdgeOverhead
	for _, w := range widths {
		sum += w + tableColumnOverhead
	}
	for _, textOnly := range []bool{true, false} {
		for sum > total {
			widest := -1
			for i, w := range widths {
				if textOnly && !text[i] {
					continue
				}
				if w > MinColumnWidth && (widest < 0 || w > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
			sum--
		}
	}
	return widths
}

// cut truncates s to display width w, ending in "…" when shortened.
func cut(s string, w int) string {
	if twwidth.Width(s) <= w {
		return s
	}
	return twwidth.Truncate(s, w, ellipsis)
}

// escapeTerminal replaces characters a terminal would act on: C0 and C1
// controls and DEL become Go-style escapes (\n, \t, \x1b, \u0085), and the
// bidirectional embedding, override and isolate characters become \u202e
// and so on.
func escapeTerminal(s string) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !needsEscape(r) {
			b.WriteRune(r)
			continue
		}
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < utf8.RuneSelf {
				b.WriteString(`\x`)
				if r < 0x10 {
					b.WriteByte('0')
				}
				b.WriteString(strconv.FormatInt(int64(r), 16))
			} else {
				b.WriteString(`\u`)
				b.WriteString(strconv.FormatInt(int64(r)|0x10000, 16)[1:])
			}
		}
	}
	return b.String()
}

func needsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
		r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
