// Package triage joins access key IDs that secret scanners found (in a
// repository, a file system, a paste) with what keyaudit knows offline of
// them, and says what to do about each.
//
// What goes in: scanner reports, read by ParseReport and recognised from
// their content: gitleaks JSON (the Secret of findings of rule
// aws-access-token), gitleaks' SARIF, trufflehog --json lines (Raw of the
// AWS detectors), any other tool's SARIF (key IDs in the region
// snippets), or text (every key ID in it). Only key IDs and locations are
// read: gitleaks' Match and Line, trufflehog's RawV2 and SecretParts, and
// findings of every other rule or detector hold secrets and are dropped
// unread (counted in Report.Ignored). Redacted IDs (gitleaks --redact)
// keep their visible start: the account is decoded when at least
// keyid.PartialMinLen characters remain, and the row is marked partial.
//
// Then Triage joins the leaks, one Row per key ID with all its locations,
// with the key inventory (package inventory: owner, status, use), the
// temporary-key attribution (package sessions: who is behind an ASIA key)
// and the activity of the leaked keys (inventory.Activity: calls after the
// leak, GetCallerIdentity calls, the expiry), as of a given time,
// and gives each a Verdict and the next step. See Verdict for the rules.
//
// What comes out: []Row, and Record (schema Schema) for the report
// writers. Record's caller releases the record; the Allocator is the
// caller's. The package reads no clock: AsOf is an input.
package triage
