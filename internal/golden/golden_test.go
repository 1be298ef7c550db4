package golden

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, c := range []struct{ got, want, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"", "", ""},
		{"a\nb\n", "a\nc\n", `line 2 (got 2 lines, want 2)` + "\n" + ` got: "b\n"` + "\n" + `want: "c\n"`},
		{"a\n", "a\nb\n", `line 2 (got 1 lines, want 2)` + "\n" + ` got: ""` + "\n" + `want: "b\n"`},
		{"a", "a\n", `line 1 (got 0 lines, want 1)` + "\n" + ` got: "a"` + "\n" + `want: "a\n"`},
		{"", "x", `line 1 (got 0 lines, want 0)` + "\n" + ` got: ""` + "\n" + `want: "x"`},
	} {
		if got := Diff([]byte(c.got), []byte(c.want)); got != c.diff {
			t.Errorf("Diff(%q, %q) =\n%s\nwant\n%s", c.got, c.want, got, c.diff)
		}
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/sub/out.golden"
	*update = true
	CheckString(t, path, "one\ntwo\n")
	*update = false
	CheckString(t, path, "one\ntwo\n")

	rec := &recorder{TB: t}
	Check(rec, path, []byte("one\nthree\n"))
	if !strings.Contains(rec.msg, "line 2") || !strings.Contains(rec.msg, `"three\n"`) {
		t.Errorf("a changed line was not reported: %q", rec.msg)
	}
	rec = &recorder{TB: t}
	Check(rec, dir+"/missing.golden", nil)
	if !strings.Contains(rec.msg, "-update") {
		t.Errorf("a missing file does not say how to create it: %q", rec.msg)
	}
}

// recorder keeps the failure message instead of failing the test.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.msg = fmtS(f, a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.msg = fmtS(f, a...) }

func fmtS(f string, a ...any) string { return fmt.Sprintf(f, a...) }
