package main

import (
	"encoding/json"
	"unicode"
)

// snakeJSON re-encodes v with snake_case object keys (AccessKeyID →
// access_key_id) and zero times as null, so that `trace -f json` uses the
// same names as the CSV and JSON reports.
func snakeJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, err
	}
	return snakeValue(generic), nil
}

const zeroTime = "0001-01-01T00:00:00Z"

func snakeValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[snakeName(k)] = snakeValue(val)
		}
		return out
	case []any:
		for i := range x {
			x[i] = snakeValue(x[i])
		}
		return x
	case string:
		if x == zeroTime {
			return nil
		}
	}
	return v
}

func snakeName(s string) string {
	r := []rune(s)
	out := make([]rune, 0, len(r)+4)
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				out = append(out, '_')
			}
		}
		out = append(out, unicode.ToLower(c))
	}
	return string(out)
}
