package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/keyaudit/keyaudit/report"
)

func ExampleNewWriter() {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "user", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "last_used", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)

	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"alice", "bob, jr."}, nil)
	b.Field(1).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	used := time.Date(2024, 5, 1, 12, 30, 0, 250_000_000, time.UTC)
	b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(used.UnixMilli()))
	b.Field(2).AppendNull()
	rec := b.NewRecord()
	defer rec.Release() // Write does not take ownership

	w, err := report.NewWriter("csv", os.Stdout, schema, report.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Write(rec); err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Close(); err != nil { // flushes; os.Stdout stays open
		fmt.Println(err)
	}
	// Output:
	// user,active,last_used
	// alice,true,2024-05-01T12:30:00.250Z
	// "bob, jr.",false,
}
