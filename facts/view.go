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
	i64   []*array.Int64
	i32   []*array.Int32
	date  []*array.Date32
	bools []*array.Boolean
}

// NewView checks that rec has the canonical schema of table t (names and
// types, in order) and returns a view of it. The reader converts what
// engines write to that schema, so consumers only ever see it.
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
	v := &View{N: int(rec.NumRows()), Table: t, str: make([]*array.String, n), i64: make([]*array.Int64, n),
		i32: make([]*array.Int32, n), date: make([]*array.Date32, n), bools: make([]*array.Boolean, n)}
	for c, col := range cols {
		f := rec.Schema().Field(c)
		if f.Name != col.Name || !arrow.TypeEqual(f.Type, col.Kind.ArrowType()) {
			return nil, fmt.Errorf("%w: %s column %d is %s %s, want %s %s", ErrSchema, t, c, f.Name, f.Type, col.Name, col.Kind.ArrowType())
		}
		switch a := rec.Column(c).(type) {
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
			return nil, fmt.Errorf("%w: %s column %s has array type %T", ErrSchema, t, col.Name, a)
		}
	}
	return v, nil
}

// Str returns string column c of row i; "" when null.
func (v *View) Str(c, i int) string {
	a := v.str[c]
	if a == nil || a.IsNull(i) {
		return ""
	}
	return a.Value(i)
}

// Int returns integer, time or date column c of row i (days for a date,
// Unix ms for a time); 0 when null.
func (v *View) Int(c, i int) int64 {
	switch {
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
	a := v.bools[c]
	return a != nil && a.IsValid(i) && a.Value(i)
}
