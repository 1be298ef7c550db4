package ctgen

import (
	"strconv"
	"time"
)

// jw appends compact JSON to b. A comma is inserted before a key or an
// array element unless the previous byte opens an object or array.
// prev is the last byte already handed out when b was flushed.
type jw struct {
	b    []byte
	prev byte
}

func (w *jw) sep() {
	c := w.prev
	if n := len(w.b); n > 0 {
		c = w.b[n-1]
	}
	if c != 0 && c != '{' && c != '[' && c != ':' {
		w.b = append(w.b, ',')
	}
}

func (w *jw) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jw) quote(s string) {
	w.b = append(w.b, '"')
	from := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '"' && c != '\\' && c >= 0x20 {
			continue
		}
		w.b = append(w.b, s[from:i]...)
		from = i + 1
		if c < 0x20 {
			w.b = append(w.b, `\u00`...)
			w.b = append(w.b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		} else {
			w.b = append(w.b, '\\', c)
		}
	}
	w.b = append(w.b, s[from:]...)
	w.b = append(w.b, '"')
}

func (w *jw) str(k, v string)       { w.key(k); w.quote(v) }
func (w *jw) num(k string, v int64) { w.key(k); w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jw) boolean(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}
func (w *jw) null(k string)     { w.key(k); w.b = append(w.b, "null"...) }
func (w *jw) obj(k string)      { w.key(k); w.b = append(w.b, '{') }
func (w *jw) arr(k string)      { w.key(k); w.b = append(w.b, '[') }
func (w *jw) elemObj()          { w.sep(); w.b = append(w.b, '{') }
func (w *jw) elemStr(v string)  { w.sep(); w.quote(v) }
func (w *jw) end()              { w.b = append(w.b, '}') }
func (w *jw) endArr()           { w.b = append(w.b, ']') }
func (w *jw) emptyObj(k string) { w.key(k); w.b = append(w.b, '{', '}') }
func (w *jw) isoTime(k string, t int64) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = time.Unix(t, 0).UTC().AppendFormat(w.b, "2006-01-02T15:04:05Z")
	w.b = append(w.b, '"')
}

// javaTime writes t in the form CloudTrail uses inside responseElements,
// "Oct 3, 2026 9:14:28 AM".
func (w *jw) javaTime(k string, t int64) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = time.Unix(t, 0).UTC().AppendFormat(w.b, "Jan 2, 2006 3:04:05 PM")
	w.b = append(w.b, '"')
}
