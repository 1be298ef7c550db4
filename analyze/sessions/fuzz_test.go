package sessions

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// FuzzBuilder feeds records whose identity, issuing and request fields are
// arbitrary: Add and Finish must not panic or hang, every key must have a
// row, and unattributed rows must carry no principal.
//
//	go test -run XXX -fuzz FuzzBuilder -fuzztime 30s ./analyze/sessions/
func FuzzBuilder(f *testing.F) {
	f.Add("ASIAA", "ASIAB", "AssumeRole", "AssumedRole", "arn:aws:iam::1:role/r", "", `{"targetPrincipal":"2"}`, "1", "2")
	f.Add("ASIAB", "ASIAA", "AssumeRole", "AssumedRole", "arn", "x", `{`, "1", "")
	f.Add("AKIAX", "ASIAA", "AssumeRoot", "AWSAccount", "arn:aws:iam::1:saml-provider/", "p", `{"name":1}`, "", "3")
	f.Add("", "ASIAC", "AssumeRoleWithSAML", "Root", "", "signin.amazonaws.com", "null", "9", "9")
	f.Fuzz(func(t *testing.T, signer, issued, name, typ, arn, invokedBy, params, acct, recipient string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		rb := array.NewRecordBuilder(mem, ct.EventSchema)
		for i, pair := range [][2]string{{signer, issued}, {issued, signer}, {issued, issued}} {
			e := ev(string(rune('a'+i)), "2025-01-01T00:00:00Z", name).
				Set(ct.ColUIAccessKeyID, pair[0]).Set(ct.ColRespCredentialsAccessKeyID, pair[1]).
				Set(ct.ColUIType, typ).Set(ct.ColUIARN, arn).Set(ct.ColUIInvokedBy, invokedBy).
				Set(ct.ColReqRoleARN, arn).Set(ct.ColReqPrincipalARN, arn).Set(ct.ColRequestParameters, params).
				Set(ct.ColReqTargetPrincipal, params).Set(ct.ColReqName, params).
				Set(ct.ColUIAccountID, acct).Set(ct.ColRecipientAccountID, recipient).Set(ct.ColUIPrincipalID, acct)
			ct.AppendEvent(rb, e)
		}
		rec := rb.NewRecord()
		rb.Release()
		b := New()
		if err := b.Add(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		r := b.Finish()
		for _, k := range []string{signer, issued} {
			if strings.HasPrefix(k, "ASIA") {
				if _, ok := r.Session(k); !ok {
					t.Errorf("no row for %q", k)
				}
				if len(r.Chain(k)) < 2 {
					t.Errorf("chain of %q has fewer than 2 hops", k)
				}
			}
		}
		for _, s := range r.Sessions {
			if s.RootKind == KindUnattributed && (s.RootPrincipal != "" || s.ChainDepth != 0) {
				t.Errorf("%q: unattributed with principal %q depth %d", s.AccessKeyID, s.RootPrincipal, s.ChainDepth)
			}
		}
		out := SessionsRecord(mem, r.Sessions, time.Time{})
		out.Release()
	})
}
