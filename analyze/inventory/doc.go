// Package inventory builds the access-key inventory from CloudTrail event
// records and credential reports, in one pass and in memory that grows
// with the number of distinct keys, not with the number of events.
//
// # Keys and owners
//
// A Builder (New, Add, Finish) keeps one aggregate per long-term access key
// (AKIA…): keys that sign calls of IAMUser and Root identities
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
// limits). Source IPs and user agents per key are kept as bounded top-N
// tables (Space-Saving), exact while a key has no more than 4×TopN
// distinct values.
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
// follows a few given keys (AKIA or ASIA) in detail for trace and whois.
package inventory
