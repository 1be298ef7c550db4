// Package inventory builds the access-key inventory from fact records
// (package facts) and credential reports, in one pass and in memory that
// grows with the number of distinct keys, not with the number of events or
// fact rows.
//
// # What goes in
//
// A Builder is a facts.Sink: Facts takes records of the v1 fact tables
// (canonical schemas, as facts.NewView checks) and reads key_use,
// session_use, key_lifecycle and event_accounts; it ignores sts_issue,
// principals and manifest. Rows may come in any order and grouping, and
// rows with the same grain may repeat: the result is the same
// (docs/FACTS.md §1, §4). key_lifecycle rows, one per event, are kept
// until Finish and replayed in one canonical order (event_time, event_id,
// then the other columns), so the few lifecycle updates that depend on
// order (§4.2) have one answer.
//
// Add is a convenience for event records (cloudtrail.EventSchema): a
// facts.Projector shows each event to FactView as one-event fact rows,
// read in place, so every input goes through the same folds as facts. Feed a Builder either the events or their facts: given
// both, it counts them twice. Columns (BuilderColumns for the Builder)
// lists the event columns that matter.
//
// Who releases what: Facts and Add never retain the record they are given
// (the caller releases it), and keep copies of the strings they need.
// Add allocates no Arrow memory. KeyRecord and
// RotationRecord return records the caller releases.
//
// # Keys and owners
//
// A Builder (New, Facts or Add, Finish) keeps one aggregate per long-term
// access key (AKIA…): keys that sign calls of IAMUser and Root identities
// (userIdentity.accessKeyId), keys created by CreateAccessKey
// (responseElements.accessKey), and keys changed by UpdateAccessKey and
// DeleteAccessKey (requestParameters.accessKeyId). Only successful
// lifecycle calls (no errorCode) change a key. The owner account is
// userIdentity.accountId of the key's calls, or the caller's account of a
// lifecycle call (IAM calls never cross accounts), else the account decoded
// from the key ID (package keyid) — never the trail's recipientAccountId
// alone. The user is the caller's userName (RootUser for a root key) or,
// for lifecycle calls, requestParameters.userName, the caller itself when
// that is null (self-service). Conflicting values keep the earliest
// event's, so the result does not depend on the order of the records.
//
// # Slots
//
// A credential report names slots (access_key_1_*, access_key_2_*), not
// key IDs. Finish places each key in a slot of its user's report row with
// evidence, by these rules in order, and records the rule in resolved_by;
// without evidence the slot is "unknown":
//
//  1. create_date: the key's CreateAccessKey createDate equals the slot's
//     last_rotated to the second. Two keys matching one slot (or one key
//     matching both) is a conflict: they stay unknown, with a note.
//  2. single_slot: the user has exactly one existing slot and exactly one
//     live key, and the evidence allows it there.
//  3. elimination: the user has two existing slots, one already placed,
//     and exactly one live key remains, allowed in the other slot.
//  4. last_used: the key's last CloudTrail use, floored to the minute,
//     equals the slot's access_key_N_last_used_date, with the same region
//     and service, and no other candidate or slot matches. Elimination is
//     tried again afterwards.
//
// A key is live unless it was deleted before the report was generated,
// created after it, or its known creation date matches no slot. When the
// report has no generation time (plain CSV), the latest time the user's
// row mentions is used as a lower bound for it. The evidence further rules
// a key out of a slot when it was used before the slot's last_rotated, or
// when it was used (more than four hours, IAM's last-used lag, before the
// report) while the report says the slot was never used or last used
// earlier.
//
// # Status
//
// Deleted when a successful DeleteAccessKey was seen; else the report's
// Active/Inactive for the resolved slot, unless an UpdateAccessKey came
// after the report was generated (which needs the report's generation
// time: plain CSV reports do not have it, and then the report wins); else
// the last UpdateAccessKey's status; else Active for a key that was
// created or used in the logs.
//
// # Counting calls
//
// event_count counts distinct API calls. The ingest drops duplicate
// eventIDs; a call logged in two accounts (one sharedEventID, two
// eventIDs) is counted once by counting only the copies logged in the
// caller's own account when that account is among the input's recipient
// accounts, and the copies logged elsewhere otherwise (see copies for the
// limits). Source IPs and user agents are counted exactly per key and
// value; the top Options.TopN are reported. A guard bounds hostile input:
// past Options.MaxValues (100,000) distinct values of one dimension, a key
// keeps the smallest ones, counts the rest as one OtherValue entry, and
// its source_ips_exact is false (source_ips is then an upper bound). That
// is the only approximate count, and it does not depend on input order.
//
// # Foreign keys
//
// Keys that are not long-term IAMUser or Root keys (temporary ASIA keys,
// AKIA keys under other identity types) are kept when their ID decodes to
// an account; foreign-key reports one when some use has a caller account
// other than the decoded one, counting all its uses.
//
// # Outputs
//
// Inventory.Keys / KeyRecord (KeySchema: key_slot is the string "1", "2"
// or "unknown", resolved_by the rule); Inventory.Rotations /
// RotationRecord (RotationSchema) for every user holding two keys, with
// the next step of AWS's rotation procedure; Inventory.Findings for the
// rules key-limit-exceeded, foreign-key and rotation-stalled; and
// Inventory.SlotKeyID, which analyze.SetAccessKeyIDs takes to put key IDs
// on the credential-report findings. Activity is a second consumer that
// follows a few given keys (AKIA or ASIA) in detail for trace and whois;
// it still reads event records (ActivityColumns), not facts.
package inventory
