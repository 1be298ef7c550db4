package ctgen

import (
	"encoding/json"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "plain", `a"b`, `back\slash`, "tab\there", "nl\n", "\x01\x1f", "repo:acme/x:ref:refs/heads/main", "é ü"} {
		var w jw
		w.quote(s)
		var got string
		if err := json.Unmarshal(w.b, &got); err != nil || got != s {
			t.Errorf("quote(%q) = %s (%v)", s, w.b, err)
		}
	}
}

func TestObjectCommas(t *testing.T) {
	var w jw
	w.b = append(w.b, '{')
	w.str("a", "x")
	w.obj("o")
	w.end()
	w.arr("l")
	w.elemStr("1")
	w.elemObj()
	w.num("n", 2)
	w.end()
	w.endArr()
	w.null("z")
	w.boolean("b", true)
	w.end()
	want := `{"a":"x","o":{},"l":["1",{"n":2}],"z":null,"b":true}`
	if string(w.b) != want {
		t.Errorf("got %s, want %s", w.b, want)
	}
}
