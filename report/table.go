package report

import (
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/keyaudit/keyaudit/internal/termtext"
)

var _ Writer = (*TableWriter)(nil)

const (
	// MinTextWidth is the narrowest a free-text column (Options.FreeText)
	// is made before columns are hidden (Options.HideOrder) to make room.
	MinTextWidth = 20

	// MinColumnWidth is the narrowest a free-text column gets when the
	// table still does not fit once every column of HideOrder is hidden.
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
// so that input cannot move the cursor or recolour the terminal.
//
// Only the columns named in Options.FreeText are ever shortened (to
// MaxCellWidth, or to fit Width; they end in "…"); every other column,
// identifiers, numbers and timestamps, is shown whole. When the table does
// not fit Width even with free text at MinTextWidth, the columns of
// Options.HideOrder are hidden, first listed first, until it does; if it
// still does not fit, free text narrows to MinColumnWidth and the table is
// wider than Width rather than cut an identifier. Hidden reports what
// was hidden.
type TableWriter struct {
	w      io.Writer
	proj   projection
	opts   Options
	free   []bool // per output column: may be shortened
	hide   []int  // output columns that may be hidden, first hidden first
	marks  []tableMark
	rows   [][]string
	widths []int // natural display width per column
	hidden []string
	closed bool
}

// tableMark is an Options.Marks entry resolved to column indices.
type tableMark struct {
	cond int // input column (boolean)
	cell int // output column
	text string
}

// NewTableWriter returns a TableWriter for records with the given schema.
// Options.Columns, FreeText, HideOrder, Marks, MaxCellWidth, Width, Color
// and Colorize apply.
func NewTableWriter(w io.Writer, schema *arrow.Schema, opts Options) (*TableWriter, error) {
	proj, err := newProjection(schema, opts.Columns)
	if err != nil {
		return nil, fmt.Errorf("new table writer: %w", err)
	}
	if err := checkTextSchema(proj.out); err != nil {
		return nil, fmt.Errorf("new table writer: %w", err)
	}
	t := &TableWriter{w: w, proj: proj, opts: opts, widths: make([]int, len(proj.index)), free: make([]bool, len(proj.index))}
	for i, f := range proj.out.Fields() {
		t.widths[i] = twwidth.Width(escapeTerminal(f.Name))
	}
	outIndex := func(what, name string) (int, error) {
		idx := proj.out.FieldIndices(name)
		if len(idx) != 1 {
			return 0, fmt.Errorf("new table writer: %s column %q is not one column of the table", what, truncate(name, 64))
		}
		return idx[0], nil
	}
	for _, name := range opts.FreeText {
		i, err := outIndex("free-text", name)
		if err != nil {
			return nil, err
		}
		t.free[i] = true
	}
	for _, name := range opts.HideOrder {
		i, err := outIndex("hideable", name)
		if err != nil {
			return nil, err
		}
		t.hide = append(t.hide, i)
	}
	for _, m := range opts.Marks {
		cell, err := outIndex("marked", m.Cell)
		if err != nil {
			return nil, err
		}
		cond := schema.FieldIndices(m.If)
		if len(cond) != 1 || schema.Field(cond[0]).Type.ID() != arrow.BOOL {
			return nil, fmt.Errorf("new table writer: mark condition %q is not one boolean column", truncate(m.If, 64))
		}
		t.marks = append(t.marks, tableMark{cond: cond[0], cell: cell, text: m.Text})
	}
	return t, nil
}

// Hidden returns the names of the columns Close hid to fit Options.Width,
// in the order they were hidden; nil before Close or when none was.
func (t *TableWriter) Hidden() []string { return t.hidden }

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
			row[c] = escapeTerminal(s)
		}
		for _, m := range t.marks {
			if b := rec.Column(m.cond).(*array.Boolean); b.IsValid(r) && b.Value(r) {
				row[m.cell] += escapeTerminal(m.text)
			}
		}
		for c, s := range row {
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
	widths := layout(t.widths, t.free, t.hide, t.opts.MaxCellWidth, t.opts.Width)
	colorize := t.opts.Colorize
	if colorize == nil {
		colorize = SeverityColorize
	}
	var show []int // output columns shown, in order
	for c, w := range widths {
		if w < 0 {
			continue
		}
		show = append(show, c)
	}
	for _, c := range t.hide {
		if widths[c] < 0 {
			t.hidden = append(t.hidden, t.proj.out.Field(c).Name)
		}
	}
	fields := t.proj.out.Fields()
	header := make([]any, len(show))
	for i, c := range show {
		header[i] = cut(escapeTerminal(fields[c].Name), widths[c])
	}
	for r, row := range t.rows {
		cells := make([]string, len(show))
		for i, c := range show {
			cells[i] = cut(row[c], widths[c])
			if t.opts.Color {
				cells[i] = colorize(fields[c].Name, cells[i])
			}
		}
		t.rows[r] = cells
	}
	// Numbers are right-aligned so digits line up; everything else left.
	align := make([]tw.Align, len(show))
	for i, c := range show {
		align[i] = tw.AlignLeft
		if isNumeric(fields[c].Type) {
			align[i] = tw.AlignRight
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

func isNumeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return false
}

// layout returns the display width of each column, or -1 for a column
// hidden to fit. natural is the widest cell of each column (header
// included); free marks the free-text columns, the only ones ever narrowed;
// hide lists the columns that may be hidden, first hidden first.
//
// Free text is capped at maxCell when it is positive. When total is
// positive, the widest free-text column is narrowed one cell at a time
// until the rendered table fits in total, down to MinTextWidth; if that is
// not enough, the next column of hide is hidden and the free text gets the
// room back. Once nothing more can be hidden, free text narrows down to
// MinColumnWidth, and if the table is still too wide, so be it: other
// columns are never narrowed.
func layout(natural []int, free []bool, hide []int, maxCell, total int) []int {
	base := make([]int, len(natural))
	for i, w := range natural {
		if free[i] && maxCell > 0 && w > maxCell {
			w = max(maxCell, 1)
		}
		base[i] = w
	}
	if total <= 0 {
		return base
	}
	for k := 0; ; k++ {
		widths := slices.Clone(base)
		for _, c := range hide[:k] {
			widths[c] = -1
		}
		floor := MinTextWidth
		if k == len(hide) {
			floor = MinColumnWidth
		}
		if narrowText(widths, free, floor, total) || k == len(hide) {
			return widths
		}
	}
}

// narrowText narrows the widest free-text column of widths (-1: hidden)
// one cell at a time, never below floor (nor below its own width), until
// the table fits in total. It reports whether it fits.
func narrowText(widths []int, free []bool, floor, total int) bool {
	sum := tableEdgeOverhead
	for _, w := range widths {
		if w >= 0 {
			sum += w + tableColumnOverhead
		}
	}
	for sum > total {
		widest := -1
		for i, w := range widths {
			if free[i] && w > floor && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return false
		}
		widths[widest]--
		sum--
	}
	return true
}

// cut truncates s to display width w, ending in "…" when shortened.
func cut(s string, w int) string {
	if twwidth.Width(s) <= w {
		return s
	}
	return twwidth.Truncate(s, w, ellipsis)
}

// escapeTerminal shows control and bidi characters as escapes.
func escapeTerminal(s string) string { return termtext.Escape(s) }
