package factsql

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/facts"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// Slim is the name of the intermediate table: one row per event, deduplicated.
const Slim = "ka_slim"

// TablePrefix prefixes the fact tables athena, trino and spark create
// (keyaudit_facts_key_use, ...).
const TablePrefix = "keyaudit_facts_"

// dialect is what differs between engines. Every method returns text
// keyaudit owns; values from Options arrive validated.
type dialect interface {
	// preamble is the statements before the intermediate (DuckDB macros).
	preamble(p *plan) []string
	// slim is the statement that creates Slim.
	slim(p *plan) string
	// create writes table t from query.
	create(p *plan, t facts.Table, query string) string
	// count is the FROM of the manifest branch counting t.
	count(p *plan, t facts.Table) string
	// ident quotes a column alias that is a keyword somewhere.
	ident(name string) string
	// str is the name of the string type in a CAST.
	str() string
	// cleanup is the statements after the manifest.
	cleanup(p *plan) []string
	// notes are comment lines about running the script.
	notes(p *plan) []string
}

func dialectOf(engine string) dialect {
	switch engine {
	case Athena:
		return athena{}
	case Trino:
		return trino{}
	case Spark:
		return spark{}
	}
	return duckdb{}
}

// Render writes the script for o.Engine to w: the optional DDL, the
// intermediate, one statement per fact table, the manifest and the drop
// of the intermediate, each statement ending in ";" at the end of a line.
// It writes nothing when o is invalid (errors wrap ErrInvalid).
func Render(w io.Writer, o Options) error {
	p, err := o.plan()
	if err != nil {
		return err
	}
	d := dialectOf(p.Engine)
	var b strings.Builder
	fmt.Fprintf(&b, "-- keyaudit facts (facts_version %d) for %s, rendered by keyaudit sql.\n", facts.Version, p.Engine)
	fmt.Fprintf(&b, "-- Scope: %s. Producer: %s.\n", p.scope(), p.Producer)
	for _, n := range d.notes(p) {
		b.WriteString("-- " + n + "\n")
	}
	b.WriteString("-- Run the statements in order; each ends with a semicolon at the end of its line.\n")
	var stmts []string
	if p.DDL {
		stmts = append(stmts, ddl(p)...)
	}
	stmts = append(stmts, d.preamble(p)...)
	stmts = append(stmts, d.slim(p))
	for t := facts.Table(0); t < facts.Manifest; t++ {
		stmts = append(stmts, d.create(p, t, factQuery(d, t)))
	}
	stmts = append(stmts, d.create(p, facts.Manifest, manifestQuery(d, p)))
	stmts = append(stmts, d.cleanup(p)...)
	for _, s := range stmts {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(s, "\n"))
		b.WriteString(";\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// factQuery is the SELECT of fact table t over Slim (docs/FACTS.md §3).
// Its columns are exactly facts.Columns(t), in order.
func factQuery(d dialect, t facts.Table) string {
	cols := facts.Columns(t)
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = c.Name
	}
	agg := func(calls string) {
		n := len(cols) - 3
		sel[n] = "count(*) AS " + calls
		sel[n+1] = "min(event_time) AS first_time"
		sel[n+2] = "max(event_time) AS last_time"
	}
	var where, group string
	groupBy := func(n int) string {
		g := make([]string, n)
		for i := range g {
			g[i] = fmt.Sprint(i + 1)
		}
		return "GROUP BY " + strings.Join(g, ", ")
	}
	switch t {
	case facts.KeyUse:
		sel[facts.KUAccessKeyID] = "user_identity_access_key_id AS access_key_id"
		sel[facts.KUDay] = "event_day AS " + d.ident("day")
		agg("calls")
		where = "user_identity_access_key_id IS NOT NULL AND substr(user_identity_access_key_id, 1, 4) <> 'ASIA'"
		group = groupBy(facts.KUCalls)
	case facts.SessionUse:
		sel[facts.SUAccessKeyID] = "user_identity_access_key_id AS access_key_id"
		sel[facts.SUConsoleHint] = "(session_credential_from_console OR coalesce(user_agent IN ('console.amazonaws.com', 'signin.amazonaws.com'), false)) AS console_hint"
		agg("calls")
		where = "substr(user_identity_access_key_id, 1, 4) = 'ASIA'"
		group = groupBy(facts.SUCalls)
	case facts.STSIssue:
		where = "error_code IS NULL AND substr(issued_access_key_id, 1, 4) = 'ASIA'"
	case facts.KeyLifecycle:
		where = "event_source = 'iam.amazonaws.com' AND event_name IN ('CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey')"
	case facts.Principals:
		sel[0] = "DISTINCT " + sel[0]
		where = "user_identity_type IN ('IAMUser', 'Root') AND user_identity_principal_id IS NOT NULL AND user_identity_arn IS NOT NULL"
	case facts.EventAccounts:
		agg("events")
		group = groupBy(1)
	}
	q := "SELECT " + strings.Join(sel, ",\n       ") + "\nFROM " + Slim
	if where != "" {
		q += "\nWHERE " + where
	}
	if group != "" {
		q += "\n" + group
	}
	return q
}

// manifestQuery counts the rows of every table just written.
func manifestQuery(d dialect, p *plan) string {
	var br []string
	for t := facts.Table(0); t < facts.Manifest; t++ {
		if t == 0 {
			s := d.str()
			br = append(br, fmt.Sprintf("SELECT CAST(%d AS integer) AS facts_version, CAST(%s AS %s) AS table_name, count(*) AS %s,\n"+
				"       CAST(%s AS %s) AS producer, CAST('event_id' AS %s) AS dedup,\n"+
				"       CAST(%s AS %s) AS scope, CAST(%s AS %s) AS missing\nFROM %s",
				facts.Version, lit(t.String()), s, d.ident("rows"), lit(p.Producer), s, s, lit(p.scope()), s, lit(p.missing()), s, d.count(p, t)))
			continue
		}
		br = append(br, fmt.Sprintf("SELECT %d, %s, count(*), %s, 'event_id', %s, %s FROM %s",
			facts.Version, lit(t.String()), lit(p.Producer), lit(p.scope()), lit(p.missing()), d.count(p, t)))
	}
	return strings.Join(br, "\nUNION ALL\n")
}

// factTable is the name athena, trino and spark give table t.
func factTable(t facts.Table) string { return TablePrefix + t.String() }

// location is the folder of table t under OutLocation, with a trailing slash.
func (p *plan) location(t string) string { return p.outDir + "/" + t + "/" }

// ms is the Unix millisecond bound of a date.
func ms(t time.Time) int64 { return t.UnixMilli() }

// timeFilter is the exact eventTime scope on the column col (Unix ms).
func (p *plan) timeFilter(col string) []string {
	var w []string
	if !p.from.IsZero() {
		w = append(w, fmt.Sprintf("%s >= %d -- %s", col, ms(p.from), p.from.Format(time.RFC3339)))
	}
	if !p.to.IsZero() {
		w = append(w, fmt.Sprintf("%s < %d -- %s", col, ms(p.to), p.to.Format(time.RFC3339)))
	}
	return w
}

// accountList is the IN list of the accounts.
func (p *plan) accountList() string {
	l := make([]string, len(p.Accounts))
	for i, a := range p.Accounts {
		l[i] = lit(a)
	}
	return "(" + strings.Join(l, ", ") + ")"
}

// partitionFilter prunes delivery folders: the date range widened by one
// day on each side (a file is delivered after its events, and an event
// may sit under the next day's prefix), and the account folders.
func (p *plan) partitionFilter(alias string) []string {
	var w []string
	if p.AccountPartition != "" {
		w = append(w, alias+p.AccountPartition+" IN "+p.accountList())
	}
	if p.DatePartition != "" {
		if !p.from.IsZero() {
			w = append(w, fmt.Sprintf("%s%s >= %s", alias, p.DatePartition, lit(p.from.AddDate(0, 0, -1).Format("2006/01/02"))))
		}
		if !p.to.IsZero() {
			w = append(w, fmt.Sprintf("%s%s <= %s", alias, p.DatePartition, lit(p.to.Format("2006/01/02"))))
		}
	}
	return w
}

// slimColumns are the event columns Slim holds after event_time and
// event_day, in order: what the fact queries read.
var slimColumns = []int{
	ct.ColEventSource, ct.ColEventName, ct.ColAWSRegion, ct.ColSourceIPAddress, ct.ColUserAgent,
	ct.ColErrorCode, ct.ColEventID, ct.ColSharedEventID, ct.ColRequestID, ct.ColRecipientAccountID,
	ct.ColUIType, ct.ColUIPrincipalID, ct.ColUIARN, ct.ColUIAccountID, ct.ColUIAccessKeyID,
	ct.ColUIUserName, ct.ColUIInvokedBy, ct.ColUIIssuerType, ct.ColUIIssuerARN,
	ct.ColUISessionCreationDate, ct.ColUISourceIdentity, ct.ColSessionCredentialFromConsole,
	ct.ColRespCredentialsAccessKeyID, ct.ColRespCredentialsExpiration, ct.ColRespAssumedRoleARN,
	ct.ColReqRoleARN, ct.ColReqRoleSessionName, ct.ColReqUserName, ct.ColReqAccessKeyID,
	ct.ColReqStatus, ct.ColReqPrincipalARN, ct.ColReqSourceIdentity, ct.ColReqTargetPrincipal,
	ct.ColReqName, ct.ColRespAccessKeyID, ct.ColRespAccessKeyCreateDate, ct.ColRespAccessKeyUserName,
	ct.ColRespSubject, ct.ColRespProvider, ct.ColRespSubjectFromWebIdentityToken,
}

// nested reports whether column c comes from requestParameters or
// responseElements (API-specific shapes: a wrong type is null, not a
// rejected event), and returns the JSON path inside that object.
func nested(c int) (object, path string, ok bool) {
	p := ct.JSONPaths[c]
	for _, o := range []string{"requestParameters", "responseElements"} {
		if strings.HasPrefix(p, o+".") {
			return o, "$." + strings.TrimPrefix(p, o+"."), true
		}
	}
	return "", "", false
}

// isTime reports whether event column c is a timestamp.
func isTime(c int) bool {
	return c == ct.ColEventTime || c == ct.ColUISessionCreationDate ||
		c == ct.ColRespCredentialsExpiration || c == ct.ColRespAccessKeyCreateDate
}

// indent indents every line of s by n spaces.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// Statements splits a script Render wrote into its statements, without
// the comment lines before the first and the final semicolons.
func Statements(script string) []string {
	var out []string
	for _, s := range strings.Split(script, ";\n") {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for len(lines) > 0 && strings.HasPrefix(lines[0], "--") {
			lines = lines[1:]
		}
		if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
			out = append(out, s)
		}
	}
	return out
}
