package sessions_test

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/facts"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// An IAM user's long-term key assumes a role; that session assumes a
// second role; the second session is used. The use arrives first, as it
// may when files are read in parallel.
func Example() {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	user := func(e *ct.Event) *ct.Event {
		return e.Set(ct.ColUIType, "IAMUser").Set(ct.ColUIARN, "arn:aws:iam::111122223333:user/alice").
			Set(ct.ColUIAccountID, "111122223333").Set(ct.ColUIAccessKeyID, "AKIAEXAMPLEALICE0001")
	}
	role := func(e *ct.Event, name, key string) *ct.Event {
		return e.Set(ct.ColUIType, "AssumedRole").Set(ct.ColUIARN, "arn:aws:sts::111122223333:assumed-role/"+name+"/s").
			Set(ct.ColUIAccountID, "111122223333").Set(ct.ColUIAccessKeyID, key)
	}
	events := []*ct.Event{
		role(new(ct.Event), "admin", "ASIAEXAMPLESECOND01").
			Set(ct.ColEventID, "e3").Set(ct.ColEventTime, at("2026-11-02T10:05:00Z")).Set(ct.ColEventName, "DeleteBucket"),
		user(new(ct.Event)).
			Set(ct.ColEventID, "e1").Set(ct.ColEventTime, at("2026-11-02T10:00:00Z")).Set(ct.ColEventName, "AssumeRole").
			Set(ct.ColReqRoleARN, "arn:aws:iam::111122223333:role/deploy").Set(ct.ColReqRoleSessionName, "s").
			Set(ct.ColRespCredentialsAccessKeyID, "ASIAEXAMPLEFIRST001"),
		role(new(ct.Event), "deploy", "ASIAEXAMPLEFIRST001").
			Set(ct.ColEventID, "e2").Set(ct.ColEventTime, at("2026-11-02T10:01:00Z")).Set(ct.ColEventName, "AssumeRole").
			Set(ct.ColReqRoleARN, "arn:aws:iam::111122223333:role/admin").Set(ct.ColReqRoleSessionName, "s").
			Set(ct.ColRespCredentialsAccessKeyID, "ASIAEXAMPLESECOND01"),
	}

	mem := memory.NewGoAllocator()
	rb := array.NewRecordBuilder(mem, ct.EventSchema)
	for _, e := range events {
		ct.AppendEvent(rb, e)
	}
	rec := rb.NewRecord()
	rb.Release()

	b := sessions.New()
	if err := b.Add(rec); err != nil {
		fmt.Println(err)
	}
	rec.Release() // Add does not retain the record
	res := b.Finish()

	for _, s := range res.Sessions {
		fmt.Println(s.AccessKeyID, s.IssuedBy, s.RootKind, s.RootPrincipal, s.RootAccessKeyID, s.ChainDepth, s.EventCount)
	}
	for _, h := range res.Chain("ASIAEXAMPLESECOND01") {
		fmt.Println(" ", h)
	}
	fmt.Println(res.Unattributed)
	// Output:
	// ASIAEXAMPLEFIRST001 AssumeRole iam_user arn:aws:iam::111122223333:user/alice AKIAEXAMPLEALICE0001 1 1
	// ASIAEXAMPLESECOND01 AssumeRole iam_user arn:aws:iam::111122223333:user/alice AKIAEXAMPLEALICE0001 2 1
	//   ASIAEXAMPLESECOND01 AssumeRole 2026-11-02T10:01:00Z role=arn:aws:iam::111122223333:role/admin session=s
	//   ASIAEXAMPLEFIRST001 AssumeRole 2026-11-02T10:00:00Z role=arn:aws:iam::111122223333:role/deploy session=s
	//   root iam_user arn:aws:iam::111122223333:user/alice key AKIAEXAMPLEALICE0001
	// 0 of 2 temporary keys unattributed
}

// A Builder is a facts.Sink: here the facts come from an Aggregator over
// the same kind of events, kept in a Set (as a reader of a fact set on
// disk would hand them over) and replayed.
func ExampleBuilder_Facts() {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	events := []*ct.Event{
		new(ct.Event).Set(ct.ColEventID, "e1").Set(ct.ColEventTime, at("2026-11-02T10:00:00Z")).
			Set(ct.ColEventName, "AssumeRoleWithWebIdentity").Set(ct.ColUIType, "WebIdentityUser").
			Set(ct.ColReqRoleARN, "arn:aws:iam::111122223333:role/ci").Set(ct.ColReqRoleSessionName, "run-7").
			Set(ct.ColRespProvider, "token.actions.githubusercontent.com").
			Set(ct.ColRespSubjectFromWebIdentityToken, "repo:octo/app:ref:refs/heads/main").
			Set(ct.ColRespCredentialsAccessKeyID, "ASIAEXAMPLEWEB00001").Set(ct.ColRecipientAccountID, "111122223333"),
		new(ct.Event).Set(ct.ColEventID, "e2").Set(ct.ColEventTime, at("2026-11-02T10:01:00Z")).
			Set(ct.ColEventName, "PutObject").Set(ct.ColUIType, "AssumedRole").
			Set(ct.ColUIARN, "arn:aws:sts::111122223333:assumed-role/ci/run-7").Set(ct.ColUIAccountID, "111122223333").
			Set(ct.ColUIAccessKeyID, "ASIAEXAMPLEWEB00001").Set(ct.ColRecipientAccountID, "111122223333"),
	}
	mem := memory.NewGoAllocator()
	rb := array.NewRecordBuilder(mem, ct.EventSchema)
	for _, e := range events {
		ct.AppendEvent(rb, e)
	}
	rec := rb.NewRecord()
	rb.Release()

	set := &facts.Set{}
	agg := facts.NewAggregator(mem, facts.Options{}, set)
	if err := agg.Events(rec); err != nil {
		fmt.Println(err)
	}
	rec.Release()
	if err := agg.Close(); err != nil {
		fmt.Println(err)
	}
	defer set.Release()

	b := sessions.New()
	if err := set.Replay(b); err != nil { // Facts does not retain the records
		fmt.Println(err)
	}
	for _, s := range b.Finish().Sessions {
		fmt.Println(s.AccessKeyID, s.RootKind, s.RootPrincipal, s.SessionName, s.EventCount)
	}
	// Output:
	// ASIAEXAMPLEWEB00001 web_identity web:token.actions.githubusercontent.com:repo:octo/app:ref:refs/heads/main run-7 1
}
