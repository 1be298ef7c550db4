package facts

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrSchema is the cause of the error NewView returns for a record that
// does not have the canonical schema of its table.
var ErrSchema = errors.New("record does not have the fact table's schema")

// View is a typed, checked view of one fact record, for the consumers of
// facts. It is valid only while the record is; the strings it returns
// point into the record's memory (strings.Clone them to keep them).
type View struct {
	N     int // rows
	Table Table
	str   []*array.String
	dict  []*dictStr // string columns read as Parquet dictionaries (nil: none)
	i64   []*array.Int64
	i32   []*array.Int32
	date  []*array.Date32
	bools []*array.Boolean

	// A view of an event record (Project) shows the events as one-event
	// fact rows, without copying: sel are the record's rows that belong
	// in the table (nil: all), and some columns are derived.
	sel   []int32
	ts    []*array.Timestamp // time columns read from an event timestamp
	day   []*array.Timestamp // date columns: the UTC day of an event timestamp
	one   []bool             // integer columns that are 1 on every row (calls, events)
	hint  int                // the console_hint column, or -1
	from  *array.Boolean     // for hint: session_credential_from_console
	agent *array.String      // for hint: user_agent
}

// NewView checks that rec has the canonical schema of table t (names and
// types, in order) and returns a view of it. The reader converts what
// engines write to that schema, so consumers only ever see it; the one
// other type a string column may have is a dictionary of int32 indices
// over utf8 values (as the fact cache's snapshots hold them), shown as
// the strings it stands for.
func NewView(t Table, rec arrow.Record) (*View, error) {
	if t < 0 || t >= NumTables {
		return nil, fmt.Errorf("%w: no table %d", ErrSchema, int(t))
	}
	if rec == nil {
		return nil, fmt.Errorf("%w: %s: nil record", ErrSchema, t)
	}
	cols := Columns(t)
	if int(rec.NumCols()) != len(cols) {
		return nil, fmt.Errorf("%w: %s: %d columns, want %d", ErrSchema, t, rec.NumCols(), len(cols))
	}
	n := len(cols)
	v := newView(t, int(rec.NumRows()), n)
	for c, col := range cols {
		f := rec.Schema().Field(c)
		if f.Name == col.Name && col.Kind == Str && arrow.TypeEqual(f.Type, dictStrType) {
			d, ok := rec.Column(c).(*array.Dictionary)
			ds, ok2 := (*dictStr)(nil), false
			if ok {
				ds, ok2 = newDictStr(d)
			}
			if !ok2 {
				return nil, fmt.Errorf("%w: %s column %s: a dictionary with codes out of range", ErrSchema, t, col.Name)
			}
			if v.dict == nil {
				v.dict = make([]*dictStr, n)
			}
			v.dict[c] = ds
			continue
		}
		if f.Name != col.Name || !arrow.TypeEqual(f.Type, col.Kind.ArrowType()) {
			return nil, fmt.Errorf("%w: %s column %d is %s %s, want %s %s", ErrSchema, t, c, f.Name, f.Type, col.Name, col.Kind.ArrowType())
		}
		if err := v.set(c, rec.Column(c)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// set shows canonical array a as column c.
func (v *View) set(c int, a arrow.Array) error {
	switch a := a.(type) {
	case *array.String:
		v.str[c] = a
	case *array.Int64:
		v.i64[c] = a
	case *array.Int32:
		v.i32[c] = a
	case *array.Date32:
		v.date[c] = a
	case *array.Boolean:
		v.bools[c] = a
	default:
		return fmt.Errorf("%w: %s column %s has array type %T", ErrSchema, v.Table, Columns(v.Table)[c].Name, a)
	}
	return nil
}

// dictStrType is the dictionary type NewView takes for a string column.
var dictStrType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// dictStr is a string column read as a dictionary: row i is
// vals[codes[i]], or "" when null. Values alias the dictionary's memory.
type dictStr struct {
	d     *array.Dictionary
	codes []int32
	vals  []string
}

// newDictStr shows d (int32 indices into string or binary values) as a
// string column, checking every index of a non-null row: ok is false for
// any other dictionary, or an index out of range (a corrupt file).
func newDictStr(d *array.Dictionary) (ds *dictStr, ok bool) {
	idx, isInt32 := d.Indices().(*array.Int32)
	if !isInt32 {
		return nil, false
	}
	var vals []string
	switch dv := d.Dictionary().(type) {
	case *array.String:
		vals = make([]string, dv.Len())
		for j := range vals {
			if dv.IsValid(j) {
				vals[j] = dv.Value(j)
			}
		}
	case *array.Binary:
		vals = make([]string, dv.Len())
		for j := range vals {
			if dv.IsValid(j) {
				vals[j] = dv.ValueString(j)
			}
		}
	default:
		return nil, false
	}
	codes := idx.Int32Values()
	if len(codes) != d.Len() {
		return nil, false
	}
	n := int32(len(vals))
	if d.NullN() == 0 {
		for _, k := range codes {
			if k < 0 || k >= n {
				return nil, false
			}
		}
	} else {
		for i, k := range codes {
			if (k < 0 || k >= n) && d.IsValid(i) {
				return nil, false
			}
		}
	}
	return &dictStr{d: d, codes: codes, vals: vals}, true
}

func newView(t Table, rows, n int) *View {
	return &View{N: rows, Table: t, str: make([]*array.String, n), i64: make([]*array.Int64, n),
		i32: make([]*array.Int32, n), date: make([]*array.Date32, n), bools: make([]*array.Boolean, n),
		ts: make([]*array.Timestamp, n), day: make([]*array.Timestamp, n), one: make([]bool, n), hint: -1}
}

// Str returns string column c of row i; "" when null.
func (v *View) Str(c, i int) string {
	if v.sel != nil {
		i = int(v.sel[i])
	}
	a := v.str[c]
	if a == nil {
		if v.dict != nil {
			if d := v.dict[c]; d != nil && d.d.IsValid(i) {
				return d.vals[d.codes[i]]
			}
		}
		return ""
	}
	if a.IsNull(i) {
		return ""
	}
	return a.Value(i)
}

// Int returns integer, time or date column c of row i (days for a date,
// Unix ms for a time); 0 when null.
func (v *View) Int(c, i int) int64 {
	if v.sel != nil {
		i = int(v.sel[i])
	}
	switch {
	case v.ts[c] != nil:
		if a := v.ts[c]; a.IsValid(i) {
			return int64(a.Value(i))
		}
	case v.day[c] != nil:
		return floorDiv(int64(v.day[c].Value(i)), 86_400_000)
	case v.one[c]:
		return 1
	case v.i64[c] != nil:
		if a := v.i64[c]; a.IsValid(i) {
			return a.Value(i)
		}
	case v.date[c] != nil:
		if a := v.date[c]; a.IsValid(i) {
			return int64(a.Value(i))
		}
	case v.i32[c] != nil:
		if a := v.i32[c]; a.IsValid(i) {
			return int64(a.Value(i))
		}
	}
	return 0
}

// Bool returns boolean column c of row i; false when null.
func (v *View) Bool(c, i int) bool {
	if v.sel != nil {
		i = int(v.sel[i])
	}
	if c == v.hint {
		return v.from.IsValid(i) && v.from.Value(i) || v.agent.IsValid(i) && ConsoleHint(false, v.agent.Value(i))
	}
	a := v.bools[c]
	return a != nil && a.IsValid(i) && a.Value(i)
}
