//go:build ignore

// factrows prints the rows and bytes of every Parquet file of a fact set, one
// "table rows bytes" line each and a "total rows bytes" line, from the files'
// footers (no data is read). bench.sh builds it with
// go build -o TOOLS/factrows scripts/factrows.go.
//
// Usage: factrows DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: factrows DIR")
		os.Exit(2)
	}
	names, err := filepath.Glob(filepath.Join(os.Args[1], "*.parquet"))
	if err != nil || len(names) == 0 {
		fmt.Fprintf(os.Stderr, "factrows: no Parquet files in %s\n", os.Args[1])
		os.Exit(1)
	}
	sort.Strings(names)
	var rows, bytes int64
	for _, name := range names {
		st, err := os.Stat(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "factrows:", err)
			os.Exit(1)
		}
		r, err := file.OpenParquetFile(name, false)
		if err != nil {
			fmt.Fprintln(os.Stderr, "factrows:", err)
			os.Exit(1)
		}
		n := r.NumRows()
		r.Close()
		table := strings.TrimSuffix(filepath.Base(name), ".parquet")
		fmt.Printf("%s %d %d\n", table, n, st.Size())
		if table != "manifest" {
			rows += n
		}
		bytes += st.Size()
	}
	fmt.Printf("total %d %d\n", rows, bytes)
}
