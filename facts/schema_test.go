package facts

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/internal/golden"
)

// TestSchemaGolden makes every change to the v1 contract visible in
// review: a change here needs a new Version.
func TestSchemaGolden(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "facts_version %d\n", Version)
	for tb := Table(0); tb < NumTables; tb++ {
		fmt.Fprintf(&b, "\n%s\n", tb)
		for _, c := range Columns(tb) {
			fmt.Fprintf(&b, "  %-42s %s\n", c.Name, c.Kind)
		}
		if got := Schema(tb).NumFields(); got != len(Columns(tb)) {
			t.Errorf("%s: schema has %d fields, want %d", tb, got, len(Columns(tb)))
		}
		if back, ok := TableByName(tb.String()); !ok || back != tb {
			t.Errorf("TableByName(%q) = %v, %v", tb, back, ok)
		}
	}
	golden.Check(t, "testdata/schema.golden", []byte(b.String()))
}
