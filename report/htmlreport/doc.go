// Package htmlreport renders an audit as one self-contained HTML file:
// inline CSS, inline SVG charts each with its numbers in a table beside
// it, and a few lines of inline JavaScript (sortable, filterable tables)
// that the page does not need: without it every table is plain HTML. No
// CDN, no web font, nothing fetched.
//
// What goes in: a Report, which the caller (cmd/keyaudit) fills with plain
// values — the findings, the key inventory, the users of the credential
// reports, the temporary keys by root kind, the inputs with their SHA-256,
// the record accounting, the suppressions — so that this package needs no
// other keyaudit package. Write renders it with html/template, which
// escapes every value from the data.
//
// What comes out: the same bytes for the same Report (no clock is read:
// Report.AsOf is the only time), printable (@media print starts each
// section on a new page). The JavaScript sorts a table by a column named
// in the URL fragment, #sort=COLUMN or #sort=-COLUMN (descending), which
// is how the browser test checks sorting.
package htmlreport
