package facts_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// Write the demo's facts to a directory and read them back.
func Example() {
	mem := memory.NewGoAllocator()
	tmp, _ := os.MkdirTemp("", "facts-example-")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "demo-facts")

	w, err := facts.NewWriter(mem, dir, facts.WriterOptions{Producer: "keyaudit example native"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Abort() // a no-op after Close
	agg := facts.NewAggregator(mem, facts.Options{Sorted: true}, w)
	if _, err := ingest.Run(context.Background(), []string{"../testdata/demo/cloudtrail"}, ingest.Options{Mem: mem}, agg); err != nil {
		fmt.Println(err)
		return
	}
	if err := agg.Close(); err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	set := &facts.Set{}
	defer set.Release()
	stats, err := facts.Read(context.Background(), mem, []string{dir}, set)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("producer:", stats.Sets[0].Producer)
	for t := facts.Table(0); t < facts.Manifest; t++ {
		fmt.Printf("%-14s %d rows\n", t, stats.Rows(t))
	}
	// Output:
	// producer: keyaudit example native
	// key_use        57 rows
	// session_use    7 rows
	// sts_issue      6 rows
	// key_lifecycle  3 rows
	// principals     9 rows
	// event_accounts 3 rows
}
