package inventory_test

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze/inventory"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

func Example() {
	mem := memory.NewGoAllocator()
	created := time.Date(2026, 10, 3, 9, 14, 28, 0, time.UTC)

	// One CreateAccessKey by an admin for alice, then one call with it.
	b := array.NewRecordBuilder(mem, ct.EventSchema)
	var create, use ct.Event
	create.Set(ct.ColEventTime, created).Set(ct.ColEventSource, "iam.amazonaws.com").Set(ct.ColEventName, "CreateAccessKey").
		Set(ct.ColUIType, "IAMUser").Set(ct.ColUIAccountID, "111122223333").Set(ct.ColUIUserName, "admin").
		Set(ct.ColUIARN, "arn:aws:iam::111122223333:user/admin").Set(ct.ColReqUserName, "alice").
		Set(ct.ColRespAccessKeyID, "AKIARTX3GSDSZJFEUSSK").Set(ct.ColRespAccessKeyCreateDate, created)
	use.Set(ct.ColEventTime, created.Add(time.Hour)).Set(ct.ColEventSource, "s3.amazonaws.com").Set(ct.ColEventName, "ListBuckets").
		Set(ct.ColAWSRegion, "us-east-1").Set(ct.ColRecipientAccountID, "111122223333").
		Set(ct.ColUIType, "IAMUser").Set(ct.ColUIAccountID, "111122223333").Set(ct.ColUIUserName, "alice").
		Set(ct.ColUIAccessKeyID, "AKIARTX3GSDSZJFEUSSK")
	ct.AppendEvent(b, &create)
	ct.AppendEvent(b, &use)
	rec := b.NewRecord()
	b.Release()

	bld := inventory.New(inventory.Options{})
	if err := bld.Add(rec); err != nil {
		fmt.Println(err)
	}
	rec.Release() // Add does not keep it

	// alice's report row: slot 2 was rotated when the key was created.
	report := &credreport.Report{AccountID: "111122223333", Rows: []credreport.Row{{
		User: "alice", AccountID: "111122223333",
		Keys: [2]credreport.KeySlot{
			{Exists: true, Active: false, LastRotated: created.AddDate(-1, 0, 0), LastUsedState: credreport.StateNever},
			{Exists: true, Active: true, LastRotated: created, LastUsedState: credreport.StateNever},
		},
	}}}
	result := bld.Finish([]*credreport.Report{report})
	for _, k := range result.Keys {
		id := k.AccessKeyID
		if id == "" {
			id = "(ID unknown)" // slot 1: the report knows it, the logs name no key for it
		}
		fmt.Println(k.User, id, "slot", inventory.SlotString(k.Slot), "by", k.ResolvedBy, k.Status, "calls", k.EventCount, "from", k.Source)
	}
	fmt.Println(result.SlotKeyID("111122223333", "alice", 2))
	// Output:
	// alice (ID unknown) slot 1 by  Inactive calls 0 from credential-report
	// alice AKIARTX3GSDSZJFEUSSK slot 2 by create_date Active calls 1 from credential-report+cloudtrail
	// AKIARTX3GSDSZJFEUSSK
}
