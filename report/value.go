package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// This file is the one place where an Arrow value becomes text. CSV, table
// and JSON all render through value; only the quoting differs.
//
//   - null: "" in CSV and table, null in JSON;
//   - strings: as they are, except that invalid UTF-8 becomes U+FFFD;
//   - bool: true / false;
//   - integers: decimal; floats: shortest decimal that round-trips
//     (NaN and ±Inf are JSON strings);
//   - timestamps: RFC 3339 in UTC, "2006-01-02T15:04:05Z", with a fraction
//     of the unit's precision (.000 for ms) only when it is nonzero. Values
//     are rendered in UTC whatever time zone the type carries;
//   - dates: 2006-01-02.

// valueKind tells the JSON encoder how to quote a value.
type valueKind uint8

const (
	kindNull   valueKind = iota
	kindString           // JSON string
	kindRaw              // JSON number or boolean, written as is
)

// textType reports whether text formats can render dt.
func textType(dt arrow.DataType) bool {
	switch dt := dt.(type) {
	case *arrow.StringType, *arrow.LargeStringType, *arrow.BooleanType,
		*arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float32Type, *arrow.Float64Type,
		*arrow.TimestampType, *arrow.Date32Type, *arrow.Date64Type:
		return true
	case *arrow.DictionaryType:
		return textType(dt.ValueType)
	default:
		return false
	}
}

// checkTextSchema returns an error naming the first column text formats
// cannot render.
func checkTextSchema(s *arrow.Schema) error {
	for _, f := range s.Fields() {
		if !textType(f.Type) {
			return fmt.Errorf("column %q: %w %s", f.Name, ErrUnsupportedType, f.Type)
		}
	}
	return nil
}

// value renders row i of arr. The kind says how JSON must quote it.
// arr must have a type textType accepts.
func value(arr arrow.Array, i int) (string, valueKind) {
	if arr.IsNull(i) {
		return "", kindNull
	}
	switch a := arr.(type) {
	case *array.String:
		return validUTF8(a.Value(i)), kindString
	case *array.LargeString:
		return validUTF8(a.Value(i)), kindString
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i)), kindRaw
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10), kindRaw
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10), kindRaw
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10), kindRaw
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10), kindRaw
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10), kindRaw
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10), kindRaw
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10), kindRaw
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10), kindRaw
	case *array.Float32:
		return formatFloat(float64(a.Value(i)), 32)
	case *array.Float64:
		return formatFloat(a.Value(i), 64)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return FormatTimestamp(a.Value(i), unit), kindString
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly), kindString
	case *array.Date64:
		return a.Value(i).ToTime().Format(time.DateOnly), kindString
	case *array.Dictionary:
		return value(a.Dictionary(), a.GetValueIndex(i))
	default:
		// NewWriter checked the schema, so this is a programming error;
		// render something visible rather than panic.
		return "<" + arr.DataType().String() + ">", kindString
	}
}

func formatFloat(f float64, bits int) (string, valueKind) {
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return s, kindString
	}
	return s, kindRaw
}

// FormatTimestamp renders ts as RFC 3339 in UTC with a trailing Z. The
// fraction has the precision of unit (3 digits for milliseconds) and is
// present only when nonzero: 2024-05-01T12:30:00Z, 2024-05-01T12:30:00.250Z.
func FormatTimestamp(ts arrow.Timestamp, unit arrow.TimeUnit) string {
	t := ts.ToTime(unit).UTC()
	b := make([]byte, 0, len("2006-01-02T15:04:05.000000000Z"))
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if ns := t.Nanosecond(); ns != 0 {
		digits := 9
		switch unit {
		case arrow.Second:
			digits = 0
		case arrow.Millisecond:
			digits = 3
		case arrow.Microsecond:
			digits = 6
		}
		if digits > 0 {
			frac := strconv.Itoa(ns + 1_000_000_000) // "1" + 9 digits
			b = append(b, '.')
			b = append(b, frac[1:1+digits]...)
		}
	}
	return string(append(b, 'Z'))
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
