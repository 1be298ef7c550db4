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
// # On disk
//
// A fact set is a directory. Writer (a Sink) writes DIR/<table>.parquet
// for every table, 0-row tables included, and DIR/manifest.parquet last
// (facts_version, table_name, rows, producer, dedup, scope, missing; one
// row per table), all into a private ".DIR.tmp-*" sibling that Close
// renames into place, so an interrupted write never leaves a set that
// looks complete. It replaces only an empty directory or an earlier fact
// set. Identical rows in identical order (Aggregator with Options.Sorted)
// give byte-identical files. Parquet follows docs/PARQUET.md (through
// report.ParquetWriter, ZSTD); times are int64 Unix ms, not timestamps.
//
// Read (or Reader.Read) streams fact sets to Sinks in records of the
// canonical schemas, whatever produced them. Per table it takes
// DIR/<table>.parquet or DIR/<table>.csv alone, or a folder DIR/<table>/
// (or DIR/<table>.parquet/, as Spark writes) with files at any depth of
// Hive name=value folders, as Athena CTAS and UNLOAD write them: Parquet
// is told by its PAR1 magic, not its name; CSV by a .csv name; names
// starting with "." or "_" (_SUCCESS, _temporary/), *.crc, *.metadata and
// *_$folder$ are ignored. A folder value supplies a column its files lack
// (__HIVE_DEFAULT_PARTITION__ is null); a column in both is an error.
// Columns match by name in any order and case. A column may be any Arrow
// type of its family (any integer width, dictionary or large strings, any
// timestamp unit for a time, date32/date64) or text, parsed as CSV cells
// are: "" is null, integers in decimal, times as decimal ms or any form
// ParseTime accepts, booleans true/false in any case, dates YYYY-MM-DD.
// A null boolean is false; a null integer or date is an error. Sinks
// never see the manifest; ReadStats has it.
//
// The reader checks, before any data reaches a sink: a manifest exists
// (ErrNoManifest), every row has this Version (ErrVersion), names each
// table once, with one dedup and scope (ErrManifest); each file has
// exactly its table's columns, of the right family (ErrColumns); a table
// is present unless the manifest says 0 rows, and Parquet footers hold
// the manifest's rows (ErrIncomplete). Several sets must be distinct
// directories with the same dedup (ErrMerge) and not declare the same
// scope (ErrOverlap). While streaming: CSV rows match the manifest
// (ErrIncomplete), and a non-null event_id of sts_issue or key_lifecycle
// occurs once, in one set (ErrDuplicate) and across sets (ErrOverlap).
// Values that do not parse are a *ValueError naming file, table, column,
// row (and CSV line). Merging is concatenation, in argument order.
//
// Records: every record this package hands out is owned by the receiver
// of the call (a Sink's Facts method does not own it and must Retain it to
// keep it). Constructors take a memory.Allocator.
package facts
