package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const goodReport = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n" +
	"alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-01-01T00:00:00+00:00,2026-10-30T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"

func event(id string, t time.Time) map[string]any {
	return map[string]any{"eventVersion": "1.08", "eventTime": t.UTC().Format(time.RFC3339), "eventSource": "s3.amazonaws.com",
		"eventName": "ListBuckets", "awsRegion": "us-east-1", "eventID": id, "recipientAccountId": "123456789012",
		"userIdentity": map[string]any{"type": "IAMUser", "accountId": "123456789012", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice"}}
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func records(n int, prefix string) []byte {
	var recs []any
	for i := 0; i < n; i++ {
		recs = append(recs, event(fmt.Sprintf("%s-%d", prefix, i), time.Date(2026, 10, 1, 0, i, 0, 0, time.UTC)))
	}
	b, _ := json.Marshal(map[string]any{"Records": recs})
	return b
}

// bomb is a small gzip stream that expands to size bytes of zeros.
func bomb(t *testing.T, size int64) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	chunk := make([]byte, 1<<20)
	for n := int64(0); n < size; n += int64(len(chunk)) {
		w.Write(chunk)
	}
	w.Close()
	return b.Bytes()
}

// TestHostileInputs points keyaudit at a tree of broken and hostile files
// next to good ones: it must not crash or hang, must name each bad file,
// and must still use the good inputs.
func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good/report.csv", []byte(goodReport))
	write("good/trail.json.gz", gz(records(3, "good")))
	full := gz(records(200, "trunc"))
	write("bad/truncated.json.gz", full[:len(full)/2])
	write("bad/bomb.json.gz", bomb(t, 64<<20)) // 64 MiB of zeros in ~64 KiB; bound below is 8 MiB
	write("bad/invalid-utf8.json", append([]byte(`{"Records":[{"eventTime":"2026-10-01T00:00:00Z","eventID":"u1","eventName":"`), append([]byte{0xff, 0xfe}, []byte(`"}]}`)...)...))
	write("bad/nul.json", []byte("{\"Records\":[\x00\x00]}"))
	write("bad/deep.json", []byte(`{"Records":[`+strings.Repeat("[", 1_000_000)+strings.Repeat("]", 1_000_000)+`]}`))
	write("bad/wrong-types.json", []byte(`{"Records":[{"eventTime":42,"eventID":7,"eventName":["x"],"userIdentity":"alice","readOnly":"maybe"},{"eventTime":"2026-10-01T00:00:00Z","eventID":"ok-after-bad","eventName":"ListBuckets"}]}`))
	write("bad/dup-keys.json", []byte(`{"Records":[{"eventTime":"2026-10-01T00:00:00Z","eventTime":"2026-10-02T00:00:00Z","eventID":"dk","eventID":"dk2","eventName":"A"}]}`))
	write("bad/bom.csv", append([]byte{0xEF, 0xBB, 0xBF}, []byte(strings.Replace(goodReport, "123456789012", "210987654321", 2))...))
	write("bad/empty.json", nil)
	write("bad/just-text.txt", []byte("hello\n"))
	// one 100 MB line of JSON lines (bigger than the record bound set below)
	var long bytes.Buffer
	long.WriteString(`{"eventTime":"2026-10-01T00:00:00Z","eventID":"long","userAgent":"`)
	long.Write(bytes.Repeat([]byte("a"), 100<<20))
	long.WriteString("\"}\n")
	b, _ := json.Marshal(event("after-long", time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)))
	long.Write(append(b, '\n'))
	write("bad/long-line.jsonl", long.Bytes())
	// a directory symlink loop, a FIFO, an unreadable file
	os.Symlink("..", filepath.Join(dir, "bad", "loop"))
	if err := syscall.Mkfifo(filepath.Join(dir, "bad", "fifo"), 0o644); err != nil {
		t.Logf("mkfifo: %v", err)
	}
	write("bad/unreadable.json", records(1, "unreadable"))
	os.Chmod(filepath.Join(dir, "bad", "unreadable.json"), 0)

	stats := filepath.Join(t.TempDir(), "stats.json")
	done := make(chan struct{})
	var code int
	var stdout, stderr string
	go func() {
		defer close(done)
		code, stdout, stderr = runCLI(t, "", "audit", "--as-of", "2026-11-01", "-f", "csv", "--max-file-size", "8MiB", "--stats", stats, dir)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("keyaudit hung on hostile input")
	}
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (input errors are reported, not fatal without --strict)\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "stale-key,high,123456789012,alice") || !strings.Contains(stdout, "210987654321") {
		t.Errorf("good reports (plain and with BOM) not used:\n%s", stdout)
	}
	for _, name := range []string{"truncated.json.gz", "bomb.json.gz", "deep.json", "wrong-types.json", "long-line.jsonl", "nul.json", "fifo", "loop"} {
		if !strings.Contains(stderr, name) {
			t.Errorf("stderr does not name %s:\n%s", name, stderr)
		}
	}
	if os.Geteuid() != 0 && !strings.Contains(stderr, "unreadable.json") {
		t.Errorf("stderr does not name the unreadable file:\n%s", stderr)
	}
	checkIdentity(t, stats)
}

// checkIdentity asserts read = used + skipped + rejected + duplicate for
// every input kind in a --stats file, and returns the totals.
func checkIdentity(t *testing.T, path string) (records, used int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Kinds map[string]struct {
			Records, Used, Skipped, Rejected, Duplicate int64
		} `json:"kinds"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for k, c := range doc.Kinds {
		if c.Records != c.Used+c.Skipped+c.Rejected+c.Duplicate {
			t.Errorf("%s: records %d != used %d + skipped %d + rejected %d + duplicate %d", k, c.Records, c.Used, c.Skipped, c.Rejected, c.Duplicate)
		}
		records += c.Records
		used += c.Used
	}
	return records, used
}

// TestAccountingProperty: on random mixes of good, bad and duplicated
// files, every record is accounted for, and the good events are used
// exactly once whatever the mix.
func TestAccountingProperty(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rnd := rand.New(rand.NewSource(seed))
			dir := t.TempDir()
			wantUsed := 0
			for i := 0; i < 2+rnd.Intn(6); i++ {
				n := 1 + rnd.Intn(20)
				data := records(n, fmt.Sprintf("f%d", i))
				switch rnd.Intn(5) {
				case 0: // gzip
					os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.json.gz", i)), gz(data), 0o644)
					wantUsed += n
				case 1: // the same file twice under two names: duplicates
					os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.json", i)), data, 0o644)
					os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d-copy.json", i)), data, 0o644)
					wantUsed += n
				case 2: // one bad record among good ones
					var doc map[string][]any
					json.Unmarshal(data, &doc)
					doc["Records"] = append(doc["Records"], map[string]any{"eventTime": "not a time", "eventID": fmt.Sprintf("bad%d", i)})
					b, _ := json.Marshal(doc)
					os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.json", i)), b, 0o644)
					wantUsed += n
				case 3: // JSON lines
					var lines bytes.Buffer
					for j := 0; j < n; j++ {
						b, _ := json.Marshal(event(fmt.Sprintf("f%d-%d", i, j), time.Date(2026, 10, 1, 0, j, 0, 0, time.UTC)))
						lines.Write(append(b, '\n'))
					}
					os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.jsonl", i)), lines.Bytes(), 0o644)
					wantUsed += n
				case 4: // garbage
					junk := make([]byte, 1+rnd.Intn(500))
					rnd.Read(junk)
					os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.json", i)), junk, 0o644)
				}
			}
			stats := filepath.Join(t.TempDir(), "stats.json")
			code, _, stderr := runCLI(t, "", "keys", "--as-of", "2026-11-01", "-q", "-f", "csv", "--stats", stats, "--workers", fmt.Sprint(1+rnd.Intn(3)), dir)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			_, used := checkIdentity(t, stats)
			if used != int64(wantUsed) {
				t.Errorf("used %d events, want %d (each good event once)", used, wantUsed)
			}
		})
	}
}
