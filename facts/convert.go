package facts

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// Causes of a ValueError.
var (
	ErrNull   = errors.New("null in a column that cannot be null")
	ErrSyntax = errors.New("invalid value")
	ErrRange  = errors.New("value out of range")
)

// kindWant says in words what a column of kind k holds, for errors.
func kindWant(k Kind) string {
	switch k {
	case I64, I32:
		return "an integer"
	case Time:
		return "a time (Unix ms, an Arrow timestamp, or text such as 2026-10-03T09:14:28Z)"
	case Date:
		return "a date (YYYY-MM-DD or date32/date64)"
	case Bool:
		return "a boolean (true or false)"
	}
	return "a string"
}

// accepts reports whether an Arrow column of type dt can be read as kind
// k: any type of the family, text (parsed as a CSV cell is), null, or a
// dictionary of any of those.
func accepts(k Kind, dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.NULL, arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	case arrow.DICTIONARY:
		return accepts(k, dt.(*arrow.DictionaryType).ValueType)
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return k == Str
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return k == I64 || k == I32 || k == Time
	case arrow.TIMESTAMP:
		return k == Time
	case arrow.DATE32, arrow.DATE64:
		return k == Date
	case arrow.BOOL:
		return k == Bool
	}
	return false
}

// colBuilder appends values of one canonical column.
type colBuilder struct {
	kind Kind
	b    array.Builder
}

func newColBuilder(mem memory.Allocator, k Kind, n int) *colBuilder {
	b := array.NewBuilder(mem, k.ArrowType())
	b.Reserve(n)
	return &colBuilder{kind: k, b: b}
}

func (c *colBuilder) release()              { c.b.Release() }
func (c *colBuilder) newArray() arrow.Array { return c.b.NewArray() }

// null appends a null: false for a boolean (null is false), an error
// for columns that cannot be null.
func (c *colBuilder) null() error {
	switch c.kind {
	case Str, Time:
		c.b.AppendNull()
	case Bool:
		c.b.(*array.BooleanBuilder).Append(false)
	default:
		return ErrNull
	}
	return nil
}

// str appends a string to a Str column ("" is null).
func (c *colBuilder) str(s string) {
	if s == "" {
		c.b.AppendNull()
	} else {
		c.b.(*array.StringBuilder).Append(s)
	}
}

// int appends an integer to an I64, I32 or Time (ms) column.
func (c *colBuilder) int(v int64) error {
	switch b := c.b.(type) {
	case *array.Int64Builder:
		b.Append(v)
	case *array.Int32Builder:
		if v < math.MinInt32 || v > math.MaxInt32 {
			return fmt.Errorf("%w: %d does not fit int32", ErrRange, v)
		}
		b.Append(int32(v))
	default:
		return fmt.Errorf("%w: an integer in a %s column", ErrSyntax, c.kind)
	}
	return nil
}

// text appends one text cell, parsed for the column's kind; "" is null.
func (c *colBuilder) text(s string) error {
	if c.kind == Str {
		c.str(s)
		return nil
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return c.null()
	}
	switch c.kind {
	case I64, I32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: %q is not %s", ErrSyntax, clip(s), kindWant(c.kind))
		}
		return c.int(n)
	case Time:
		ms, ok := ParseTime(s)
		if !ok {
			return fmt.Errorf("%w: %q is not %s", ErrSyntax, clip(s), kindWant(c.kind))
		}
		c.b.(*array.Int64Builder).Append(ms)
	case Date:
		d, ok := parseDate(s)
		if !ok {
			return fmt.Errorf("%w: %q is not %s", ErrSyntax, clip(s), kindWant(c.kind))
		}
		c.b.(*array.Date32Builder).Append(arrow.Date32(d))
	case Bool:
		switch {
		case strings.EqualFold(s, "true"):
			c.b.(*array.BooleanBuilder).Append(true)
		case strings.EqualFold(s, "false"):
			c.b.(*array.BooleanBuilder).Append(false)
		default:
			return fmt.Errorf("%w: %q is not %s", ErrSyntax, clip(s), kindWant(c.kind))
		}
	}
	return nil
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// ParseTime parses a time cell of a fact table: decimal Unix milliseconds,
// any form cloudtrail.ParseTime accepts, or the text engines print for a
// timestamp ("2026-10-03 09:14:28.000", optionally followed by " UTC"),
// read as UTC.
func ParseTime(s string) (ms int64, ok bool) {
	if isDecimal(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	if ms, ok := ct.ParseTime([]byte(s)); ok {
		return ms, true
	}
	// Athena/Trino CSV: "2026-10-03 09:14:28.000" or "... UTC".
	t := strings.TrimSuffix(s, " UTC")
	if len(t) >= 19 && t[4] == '-' && (t[10] == ' ' || t[10] == 'T') {
		return ct.ParseTime([]byte(t + "Z"))
	}
	return 0, false
}

func isDecimal(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDate parses YYYY-MM-DD into days since 1970-01-01.
func parseDate(s string) (int64, bool) {
	if len(s) != 10 {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return floorDiv(t.Unix(), 86400), true
}

// canonical reports whether a is already what the canonical column of
// kind k holds, so it can be passed on as is.
func canonical(k Kind, a arrow.Array) bool {
	if !arrow.TypeEqual(a.DataType(), k.ArrowType()) {
		return false
	}
	switch k {
	case Str:
		s := a.(*array.String)
		for i := 0; i < s.Len(); i++ {
			if s.IsValid(i) && len(s.Value(i)) == 0 {
				return false
			}
		}
		return true
	case Time:
		return true
	}
	return a.NullN() == 0
}

// convert returns a as the canonical column of kind k. The caller
// releases the result. On error, row is the index of the bad value.
func convert(mem memory.Allocator, k Kind, a arrow.Array) (out arrow.Array, row int, err error) {
	if canonical(k, a) {
		a.Retain()
		return a, 0, nil
	}
	c := newColBuilder(mem, k, a.Len())
	defer c.release()
	for i := 0; i < a.Len(); i++ {
		if err := c.cell(a, i); err != nil {
			return nil, i, err
		}
	}
	return c.newArray(), 0, nil
}

// cell appends row i of a (a type accepts allows for c's kind).
func (c *colBuilder) cell(a arrow.Array, i int) error {
	if a.IsNull(i) {
		return c.null()
	}
	switch a := a.(type) {
	case *array.Dictionary:
		return c.cell(a.Dictionary(), a.GetValueIndex(i))
	case *array.String:
		return c.text(a.Value(i))
	case *array.LargeString:
		return c.text(a.Value(i))
	case *array.StringView:
		return c.text(a.Value(i))
	case *array.Binary:
		return c.text(string(a.Value(i)))
	case *array.LargeBinary:
		return c.text(string(a.Value(i)))
	case *array.BinaryView:
		return c.text(string(a.Value(i)))
	case *array.Int8:
		return c.int(int64(a.Value(i)))
	case *array.Int16:
		return c.int(int64(a.Value(i)))
	case *array.Int32:
		return c.int(int64(a.Value(i)))
	case *array.Int64:
		return c.int(a.Value(i))
	case *array.Uint8:
		return c.int(int64(a.Value(i)))
	case *array.Uint16:
		return c.int(int64(a.Value(i)))
	case *array.Uint32:
		return c.int(int64(a.Value(i)))
	case *array.Uint64:
		v := a.Value(i)
		if v > math.MaxInt64 {
			return fmt.Errorf("%w: %d does not fit int64", ErrRange, v)
		}
		return c.int(int64(v))
	case *array.Timestamp:
		ms, ok := toMillis(int64(a.Value(i)), a.DataType().(*arrow.TimestampType).Unit)
		if !ok {
			return fmt.Errorf("%w: timestamp %d s overflows int64 ms", ErrRange, a.Value(i))
		}
		return c.int(ms)
	case *array.Date32:
		c.b.(*array.Date32Builder).Append(a.Value(i))
		return nil
	case *array.Date64:
		c.b.(*array.Date32Builder).Append(arrow.Date32(floorDiv(int64(a.Value(i)), 86_400_000)))
		return nil
	case *array.Boolean:
		c.b.(*array.BooleanBuilder).Append(a.Value(i))
		return nil
	}
	return fmt.Errorf("%w: cannot read %s as %s", ErrSyntax, a.DataType(), c.kind)
}

// toMillis converts a timestamp of unit to Unix ms; ok is false when it
// does not fit.
func toMillis(v int64, unit arrow.TimeUnit) (int64, bool) {
	switch unit {
	case arrow.Second:
		if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return 0, false
		}
		return v * 1000, true
	case arrow.Microsecond:
		return floorDiv(v, 1000), true
	case arrow.Nanosecond:
		return floorDiv(v, 1_000_000), true
	}
	return v, true
}
