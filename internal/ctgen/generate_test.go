package ctgen

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/internal/golden"
)

type record struct {
	EventVersion string `json:"eventVersion"`
	UserIdentity struct {
		Type        string `json:"type"`
		AccountID   string `json:"accountId"`
		AccessKeyID string `json:"accessKeyId"`
		ARN         string `json:"arn"`
		InvokedBy   string `json:"invokedBy"`
	} `json:"userIdentity"`
	EventTime         string          `json:"eventTime"`
	EventName         string          `json:"eventName"`
	EventSource       string          `json:"eventSource"`
	EventID           string          `json:"eventID"`
	SharedEventID     string          `json:"sharedEventID"`
	RecipientAccount  string          `json:"recipientAccountId"`
	ErrorCode         string          `json:"errorCode"`
	ConsoleCredential string          `json:"sessionCredentialFromConsole"`
	RequestParameters json.RawMessage `json:"requestParameters"`
	ResponseElements  *struct {
		Credentials *struct {
			AccessKeyID  string `json:"accessKeyId"`
			SessionToken string `json:"sessionToken"`
			Expiration   string `json:"expiration"`
		} `json:"credentials"`
		AccessKey *struct {
			AccessKeyID string `json:"accessKeyId"`
			CreateDate  string `json:"createDate"`
		} `json:"accessKey"`
		Subject string `json:"subject"`
		Issuer  string `json:"issuer"`
	} `json:"responseElements"`
}

type corpus struct {
	dir     string
	stats   Stats
	gen     *Generator
	files   map[string][]record // CloudTrail log files by relative path
	raw     map[string][]byte   // every file by relative path
	jsonLen int64
}

func generate(t *testing.T, cfg Config) *corpus {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := g.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &corpus{dir: dir, stats: st, gen: g, files: map[string][]record{}, raw: map[string][]byte{}}
	logRE := regexp.MustCompile(`^AWSLogs/(o-[a-z0-9]+/)?(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$`)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		c.raw[rel] = data
		m := logRE.FindStringSubmatch(rel)
		if m == nil {
			return nil
		}
		if m[2] != m[7] || m[3] != m[8] || m[4]+m[5]+m[6] != m[9][:8] {
			return fmt.Errorf("%s: directory and file name disagree", rel)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		js, err := io.ReadAll(zr)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		c.jsonLen += int64(len(js))
		var doc struct{ Records []record }
		if err := json.Unmarshal(js, &doc); err != nil {
			return fmt.Errorf("%s: invalid JSON: %w", rel, err)
		}
		if len(doc.Records) == 0 {
			return fmt.Errorf("%s: no records", rel)
		}
		for _, r := range doc.Records {
			if r.RecipientAccount != m[2] {
				return fmt.Errorf("%s: event %s has recipient %s", rel, r.EventID, r.RecipientAccount)
			}
		}
		c.files[rel] = doc.Records
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var smallCfg = Config{Events: 6000, Files: 12, Accounts: 3, Seed: 42, Org: "o-abc123def4", Dups: 0.01}

func TestCorpusShape(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"small org dups", smallCfg},
		{"single account", Config{Events: 3000, Files: 6, Accounts: 1, Seed: 3}},
		{"many files", Config{Events: 6000, Files: 100, Accounts: 5, Seed: 9, Days: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := generate(t, tc.cfg)
			if len(c.files) != tc.cfg.Files || c.stats.Files != tc.cfg.Files {
				t.Fatalf("%d log files (stats %d), want %d", len(c.files), c.stats.Files, tc.cfg.Files)
			}
			n := 0
			ids := map[string]int{}
			for _, recs := range c.files {
				n += len(recs)
				for _, r := range recs {
					ids[r.EventID]++
				}
			}
			if n != tc.cfg.Events || c.stats.Events != n {
				t.Fatalf("%d records (stats %d), want %d", n, c.stats.Events, tc.cfg.Events)
			}
			dups := 0
			for _, k := range ids {
				if k > 2 {
					t.Fatalf("eventID repeated %d times", k)
				}
				if k == 2 {
					dups++
				}
			}
			if dups != c.stats.Duplicates {
				t.Errorf("%d duplicated eventIDs, stats say %d", dups, c.stats.Duplicates)
			}
			if want := int(tc.cfg.Dups * float64(tc.cfg.Events)); dups < want*8/10 || dups > want {
				t.Errorf("%d duplicates, want about %d", dups, want)
			}
			if c.jsonLen != c.stats.JSONBytes {
				t.Errorf("JSON bytes %d, stats %d", c.jsonLen, c.stats.JSONBytes)
			}
			if per := c.jsonLen / int64(n); per < 1000 || per > 1400 {
				t.Errorf("%d bytes/event, want about 1200", per)
			}
			// Files spread over regions and days; session keys cross files.
			regionsSeen, days := map[string]bool{}, map[string]bool{}
			keyFiles := map[string]map[string]bool{}
			for rel, recs := range c.files {
				parts := strings.Split(rel, "/")
				n := len(parts)
				regionsSeen[parts[n-5]] = true
				days[strings.Join(parts[n-4:n-1], "/")] = true
				for _, r := range recs {
					k := r.UserIdentity.AccessKeyID
					if re := r.ResponseElements; re != nil && re.Credentials != nil {
						k = re.Credentials.AccessKeyID
					}
					if strings.HasPrefix(k, "ASIA") {
						if keyFiles[k] == nil {
							keyFiles[k] = map[string]bool{}
						}
						keyFiles[k][rel] = true
					}
				}
			}
			multi := 0
			for _, fs := range keyFiles {
				if len(fs) > 1 {
					multi++
				}
			}
			// Each account's files partition the span per region: with one
			// file per region they are all delivered on the last day.
			if tc.cfg.Files >= 4*tc.cfg.Accounts && (len(regionsSeen) < 2 || multi == 0) ||
				tc.cfg.Files >= 8*tc.cfg.Accounts && len(days) < 2 {
				t.Errorf("%d regions, %d days, %d keys seen in more than one file", len(regionsSeen), len(days), multi)
			}
			// Non-log files readers must skip.
			var digests, others int
			for rel := range c.raw {
				switch {
				case strings.Contains(rel, "/CloudTrail-Digest/"):
					digests++
				case c.files[rel] == nil:
					others++
				}
			}
			if digests == 0 || others < 2 {
				t.Errorf("%d digest files, %d other non-log files", digests, others)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	a := generate(t, smallCfg)
	b := generate(t, smallCfg)
	if len(a.raw) != len(b.raw) {
		t.Fatalf("%d vs %d files", len(a.raw), len(b.raw))
	}
	for rel, data := range a.raw {
		if !bytes.Equal(data, b.raw[rel]) {
			t.Fatalf("%s differs between runs", rel)
		}
	}
	var ta, tb bytes.Buffer
	a.gen.WriteTruth(&ta)
	b.gen.WriteTruth(&tb)
	if !bytes.Equal(ta.Bytes(), tb.Bytes()) {
		t.Fatal("truth differs between runs")
	}
	other := smallCfg
	other.Seed++
	c := generate(t, other)
	same := 0
	for rel := range c.raw {
		if bytes.Equal(c.raw[rel], a.raw[rel]) {
			same++
		}
	}
	if same > 3 { // README and the empty Config check file may coincide
		t.Errorf("%d files identical across seeds", same)
	}
}

// TestTruthConsistent checks the ground truth against the events.
func TestTruthConsistent(t *testing.T) {
	c := generate(t, Config{Events: 12000, Files: 30, Accounts: 4, Seed: 5, Dups: 0.005})
	issued := map[string]record{} // ASIA key -> issuing record
	used := map[string][]record{}
	shared := map[string][]record{}
	var minTime string
	for rel, recs := range c.files {
		times := make([]string, 0, len(recs))
		for _, r := range recs {
			times = append(times, r.EventTime)
			if minTime == "" || r.EventTime < minTime {
				minTime = r.EventTime
			}
			if re := r.ResponseElements; re != nil && re.Credentials != nil {
				tok := re.Credentials.SessionToken
				if !strings.HasPrefix(tok, "FAKE-SESSION-TOKEN-") && tok != "HIDDEN_DUE_TO_SECURITY_REASONS" {
					t.Fatalf("%s: session token %.20q is not a marked placeholder", rel, tok)
				}
				if _, err := time.Parse("Jan 2, 2006 3:04:05 PM", re.Credentials.Expiration); err != nil {
					t.Fatalf("%s: expiration %q: %v", rel, re.Credentials.Expiration, err)
				}
				if r.ErrorCode != "" {
					t.Fatalf("%s: failed call %s carries credentials", rel, r.EventName)
				}
				if r.UserIdentity.Type != "AWSAccount" {
					issued[re.Credentials.AccessKeyID] = r
				}
			}
			if k := r.UserIdentity.AccessKeyID; strings.HasPrefix(k, "ASIA") && r.UserIdentity.Type != "AWSAccount" {
				used[k] = append(used[k], r)
			}
			if r.SharedEventID != "" {
				shared[r.SharedEventID] = append(shared[r.SharedEventID], r)
			}
		}
		if sort.StringsAreSorted(times) {
			t.Errorf("%s: records are time-ordered", rel)
		}
	}
	rows := c.gen.Truth()
	if len(rows) != c.stats.Sessions || len(rows) == 0 {
		t.Fatalf("%d truth rows, stats %d", len(rows), c.stats.Sessions)
	}
	byKey := map[string]TruthRow{}
	kinds := map[string]int{}
	for _, row := range rows {
		byKey[row.AccessKeyID] = row
		kinds[row.RootKind]++
		acct, err := DecodeAccount(row.AccessKeyID)
		if err != nil || fmt.Sprint(acct) != row.AccountID {
			t.Errorf("%s decodes to %d (%v), truth account %s", row.AccessKeyID, acct, err, row.AccountID)
		}
		iss, isIssued := issued[row.AccessKeyID]
		if !isIssued && len(used[row.AccessKeyID]) == 0 {
			t.Errorf("truth key %s neither issued nor used", row.AccessKeyID)
		}
		switch row.RootKind {
		case "console":
			if isIssued {
				t.Errorf("console key %s has an issuing record", row.AccessKeyID)
			}
			for _, u := range used[row.AccessKeyID] {
				if u.ConsoleCredential != "true" {
					t.Errorf("console key %s used without sessionCredentialFromConsole", row.AccessKeyID)
				}
			}
		case "unattributed":
			if isIssued || row.ChainDepth != 0 || row.RootPrincipal != "" {
				t.Errorf("unattributed key %s: issued %v, row %+v", row.AccessKeyID, isIssued, row)
			}
		default:
			if !isIssued {
				t.Errorf("%s key %s has no issuing record", row.RootKind, row.AccessKeyID)
				continue
			}
			if row.ChainDepth < 1 || row.ChainDepth > 3 {
				t.Errorf("%s: chain depth %d", row.AccessKeyID, row.ChainDepth)
			}
			caller := iss.UserIdentity.AccessKeyID
			if row.ChainDepth > 1 {
				parent, ok := byKey[caller]
				if !ok {
					parent, ok = findRow(rows, caller)
				}
				if !ok || parent.ChainDepth != row.ChainDepth-1 || parent.RootPrincipal != row.RootPrincipal {
					t.Errorf("%s (depth %d) issued by %s: parent row %+v", row.AccessKeyID, row.ChainDepth, caller, parent)
				}
			} else if row.RootAccessKeyID != "" && caller != row.RootAccessKeyID {
				t.Errorf("%s issued by %s, truth root key %s", row.AccessKeyID, caller, row.RootAccessKeyID)
			}
			switch row.RootKind {
			case "aws_service":
				if row.ChainDepth == 1 && iss.UserIdentity.InvokedBy != row.RootPrincipal {
					t.Errorf("%s invokedBy %q, truth %q", row.AccessKeyID, iss.UserIdentity.InvokedBy, row.RootPrincipal)
				}
			case "saml":
				var req struct{ PrincipalArn string }
				json.Unmarshal(iss.RequestParameters, &req)
				name := req.PrincipalArn[strings.LastIndex(req.PrincipalArn, "/")+1:]
				if want := "saml:" + name + ":" + iss.ResponseElements.Subject; row.ChainDepth == 1 && row.RootPrincipal != want {
					t.Errorf("%s: truth %q, events say %q", row.AccessKeyID, row.RootPrincipal, want)
				}
			}
		}
		// Uses happen after issuance.
		if isIssued {
			for _, u := range used[row.AccessKeyID] {
				if u.EventTime < iss.EventTime {
					t.Errorf("%s used at %s before issuance at %s", row.AccessKeyID, u.EventTime, iss.EventTime)
				}
			}
		}
	}
	for k := range used {
		if _, ok := byKey[k]; !ok {
			t.Errorf("ASIA key %s used but not in truth", k)
		}
	}
	for k := range issued {
		if _, ok := byKey[k]; !ok {
			t.Errorf("ASIA key %s issued but not in truth", k)
		}
	}
	for _, k := range []string{"iam_user", "root", "saml", "web_identity", "aws_service", "console", "unattributed"} {
		if kinds[k] == 0 {
			t.Errorf("no %s keys in truth", k)
		}
	}
	cross := 0
	for id, rs := range shared {
		byID := map[string]record{}
		for _, r := range rs {
			byID[r.EventID] = r // exported duplicates collapse here
		}
		switch len(byID) {
		case 1:
		case 2:
			accts := map[string]bool{}
			for _, r := range byID {
				accts[r.RecipientAccount] = true
			}
			if len(accts) != 2 {
				t.Errorf("sharedEventID %s: two events in one account", id)
			}
			cross++
		default:
			t.Errorf("sharedEventID %s on %d distinct events", id, len(byID))
		}
	}
	if cross == 0 {
		t.Error("no cross-account AssumeRole logged in both accounts")
	}
}

func findRow(rows []TruthRow, key string) (TruthRow, bool) {
	i := sort.Search(len(rows), func(i int) bool { return rows[i].AccessKeyID >= key })
	if i < len(rows) && rows[i].AccessKeyID == key {
		return rows[i], true
	}
	return TruthRow{}, false
}

func TestKeyLifecycle(t *testing.T) {
	c := generate(t, smallCfg)
	var buf bytes.Buffer
	if err := c.gen.WriteKeyTruth(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != KeyTruthHeader {
		t.Fatalf("header %q", lines[0])
	}
	status := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		status[f[2]] = f[4]
	}
	names := map[string]int{}
	for _, recs := range c.files {
		for _, r := range recs {
			switch r.EventName {
			case "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey":
				names[r.EventName+"/"+r.ErrorCode]++
			}
			if r.EventName == "CreateAccessKey" && r.ErrorCode == "" {
				ak := r.ResponseElements.AccessKey
				if _, err := time.Parse("Jan 2, 2006 3:04:05 PM", ak.CreateDate); err != nil {
					t.Errorf("createDate %q: %v", ak.CreateDate, err)
				}
				if status[ak.AccessKeyID] == "" {
					t.Errorf("created key %s missing from key truth", ak.AccessKeyID)
				}
			}
			if k := r.UserIdentity.AccessKeyID; strings.HasPrefix(k, "AKIA") && status[k] == "" {
				t.Errorf("AKIA key %s used but missing from key truth", k)
			}
		}
	}
	for _, want := range []string{"CreateAccessKey/", "UpdateAccessKey/", "CreateAccessKey/LimitExceededException"} {
		if names[want] == 0 {
			t.Errorf("no %s events (have %v)", want, names)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []Config{
		{Events: 1000, Files: 10, Accounts: 0},
		{Events: 1000, Files: 2, Accounts: 3},
		{Events: 100, Files: 10, Accounts: 1},
		{Events: 1000, Files: 10, Accounts: 1, Dups: 0.5},
		{Events: 1000, Files: 10, Accounts: 1, Org: "org-1"},
	}
	for _, cfg := range tests {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}

// TestGolden pins the bytes of a tiny corpus: any change to the generator's
// output must be deliberate (go test ./internal/ctgen -update).
func TestGolden(t *testing.T) {
	for _, workers := range []int{2, 1, 3} {
		t.Run(fmt.Sprintf("workers%d", workers), func(t *testing.T) {
			checkTiny(t, Config{Events: 400, Files: 4, Accounts: 2, Seed: 1, Dups: 0.01, Workers: workers})
		})
	}
}

func checkTiny(t *testing.T, cfg Config) {
	c := generate(t, cfg)
	var b strings.Builder
	paths := make([]string, 0, len(c.raw))
	for rel := range c.raw {
		paths = append(paths, rel)
	}
	sort.Strings(paths)
	for _, rel := range paths {
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(c.raw[rel]), rel)
	}
	b.WriteString("\n")
	c.gen.WriteTruth(&b)
	b.WriteString("\n")
	c.gen.WriteKeyTruth(&b)
	golden.CheckString(t, filepath.Join("testdata", "tiny.golden"), b.String())
}

func BenchmarkRenderFile(b *testing.B) {
	g, err := New(Config{Events: 100000, Files: 80, Accounts: 4, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	x := newRenderer(g.p)
	var buf []byte
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		buf = x.renderFile(i%len(g.p.files), buf)
		n += g.p.files[i%len(g.p.files)].count
		b.SetBytes(int64(len(buf)))
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
