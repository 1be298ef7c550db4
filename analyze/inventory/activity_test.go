package inventory

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/golden"
)

func renderTraces(ts []KeyActivity) string {
	var sb strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&sb, "key %s kind=%s account=%q note=%q err=%q\n", t.AccessKeyID, t.Info.Kind.Prefix, t.Info.Account, t.Info.NoAccountReason, t.DecodeError)
		fmt.Fprintf(&sb, "  calls %d first %s last %s truncated %v dropped %d\n", t.Calls, fmtTime(t.FirstUse), fmtTime(t.LastUse), t.Truncated, t.LifecycleDropped)
		for _, d := range []struct {
			name string
			cs   []Count
		}{{"accounts", t.Accounts}, {"principals", t.Principals}, {"types", t.IdentityTypes}, {"services", t.Services},
			{"regions", t.Regions}, {"events", t.EventNames}, {"ips", t.SourceIPs}, {"agents", t.UserAgents},
			{"errors", t.ErrorCodes}, {"recipients", t.Recipients}} {
			fmt.Fprintf(&sb, "  %s: %s\n", d.name, FormatCounts(d.cs))
		}
		for _, l := range t.Lifecycle {
			fmt.Fprintf(&sb, "  %s %s %s by=%s ip=%s err=%s detail=%q\n", fmtTime(l.Time), l.EventName, l.Action, l.By, l.SourceIP, l.ErrorCode, l.Detail)
		}
	}
	return sb.String()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func TestActivity(t *testing.T) {
	kUser := keyOf("AKIA", acctA, 41)
	asia := keyOf("ASIA", acctB, 42)
	assume := call(at(time.Hour), acctA, "alice", k1)
	assume.Set(ct.ColEventSource, "sts.amazonaws.com")
	assume.Set(ct.ColEventName, "AssumeRole")
	assume.Set(ct.ColReqRoleARN, "arn:aws:iam::"+acctB+":role/deploy")
	assume.Set(ct.ColRespCredentialsAccessKeyID, asia)
	assume.Set(ct.ColRespAssumedRoleARN, "arn:aws:sts::"+acctB+":assumed-role/deploy/ci")
	assume.Set(ct.ColRespCredentialsExpiration, at(2*time.Hour))
	assume.Set(ct.ColSharedEventID, "shared-assume")
	roleUse := func(when time.Time, svc, errCode string) *ct.Event {
		e := call(when, acctB, "", asia)
		e.Set(ct.ColUIType, "AssumedRole")
		e.Set(ct.ColUIUserName, "")
		e.Set(ct.ColUIARN, "arn:aws:sts::"+acctB+":assumed-role/deploy/ci")
		e.Set(ct.ColEventSource, svc)
		e.Set(ct.ColErrorCode, errCode)
		return e
	}
	useCopy := shared(call(at(3*time.Hour), acctA, "bob", kUser), "s-use")
	evs := []*ct.Event{
		created(at(0), acctA, "admin", kAdmin, "bob", kUser, at(0)),
		useCopy,
		copyIn(useCopy, acctB, "copy-in-b"),
		with(call(at(4*time.Hour), acctA, "bob", kUser), ct.ColAWSRegion, "eu-west-1"),
		updated(at(5*time.Hour), acctA, "admin", kAdmin, "bob", kUser, "Inactive"),
		with(deleted(at(6*time.Hour), acctA, "bob", kUser, "", kUser), ct.ColErrorCode, "AccessDenied"),
		deleted(at(7*time.Hour), acctA, "admin", kAdmin, "bob", kUser),
		assume,
		copyIn(assume, acctB, "assume-in-b"),
		roleUse(at(90*time.Minute), "s3.amazonaws.com", ""),
		roleUse(at(91*time.Minute), "ec2.amazonaws.com", "UnauthorizedOperation"),
		call(at(0), acctA, "zed", k3), // another key: ignored
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := NewActivity([]string{kUser, asia, kUser, "", "AKIAIOSFODNN7EXAMPLE"})
	rec := record(mem, evs...)
	defer rec.Release()
	if err := a.Add(rec); err != nil {
		t.Fatal(err)
	}
	ts := a.Results()
	if len(ts) != 3 {
		t.Fatalf("%d traces, want 3", len(ts))
	}
	got := renderTraces(ts)
	golden.CheckString(t, "testdata/activity.golden", got)
	var text strings.Builder
	for _, tr := range ts {
		text.WriteString("key " + tr.AccessKeyID + "\n")
		if err := tr.WriteText(&text); err != nil {
			t.Fatal(err)
		}
	}
	golden.CheckString(t, "testdata/activity_text.golden", text.String())
	if r := a.Result(asia); r == nil || r.AccessKeyID != asia || r.Calls != 2 {
		t.Errorf("Result(%s) = %+v", asia, r)
	}
	if r := a.Result(k3); r != nil {
		t.Errorf("Result of a key not asked for = %+v", r)
	}
	js, err := json.Marshal(a.Result(kUser))
	if err != nil || !strings.Contains(string(js), `"access_key_id":"`+kUser+`"`) || !strings.Contains(string(js), `"action":"deleted"`) {
		t.Errorf("JSON = %s, %v", js, err)
	}
	for _, tr := range ts {
		switch tr.AccessKeyID {
		case kUser:
			if tr.Calls != 2+1 || len(tr.Lifecycle) != 4 { // 2 uses + the failed self-delete; created/updated/deleted by admin
				t.Errorf("user key: %d calls, %d lifecycle events", tr.Calls, len(tr.Lifecycle))
			}
		case asia:
			if tr.Calls != 2 || len(tr.Lifecycle) != 1 || tr.Lifecycle[0].Action != "issued" || tr.Info.Account != acctB {
				t.Errorf("ASIA key: %+v", tr)
			}
		case "AKIAIOSFODNN7EXAMPLE":
			if tr.Calls != 0 || len(tr.Lifecycle) != 0 {
				t.Errorf("unseen key: %+v", tr)
			}
		}
	}
}

// TestActivitySince: the calls at or after Since, the GetCallerIdentity
// calls, the last call's service and region, and an issue's expiry.
func TestActivitySince(t *testing.T) {
	k := keyOf("AKIA", acctA, 43)
	asia := keyOf("ASIA", acctA, 44)
	gci := func(when time.Time) *ct.Event {
		e := call(when, acctA, "bob", k)
		e.Set(ct.ColEventSource, "sts.amazonaws.com")
		e.Set(ct.ColEventName, "GetCallerIdentity")
		return e
	}
	issue := call(at(0), acctA, "bob", k)
	issue.Set(ct.ColEventSource, "sts.amazonaws.com")
	issue.Set(ct.ColEventName, "GetSessionToken")
	issue.Set(ct.ColRespCredentialsAccessKeyID, asia)
	issue.Set(ct.ColRespCredentialsExpiration, at(12*time.Hour))
	evs := []*ct.Event{
		issue,
		gci(at(time.Hour)),
		gci(at(3 * time.Hour)),
		with(call(at(5*time.Hour), acctA, "bob", k), ct.ColAWSRegion, "eu-west-1"),
		call(at(2*time.Hour), acctA, "bob", k),
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := NewActivity([]string{k, asia})
	a.Since(k, at(2*time.Hour))
	a.Since("AKIANOTASKEDFOR00000", at(0))
	rec := record(mem, evs...)
	defer rec.Release()
	if err := a.Add(rec); err != nil {
		t.Fatal(err)
	}
	r := a.Result(k)
	want := CallSpan{Calls: 3, First: at(2 * time.Hour), Last: at(5 * time.Hour)}
	if r.AfterSince != want || !r.Since.Equal(at(2*time.Hour)) {
		t.Errorf("after since = %+v since %s, want %+v", r.AfterSince, r.Since, want)
	}
	if want := (CallSpan{Calls: 2, First: at(time.Hour), Last: at(3 * time.Hour)}); r.CallerIdentity != want {
		t.Errorf("GetCallerIdentity = %+v, want %+v", r.CallerIdentity, want)
	}
	if r.LastRegion != "eu-west-1" || r.LastService == "" {
		t.Errorf("last call: %s %s", r.LastService, r.LastRegion)
	}
	if s := a.Result(asia); len(s.Lifecycle) != 1 || !s.Lifecycle[0].Expires.Equal(at(12*time.Hour)) || !s.AfterSince.First.IsZero() {
		t.Errorf("issued key: %+v", s)
	}
}
