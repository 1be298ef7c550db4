package factsql

import (
	"fmt"
	"strings"

	"github.com/keyaudit/keyaudit/facts"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// duckdb: read_json over the delivery files, each record kept as JSON and
// its fields read with one json_extract_string and one json_type over a
// list of paths (one parse per record), so that the decoder's type rules
// can be checked; COPY ... TO OUT/<table>.parquet for each table.
type duckdb struct{}

// ddbTimeMacros parse the forms cloudtrail.ParseTime accepts, with its
// rules (fraction truncated to ms, offsets, a leap second clamped to
// :59.999, 12-hour clock 1..12), to Unix ms; NULL otherwise.
var ddbTimeMacros = []string{
	`CREATE OR REPLACE TEMP MACRO ka_civil(y, mo, d, h, mi, s, frac) AS
  CASE WHEN h <= 23 AND mi <= 59 AND s <= 60
       THEN epoch_ms(try(make_timestamp(y, mo, d, 0, 0, 0))) + ((h * 60 + mi) * 60 + least(s, 59)) * 1000
            + CASE WHEN s = 60 THEN 999 ELSE frac END
  END`,
	`CREATE OR REPLACE TEMP MACRO ka_offset(z) AS
  CASE WHEN z IN ('Z', 'z') THEN 0
       WHEN CAST(z[2:3] AS BIGINT) <= 23 AND CAST(z[5:6] AS BIGINT) <= 59
       THEN CASE WHEN z[1:1] = '+' THEN 1 ELSE -1 END * (CAST(z[2:3] AS BIGINT) * 60 + CAST(z[5:6] AS BIGINT)) * 60000
  END`,
	`CREATE OR REPLACE TEMP MACRO ka_iso(g) AS
  ka_civil(CAST(g.y AS BIGINT), CAST(g.mo AS BIGINT), CAST(g.d AS BIGINT), CAST(g.h AS BIGINT), CAST(g.mi AS BIGINT),
           CAST(g.s AS BIGINT), CASE WHEN g.f = '' THEN 0 ELSE CAST(rpad(substr(g.f, 2, 3), 3, '0') AS BIGINT) END)
  - ka_offset(g.z)`,
	`CREATE OR REPLACE TEMP MACRO ka_month(g) AS
  CASE WHEN CAST(g.h AS BIGINT) BETWEEN 1 AND 12 AND list_position(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], lower(g.mon)) > 0
       THEN ka_civil(CAST(g.y AS BIGINT), list_position(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], lower(g.mon)),
                     CAST(g.d AS BIGINT), CAST(g.h AS BIGINT) % 12 + CASE WHEN lower(g.ap) = 'pm' THEN 12 ELSE 0 END,
                     CAST(g.mi AS BIGINT), CAST(g.s AS BIGINT), 0)
  END`,
	`CREATE OR REPLACE TEMP MACRO ka_ms(x) AS
  CASE WHEN regexp_full_match(x, '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})')
       THEN ka_iso(regexp_extract(x, '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$',
                                  ['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'z']))
       WHEN regexp_full_match(x, '[0-9]{8}T[0-9]{6}Z')
       THEN ka_civil(CAST(x[1:4] AS BIGINT), CAST(x[5:6] AS BIGINT), CAST(x[7:8] AS BIGINT),
                     CAST(x[10:11] AS BIGINT), CAST(x[12:13] AS BIGINT), CAST(x[14:15] AS BIGINT), 0)
       WHEN length(x) >= 22 AND regexp_full_match(x, '[A-Za-z]{3} [0-9]{1,2}, [0-9]{1,4},? [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2} [AaPp][Mm]')
       THEN ka_month(regexp_extract(x, '^([A-Za-z]{3}) ([0-9]{1,2}), ([0-9]{1,4}),? ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}) ([AaPp][Mm])$',
                                    ['mon', 'd', 'y', 'h', 'mi', 's', 'ap']))
  END`,
}

var ddbMacroNames = []string{"ka_ms", "ka_month", "ka_iso", "ka_offset", "ka_civil"}

// ddbPaths are the JSON paths read from each record, in list order
// (DuckDB lists are 1-based: path i is kv[i+1]).
type ddbPaths struct {
	list  []string
	index map[string]int
}

func (d *ddbPaths) at(path string) int {
	if i, ok := d.index[path]; ok {
		return i
	}
	d.list = append(d.list, path)
	d.index[path] = len(d.list)
	return len(d.list)
}

// Validation-only paths: the decoder checks their types too.
var (
	ddbStrictOnly = []int{ct.ColErrorMessage, ct.ColEventType, ct.ColEventVersion, ct.ColUIIssuerAccountID, ct.ColUIIssuerUserName}
	ddbBools      = []int{ct.ColReadOnly, ct.ColUIMFAAuthenticated, ct.ColSessionCredentialFromConsole}
	ddbObjects    = []string{"userIdentity", "userIdentity.sessionContext", "userIdentity.sessionContext.sessionIssuer", "userIdentity.sessionContext.attributes"}
)

func (duckdb) preamble(*plan) []string { return ddbTimeMacros }

func (duckdb) slim(p *plan) string {
	ps := &ddbPaths{index: map[string]int{}}
	path := func(c int) int { return ps.at("$." + ct.JSONPaths[c]) }
	str := func(i int) string { return fmt.Sprintf("CASE WHEN kt[%d] = 'VARCHAR' THEN kv[%d] END", i, i) }
	iTime, iEID, iRecip, iCreated := path(ct.ColEventTime), path(ct.ColEventID), path(ct.ColRecipientAccountID), path(ct.ColUISessionCreationDate)

	var checks []string
	strict := func(c int) {
		i := path(c)
		checks = append(checks, fmt.Sprintf("coalesce(kt[%d] IN ('VARCHAR', 'NULL'), true) -- %s", i, ct.JSONPaths[c]))
	}
	for _, o := range ddbObjects {
		i := ps.at("$." + o)
		checks = append(checks, fmt.Sprintf("coalesce(kt[%d] IN ('OBJECT', 'NULL'), true) -- %s", i, o))
	}
	for _, c := range append(append([]int{}, slimColumns...), ddbStrictOnly...) {
		if _, _, ok := nested(c); ok || isTime(c) || c == ct.ColSessionCredentialFromConsole {
			continue
		}
		strict(c)
	}
	for _, c := range ddbBools {
		i := path(c)
		checks = append(checks, fmt.Sprintf("(kt[%d] IS NULL OR kt[%d] IN ('NULL', 'BOOLEAN') OR (kt[%d] = 'VARCHAR' AND lower(kv[%d]) IN ('true', 'false', ''))) -- %s", i, i, i, i, ct.JSONPaths[c]))
	}
	checks = append(checks, fmt.Sprintf("(kt[%d] IS NULL OR kt[%d] = 'NULL' OR ka_created IS NOT NULL) -- %s: a string that parses", iCreated, iCreated, ct.JSONPaths[ct.ColUISessionCreationDate]))

	sel := []string{"ka_time AS event_time", "CAST(DATE '1970-01-01' + CAST(floor(ka_time / 86400000) AS INTEGER) AS DATE) AS event_day"}
	for _, c := range slimColumns {
		i := path(c)
		var e string
		switch {
		case c == ct.ColEventID:
			e = "ka_eid"
		case c == ct.ColUISessionCreationDate:
			e = "ka_created"
		case c == ct.ColSessionCredentialFromConsole:
			e = fmt.Sprintf("coalesce((kt[%d] = 'BOOLEAN' AND kv[%d] = 'true') OR (kt[%d] = 'VARCHAR' AND lower(kv[%d]) = 'true'), false)", i, i, i, i)
		case isTime(c):
			e = "ka_ms(" + str(i) + ")"
		default:
			e = "nullif(" + str(i) + ", '')"
		}
		sel = append(sel, e+" AS "+ct.ColumnNames[c])
	}

	srcs := make([]string, len(p.Sources))
	for i, s := range p.Sources {
		srcs[i] = lit(s)
	}
	quoted := make([]string, len(ps.list))
	for i, s := range ps.list {
		quoted[i] = lit(s)
	}
	paths := "[" + strings.Join(quoted, ", ") + "]"

	// The values and JSON types of every path are extracted once, into a
	// table of their own: in one query DuckDB inlines them and parses each
	// record's JSON again for every check that reads them (about 35 times).
	var b strings.Builder
	b.WriteString("CREATE TEMP TABLE " + ddbEvents + " AS\n")
	b.WriteString("WITH rec AS (\n  SELECT unnest(Records) AS r\n")
	fmt.Fprintf(&b, "  FROM read_json([%s],\n                 columns = {Records: 'JSON[]'}, format = 'auto', maximum_object_size = 268435456)\n)\n", strings.Join(srcs, ", "))
	fmt.Fprintf(&b, "SELECT json_extract_string(r, %s) AS kv,\n", paths)
	fmt.Fprintf(&b, "       json_type(r, %s) AS kt\n", paths)
	b.WriteString("FROM rec\nWHERE json_type(r) = 'OBJECT';\n\n")
	b.WriteString("CREATE TEMP TABLE " + Slim + " AS\n")
	b.WriteString("WITH src AS (\n")
	fmt.Fprintf(&b, "  SELECT kv, kt, ka_ms(%s) AS ka_time, ka_ms(%s) AS ka_created,\n         nullif(%s, '') AS ka_eid\n  FROM %s", str(iTime), str(iCreated), str(iEID), ddbEvents)
	if len(p.Accounts) > 0 {
		fmt.Fprintf(&b, "\n  WHERE %s IN %s", str(iRecip), p.accountList())
	}
	b.WriteString("\n), valid AS (\n  SELECT * FROM src\n")
	valid := append([]string{"ka_time IS NOT NULL -- ingest rejects an event whose eventTime is missing or does not parse"}, p.timeFilter("ka_time")...)
	valid = append(valid, checks...)
	b.WriteString("  WHERE " + strings.Join(valid, "\n    AND ") + "\n")
	b.WriteString("), ranked AS (\n")
	b.WriteString("  SELECT valid.*, row_number() OVER (PARTITION BY ka_eid ORDER BY ka_time) AS ka_copy FROM valid\n)\n")
	b.WriteString("SELECT " + strings.Join(sel, ",\n       ") + "\n")
	b.WriteString("FROM ranked\nWHERE ka_copy = 1 OR ka_eid IS NULL /* events without an eventID are never deduplicated */")
	return b.String()
}

// ddbEvents is the table of extracted values and types the DuckDB
// intermediate is made from.
const ddbEvents = "ka_events"

func (duckdb) file(p *plan, t facts.Table) string { return p.outDir + "/" + t.String() + ".parquet" }

func (d duckdb) create(p *plan, t facts.Table, q string) string {
	return fmt.Sprintf("COPY (\n%s\nORDER BY ALL\n) TO %s (FORMAT parquet, COMPRESSION zstd)", q, lit(d.file(p, t)))
}

func (d duckdb) count(p *plan, t facts.Table) string {
	return "read_parquet(" + lit(d.file(p, t)) + ")"
}
func (duckdb) ident(name string) string { return `"` + name + `"` }
func (duckdb) str() string              { return "VARCHAR" }

func (duckdb) cleanup(*plan) []string {
	s := []string{"DROP TABLE " + ddbEvents, "DROP TABLE " + Slim}
	for _, m := range ddbMacroNames {
		s = append(s, "DROP MACRO "+m)
	}
	return s
}

func (duckdb) notes(p *plan) []string {
	return []string{
		"DuckDB 1.1 or later: duckdb -c \".read FILE\" (or statement by statement). Writes " + p.outDir + "/<table>.parquet;",
		"the folder must exist. Give the S3 delivery files only (CloudTrail/, not CloudTrail-Digest/: digests have no Records).",
	}
}
