package report

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/internal/golden"
)

var ddlSchema = arrow.NewSchema([]arrow.Field{
	{Name: "event_time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "user", Type: arrow.BinaryTypes.String},
	{Name: "key_slot", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "event_count", Type: arrow.PrimitiveTypes.Int64},
	{Name: "ratio", Type: arrow.PrimitiveTypes.Float64},
	{Name: "muted", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// TestWriteDDL pins each engine's statements (go test ./report -update).
func TestWriteDDL(t *testing.T) {
	tables := []DDLTable{
		{Name: "keyaudit_events", Schema: ddlSchema, Location: "s3://b/p/events/", Partitions: []string{"account_id", "date"}},
		{Name: "keyaudit_keys", Schema: ddlSchema, Location: "s3://b/p/keys/"},
	}
	for _, engine := range DDLEngines() {
		t.Run(engine, func(t *testing.T) {
			var b strings.Builder
			if err := WriteDDL(&b, engine, "sec", tables); err != nil {
				t.Fatal(err)
			}
			golden.CheckString(t, "testdata/ddl/"+engine+".sql", b.String())
		})
	}
}

func TestWriteDDLErrors(t *testing.T) {
	var b strings.Builder
	if err := WriteDDL(&b, "oracle", "", nil); err == nil || !strings.Contains(err.Error(), `unknown DDL engine "oracle"`) {
		t.Errorf("unknown engine: %v", err)
	}
	bad := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String)}}, nil)
	if err := WriteDDL(&b, DDLAthena, "", []DDLTable{{Name: "t", Schema: bad}}); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("list column: %v, want ErrUnsupportedType", err)
	}
	if err := WriteDDL(&b, DDLTrino, "", []DDLTable{{Name: "t", Schema: ddlSchema, Location: "s3://b/x'; DROP TABLE y; --"}}); err == nil {
		t.Error("a location with a quote was accepted")
	}
	clash := arrow.NewSchema([]arrow.Field{{Name: "date", Type: arrow.BinaryTypes.String}}, nil)
	if err := WriteDDL(&b, DDLSpark, "", []DDLTable{{Name: "t", Schema: clash, Partitions: []string{"date"}}}); err == nil {
		t.Error("a partition column that is also a data column was accepted")
	}
}
