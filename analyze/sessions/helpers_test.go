package sessions

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// ev starts a fixture event with an event ID, time and name.
func ev(id, at, name string) *ct.Event {
	e := &ct.Event{}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		panic(err)
	}
	e.Set(ct.ColEventID, id).Set(ct.ColEventTime, t).Set(ct.ColEventName, name)
	e.Set(ct.ColEventSource, "sts.amazonaws.com")
	return e
}

// iamUser sets userIdentity to an IAM user signing with key.
func iamUser(e *ct.Event, acct, user, key string) *ct.Event {
	return e.Set(ct.ColUIType, "IAMUser").Set(ct.ColUIARN, "arn:aws:iam::"+acct+":user/"+user).
		Set(ct.ColUIAccountID, acct).Set(ct.ColUIAccessKeyID, key).Set(ct.ColUIUserName, user).
		Set(ct.ColRecipientAccountID, acct)
}

// rootUser sets userIdentity to the account's root user signing with key.
func rootUser(e *ct.Event, acct, key string) *ct.Event {
	return e.Set(ct.ColUIType, "Root").Set(ct.ColUIARN, "arn:aws:iam::"+acct+":root").
		Set(ct.ColUIAccountID, acct).Set(ct.ColUIAccessKeyID, key).Set(ct.ColRecipientAccountID, acct)
}

// assumed sets userIdentity to a role session signing with key.
func assumed(e *ct.Event, acct, role, session, key string) *ct.Event {
	return e.Set(ct.ColUIType, "AssumedRole").
		Set(ct.ColUIARN, "arn:aws:sts::"+acct+":assumed-role/"+role+"/"+session).
		Set(ct.ColUIAccountID, acct).Set(ct.ColUIAccessKeyID, key).
		Set(ct.ColUIIssuerType, "Role").Set(ct.ColUIIssuerARN, "arn:aws:iam::"+acct+":role/"+role).
		Set(ct.ColUIIssuerAccountID, acct).Set(ct.ColRecipientAccountID, acct)
}

// awsAccount sets userIdentity as another account's copy of a cross-account
// call shows it: type AWSAccount, principal ID and account, no ARN.
func awsAccount(e *ct.Event, acct, principalID, key, recipient string) *ct.Event {
	return e.Set(ct.ColUIType, "AWSAccount").Set(ct.ColUIPrincipalID, principalID).
		Set(ct.ColUIAccountID, acct).Set(ct.ColUIAccessKeyID, key).Set(ct.ColRecipientAccountID, recipient)
}

// service sets userIdentity to an AWS service.
func service(e *ct.Event, svc, recipient string) *ct.Event {
	return e.Set(ct.ColUIType, "AWSService").Set(ct.ColUIInvokedBy, svc).
		Set(ct.ColSourceIPAddress, svc).Set(ct.ColUserAgent, svc).Set(ct.ColRecipientAccountID, recipient)
}

// assumeRole makes e a successful AssumeRole issuing key into role.
func assumeRole(e *ct.Event, roleARN, session, issued string) *ct.Event {
	acct := strings.Split(roleARN, ":")[4]
	role := roleARN[strings.LastIndex(roleARN, "/")+1:]
	return e.Set(ct.ColReqRoleARN, roleARN).Set(ct.ColReqRoleSessionName, session).
		Set(ct.ColRespCredentialsAccessKeyID, issued).
		Set(ct.ColRespAssumedRoleARN, "arn:aws:sts::"+acct+":assumed-role/"+role+"/"+session).
		Set(ct.ColSourceIPAddress, "198.51.100.7").Set(ct.ColUserAgent, "aws-cli/2.15")
}

// call is an ordinary API call (not STS).
func call(id, at, name string) *ct.Event {
	return ev(id, at, name).Set(ct.ColEventSource, "ec2.amazonaws.com")
}

// records splits events into records of at most batch rows.
func records(t testing.TB, mem memory.Allocator, events []*ct.Event, batch int) []arrow.Record {
	t.Helper()
	var out []arrow.Record
	for start := 0; start < len(events); start += batch {
		b := array.NewRecordBuilder(mem, ct.EventSchema)
		for _, e := range events[start:min(start+batch, len(events))] {
			ct.AppendEvent(b, e)
		}
		out = append(out, b.NewRecord())
		b.Release()
	}
	return out
}

// build runs a Builder over events in the given order and batch size.
func build(t testing.TB, events []*ct.Event, batch int) *Result {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := New()
	for _, rec := range records(t, mem, events, batch) {
		if err := b.Add(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	return b.Finish()
}

// shuffled returns a copy of events in a random order.
func shuffled(events []*ct.Event, seed int64) []*ct.Event {
	out := append([]*ct.Event(nil), events...)
	rand.New(rand.NewSource(seed)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// render is the golden, CSV-like rendering of a result: a header, one line
// per session, the unattributed summary. The ages, which depend on an
// as-of time (TestSessionAges), are left out.
func render(r *Result) string {
	var b strings.Builder
	for i := 0; i <= ColNote; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(SessionSchema.Field(i).Name)
	}
	b.WriteByte('\n')
	for _, s := range r.Sessions {
		depth := ""
		if s.ChainDepth > 0 {
			depth = fmt.Sprint(s.ChainDepth)
		}
		b.WriteString(strings.Join([]string{s.AccessKeyID, s.AccountID, s.IssuedBy, fmtTime(s.IssuedAt),
			s.IssuerAccessKeyID, s.RoleARN, s.SessionName, s.SourceIdentity, string(s.RootKind), s.RootPrincipal,
			s.RootAccessKeyID, depth, fmt.Sprint(s.EventCount), fmtTime(s.FirstSeen), fmtTime(s.LastSeen),
			s.UsedByARN, s.Note}, ","))
		b.WriteByte('\n')
	}
	b.WriteString("# " + r.Unattributed.String() + "\n")
	return b.String()
}

func mustSession(t *testing.T, r *Result, key string) Session {
	t.Helper()
	s, ok := r.Session(key)
	if !ok {
		t.Fatalf("no session for %s", key)
	}
	return s
}

// fmtMap renders a map with sorted keys (fmt sorts map keys).
func fmtMap(m any) string { return fmt.Sprint(m) }
