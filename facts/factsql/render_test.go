package factsql

import (
	"errors"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/internal/golden"
)

// goldenCases are the scripts kept under testdata/: one per engine with
// every option, plus the minimal form and the DDL.
var goldenCases = []struct {
	name string
	opts Options
}{
	{"athena", Options{Engine: Athena, From: "2026-10-01", To: "2026-11-01", Accounts: []string{"444455556666", "111122223333"},
		OutLocation: "s3://audit-bucket/keyaudit/facts/", Producer: "keyaudit test sql:athena", DatePartition: "delivery_date", AccountPartition: "account_id"}},
	{"athena-ddl", Options{Engine: Athena, Accounts: []string{"111122223333"}, OutLocation: "s3://audit-bucket/facts",
		DDL: true, TrailLocation: "s3://trail-bucket/AWSLogs/o-abc123defg/", From: "2026-10-01"}},
	{"athena-minimal", Options{Engine: Athena, OutLocation: "s3://audit-bucket/facts", Without: []string{"user_identity_source_identity"}}},
	{"trino", Options{Engine: Trino, Table: "hive.logs.cloudtrail", To: "2026-11-01", OutLocation: "s3://audit-bucket/facts/"}},
	{"trino-ddl", Options{Engine: Trino, OutLocation: "s3://audit-bucket/facts", DDL: true, TrailLocation: "s3://trail-bucket/AWSLogs/"}},
	{"spark", Options{Engine: Spark, From: "2026-10-01", To: "2026-11-01", Accounts: []string{"111122223333"}, OutLocation: "s3a://audit-bucket/facts"}},
	{"spark-ddl", Options{Engine: Spark, OutLocation: "s3a://audit-bucket/facts", DDL: true, TrailLocation: "s3a://trail-bucket/AWSLogs/"}},
	{"duckdb", Options{Engine: DuckDB, Sources: []string{"AWSLogs/*/*/CloudTrail/*/*/*/*/*.json.gz"}, From: "2026-10-01", To: "2026-11-01",
		Accounts: []string{"111122223333"}, OutLocation: "out/facts/", Producer: "keyaudit test sql:duckdb"}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Render(&b, tc.opts); err != nil {
				t.Fatal(err)
			}
			golden.CheckString(t, "testdata/"+tc.name+".golden", b.String())
		})
	}
}

// TestRefused: every value that would land in the SQL is checked; hostile
// ones are refused, never escaped into the script.
func TestRefused(t *testing.T) {
	ok := Options{Engine: Athena, OutLocation: "s3://b/facts"}
	ddb := Options{Engine: DuckDB, Sources: []string{"logs/*.json.gz"}, OutLocation: "out"}
	tests := []struct {
		name string
		mod  func(*Options)
		base Options
		want string
	}{
		{"unknown engine", func(o *Options) { o.Engine = "mysql" }, ok, `unknown engine "mysql"`},
		{"no engine", func(o *Options) { o.Engine = "" }, ok, "unknown engine"},
		{"table quote", func(o *Options) { o.Table = "logs'; DROP TABLE x; --" }, ok, "letters, digits and underscores"},
		{"table dash", func(o *Options) { o.Table = "cloud-trail" }, ok, "letters, digits and underscores"},
		{"table four parts", func(o *Options) { o.Table = "a.b.c.d" }, ok, "CATALOG.SCHEMA.NAME"},
		{"table empty part", func(o *Options) { o.Table = "a..b" }, ok, "letters, digits"},
		{"table backtick", func(o *Options) { o.Table = "`x`" }, ok, "letters, digits"},
		{"account short", func(o *Options) { o.Accounts = []string{"12345"} }, ok, "12-digit"},
		{"account injection", func(o *Options) { o.Accounts = []string{"111122223333') OR ('1'='1"} }, ok, "12-digit"},
		{"account newline", func(o *Options) { o.Accounts = []string{"111122223333\n"} }, ok, "12-digit"},
		{"account unicode digits", func(o *Options) { o.Accounts = []string{"١١١١٢٢٢٢٣٣٣٣"} }, ok, "12-digit"},
		{"from format", func(o *Options) { o.From = "2026-10-01T00:00:00Z" }, ok, "use YYYY-MM-DD"},
		{"from quote", func(o *Options) { o.From = "2026-10-01'" }, ok, "use YYYY-MM-DD"},
		{"to not a date", func(o *Options) { o.To = "2026-02-30" }, ok, "not a date"},
		{"empty range", func(o *Options) { o.From, o.To = "2026-10-02", "2026-10-02" }, ok, "not before"},
		{"out missing", func(o *Options) { o.OutLocation = "" }, ok, "out location is required"},
		{"out quote", func(o *Options) { o.OutLocation = "s3://b/x' , 'y" }, ok, "must not contain"},
		{"out newline", func(o *Options) { o.OutLocation = "s3://b/x\nDROP TABLE t" }, ok, "control characters"},
		{"out semicolon", func(o *Options) { o.OutLocation = "s3://b/x;y" }, ok, "must not contain"},
		{"out backslash", func(o *Options) { o.OutLocation = `s3://b/x\'` }, ok, "must not contain"},
		{"out line separator", func(o *Options) { o.OutLocation = "s3://b/x\u2028y" }, ok, "control characters"},
		{"out no scheme", func(o *Options) { o.OutLocation = "/tmp/facts" }, ok, "want a s3://"},
		{"out root", func(o *Options) { o.OutLocation = "s3://" }, ok, "not the root"},
		{"out space", func(o *Options) { o.OutLocation = "s3://b/a b" }, ok, "spaces"},
		{"producer quote", func(o *Options) { o.Producer = "x' AS producer --" }, ok, "must not contain"},
		{"without unknown", func(o *Options) { o.Without = []string{"event_time"} }, ok, "only"},
		{"sources on athena", func(o *Options) { o.Sources = []string{"x"} }, ok, "not sources"},
		{"ddl without trail", func(o *Options) { o.DDL = true; o.Accounts = []string{"111122223333"} }, ok, "trail location is required"},
		{"ddl without accounts", func(o *Options) { o.DDL = true; o.TrailLocation = "s3://t/AWSLogs/" }, ok, "enumerates the accounts"},
		{"ddl trail quote", func(o *Options) {
			o.DDL = true
			o.Accounts = []string{"111122223333"}
			o.TrailLocation = "s3://t/AWSLogs/'"
		}, ok, "must not contain"},
		{"trail without ddl", func(o *Options) { o.TrailLocation = "s3://t/" }, ok, "only used with the DDL"},
		{"partition name", func(o *Options) { o.DatePartition = "day) OR (1=1" }, ok, "letters, digits"},
		{"duckdb table", func(o *Options) { o.Table = "t" }, ddb, "give sources"},
		{"duckdb no source", func(o *Options) { o.Sources = nil }, ddb, "at least one source"},
		{"duckdb source quote", func(o *Options) { o.Sources = []string{"x'; COPY (SELECT 1) TO '/etc/x"} }, ddb, "must not contain"},
		{"duckdb source newline", func(o *Options) { o.Sources = []string{"a\n.json"} }, ddb, "control characters"},
		{"duckdb ddl", func(o *Options) { o.DDL = true }, ddb, "no table DDL"},
		{"duckdb out quote", func(o *Options) { o.OutLocation = "out'" }, ddb, "must not contain"},
		{"duckdb without", func(o *Options) { o.Without = []string{"user_identity_source_identity"} }, ddb, "nothing to leave out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.base
			tt.mod(&o)
			var b strings.Builder
			err := Render(&b, o)
			if err == nil {
				t.Fatalf("rendered:\n%s", b.String())
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want ErrInvalid saying %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before refusing", b.Len())
			}
		})
	}
}

// TestStatements: every script is statements ending in ";" at the end of
// a line, so a runner may split on ";\n" (the interop test does); no
// literal holds a semicolon (Options refuses them).
func TestStatements(t *testing.T) {
	for _, tc := range goldenCases {
		var b strings.Builder
		if err := Render(&b, tc.opts); err != nil {
			t.Fatal(err)
		}
		stmts := Statements(b.String())
		want := 1 + 6 + 1 + 1 // slim, tables, manifest, drop
		switch {
		case tc.opts.Engine == DuckDB:
			want += 2*len(ddbMacroNames) + 2 // and the extracted events' table, made and dropped
		case tc.opts.Engine == Spark:
			want++ // UNCACHE
		}
		if tc.opts.DDL && tc.opts.Engine != Athena {
			want += 2
		} else if tc.opts.DDL {
			want++
		}
		if len(stmts) != want {
			t.Errorf("%s: %d statements, want %d", tc.name, len(stmts), want)
		}
		for _, s := range stmts {
			if strings.Contains(s, ";") {
				t.Errorf("%s: a statement holds a semicolon: %.80q", tc.name, s)
			}
			// The semicolon that ends a statement must not land in a line
			// comment: run as one text (duckdb -c ".read FILE", the Athena
			// console) the statement would run on into the next one.
			lines := strings.Split(strings.TrimSpace(s), "\n")
			if last := lines[len(lines)-1]; strings.Contains(last, "--") {
				t.Errorf("%s: a statement ends in a line comment, which would swallow its semicolon: %q", tc.name, last)
			}
		}
	}
}
