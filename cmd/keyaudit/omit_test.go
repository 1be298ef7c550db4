package main

import (
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

func TestOmitFor(t *testing.T) {
	none := sinkFunc(func(arrow.Record) error { return nil })
	inv, sess := reads(inventory.Columns(), none), reads(sessions.Columns(), none)
	if got := omitFor([]ingest.EventSink{inv, none}); got != nil {
		t.Errorf("with an undeclared sink: omit %v, want nothing", got)
	}
	both := omitFor([]ingest.EventSink{inv, sess})
	for _, c := range append(inventory.Columns(), sessions.Columns()...) {
		if slices.Contains(both, c) {
			t.Errorf("omits %s, which a sink reads", cloudtrail.ColumnNames[c])
		}
	}
	// keys reads neither the raw request parameters nor the issuer.
	for _, c := range []int{cloudtrail.ColRequestParameters, cloudtrail.ColResponseElements, cloudtrail.ColUIIssuerARN} {
		if !slices.Contains(omitFor([]ingest.EventSink{inv}), c) {
			t.Errorf("keys keeps %s", cloudtrail.ColumnNames[c])
		}
	}
}
