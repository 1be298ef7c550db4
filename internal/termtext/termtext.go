// Package termtext makes text from logs safe to show on a terminal. It is
// the one escaper every text printer uses: report tables, the trace and
// whois printers and the error lines on stderr. Data formats (CSV, JSON,
// Parquet) never use it: they keep the exact data.
package termtext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape replaces characters a terminal would act on: C0 and C1 controls
// and DEL become Go-style escapes (\n, \t, \x1b, \u009b), and the
// bidirectional embedding, override and isolate characters and marks
// become \u202e and so on. Other text, backslashes included, is returned
// as it is.
func Escape(s string) string {
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
