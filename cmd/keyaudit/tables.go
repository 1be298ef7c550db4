package main

import (
	"strings"

	"github.com/keyaudit/keyaudit/report"
)

// How each command's table is laid out for a person: which columns it
// shows, which of them are free text (the only ones ever shortened on a
// terminal), and which are hidden, first listed first, when the terminal
// is too narrow. Identifiers are never shortened or listed in HideOrder
// ahead of free text they explain less well than; severity, rule, user and
// key IDs are never hidden.
var (
	auditTable = report.Options{
		Columns:   []string{"severity", "rule", "account_id", "user", "key_slot", "access_key_id", "age_days", "detail"},
		FreeText:  []string{"detail"},
		HideOrder: []string{"key_slot", "age_days", "detail", "account_id"},
		Marks:     []report.Mark{{If: "muted", Cell: "severity", Text: mutedMark}},
	}
	// auditBaselineTable is auditTable with --baseline's columns.
	auditBaselineTable = report.Options{
		Columns:   []string{"severity", "status", "rule", "account_id", "user", "key_slot", "access_key_id", "age_days", "first_seen", "detail"},
		FreeText:  auditTable.FreeText,
		HideOrder: append([]string{"first_seen"}, auditTable.HideOrder...),
		Marks:     auditTable.Marks,
	}
	keysTable = report.Options{
		Columns:   []string{"account_id", "user", "access_key_id", "key_slot", "status", "last_used", "event_count", "source"},
		HideOrder: []string{"source", "event_count", "last_used", "key_slot", "status"},
	}
	rotationTable = report.Options{ // every column
		FreeText: []string{"old_source_ips", "old_user_agents", "next_step"},
		HideOrder: []string{"old_calls_since_new_exact", "arn", "old_created", "new_created", "old_last_used", "new_last_used",
			"old_source_ips", "old_user_agents", "old_slot", "new_slot", "both_active_days", "stalled",
			"old_calls_since_new", "old_status", "new_status", "next_step"},
	}
	triageTable = report.Options{
		Columns:   []string{"verdict", "access_key_id", "account_id", "ours", "owner", "status", "last_used", "calls_after_leak", "locations", "next_step"},
		FreeText:  []string{"locations", "next_step"},
		HideOrder: []string{"calls_after_leak", "last_used", "locations", "status", "next_step", "account_id"},
	}
	sessionsTable = report.Options{
		Columns:   []string{"access_key_id", "account_id", "issued_by", "root_kind", "root_principal", "chain_depth", "event_count"},
		HideOrder: []string{"event_count", "chain_depth", "issued_by", "account_id", "root_kind"},
	}
)

// mutedMark follows the severity of a finding muted by --ignore in the
// table (CSV, JSON and Parquet have the muted and mute_reason columns).
const mutedMark = " (muted)"

// tableHelp is the --help paragraph on how a command's table fits the terminal.
func tableHelp(o report.Options) string {
	s := "The table (-f table, the default) never shortens an identifier (key and account IDs, " +
		"ARNs, users, severities, rules), so any of them can be copied into 'keyaudit trace'. On a terminal, "
	if len(o.FreeText) > 0 {
		s += "only free text (" + strings.Join(o.FreeText, ", ") + ") is shortened, ending in …, and "
	}
	s += "when the table is wider than the terminal these columns are hidden, in this order: " +
		strings.Join(o.HideOrder, ", ") + ". --wide shows every column in full; piped or written with -o, " +
		"nothing is shortened or hidden."
	return wrapText(s, 88)
}

// wrapText breaks s into lines of at most width bytes, between words.
func wrapText(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		switch {
		case n == 0:
		case n+1+len(w) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
