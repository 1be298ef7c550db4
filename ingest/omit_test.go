package ingest

import (
	"reflect"
	"testing"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// TestOmitColumns: omitted columns are null and every other value is as in
// a full read.
func TestOmitColumns(t *testing.T) {
	omit := []int{cloudtrail.ColResponseElements, cloudtrail.ColAdditionalEventData}
	_, full := run(t, []string{"testdata/tree"}, Options{Workers: 1})
	_, part := run(t, []string{"testdata/tree"}, Options{Workers: 1, OmitColumns: omit})
	want, got := full.sorted(t), part.sorted(t)
	if len(want) == 0 || len(want) != len(got) {
		t.Fatalf("%d rows with omitted columns, %d without", len(got), len(want))
	}
	dropped := 0
	for i := range want {
		for _, c := range omit {
			if _, ok := want[i][cloudtrail.ColumnNames[c]]; ok {
				dropped++
			}
			delete(want[i], cloudtrail.ColumnNames[c])
		}
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Errorf("row %d:\n got %v\nwant %v", i, got[i], want[i])
		}
	}
	if dropped == 0 {
		t.Fatal("the fixtures have no value in the omitted columns: the test proves nothing")
	}
}
