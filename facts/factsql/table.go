package factsql

import (
	"fmt"
	"strings"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// isoPattern is the RFC 3339 form CloudTrail writes (ParseTime also takes
// a lower-case t or a space, and the basic and month-name forms; see the
// package doc). "[.]" instead of a backslash: one text for every engine's
// string literals.
const isoPattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`

// tableFuncs are the functions of an engine that reads a CloudTrail table
// (Athena, Trino, Spark).
type tableFuncs struct {
	// millis is the Unix ms of the text x, NULL when x is not isoPattern
	// or not a valid time.
	millis func(x string) string
	// json extracts the scalar at path from the JSON text column obj.
	json func(obj, path string) string
	// day is the UTC date of the Unix ms column ms.
	day func(ms string) string
	// str is the string type in a CAST.
	str string
	// head is the statement head that creates Slim from the query that follows.
	head func(p *plan) string
}

// column is the source expression of event column c in the CloudTrail
// table (lower-case names, as Athena's DDL declares them).
func (f tableFuncs) column(p *plan, c int) string {
	if obj, path, ok := nested(c); ok {
		return f.json(strings.ToLower(obj), path)
	}
	return "t." + strings.ToLower(ct.JSONPaths[c])
}

// boolOK is true when the text boolean x is absent, empty, true or false in
// any case (the decoder rejects an event with anything else).
func boolOK(x string) string {
	return fmt.Sprintf("(nullif(%s, '') IS NULL OR lower(%s) IN ('true', 'false'))", x, x)
}

func (f tableFuncs) slim(p *plan) string {
	var b strings.Builder
	b.WriteString(f.head(p))
	created := f.column(p, ct.ColUISessionCreationDate)
	b.WriteString("WITH src AS (\n")
	fmt.Fprintf(&b, "  SELECT t.*, %s AS ka_time,\n", f.millis("t.eventtime"))
	fmt.Fprintf(&b, "         %s AS ka_created,\n", f.millis(created))
	b.WriteString("         nullif(t.eventid, '') AS ka_eid\n")
	fmt.Fprintf(&b, "  FROM %s t", p.Table)
	where := p.partitionFilter("t.")
	if len(p.Accounts) > 0 {
		where = append(where, "t.recipientaccountid IN "+p.accountList())
	}
	if len(where) > 0 {
		b.WriteString("\n  WHERE " + strings.Join(where, "\n    AND "))
	}
	b.WriteString("\n), valid AS (\n  SELECT * FROM src\n")
	valid := []string{"ka_time IS NOT NULL -- ingest rejects an event whose eventTime is missing or does not parse"}
	valid = append(valid, p.timeFilter("ka_time")...)
	valid = append(valid,
		fmt.Sprintf("(nullif(%s, '') IS NULL OR ka_created IS NOT NULL) -- so is a bad userIdentity creationDate", strings.TrimPrefix(created, "t.")),
		boolOK("readonly"), boolOK("useridentity.sessioncontext.attributes.mfaauthenticated"))
	if !p.without["session_credential_from_console"] {
		valid = append(valid, boolOK("sessioncredentialfromconsole"))
	}
	b.WriteString("  WHERE " + strings.Join(valid, "\n    AND ") + "\n")
	b.WriteString("), ranked AS (\n")
	b.WriteString("  SELECT valid.*, row_number() OVER (PARTITION BY ka_eid ORDER BY ka_time) AS ka_copy FROM valid\n)\n")
	sel := []string{"ka_time AS event_time", f.day("ka_time") + " AS event_day"}
	for _, c := range slimColumns {
		name := ct.ColumnNames[c]
		var e string
		switch {
		case p.without[name]:
			e = "CAST(NULL AS " + f.str + ")"
			if c == ct.ColSessionCredentialFromConsole {
				e = "false"
			}
		case c == ct.ColEventID:
			e = "ka_eid"
		case c == ct.ColUISessionCreationDate:
			e = "ka_created"
		case c == ct.ColSessionCredentialFromConsole:
			e = "coalesce(lower(sessioncredentialfromconsole) = 'true', false)"
		case isTime(c):
			e = fmt.Sprintf("nullif(%s, '') -- text: the fact reader parses it as ingest does", strings.TrimPrefix(f.column(p, c), "t."))
		default:
			e = fmt.Sprintf("nullif(%s, '')", strings.TrimPrefix(f.column(p, c), "t."))
		}
		if i := strings.Index(e, " -- "); i >= 0 {
			sel = append(sel, e[:i]+" AS "+name+e[i:])
		} else {
			sel = append(sel, e+" AS "+name)
		}
	}
	b.WriteString("SELECT ")
	for i, s := range sel {
		if i > 0 {
			b.WriteString("       ")
		}
		if i < len(sel)-1 {
			if j := strings.Index(s, " -- "); j >= 0 {
				s = s[:j] + "," + s[j:]
			} else {
				s += ","
			}
		}
		b.WriteString(s + "\n")
	}
	b.WriteString("FROM ranked\nWHERE ka_copy = 1 OR ka_eid IS NULL /* events without an eventID are never deduplicated */")
	return b.String()
}

// trinoFuncs are Athena's and Trino's: both run Trino's functions.
var trinoFuncs = tableFuncs{
	str: "varchar",
	millis: func(x string) string {
		return fmt.Sprintf("CASE WHEN regexp_like(%s, '%s') THEN CAST(round(to_unixtime(try(from_iso8601_timestamp(regexp_replace(%s, '([.][0-9]{3})[0-9]+', '$1')))) * 1000) AS bigint) END", x, isoPattern, x)
	},
	json: func(obj, path string) string { return fmt.Sprintf("json_extract_scalar(%s, '%s')", obj, path) },
	day: func(ms string) string {
		return fmt.Sprintf("date_add('day', CAST(floor(%s / 86400000e0) AS bigint), DATE '1970-01-01')", ms)
	},
}
