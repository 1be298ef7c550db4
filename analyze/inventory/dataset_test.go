package inventory

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/datasets"
)

type sinkFunc func(arrow.Record) error

func (f sinkFunc) Events(rec arrow.Record) error { return f(rec) }

// datasetsDir finds the shared sample data, or skips the test.
func datasetsDir(t *testing.T) string { return datasets.Dir(t, "") }

// TestInvictusDataset runs the real Invictus IR log (a Stratus Red Team
// simulation, 2,900 events) through the ingest engine into a Builder and
// an Activity. Its account IDs were pseudonymised: the events say
// 123837392027, while every valid current-generation key ID decodes to
// 218007301253, and bert-jan's long-term key was rewritten to a value that
// is not base32.
func TestInvictusDataset(t *testing.T) {
	dir := filepath.Join(datasetsDir(t), "cloudtrail", "invictus-ir-aws-dataset")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := New(Options{Mem: mem})
	const backdoor, bertjan, benjamin = "AKIATFQR7NSC3ZO6PKAZ", "AKIATFQR7NSC8Q4X20BJ", "AKIATFQR7NSCUXC3DDDP"
	act := NewActivity([]string{backdoor, bertjan})
	res, err := ingest.Run(context.Background(), []string{dir}, ingest.Options{Mem: mem, Workers: 2},
		sinkFunc(func(rec arrow.Record) error {
			if err := b.Add(rec); err != nil {
				return err
			}
			return act.Add(rec)
		}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Fatalf("ingest errors: %v", res.Errors[0])
	}
	inv := b.Finish(nil)
	if inv.Events != 2900 {
		t.Errorf("%d events, want 2900", inv.Events)
	}
	want := map[string]struct {
		user   string
		status string
		calls  int64
		note   string
	}{
		bertjan:                {"bert-jan", StatusActive, 2104, "character 13 ('8') is not base32"},
		"AKIATFQZ7NSC8Q4X21BJ": {"benjamin", StatusActive, 35, "not base32"},
		benjamin:               {"benjamin", StatusActive, 43, "decodes to account 218007301253"},
		backdoor:               {"stratus-red-team-backdoor-u-user", StatusDeleted, 0, "decodes to account 218007301253"},
		"AKIATFQR7NSCQLA2F4OD": {"malicious-iam-user", StatusDeleted, 0, "decodes to account 218007301253"},
	}
	if len(inv.Keys) != len(want) {
		t.Errorf("%d keys, want %d", len(inv.Keys), len(want))
	}
	for _, k := range inv.Keys {
		w, ok := want[k.AccessKeyID]
		if !ok {
			t.Errorf("unexpected key %+v", k)
			continue
		}
		if k.AccountID != "123837392027" || k.User != w.user || k.Status != w.status || k.EventCount != w.calls || !strings.Contains(k.Note, w.note) || k.Slot != 0 {
			t.Errorf("key %s = %+v", k.AccessKeyID, k)
		}
	}
	bd, _ := inv.Key(backdoor)
	if !bd.Created.Equal(time.Date(2023, 7, 10, 12, 24, 29, 0, time.UTC)) || !bd.DeletedAt.Equal(time.Date(2023, 7, 10, 12, 28, 24, 0, time.UTC)) ||
		!strings.HasSuffix(bd.CreatedBy, ":user/bert-jan") || bd.DecodedAccount != "218007301253" {
		t.Errorf("backdoor key = %+v", bd)
	}

	// foreign-key reports every used current-generation key: they all
	// decode to 218007301253, an account no event names.
	fs := inv.Findings(analyze.Config{AsOf: time.Date(2023, 7, 11, 0, 0, 0, 0, time.UTC)})
	var foreign, asia int
	for _, f := range fs {
		if f.Rule == RuleForeignKey {
			foreign++
			if strings.HasPrefix(f.AccessKeyID, "ASIA") {
				asia++
			}
			if !strings.Contains(f.Detail, "decodes to account 218007301253") || f.AccountID != "123837392027" {
				t.Errorf("finding %+v", f)
			}
		} else {
			t.Errorf("unexpected finding %+v", f)
		}
	}
	if foreign == 0 || asia == 0 || foreign != asia+1 {
		t.Errorf("%d foreign-key findings (%d ASIA), want every ASIA key plus %s", foreign, asia, benjamin)
	}
	if len(inv.Rotations()) != 0 {
		t.Errorf("rotations: %+v", inv.Rotations())
	}

	ts := act.Results()
	if len(ts) != 2 {
		t.Fatalf("%d traces", len(ts))
	}
	if bdT := ts[0]; len(bdT.Lifecycle) != 2 || bdT.Lifecycle[0].Action != "created" || bdT.Lifecycle[1].Action != "deleted" || bdT.Calls != 0 {
		t.Errorf("backdoor trace = %+v", bdT)
	}
	// bert-jan's key has an '8': traced, with no account and the reason.
	if bj := ts[1]; bj.Calls != 2104 || bj.DecodeError != "" || bj.Info.Prefix != "AKIA" || bj.Info.Account != "" ||
		!strings.Contains(bj.Info.NoAccountReason, "is not base32") || len(bj.Services) == 0 {
		t.Errorf("bert-jan trace: %d calls, decode error %q, info %+v", bj.Calls, bj.DecodeError, bj.Info)
	}
	t.Logf("invictus: %d keys, %d foreign-key findings (%d ASIA), bert-jan's key used in %d services from %d IPs",
		len(inv.Keys), foreign, asia, len(ts[1].Services), len(ts[1].SourceIPs))
}

// TestGrycapDataset runs the real grycap trail (2014–2018, 17,598 events,
// legacy key IDs only) through the ingest engine: lifecycle calls set the
// status of three users' keys, and no key can be decoded, so foreign-key
// reports nothing.
func TestGrycapDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 17,598 gzipped events")
	}
	dir := filepath.Join(datasetsDir(t), "cloudtrail", "grycap-cloudtrail-tracker")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := New(Options{Mem: mem})
	res, err := ingest.Run(context.Background(), []string{dir}, ingest.Options{Mem: mem, Workers: 2}, sinkFunc(b.Add))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Fatalf("ingest errors: %v", res.Errors[0])
	}
	inv := b.Finish(nil)
	for id, w := range map[string]struct{ user, status string }{
		"AKIAIIJRTTQZYTLHNMQQ": {"amcaar", StatusInactive},
		"AKIAJND4KXJ7E6PPL6UA": {"acarrion", StatusDeleted},
		"AKIAI4DAJ75TZ2FB3BHA": {"micafer", StatusActive}, // deactivated, then reactivated 4 minutes later
	} {
		k, ok := inv.Key(id)
		if !ok || k.User != w.user || k.Status != w.status || k.AccountID != "974349055189" || k.DecodedAccount != "" || !strings.Contains(k.Note, "legacy") {
			t.Errorf("key %s = %+v (found %v), want user %s status %s", id, k, ok, w.user, w.status)
		}
	}
	var roots, used int
	for _, k := range inv.Keys {
		if k.IsRoot {
			roots++
			if k.User != RootUser {
				t.Errorf("root key %s has user %q", k.AccessKeyID, k.User)
			}
		}
		if k.EventCount > 0 {
			used++
		}
	}
	if fs := inv.Findings(analyze.Config{AsOf: time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)}); len(fs) != 0 {
		t.Errorf("findings on legacy keys: %+v", fs[0])
	}
	t.Logf("grycap: %d events, %d long-term keys (%d used, %d root)", inv.Events, len(inv.Keys), used, roots)
}
