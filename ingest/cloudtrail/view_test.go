package cloudtrail

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestView(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewRecordBuilder(mem, EventSchema)
	defer b.Release()
	when := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	AppendEvent(b, (&Event{}).Set(ColEventTime, when).Set(ColEventName, "AssumeRole").Set(ColReadOnly, true))
	AppendEvent(b, (&Event{}).Set(ColEventTime, when))
	rec := b.NewRecord()
	defer rec.Release()

	v, err := NewView(rec)
	if err != nil {
		t.Fatal(err)
	}
	if v.N != 2 || v.Str(ColEventName, 0) != "AssumeRole" || v.Str(ColEventName, 1) != "" ||
		v.Millis(ColEventTime, 0) != when.UnixMilli() || v.Millis(ColRespCredentialsExpiration, 0) != 0 ||
		!v.Bool(ColReadOnly, 0) || v.Bool(ColReadOnly, 1) {
		t.Fatalf("view reads wrong values: %+v", v)
	}

	// A record of another schema is refused, naming the column.
	fields := EventSchema.Fields()
	fields[ColUIAccessKeyID].Type = arrow.PrimitiveTypes.Int64
	other := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer other.Release()
	bad := other.NewRecord()
	defer bad.Release()
	if _, err := NewView(bad); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "user_identity_access_key_id") {
		t.Fatalf("err = %v, want ErrSchema naming the column", err)
	}
	if _, err := NewView(nil); !errors.Is(err, ErrSchema) {
		t.Fatalf("nil record: err = %v", err)
	}
}
