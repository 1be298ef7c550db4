package verify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/internal/digestgen"
	"github.com/keyaudit/keyaudit/report"
	"github.com/keyaudit/keyaudit/verify/digest"
)

var (
	t0        = time.Date(2026, 10, 31, 0, 0, 31, 0, time.UTC)
	keysFrom  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	keysUntil = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

// setup is what a scenario built: the tree, and what to verify it with.
type setup struct {
	tr    *digestgen.Tree
	keys  []byte                // list-public-keys JSON; nil: no --public-keys
	saved [][]byte              // --signatures files
	dirs  func(string) []string // PATH arguments from the tree's directory; nil: the directory
}

func mustKeys(t *testing.T, b []byte) map[string]*digest.PublicKey {
	t.Helper()
	keys, errs, err := digest.ParsePublicKeys(b)
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	return keys
}

// verifyTree writes the tree and runs Run over it.
func verifyTree(t *testing.T, s setup) *Result {
	t.Helper()
	dir := t.TempDir()
	if err := s.tr.Write(dir); err != nil {
		t.Fatal(err)
	}
	opts := Options{Workers: 2}
	if s.keys != nil {
		opts.Keys = mustKeys(t, s.keys)
	}
	if s.saved != nil {
		opts.Saved = &digest.Saved{}
		for _, b := range s.saved {
			if err := opts.Saved.ParseSignatures(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	paths := []string{dir}
	if s.dirs != nil {
		paths = s.dirs(dir)
	}
	res, err := Run(context.Background(), paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func pubKeys(keys ...*digestgen.Tree) []byte {
	return digestgen.PublicKeysJSON(keysFrom, keysUntil, false, &digestgen.Key().PublicKey)
}

// signed is the usual setup: the key and the head's saved signature.
func signed(tr *digestgen.Tree, heads ...*digestgen.Built) setup {
	s := setup{tr: tr, keys: pubKeys()}
	for _, b := range heads {
		s.saved = append(s.saved, digestgen.HeadObjectJSON(b.HeadSignature))
	}
	return s
}

// want is one expected row: the file (a tree key; matched from AWSLogs/
// on), its status and words of its detail.
type want struct {
	key    string
	status Status
	detail string
}

func TestScenarios(t *testing.T) {
	tests := []struct {
		name    string
		build   func() setup
		counts  map[Status]int // every row, exactly
		rows    []want
		verdict string // of the first chain, a prefix
	}{
		{
			name: "start of chain",
			build: func() setup {
				tr := digestgen.New()
				return signed(tr, tr.Add(digestgen.Chain{Logs: []int{2, 1}}))
			},
			counts:  map[Status]int{Valid: 5},
			verdict: "valid",
		},
		{
			name: "empty hour",
			build: func() setup {
				tr := digestgen.New()
				return signed(tr, tr.Add(digestgen.Chain{Logs: []int{1, 0, 1}}))
			},
			counts:  map[Status]int{Valid: 5},
			verdict: "valid",
		},
		{
			name: "gap: logging off for an hour, a new chain starts",
			build: func() setup {
				tr := digestgen.New()
				tr.Add(digestgen.Chain{Logs: []int{1, 1}})
				b := tr.Add(digestgen.Chain{Start: t0.Add(3 * time.Hour), Logs: []int{1}})
				c := digestgen.Chain{}
				tr.Files[c.LogKey(t0.Add(2*time.Hour+10*time.Minute), "gaplog")] = digestgen.Gzip([]byte(`{"Records":[]}`))
				return signed(tr, b)
			},
			// The first segment's head has no successor to carry its signature.
			counts: map[Status]int{Valid: 4, Consistent: 2, NotCovered: 1},
			rows: []want{
				{"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/31/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261031T020031Z.json.gz", Consistent, "chain head"},
				{"AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/31/111122223333_CloudTrail_us-east-1_20261031T0210Z_gaplog.json.gz", NotCovered, "delivered 02:10Z in a gap between two chains (validation or logging off): no digest vouches for it"},
			},
			verdict: "FAILED: 1 not-covered",
		},
		{
			name: "one missing digest",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1, 1, 1}})
				delete(tr.Files, b.Digests[1])
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 4, Consistent: 2, Missing: 1, NotCovered: 1},
			rows: []want{
				{"CloudTrail-Digest_us-east-1_main_us-east-1_20261031T020031Z.json.gz", Missing, "no digest from 2026-10-31T01:00:31Z to 2026-10-31T02:00:31Z (1 hour)"},
				{"CloudTrail-Digest_us-east-1_main_us-east-1_20261031T010031Z.json.gz", Consistent, "the next digest, which carries its signature, is missing"},
				{"20261031T0105Z_mains0100x1.json.gz", NotCovered, "delivered 01:05Z during missing digests: no digest vouches for it"},
			},
			verdict: "FAILED: 1 missing, 1 not-covered",
		},
		{
			name: "two missing digests: one row for the whole range",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1, 1, 1}})
				delete(tr.Files, b.Digests[1])
				delete(tr.Files, b.Digests[2])
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 2, Consistent: 2, Missing: 1, NotCovered: 2},
			rows: []want{
				{"20261031T030031Z.json.gz", Missing, "no digest from 2026-10-31T01:00:31Z to 2026-10-31T03:00:31Z (2 hours)"},
			},
			verdict: "FAILED: 1 missing, 2 not-covered",
		},
		{
			name: "modified log",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{2}})
				tr.Files[b.Logs[0][1]] = digestgen.Gzip([]byte(`{"Records":[]}`))
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 2, Modified: 1},
			rows:   []want{{"20261031T0010Z_mains0001x1.json.gz", Modified, "SHA-256 differs from the hashValue in its digest"}},
		},
		{
			name: "appended gzip member, on a log and on a digest",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
				tr.Files[b.Logs[1][0]] = append(tr.Files[b.Logs[1][0]], digestgen.Gzip([]byte(`{"Records":[{"eventName":"Injected"}]}`))...)
				tr.Files[b.Digests[0]] = append(tr.Files[b.Digests[0]], "junk"...)
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 2, TrailingData: 2},
			rows: []want{
				{"20261031T0105Z_mains0100x1.json.gz", TrailingData, "(a second gzip member)"},
				{"20261031T010031Z.json.gz", TrailingData, "4 bytes after the first gzip member (data), not hashed"},
			},
		},
		{
			name: "unreferenced log inside a digest's hour; a log after the newest digest is not covered",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
				c := digestgen.Chain{}
				tr.Files[c.LogKey(t0.Add(30*time.Minute), "injected")] = digestgen.Gzip([]byte(`{"Records":[]}`))
				tr.Files[c.LogKey(t0.Add(2*time.Hour), "late")] = digestgen.Gzip([]byte(`{"Records":[]}`))
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 4, Unreferenced: 1, NotCovered: 1},
			rows: []want{
				{"20261031T0030Z_injected.json.gz", Unreferenced, "in no digest, though delivered 00:30Z in the hour of 111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261031T010031Z.json.gz"},
				{"20261031T0200Z_late.json.gz", NotCovered, "a newer digest not yet copied"},
			},
		},
		{
			name: "moved digest",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1, 1}})
				tr.Move(b.Digests[1], strings.Replace(b.Digests[1], "T020031Z", "T023031Z", 1))
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 2, Consistent: 2, Missing: 1, Unreferenced: 1, NotCovered: 1},
			rows: []want{
				{"20261031T023031Z.json.gz", Unreferenced, "its digestS3Object is AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/31/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261031T020031Z.json.gz: moved"},
				{"20261031T020031Z.json.gz", Missing, "(1 hour)"},
			},
		},
		{
			name: "backfill digest: its own chain, its logs count as referenced",
			build: func() setup {
				tr := digestgen.New()
				a := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
				b := tr.Add(digestgen.Chain{Backfill: true, Start: t0.Add(90 * time.Minute), Logs: []int{1}})
				return signed(tr, a, b)
			},
			counts: map[Status]int{Valid: 6},
			rows: []want{
				{"main_us-east-1_20261031T023031Z_backfill.json.gz", Valid, ""},
				{"20261031T0135Z_mainb0000x1.json.gz", Valid, ""},
			},
			verdict: "valid",
		},
		{
			name: "organization trail",
			build: func() setup {
				tr := digestgen.New()
				return signed(tr, tr.Add(digestgen.Chain{OrgID: "o-abc123def4", Account: "444455556666", Region: "eu-west-1", HomeRegion: "us-east-1", Trail: "org-trail", Logs: []int{1, 2}}))
			},
			counts:  map[Status]int{Valid: 5},
			rows:    []want{{"AWSLogs/o-abc123def4/444455556666/CloudTrail/eu-west-1/2026/10/31/444455556666_CloudTrail_eu-west-1_20261031T0005Z_orgtrails0000x1.json.gz", Valid, ""}},
			verdict: "valid",
		},
		{
			name: "S3 prefix kept in the copy",
			build: func() setup {
				tr := digestgen.New()
				return signed(tr, tr.Add(digestgen.Chain{Prefix: "cloudtrail/prod/", Logs: []int{1, 1}}))
			},
			counts: map[Status]int{Valid: 4},
		},
		{
			name: "S3 prefix synced away: only AWSLogs/ in the copy, given as two PATHs",
			build: func() setup {
				tr := digestgen.New()
				s := signed(tr, tr.Add(digestgen.Chain{Prefix: "cloudtrail/prod/", Logs: []int{1, 1}}))
				s.dirs = func(dir string) []string {
					base := filepath.Join(dir, "cloudtrail", "prod", "AWSLogs", "111122223333")
					return []string{filepath.Join(base, "CloudTrail"), filepath.Join(base, "CloudTrail-Digest")}
				}
				return s
			},
			counts: map[Status]int{Valid: 4},
		},
		{
			name: "wrong public key",
			build: func() setup {
				tr := digestgen.New()
				s := signed(tr, tr.Add(digestgen.Chain{Logs: []int{1, 1}}))
				s.keys = digestgen.PublicKeysJSON(keysFrom, keysUntil, true, &digestgen.OtherKey().PublicKey)
				return s
			},
			counts: map[Status]int{SignatureInvalid: 2, Consistent: 2},
			rows: []want{
				{"20261031T010031Z.json.gz", SignatureInvalid, "no public key with this fingerprint " + digestgen.Fingerprint(&digestgen.Key().PublicKey) + " among --public-keys"},
				{"20261031T0005Z_mains0000x1.json.gz", Consistent, "its digest is signature-invalid"},
			},
			verdict: "FAILED: 2 signature-invalid",
		},
		{
			name: "forged chain: signed by another key, naming the real key's fingerprint",
			build: func() setup {
				tr := digestgen.New()
				tr.Key = digestgen.OtherKey()
				fp := digestgen.Fingerprint(&digestgen.Key().PublicKey)
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1}, Edit: func(_ int, doc map[string]any) { doc["digestPublicKeyFingerprint"] = fp }})
				return signed(tr, b)
			},
			counts: map[Status]int{SignatureInvalid: 2, Consistent: 2},
			rows:   []want{{"20261031T020031Z.json.gz", SignatureInvalid, "signature does not verify with key " + digestgen.Fingerprint(&digestgen.Key().PublicKey)}},
		},
		{
			name: "malformed hex: a 63-digit hashValue in a signed digest",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{2, 1}, Edit: func(h int, doc map[string]any) {
					if h == 0 {
						lf := doc["logFiles"].([]map[string]any)[1]
						lf["hashValue"] = lf["hashValue"].(string)[:63]
					}
				}})
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 4, InvalidFormat: 1},
			rows:   []want{{"20261031T0010Z_mains0001x1.json.gz", InvalidFormat, "logFiles[1].hashValue: malformed: want 64 hex digits (SHA-256), got 63 characters"}},
		},
		{
			name: "missing chain-head signature: consistent, unsigned",
			build: func() setup {
				tr := digestgen.New()
				tr.Add(digestgen.Chain{Logs: []int{1, 1}})
				return setup{tr: tr, keys: pubKeys()}
			},
			counts:  map[Status]int{Valid: 2, Consistent: 2},
			rows:    []want{{"20261031T020031Z.json.gz", Consistent, "chain head: its signature is S3 metadata"}},
			verdict: "consistent, unsigned (2 of its files hang on a signature that was not checked",
		},
		{
			name: "no public keys: never valid",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
				return setup{tr: tr, saved: [][]byte{digestgen.HeadObjectJSON(b.HeadSignature)}}
			},
			counts:  map[Status]int{Consistent: 4},
			verdict: "consistent, unsigned (no --public-keys)",
		},
		{
			name: "edited digest: a log's entry removed, not re-signed",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 2, 1}})
				tr.EditDigest(b.Digests[1], func(doc map[string]any) { doc["logFiles"] = doc["logFiles"].([]any)[:1] })
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 4, Modified: 1, Consistent: 1, Unreferenced: 1},
			rows: []want{
				{"20261031T020031Z.json.gz", Modified, "SHA-256 differs from previousDigestHashValue in the next digest; signature does not verify"},
				{"20261031T0110Z_mains0101x1.json.gz", Unreferenced, "in no digest"},
			},
		},
		{
			name: "saved head signature of another digest",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
				return setup{tr: tr, keys: pubKeys(), saved: [][]byte{digestgen.HeadObjectJSON(b.Signatures[0])}}
			},
			counts: map[Status]int{Valid: 2, SignatureInvalid: 1, Consistent: 1},
			rows:   []want{{"20261031T020031Z.json.gz", SignatureInvalid, "signature does not verify"}},
		},
		{
			name: "unreadable digest in the middle: its range has no usable digest",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1, 1}})
				tr.Files[b.Digests[1]] = []byte("not gzip at all")
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 2, Consistent: 2, InvalidFormat: 1, NotCovered: 1},
			rows:   []want{{"20261031T020031Z.json.gz", InvalidFormat, "not gzip: gzip: invalid header; its successor links to it, so 2026-10-31T01:00:31Z to 2026-10-31T02:00:31Z (1 hour) has no usable digest"}},
		},
		{
			name: "head signature saved as a JSON map of local path to signature",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Prefix: "p/", Logs: []int{1, 1}})
				s := setup{tr: tr, keys: pubKeys()}
				s.saved = [][]byte{[]byte(`{"copy/of/bucket/` + b.HeadKey + `": "` + b.HeadSignature + `"}`)}
				return s
			},
			counts:  map[Status]int{Valid: 4},
			verdict: "valid",
		},
		{
			name: "signed digest whose start does not continue the previous end",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1, 1}, Edit: func(h int, doc map[string]any) {
					if h == 1 {
						doc["digestStartTime"] = "2026-10-31T01:10:00Z"
					}
				}})
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 3, InvalidFormat: 1},
			rows:   []want{{"20261031T020031Z.json.gz", InvalidFormat, "digestStartTime 2026-10-31T01:10:00Z does not continue the previous digest's digestEndTime 2026-10-31T01:00:31Z"}},
		},
		{
			name: "logs of a region without digests, a bad name, an ignored file",
			build: func() setup {
				tr := digestgen.New()
				b := tr.Add(digestgen.Chain{Logs: []int{1}})
				c := digestgen.Chain{Region: "ap-south-1"}
				tr.Files[c.LogKey(t0, "novalidation")] = digestgen.Gzip([]byte(`{"Records":[]}`))
				tr.Files["AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/31/notes.json.gz"] = digestgen.Gzip([]byte(`{}`))
				tr.Files["README.txt"] = []byte("copied with aws s3 sync\n")
				return signed(tr, b)
			},
			counts: map[Status]int{Valid: 2, NotCovered: 1, InvalidFormat: 1},
			rows: []want{
				{"20261031T0000Z_novalidation.json.gz", NotCovered, "no digest of 111122223333 ap-south-1 in PATH"},
				{"us-east-1/2026/10/31/notes.json.gz", InvalidFormat, "not a CloudTrail file name"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := verifyTree(t, tt.build())
			got := res.Counts()
			for _, s := range Statuses() {
				if got[s] != tt.counts[s] {
					t.Errorf("%d %s, want %d", got[s], s, tt.counts[s])
				}
			}
			for _, w := range tt.rows {
				r := findRow(res, w.key)
				if r == nil {
					t.Errorf("no row for %s", w.key)
					continue
				}
				if r.Status != w.status || !strings.Contains(r.Detail, w.detail) {
					t.Errorf("%s: %s %q, want %s with %q", w.key, r.Status, r.Detail, w.status, w.detail)
				}
			}
			if tt.verdict != "" {
				if v := res.Chains[0].Verdict(res.Signed); !strings.HasPrefix(v, tt.verdict) {
					t.Errorf("verdict %q, want %q…", v, tt.verdict)
				}
			}
			if t.Failed() {
				for _, r := range res.Rows {
					t.Logf("%-17s %-6s %s | %s", r.Status, r.Kind, r.S3Object, r.Detail)
				}
			}
		})
	}
}

func findRow(res *Result, key string) *Row {
	for i := range res.Rows {
		if strings.HasSuffix(digest.KeyPath(res.Rows[i].S3Object), key) || key != "" && strings.HasSuffix(filepath.ToSlash(res.Rows[i].Path), key) {
			return &res.Rows[i]
		}
	}
	return nil
}

// TestRecord: the record has a row per Result row, in order, every
// report format writes it, and every buffer is released.
func TestRecord(t *testing.T) {
	tr := digestgen.New()
	b := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
	delete(tr.Files, b.Logs[0][0])
	res := verifyTree(t, signed(tr, b))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := res.Record(mem)
	defer rec.Release()
	if int(rec.NumRows()) != len(res.Rows) || !rec.Schema().Equal(Schema) {
		t.Fatalf("%d rows, want %d", rec.NumRows(), len(res.Rows))
	}
	status := rec.Column(Schema.FieldIndices(ColStatus)[0]).(*array.String)
	file := rec.Column(Schema.FieldIndices(ColFile)[0]).(*array.String)
	path := rec.Column(Schema.FieldIndices(ColPath)[0]).(*array.String)
	for i, r := range res.Rows {
		if status.Value(i) != string(r.Status) || file.Value(i) != filepath.Base(r.S3Object) || path.IsNull(i) != (r.Path == "") {
			t.Errorf("row %d: %s %s, want %s %s", i, status.Value(i), file.Value(i), r.Status, r.S3Object)
		}
	}
	for _, f := range report.Formats() {
		if report.FindingsOnly(f) {
			continue
		}
		var buf bytes.Buffer
		w, err := report.NewWriter(f, &buf, Schema, report.Options{Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if f == report.FormatCSV && !strings.HasPrefix(buf.String(), "chain,kind,file,status,path,s3_object,account_id,region,start_time,end_time,listed_by,expected_sha256,actual_sha256,signature,detail\n") {
			t.Errorf("CSV header: %.200s", buf.String())
		}
	}
}

// TestDeterministic: the rows do not depend on the number of workers or
// on the order of PATH arguments.
func TestDeterministic(t *testing.T) {
	tr := digestgen.New()
	b := tr.Add(digestgen.Chain{Logs: []int{3, 0, 2, 1}})
	tr.Add(digestgen.Chain{Region: "eu-west-1", Logs: []int{2, 2}})
	delete(tr.Files, b.Digests[1])
	dir := t.TempDir()
	tr.Write(dir)
	keys := mustKeys(t, pubKeys())
	var first []Row
	for _, w := range []int{1, 2, 8} {
		for _, rev := range []bool{false, true} {
			paths := []string{filepath.Join(dir, "AWSLogs/111122223333/CloudTrail"), filepath.Join(dir, "AWSLogs/111122223333/CloudTrail-Digest")}
			if rev {
				paths[0], paths[1] = paths[1], paths[0]
			}
			res, err := Run(context.Background(), paths, Options{Workers: w, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			for i := range res.Rows {
				res.Rows[i].order = time.Time{}
			}
			if first == nil {
				first = res.Rows
				continue
			}
			if len(res.Rows) != len(first) {
				t.Fatalf("workers %d reversed %v: %d rows, want %d", w, rev, len(res.Rows), len(first))
			}
			for i := range first {
				if res.Rows[i] != first[i] {
					t.Fatalf("workers %d reversed %v: row %d differs:\n%+v\n%+v", w, rev, i, res.Rows[i], first[i])
				}
			}
		}
	}
}

// TestHostileFiles: files that are not what their folder says never
// panic and each gets a row.
func TestHostileFiles(t *testing.T) {
	tr := digestgen.New()
	b := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
	tr.Files[b.Digests[0]] = digestgen.Gzip([]byte(`{"awsAccountId": [`))
	tr.Files[b.Logs[1][0]] = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3}
	dir := t.TempDir()
	tr.Write(dir)
	os.Symlink("/nonexistent", filepath.Join(dir, "dangling.json.gz"))
	res, err := Run(context.Background(), []string{dir}, Options{Keys: mustKeys(t, pubKeys())})
	if err != nil {
		t.Fatal(err)
	}
	if r := findRow(res, "20261031T010031Z.json.gz"); r == nil || r.Status != InvalidFormat || !strings.Contains(r.Detail, "digest: not a digest JSON object") {
		t.Errorf("truncated digest: %+v", r)
	}
	if r := findRow(res, "20261031T0105Z_mains0100x1.json.gz"); r == nil || r.Status != InvalidFormat || !strings.Contains(r.Detail, "gzip: ") {
		t.Errorf("corrupt log: %+v", r)
	}
}
