package cloudtrail

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrSchema is the cause of the error NewView returns for a record that
// does not have EventSchema's columns.
var ErrSchema = errors.New("record is not a CloudTrail event record")

// View is a typed, checked view of one event record's columns, for the
// consumers of event records. It holds the record's arrays, so it is valid
// only while the record is; the strings it returns point into the record's
// memory (strings.Clone them to keep them).
type View struct {
	N    int // rows
	str  [NumColumns]*array.String
	ts   [NumColumns]*array.Timestamp
	bool [NumColumns]*array.Boolean
}

// NewView checks that rec starts with EventSchema's columns (more may
// follow and are ignored) and returns a view of them.
func NewView(rec arrow.Record) (*View, error) {
	if rec == nil {
		return nil, fmt.Errorf("%w: nil record", ErrSchema)
	}
	sc := rec.Schema()
	if sc.NumFields() < NumColumns {
		return nil, fmt.Errorf("%w: %d columns, want %d", ErrSchema, sc.NumFields(), NumColumns)
	}
	v := &View{N: int(rec.NumRows())}
	for i := 0; i < NumColumns; i++ {
		f, want := sc.Field(i), EventSchema.Field(i)
		if f.Name != want.Name || !arrow.TypeEqual(f.Type, want.Type) {
			return nil, fmt.Errorf("%w: column %d is %s %s, want %s %s", ErrSchema, i, f.Name, f.Type, want.Name, want.Type)
		}
		switch a := rec.Column(i).(type) {
		case *array.String:
			v.str[i] = a
		case *array.Timestamp:
			v.ts[i] = a
		case *array.Boolean:
			v.bool[i] = a
		default:
			return nil, fmt.Errorf("%w: column %s has array type %T", ErrSchema, f.Name, a)
		}
	}
	return v, nil
}

// Str returns string column col of row i; "" when null.
func (v *View) Str(col, i int) string {
	a := v.str[col]
	if a == nil || a.IsNull(i) {
		return ""
	}
	return a.Value(i)
}

// Millis returns timestamp column col of row i in Unix milliseconds; 0
// when null.
func (v *View) Millis(col, i int) int64 {
	a := v.ts[col]
	if a == nil || a.IsNull(i) {
		return 0
	}
	return int64(a.Value(i))
}

// Bool returns boolean column col of row i; false when null.
func (v *View) Bool(col, i int) bool {
	a := v.bool[col]
	return a != nil && a.IsValid(i) && a.Value(i)
}

// OmitAllBut returns the columns of EventSchema that are in none of the
// lists: the ingest.Options.OmitColumns of a run whose consumers read only
// those columns.
func OmitAllBut(keep ...[]int) []int {
	var need uint64
	for _, cols := range keep {
		for _, c := range cols {
			if c >= 0 && c < NumColumns {
				need |= 1 << c
			}
		}
	}
	var omit []int
	for c := 0; c < NumColumns; c++ {
		if need&(1<<c) == 0 {
			omit = append(omit, c)
		}
	}
	return omit
}
