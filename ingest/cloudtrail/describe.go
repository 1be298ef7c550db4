package cloudtrail

import (
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// TypeName is a short name of a column's Arrow type: string, bool or
// timestamp (milliseconds, UTC).
func TypeName(col int) string {
	switch columnType(col).ID() {
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.BOOL:
		return "bool"
	}
	return "string"
}

// DescribeSchema prints the event schema as a table: column, type and the
// JSON path in a CloudTrail record it comes from (for
// `keyaudit export --describe`; the package doc holds the same table).
func DescribeSchema(w io.Writer) error {
	width := len("column")
	for _, n := range ColumnNames {
		width = max(width, len(n))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-9s  %s\n", width, "column", "type", "JSON path")
	for i := 0; i < NumColumns; i++ {
		fmt.Fprintf(&b, "%-*s  %-9s  %s\n", width, ColumnNames[i], TypeName(i), JSONPaths[i])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
