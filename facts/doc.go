// Package facts is the contract between ingest and analysis: a small,
// versioned set of fact tables (Arrow schemas) that stage 2 (inventory,
// sessions, rotation, the rules) reads instead of CloudTrail events.
//
// keyaudit's own ingest produces them with an Aggregator, an
// ingest.EventSink run in the same pass as today. SQL rendered by
// `keyaudit sql` produces the same tables on Athena, Trino, Spark or DuckDB,
// so an organization trail is reduced where it lives and audited here.
//
// The tables of facts_version 1 (docs/FACTS.md has the column-by-column
// reference and the reasons):
//
//   - key_use: use of every key that is not temporary, grouped by key,
//     caller identity, recipient account, UTC day, service, region, source IP
//     and user agent, with calls, first_time and last_time;
//   - session_use: use of temporary (ASIA) keys, grouped by key, the using
//     identity, recipient account and console hint;
//   - sts_issue: successful issuances of temporary keys, one row per event;
//   - key_lifecycle: Create/Update/DeleteAccessKey calls, one row per event,
//     failures included;
//   - principals: distinct (principal ID, ARN) of IAM users and root;
//   - event_accounts: events and time span per recipient account;
//   - manifest: one row per table (version, rows, producer, dedup, scope).
//
// Rules every producer keeps: eventIDs are deduplicated before counting;
// null and "" are the same value; times are int64 Unix milliseconds (UTC),
// days are date32. Rules every reader keeps: rows with equal grain may
// repeat (a producer may flush partial aggregates; merged sets are
// concatenations) and are folded, never assumed unique.
//
// Records: every record this package hands out is owned by the receiver
// of the call (a Sink's Facts method does not own it and must Retain it to
// keep it). Constructors take a memory.Allocator.
package facts
