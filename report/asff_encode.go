package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
)

// encodeShape appends v, a value of an AWS SDK for Go v2 shape (a struct of
// pointers, slices, maps and string enums, such as
// securityhub/types.AwsSecurityFinding), to buf as the JSON the service
// reads: every exported field under its Go name, which the SDK generator
// takes from the API model's member name (so "AwsAccountId", "ProductArn",
// "Severity": {"Label"}); nil pointers, empty slices, empty maps and empty
// enum strings are left out, so no field is sent that was not set.
// Unexported fields (the SDK's noSmithyDocumentSerde marker) are skipped.
// Map keys are sorted, so the output is deterministic.
//
// encoding/json would use the same names, since the SDK types have no json
// tags, but would write every unset field as null or "".
func encodeShape(buf *bytes.Buffer, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return encodeShape(buf, v.Elem())
	case reflect.Struct:
		buf.WriteByte('{')
		t := v.Type()
		n := 0
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || emptyShape(v.Field(i)) {
				continue
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			n++
			writeJSONString(buf, f.Name)
			buf.WriteByte(':')
			if err := encodeShape(buf, v.Field(i)); err != nil {
				return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
			}
		}
		buf.WriteByte('}')
	case reflect.Slice, reflect.Array:
		buf.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeShape(buf, v.Index(i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("map with %s keys", v.Type().Key())
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			switch {
			case a.String() < b.String():
				return -1
			case a.String() > b.String():
				return 1
			}
			return 0
		})
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k.String())
			buf.WriteByte(':')
			if err := encodeShape(buf, v.MapIndex(k)); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case reflect.String:
		writeJSONString(buf, v.String())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return err
		}
		buf.Write(b)
	default:
		return fmt.Errorf("cannot encode %s", v.Type())
	}
	return nil
}

// emptyShape reports whether a field is unset: a nil pointer or interface,
// an empty slice or map, or an empty string (the SDK's unset enum). Numbers
// and booleans are always pointers in SDK shapes, so a zero one is sent.
func emptyShape(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.String:
		return v.Len() == 0
	case reflect.Struct:
		return false
	}
	return false
}

// writeJSONString writes s as a JSON string, leaving < > & as they are
// (the output is a file, not HTML).
func writeJSONString(buf *bytes.Buffer, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
