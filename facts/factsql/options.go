package factsql

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Engines accepted by Options.Engine.
const (
	Athena = "athena"
	Trino  = "trino"
	Spark  = "spark"
	DuckDB = "duckdb"
)

// Engines returns the engines Render writes for.
func Engines() []string { return []string{Athena, Trino, Spark, DuckDB} }

// DefaultTable is Options.Table when unset.
const DefaultTable = "cloudtrail_logs"

// Options say what script Render writes. Every value that lands in the
// SQL is validated by Render: identifiers and URIs are refused when they
// hold a quote, a backslash, a semicolon or a control character, never
// escaped into something else.
type Options struct {
	// Engine is one of Engines().
	Engine string
	// Table is the CloudTrail table read by athena, trino and spark
	// (default DefaultTable): NAME, SCHEMA.NAME or CATALOG.SCHEMA.NAME,
	// each part letters, digits and underscores.
	Table string
	// Sources are the S3 delivery files DuckDB reads (paths or globs of
	// {"Records":[...]} .json/.json.gz files, local or s3://). duckdb
	// needs at least one; the other engines refuse them.
	Sources []string
	// From and To bound eventTime, UTC, half-open [From, To), as
	// YYYY-MM-DD; either may be "".
	From, To string
	// Accounts keeps only the events logged by these recipient accounts
	// (12 digits each); empty keeps every account.
	Accounts []string
	// OutLocation is the folder URI the fact tables are written under
	// (required): OUT/<table>/ for athena, trino and spark, OUT/<table>.parquet
	// for duckdb. The intermediate of athena and trino goes to OUT/_slim/.
	OutLocation string
	// Producer is manifest.producer, e.g. "keyaudit v1.2.0 sql:athena";
	// "" gives "keyaudit sql:ENGINE".
	Producer string
	// DDL also writes, first, the statements that declare the CloudTrail
	// table over the raw bucket at TrailLocation (athena, trino, spark).
	DDL bool
	// TrailLocation is the S3 folder holding the account folders of the
	// trail: s3://BUCKET/[PREFIX/]AWSLogs/ for an account trail, or
	// s3://BUCKET/[PREFIX/]AWSLogs/o-ORGID/ for an organization trail.
	// Needed with DDL.
	TrailLocation string
	// DatePartition and AccountPartition name the partition columns of
	// Table that hold the delivery date (as YYYY/MM/DD, the S3 folder) and
	// the account folder; "" when Table has none. With DDL they default
	// to the table's own ("delivery_date", "account_id"; athena only:
	// spark and trino read the bucket recursively, without partitions).
	DatePartition, AccountPartition string
	// Without lists source columns the table lacks; they are rendered as
	// NULL and named in manifest.missing. Allowed:
	// user_identity_source_identity (AWS's documented DDL has no
	// sessioncontext.sourceidentity) and session_credential_from_console.
	Without []string
}

// Withoutable are the columns Options.Without may name.
func Withoutable() []string {
	return []string{"session_credential_from_console", "user_identity_source_identity"}
}

var (
	identRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	dateRE    = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	schemeRE  = regexp.MustCompile(`^[a-z][a-z0-9+.-]*://`)
)

// ErrInvalid is the cause of every validation error of Render.
var ErrInvalid = errors.New("invalid option")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// plan is validated Options, ready to render.
type plan struct {
	Options
	from, to      time.Time // zero: unbounded
	outDir        string    // OutLocation without a trailing slash
	trailDir      string    // TrailLocation with a trailing slash
	without       map[string]bool
	engineProduct string
}

// checkText refuses what could end a SQL literal or statement, or break a
// line: quotes, backslashes, semicolons, control characters, and
// non-UTF-8 or non-printing runes.
func checkText(what, v string) error {
	for _, r := range v {
		switch {
		case r == '\'' || r == '"' || r == '`' || r == '\\' || r == ';':
			return invalid("%s must not contain %q", what, r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == '\uFFFD':
			return invalid("%s must not contain control characters", what)
		}
	}
	return nil
}

func checkURI(what, v string, schemes ...string) error {
	if v == "" {
		return invalid("%s is required", what)
	}
	if err := checkText(what, v); err != nil {
		return err
	}
	if strings.ContainsAny(v, " \t") {
		return invalid("%s must not contain spaces", what)
	}
	if len(schemes) > 0 {
		m := schemeRE.FindString(v)
		if m == "" || !slices.Contains(schemes, strings.TrimSuffix(m, "://")) {
			return invalid("%s %s: want a %s:// URI", what, v, strings.Join(schemes, ":// or "))
		}
	}
	return nil
}

func parseDate(what, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if !dateRE.MatchString(v) {
		return time.Time{}, invalid("%s %q: use YYYY-MM-DD", what, v)
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, invalid("%s %q: not a date", what, v)
	}
	return t, nil
}

func (o Options) plan() (*plan, error) {
	p := &plan{Options: o, without: map[string]bool{}}
	if !slices.Contains(Engines(), o.Engine) {
		return nil, invalid("unknown engine %q: use %s", o.Engine, strings.Join(Engines(), ", "))
	}
	if p.Table == "" {
		p.Table = DefaultTable
	}
	if o.Engine == DuckDB {
		if o.Table != "" {
			return nil, invalid("duckdb reads files: give sources, not a table")
		}
		if len(o.Sources) == 0 {
			return nil, invalid("duckdb needs at least one source (a glob of CloudTrail .json/.json.gz files)")
		}
		if o.DDL {
			return nil, invalid("duckdb reads the files directly: there is no table DDL")
		}
	} else {
		if len(o.Sources) > 0 {
			return nil, invalid("%s reads a table: give a table name, not sources (sources are for duckdb)", o.Engine)
		}
		parts := strings.Split(p.Table, ".")
		if len(parts) > 3 {
			return nil, invalid("table %q: use NAME, SCHEMA.NAME or CATALOG.SCHEMA.NAME", p.Table)
		}
		for _, part := range parts {
			if !identRE.MatchString(part) {
				return nil, invalid("table %q: each part must be letters, digits and underscores", p.Table)
			}
		}
	}
	for _, s := range o.Sources {
		if err := checkURI("source", s); err != nil {
			return nil, err
		}
	}
	var err error
	if p.from, err = parseDate("from", o.From); err != nil {
		return nil, err
	}
	if p.to, err = parseDate("to", o.To); err != nil {
		return nil, err
	}
	if !p.from.IsZero() && !p.to.IsZero() && !p.from.Before(p.to) {
		return nil, invalid("from %s is not before to %s (the range is half-open: [from, to))", o.From, o.To)
	}
	seen := map[string]bool{}
	p.Accounts = nil
	for _, a := range o.Accounts {
		if !accountRE.MatchString(a) {
			return nil, invalid("account %q: want a 12-digit account ID", a)
		}
		if !seen[a] {
			seen[a] = true
			p.Accounts = append(p.Accounts, a)
		}
	}
	slices.Sort(p.Accounts)
	schemes := []string{"s3", "s3a", "gs", "abfss", "hdfs", "file"}
	if o.Engine == DuckDB {
		schemes = nil // a local folder, or any URI DuckDB's COPY writes to
	}
	if err := checkURI("out location", o.OutLocation, schemes...); err != nil {
		return nil, err
	}
	p.outDir = strings.TrimRight(o.OutLocation, "/")
	if p.outDir == "" || strings.HasSuffix(p.outDir, ":") {
		return nil, invalid("out location %s: name a folder, not the root", o.OutLocation)
	}
	if err := checkText("producer", o.Producer); err != nil {
		return nil, err
	}
	if p.Producer == "" {
		p.Producer = "keyaudit sql:" + o.Engine
	}
	for _, w := range o.Without {
		if !slices.Contains(Withoutable(), w) {
			return nil, invalid("without %q: only %s can be left out", w, strings.Join(Withoutable(), ", "))
		}
		if o.Engine == DuckDB {
			return nil, invalid("duckdb reads every field from the files: nothing to leave out")
		}
		p.without[w] = true
	}
	if o.DDL {
		if err := checkURI("trail location", o.TrailLocation, "s3", "s3a", "gs", "abfss", "hdfs", "file"); err != nil {
			return nil, err
		}
		p.trailDir = strings.TrimRight(o.TrailLocation, "/") + "/"
		if o.Engine == Athena {
			if len(p.Accounts) == 0 {
				return nil, invalid("athena partition projection enumerates the accounts: give the accounts with the DDL")
			}
			if p.DatePartition == "" {
				p.DatePartition = "delivery_date"
			}
			if p.AccountPartition == "" {
				p.AccountPartition = "account_id"
			}
		}
		if p.without["user_identity_source_identity"] || p.without["session_credential_from_console"] {
			return nil, invalid("the DDL declares every column: without is for older tables")
		}
	} else if o.TrailLocation != "" {
		return nil, invalid("trail location is only used with the DDL")
	}
	for _, c := range []struct{ what, v string }{{"date partition", p.DatePartition}, {"account partition", p.AccountPartition}} {
		if c.v != "" && !identRE.MatchString(c.v) {
			return nil, invalid("%s %q: letters, digits and underscores", c.what, c.v)
		}
		if c.v != "" && o.Engine == DuckDB {
			return nil, invalid("duckdb reads files: no %s", c.what)
		}
	}
	if p.AccountPartition != "" && len(p.Accounts) == 0 {
		p.AccountPartition = "" // nothing to prune on
	}
	return p, nil
}

// lit is s as a SQL string literal. Render only calls it on validated
// text, but it doubles quotes anyway.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// scope is manifest.scope: the predicate the set covers (docs/FACTS.md §6),
// as "recipient_account_id=A,B event_time=[FROM,TO)", "*" for no bound
// ("[,TO)" when only one side is bound), times RFC 3339 UTC.
func (p *plan) scope() string {
	acc := "*"
	if len(p.Accounts) > 0 {
		acc = strings.Join(p.Accounts, ",")
	}
	tr := "*"
	if !p.from.IsZero() || !p.to.IsZero() {
		f, t := "", ""
		if !p.from.IsZero() {
			f = p.from.Format(time.RFC3339)
		}
		if !p.to.IsZero() {
			t = p.to.Format(time.RFC3339)
		}
		tr = "[" + f + "," + t + ")"
	}
	return "recipient_account_id=" + acc + " event_time=" + tr
}

// missing is manifest.missing.
func (p *plan) missing() string {
	var m []string
	for _, c := range Withoutable() {
		if p.without[c] {
			m = append(m, c)
		}
	}
	return strings.Join(m, ",")
}
