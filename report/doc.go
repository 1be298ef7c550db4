// Package report turns a stream of Arrow records into bytes: a terminal
// table, CSV, JSON, newline-delimited JSON or Parquet. It knows nothing
// about IAM; any schema of strings, booleans, integers and timestamps
// works (Parquet takes any type warehouses read: no unsigned integers, no
// extension types, timestamps with a time zone).
//
// What goes in: NewWriter(format, w, schema, opts) returns a Writer; call
// Write for each record (all with that schema), then Close. Write never
// takes ownership of a record: the caller releases it after Write returns.
// Close flushes and writes footers but never closes w.
//
// What comes out: every text format renders values the same way (see
// FormatTimestamp and value.go): nulls are empty in CSV and tables and null
// in JSON, timestamps are RFC 3339 UTC with a millisecond fraction only
// when nonzero. Output is deterministic: columns in schema order (or
// Options.Columns order), rows in input order.
//
// Tables are for people: only the Options.FreeText columns are ever
// shortened, Options.HideOrder columns are hidden when the table does not
// fit Options.Width, and control characters are shown escaped; with no
// Width nothing is cut (see TableWriter).
//
// SARIF 2.1.0 (for GitHub code scanning) is results, not rows: a
// SARIFWriter takes a tool with its rules and SARIFResults the caller
// builds (a rule, a level, a message, file or logical locations), checks
// what GitHub would reject, and streams one run. CheckSARIF checks a log's
// required structure.
//
// Output files: Create writes to a temporary file next to the target
// (mode 0600) and Commit renames it into place, so an interrupted run never
// leaves half a file; AbortAll removes every open temporary from a signal
// handler. Create refuses to overwrite one of the inputs.
package report
