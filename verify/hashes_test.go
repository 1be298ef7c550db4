package verify

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/digestgen"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// ingestHashes reads paths with the ingest, hashing every CloudTrail log
// by its name, as audit --verify does.
func ingestHashes(t *testing.T, paths []string) map[string]ingest.FileHash {
	t.Helper()
	res, err := ingest.Run(context.Background(), paths, ingest.Options{Mem: memory.NewGoAllocator(), Workers: 2,
		HashFiles: func(p string) bool {
			k, err := digest.ParseKey(filepath.ToSlash(p))
			return err == nil && k.Kind == digest.KindLog
		}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]ingest.FileHash{}
	for _, fh := range res.FileHashes {
		m[fh.Path] = fh
	}
	return m
}

// TestHashesFromIngest: the rows from the ingest's hashes are the rows of
// reading the logs here, over the fixture (a modified log, an appended
// gzip member, missing digests, an injected log, a chain-less log) and
// over logs that are not gzip, truncated or empty; no log is read again.
func TestHashesFromIngest(t *testing.T) {
	tr, built := buildFixture()
	east := built[0]
	tr.Files[east.Logs[0][0]] = digestgen.LogJSON("111122223333", "us-east-1", t0, "plain") // not gzip
	b := tr.Files[east.Logs[0][1]]
	tr.Files[east.Logs[0][1]] = b[:len(b)-12] // truncated
	tr.Files[east.Logs[2][0]] = nil           // empty
	dir := t.TempDir()
	if err := tr.Write(dir); err != nil {
		t.Fatal(err)
	}
	keys := mustKeys(t, pubKeys())
	saved := &digest.Saved{}
	for _, b := range built {
		if err := saved.ParseSignatures(digestgen.HeadObjectJSON(b.HeadSignature)); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{dir}
	want, err := Run(context.Background(), paths, Options{Keys: keys, Saved: saved})
	if err != nil {
		t.Fatal(err)
	}
	hashes := ingestHashes(t, paths)
	got, err := Run(context.Background(), paths, Options{Keys: keys, Saved: saved, Hashes: hashes})
	if err != nil {
		t.Fatal(err)
	}
	if got.LogsRead != 0 || want.LogsRead == 0 {
		t.Errorf("logs read here: %d with the ingest's hashes, %d without", got.LogsRead, want.LogsRead)
	}
	if len(got.Rows) != len(want.Rows) {
		t.Fatalf("%d rows, want %d", len(got.Rows), len(want.Rows))
	}
	for i := range want.Rows {
		g, w := got.Rows[i], want.Rows[i]
		if g.Path == filepath.Join(dir, east.Logs[0][1]) {
			// Another inflater read it: the status is the same, the
			// wording of the gzip error may not be.
			if g.Status != InvalidFormat || w.Status != InvalidFormat {
				t.Errorf("truncated log: %s, want invalid-format (verify alone: %s)", g.Status, w.Status)
			}
			g.Detail, w.Detail = "", ""
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if !reflect.DeepEqual(got.Chains, want.Chains) {
		t.Errorf("chains differ")
	}
}

// TestHashesUsed: a hash given in Options.Hashes is the one checked, and a
// log missing from them is read.
func TestHashesUsed(t *testing.T) {
	tr := digestgen.New()
	b := tr.Add(digestgen.Chain{Logs: []int{2}})
	dir := t.TempDir()
	if err := tr.Write(dir); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, b.Logs[0][0])
	hashes := map[string]ingest.FileHash{first: {Path: first, Gzip: true, SHA256: [32]byte{1}}}
	res, err := Run(context.Background(), []string{dir}, Options{Hashes: hashes})
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]Status{}
	for _, r := range res.Rows {
		statuses[r.Path] = r.Status
	}
	if s := statuses[first]; s != Modified {
		t.Errorf("log with a wrong given hash: %s, want modified", s)
	}
	if s := statuses[filepath.Join(dir, b.Logs[0][1])]; s != Consistent {
		t.Errorf("log without a given hash: %s, want consistent (read here)", s)
	}
	if res.LogsRead != 1 {
		t.Errorf("LogsRead = %d, want 1", res.LogsRead)
	}
	hashes[first] = ingest.FileHash{Path: first, Gzip: true, Err: ingest.ErrTooBig}
	res, err = Run(context.Background(), []string{dir}, Options{Hashes: hashes, MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		if r.Path == first && (r.Status != InvalidFormat || !strings.Contains(r.Detail, "decompresses to more than the size limit (1048576 bytes)")) {
			t.Errorf("too big: %s %q", r.Status, r.Detail)
		}
	}
}
