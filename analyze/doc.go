// Package analyze turns the per-key view of IAM credential reports into
// findings: key-hygiene rules, suppressions, and findings as Arrow records.
//
// # In and out
//
// In: per-key records (schema credreport.KeySchema, one row per existing
// access-key slot, root included) and a Config whose AsOf is the only
// clock; thresholds are used as given, zero meaning zero (DefaultConfig has
// the CIS defaults). Records stay
// owned by the caller.
//
// Out: EvaluateRecords (or Evaluate, which panics on what EvaluateRecords
// returns as errors: a record without the per-key columns, a Config without
// AsOf) returns []Finding sorted by SortFindings: severity (critical first),
// account, user, key slot, rule, then every other field, so the order is
// total; exact duplicates (the same report given twice) are removed.
// FindingsRecord turns findings into one record of FindingSchema, which the
// caller releases. SetAccessKeyIDs fills access-key IDs once the key
// inventory knows which ID sits in which slot; ApplySuppressions then marks
// matched findings muted (they are never dropped).
//
// # Rules
//
// Each rule is a KeyRule (ID, Info, Check). Check sees one record at a
// time through a KeyView and decides on one row at a time; per-user rules
// read the per-user columns user_key_count and user_active_key_count and
// report on the user's slot-1 row. Rules returns them in this order:
//
//	rule             severity       CIS   Security Hub  fires when
//	root-access-key  critical/high  1.4   IAM.4         the root user has a key: one finding per key,
//	                                                    critical if active, high if inactive
//	stale-key        high           1.14  IAM.3         an active IAM user key was last rotated
//	                                                    more than MaxKeyAge (90 days) before AsOf
//	unused-key       medium         1.12  IAM.22        an active IAM user key was last used more
//	                                                    than MaxUnused (45 days) before AsOf
//	two-active-keys  medium         1.13  -             an IAM user has two active keys
//	at-key-quota     low            -     -             an IAM user has two keys, one inactive: the
//	                                                    active one cannot be rotated until the
//	                                                    inactive one is deleted
//
// Thresholds are strict: a key rotated exactly 90 days before AsOf is not
// stale, one rotated 90 days and 1 ms before is. Root keys get no other key
// rule, and inactive keys get no stale-key or unused-key finding.
//
// unused-key counts idle time from the last use. A key never used counts
// from its last_rotated (its creation or last rotation), so a new key is
// not flagged but an old, never used one is; common scanners skip
// never-used keys, which hides keys created and forgotten. A key whose use
// IAM does not know (no_information) also counts from last_rotated: nothing
// shows it is needed.
//
// AgeDays is whole days, rounded down, of the age the rule judged: since
// last_rotated for root-access-key and stale-key, since the last use (or
// last_rotated, as above) for unused-key, and -1 (no age) for the per-user
// rules. A root key dated after AsOf reports age 0 and names its date in
// Detail, as -1 means "no age". KeySlot is 0 and KeyStatus empty for
// per-user findings.
//
// # Suppression files
//
// A suppression file is a JSON document with one array, "suppressions", of
// entries:
//
//	{
//	  "suppressions": [
//	    {
//	      "rule": "stale-key",
//	      "account": "111111111111",
//	      "user": "ci-bot",
//	      "reason": "rotated by the vault job; see SEC-123",
//	      "expires": "2027-01-31"
//	    },
//	    {"user": "svc-*", "rule": "unused-key", "reason": "service users rotate on deploy"},
//	    {"key": "AKIAIOSFODNN7EXAMPLE", "reason": "break-glass key, kept offline"},
//	    {"user": "alice", "slot": 2, "reason": "migration key", "expires": "2026-12-15T18:00:00Z"}
//	  ]
//	}
//
// Fields of an entry:
//
//   - rule, account, user: glob patterns (* ? [a-z], as path.Match); user
//     matches case-insensitively, as IAM user names are unique regardless of
//     case. account must be a 12-digit account ID or a pattern of digits.
//   - key: an access key ID, matched exactly; it needs the finding's
//     AccessKeyID, known only when CloudTrail resolved the slot.
//   - slot: 1 or 2. key and slot never match a per-user finding.
//   - reason: required; it becomes the finding's mute_reason.
//   - expires: optional; YYYY-MM-DD mutes through the end of that day UTC,
//     an RFC 3339 time through that instant.
//
// A missing field, null, "" or "*" matches anything, but each entry must
// have at least one real matcher. Unknown fields are errors, so a typo
// never silently widens or narrows a suppression; so is a rule that names
// no rule (CheckSuppressionRules, given every rule ID of the run), with the
// closest rule name suggested. Errors name the file, the
// line and the entry (suppressions[N], counted from 0).
//
// ApplySuppressions mutes each finding with the reason of the first
// matching unexpired entry. An entry whose expiry is before AsOf mutes
// nothing and is returned in SuppressionStats.Expired (with how many
// findings it would have matched); an unexpired entry that matched nothing
// is returned in Unused, so the CLI can warn about both.
package analyze
