package duckdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/facts/factsql"
	"github.com/keyaudit/keyaudit/ingest"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

const demo = "../../testdata/demo"

// deliveryFiles are the S3 delivery files ({"Records":[...]}) under root,
// recognised by content as ingest does (digests and other JSON skipped).
func deliveryFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".json.gz")) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return err
			}
			if b, err = io.ReadAll(zr); err != nil {
				return err
			}
		}
		if ct.Detect(b) == ct.FormatRecords {
			abs, err := filepath.Abs(path)
			if err != nil {
				return err
			}
			files = append(files, abs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no delivery files under %s", root)
	}
	return files
}

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // temp tables and macros live in one connection
	t.Cleanup(func() { db.Close() })
	return db
}

// run executes the statements of script in order.
func run(t *testing.T, db *sql.DB, script string) {
	t.Helper()
	for i, s := range factsql.Statements(script) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("statement %d: %v\n%s", i+1, err, s)
		}
	}
}

// duckType is the DuckDB type of a kind as the duckdb script writes it.
func duckType(k facts.Kind) string {
	switch k {
	case facts.I64, facts.Time:
		return "BIGINT"
	case facts.Date:
		return "DATE"
	case facts.Bool:
		return "BOOLEAN"
	case facts.I32:
		return "INTEGER"
	}
	return "VARCHAR"
}

// checkTables checks that every table in dir has exactly the v1 columns
// (textTime: time columns may be VARCHAR, which the reader parses) and
// that the manifest counts its rows.
func checkTables(t *testing.T, db *sql.DB, dir string, textTime map[string]bool) {
	t.Helper()
	counts := map[string]int64{}
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		file := filepath.Join(dir, tb.String()+".parquet")
		rows, err := db.Query("DESCRIBE SELECT * FROM read_parquet('" + file + "')")
		if err != nil {
			t.Errorf("%s: %v", tb, err)
			continue
		}
		var got []string
		for rows.Next() {
			var name, typ string
			var null, key, def, extra sql.NullString
			if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
				t.Fatal(err)
			}
			got = append(got, name+" "+typ)
		}
		rows.Close()
		var want []string
		for _, c := range facts.Columns(tb) {
			typ := duckType(c.Kind)
			if c.Kind == facts.Time && textTime[c.Name] {
				typ = "VARCHAR"
			}
			want = append(want, c.Name+" "+typ)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s columns:\n got %v\nwant %v", tb, got, want)
		}
		var n int64
		if err := db.QueryRow("SELECT count(*) FROM read_parquet('" + file + "')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[tb.String()] = n
	}
	rows, err := db.Query(`SELECT facts_version, table_name, "rows", producer, dedup, scope, missing FROM read_parquet('` + filepath.Join(dir, "manifest.parquet") + `')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	named := map[string]bool{}
	for rows.Next() {
		var v int32
		var name, producer, dedup, scope, missing string
		var n int64
		if err := rows.Scan(&v, &name, &n, &producer, &dedup, &scope, &missing); err != nil {
			t.Fatal(err)
		}
		if v != facts.Version || dedup != "event_id" || named[name] {
			t.Errorf("manifest row %s: version %d, dedup %q, repeated %v", name, v, dedup, named[name])
		}
		named[name] = true
		if counts[name] != n {
			t.Errorf("manifest says %s has %d rows; the file has %d", name, n, counts[name])
		}
	}
	if len(named) != int(facts.Manifest) {
		t.Errorf("manifest names %d tables, want %d", len(named), facts.Manifest)
	}
}

// folded is a fact set in canonical form: per table, grain key → the
// folded aggregates (usage tables), or sorted rows (event tables).
type folded map[facts.Table]map[string]string

// aggregates are the columns folded by sum (calls, events) and min/max.
func aggregates(tb facts.Table) (sum, lo, hi int) {
	switch tb {
	case facts.KeyUse:
		return facts.KUCalls, facts.KUFirst, facts.KULast
	case facts.SessionUse:
		return facts.SUCalls, facts.SUFirst, facts.SULast
	case facts.EventAccounts:
		return facts.EAEvents, facts.EAFirst, facts.EALast
	}
	return -1, -1, -1
}

type agg struct{ sum, lo, hi int64 }

// fold adds one row (cells as canonical text, nums the integer cells).
func (f folded) fold(tb facts.Table, cells []string, nums []int64) {
	if f[tb] == nil {
		f[tb] = map[string]string{}
	}
	s, lo, hi := aggregates(tb)
	if s < 0 {
		k := strings.Join(cells, " | ")
		f[tb][k] = fmt.Sprint(atoi(f[tb][k]) + 1) // a multiset: the count of identical rows
		return
	}
	key := strings.Join(append(append([]string{}, cells[:s]...), cells[hi+1:]...), " | ")
	var a agg
	if prev, ok := f[tb][key]; ok {
		fmt.Sscan(prev, &a.sum, &a.lo, &a.hi)
		a.sum += nums[s]
		a.lo = min(a.lo, nums[lo])
		a.hi = max(a.hi, nums[hi])
	} else {
		a = agg{nums[s], nums[lo], nums[hi]}
	}
	f[tb][key] = fmt.Sprintf("%d %d %d", a.sum, a.lo, a.hi)
}

func atoi(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

// nativeFacts runs ingest and the Aggregator over files.
func nativeFacts(t *testing.T, files []string) folded {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	set := &facts.Set{}
	a := facts.NewAggregator(mem, facts.Options{}, set)
	if _, err := ingest.Run(context.Background(), files, ingest.Options{Mem: mem, Workers: 2}, a); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		set.Release()
		mem.AssertSize(t, 0)
	}()
	f := folded{}
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		cols := facts.Columns(tb)
		for _, rec := range set.Records[tb] {
			v, err := facts.NewView(tb, rec)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < v.N; i++ {
				cells := make([]string, len(cols))
				nums := make([]int64, len(cols))
				for c, col := range cols {
					switch col.Kind {
					case facts.Str:
						cells[c] = v.Str(c, i)
					case facts.Bool:
						cells[c] = fmt.Sprint(v.Bool(c, i))
					default:
						nums[c] = v.Int(c, i)
						cells[c] = canonInt(col.Kind, nums[c])
					}
				}
				f.fold(tb, cells, nums)
			}
		}
	}
	return f
}

// canonInt writes an integer cell; a null time is 0, written "".
func canonInt(k facts.Kind, n int64) string {
	if k == facts.Time && n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// sqlFacts reads the Parquet files of dir. Time columns given as text are
// parsed with cloudtrail.ParseTime, as the fact reader does.
func sqlFacts(t *testing.T, db *sql.DB, dir string) folded {
	t.Helper()
	f := folded{}
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		cols := facts.Columns(tb)
		rows, err := db.Query("SELECT * FROM read_parquet('" + filepath.Join(dir, tb.String()+".parquet") + "')")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			cells := make([]string, len(cols))
			nums := make([]int64, len(cols))
			for c, col := range cols {
				switch x := vals[c].(type) {
				case nil:
					if col.Kind == facts.Bool {
						cells[c] = "false"
					}
				case string:
					if col.Kind == facts.Time {
						ms, ok := ct.ParseTime([]byte(x))
						if !ok {
							t.Errorf("%s.%s: %q does not parse", tb, col.Name, x)
						}
						nums[c], cells[c] = ms, canonInt(col.Kind, ms)
					} else {
						cells[c] = x
					}
				case int64:
					nums[c], cells[c] = x, canonInt(col.Kind, x)
				case int32:
					nums[c], cells[c] = int64(x), fmt.Sprint(x)
				case bool:
					cells[c] = fmt.Sprint(x)
				case time.Time: // DATE
					nums[c] = x.Unix() / 86400
					cells[c] = fmt.Sprint(nums[c])
				default:
					t.Fatalf("%s.%s: unexpected %T", tb, col.Name, x)
				}
			}
			f.fold(tb, cells, nums)
		}
		rows.Close()
	}
	return f
}

// compare reports every grain whose folded value differs, and every row
// on one side only.
func compare(t *testing.T, what string, native, got folded) {
	t.Helper()
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		n, s := native[tb], got[tb]
		var keys []string
		for k := range n {
			keys = append(keys, k)
		}
		for k := range s {
			if _, ok := n[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if n[k] != s[k] {
				t.Errorf("%s %s: %s\n native %q\n    sql %q", what, tb, k, n[k], s[k])
			}
		}
		if len(n) == 0 {
			t.Errorf("%s: the native %s is empty: the comparison proves nothing", what, tb)
		}
	}
}

// TestDuckDBFacts renders the duckdb script for the demo's delivery files,
// runs it, checks the tables and compares them with the native producer.
func TestDuckDBFacts(t *testing.T) {
	files := deliveryFiles(t, demo)
	out := t.TempDir()
	var b strings.Builder
	if err := factsql.Render(&b, factsql.Options{Engine: factsql.DuckDB, Sources: files, OutLocation: out}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	start := time.Now()
	run(t, db, b.String())
	t.Logf("DuckDB produced the facts of %d delivery files in %v", len(files), time.Since(start).Round(time.Millisecond))
	checkTables(t, db, out, nil)
	compare(t, "duckdb", nativeFacts(t, files), sqlFacts(t, db, out))
}

// athenaShims make DuckDB run the athena text: Trino's functions as
// macros (DuckDB's own take precedence otherwise), and a view shaped like
// the CloudTrail table of the athena DDL over the same files.
var athenaShims = []string{
	"CREATE OR REPLACE TEMP MACRO regexp_like(x, p) AS regexp_matches(x, p)",
	"CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(x) AS CAST(x AS TIMESTAMPTZ)",
	"CREATE OR REPLACE TEMP MACRO to_unixtime(x) AS epoch(x)",
	"CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
	"CREATE OR REPLACE TEMP MACRO date_add(unit, n, d) AS CAST(d + CAST(n AS INTEGER) AS DATE)",
}

// ctasHead is the Athena CTAS head; DuckDB's CREATE TABLE has no WITH.
var ctasHead = regexp.MustCompile(`^CREATE TABLE (\w+) WITH \([^)]*\) AS\n`)

// TestAthenaTextInDuckDB runs the athena script, its CTAS heads reduced to
// CREATE TABLE name AS and nothing else changed, over a view of the demo
// named cloudtrail_logs, and compares the facts with the native producer.
// It proves the query logic (filters, dedup, grouping, the strict times,
// nullif), not Athena's function semantics, which the shims stand in for.
func TestAthenaTextInDuckDB(t *testing.T) {
	files := deliveryFiles(t, demo)
	var b strings.Builder
	if err := factsql.Render(&b, factsql.Options{Engine: factsql.Athena, OutLocation: "s3://unused/facts"}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	out := t.TempDir()
	athenaFacts(t, db, b.String(), files, out)
	checkTables(t, db, out, map[string]bool{"issued_expiration": true, "response_access_key_create_date": true})
	compare(t, "athena-in-duckdb", nativeFacts(t, files), sqlFacts(t, db, out))
}

// athenaFacts runs the athena script in db over a view of files named
// cloudtrail_logs and copies its fact tables to out/<table>.parquet.
func athenaFacts(t *testing.T, db *sql.DB, script string, files []string, out string) {
	t.Helper()
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = "'" + f + "'"
	}
	str := func(names ...string) string {
		s := make([]string, len(names))
		for i, n := range names {
			s[i] = n + " VARCHAR"
		}
		return strings.Join(s, ", ")
	}
	record := "STRUCT(" + str("eventVersion") +
		", userIdentity STRUCT(" + str("type", "principalId", "arn", "accountId", "invokedBy", "accessKeyId", "userName") +
		", sessionContext STRUCT(attributes STRUCT(" + str("mfaAuthenticated", "creationDate") + "), sessionIssuer STRUCT(" +
		str("type", "principalId", "arn", "accountId", "userName") + "), " + str("sourceIdentity") + "))" +
		", " + str("eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "errorCode", "errorMessage") +
		", requestParameters JSON, responseElements JSON, " +
		str("requestID", "eventID", "readOnly", "eventType", "recipientAccountId", "sharedEventID", "sessionCredentialFromConsole") + ")"
	view := "CREATE VIEW cloudtrail_logs AS SELECT unnest(r) FROM (SELECT unnest(Records) AS r FROM read_json([" +
		strings.Join(quoted, ", ") + "], columns = {Records: '" + record + "[]'}, format = 'auto'))"
	for _, s := range append(athenaShims, view) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	for _, s := range factsql.Statements(script) {
		m := ctasHead.FindStringSubmatch(s)
		if m == nil {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%v\n%s", err, s)
			}
			continue
		}
		s = "CREATE TABLE " + m[1] + " AS\n" + s[len(m[0]):]
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		if name := strings.TrimPrefix(m[1], factsql.TablePrefix); name != m[1] {
			if _, err := db.Exec("COPY " + m[1] + " TO '" + filepath.Join(out, name+".parquet") + "' (FORMAT parquet)"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDuckDBFactsEdge compares the duckdb script with the native producer
// on hand-made records that probe the decoder's rules: time forms
// (fraction, offset, basic, month names, lower case, leap second), events
// rejected for a bad time or a wrong type, dedup (copies, no eventID, a
// rejected copy), empty strings, console hints and non-string request
// fields.
func TestDuckDBFactsEdge(t *testing.T) {
	files := deliveryFiles(t, "testdata/edge")
	out := t.TempDir()
	var b strings.Builder
	if err := factsql.Render(&b, factsql.Options{Engine: factsql.DuckDB, Sources: files, OutLocation: out}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	run(t, db, b.String())
	checkTables(t, db, out, nil)
	compare(t, "duckdb-edge", nativeFacts(t, files), sqlFacts(t, db, out))
}
