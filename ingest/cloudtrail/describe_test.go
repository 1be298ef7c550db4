package cloudtrail

import (
	"os"
	"strings"
	"testing"
)

// TestDocSchemaInSync checks that the schema table in doc.go is what
// DescribeSchema prints.
func TestDocSchemaInSync(t *testing.T) {
	var b strings.Builder
	if err := DescribeSchema(&b); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	for _, line := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(line, "//\t"); ok {
			doc = append(doc, rest)
		}
	}
	want := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	got := strings.Join(doc, "\n")
	if !strings.Contains(got, strings.Join(want, "\n")) {
		t.Errorf("doc.go's schema table is out of date; it should hold (indented with //<tab>):\n%s", b.String())
	}
	if len(want) != NumColumns+1 {
		t.Errorf("%d lines for %d columns", len(want), NumColumns)
	}
}
