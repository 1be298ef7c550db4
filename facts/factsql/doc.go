// Package factsql renders the SQL that reduces a CloudTrail trail to
// keyaudit's v1 facts (docs/FACTS.md) in a warehouse: Athena, Trino, Spark
// SQL or DuckDB. Render writes one script; keyaudit then reads the
// downloaded tables with --facts as it reads its own.
//
// # The script
//
// In order: with Options.DDL the statements declaring the CloudTrail table
// over the raw bucket; the intermediate ka_slim (one row per event, the
// columns the facts read, named as in cloudtrail.EventSchema); one
// statement per fact table (key_use, session_use, sts_issue,
// key_lifecycle, principals, event_accounts), whose columns are exactly
// facts.Columns, names and order; the manifest, counting the rows of the
// tables just written (facts_version 1, dedup 'event_id', the scope, and
// missing: the columns Options.Without left NULL); the drop of ka_slim.
// Every statement ends with ";" at the end of a line (Statements splits a
// script).
//
// ka_slim keeps the events whose eventTime parses (ingest rejects the
// others), within the accounts and the half-open time range, and
// deduplicates them on eventID with row_number() over the eventID,
// keeping every event that has none ("OR ka_eid IS NULL": PARTITION BY
// puts all nulls in one partition). Every string passes nullif(x, ”): the
// decoder stores empty strings as null. Times are BIGINT Unix ms UTC;
// key_use.day is the UTC date of eventTime.
//
// Every value from Options that lands in the SQL is validated, never
// escaped into place: table and partition names are identifiers of
// letters, digits and underscores; URIs, sources and the producer refuse
// quotes, backslashes, semicolons, spaces (URIs) and control characters;
// accounts are 12 digits; dates are YYYY-MM-DD. The rest of the text is
// keyaudit's own.
//
// # Engines
//
//   - athena: CREATE TABLE ... WITH (format = 'PARQUET', write_compression
//     = 'ZSTD', external_location = 'OUT/<table>/') AS SELECT (CTAS), rather
//     than UNLOAD: a CTAS table can be counted by the manifest statement
//     (UNLOAD writes files no later statement can read without a table),
//     and ka_slim must be a table for the six statements to read one
//     deduplicated scan. ka_slim goes to OUT/_slim/: DROP TABLE leaves the
//     files, delete them (the reader reads only the named tables). The
//     partition predicates (Options.DatePartition, AccountPartition; with
//     DDL the table's delivery_date and account_id) are widened by a day
//     each side; the exact filter is on eventTime.
//   - trino: the Hive connector's CTAS with external_location (needs
//     hive.non-managed-table-writes-enabled); the same functions as Athena.
//   - spark: CACHE TABLE ka_slim AS (a cached temporary view: no scratch
//     files), then CREATE TABLE ... USING parquet LOCATION 'OUT/<table>/'
//     AS SELECT. Spark 3.4+.
//   - duckdb: read_json over Options.Sources with Records typed by hand as
//     JSON[] and unnested, every field read with one json_extract_string
//     and one json_type over a constant list of paths (one parse per
//     record), so the decoder's type rules can be checked in SQL; COPY
//     (... ORDER BY ALL) TO 'OUT/<table>.parquet' (FORMAT parquet). The
//     manifest counts the files just written with read_parquet.
//
// With DDL, athena gets AWS's documented CloudTrail table (JSON SerDe,
// CloudTrailInputFormat) plus sessioncontext.sourceidentity, which AWS's
// DDL lacks, with partition projection on account, region and delivery
// date; TrailLocation is s3://BUCKET/AWSLogs/ for an account trail or
// s3://BUCKET/AWSLogs/o-ORGID/ for an organization trail (the template is
// TRAIL/${account_id}/CloudTrail/${region}/${delivery_date} in both).
// trino and spark get a JSON table over the bucket read recursively, one
// row per file with its Records array, and a view unnesting it under the
// table name; they have no partitions.
//
// # Where the SQL differs from the native decoder
//
// The interop module (interop/, DuckDB) runs the duckdb script over the
// demo and compares its facts with facts.Aggregator's. Knowingly:
//
//   - Time forms. DuckDB parses every form cloudtrail.ParseTime takes, with
//     its rules (macros ka_ms and friends). Athena, Trino and Spark parse
//     eventTime and userIdentity creationDate only in the RFC 3339 form
//     CloudTrail writes (upper-case T, Z or ±hh:mm, fraction truncated to
//     ms): the basic form 20131102T010628Z, the month-name forms, a
//     lower-case t or a space, and a leap second (:60, which ParseTime
//     clamps) reject the event there. responseElements dates
//     (issued_expiration, response_access_key_create_date) are passed
//     through as text in those three engines (older events write "Oct 3,
//     2026 9:14:28 AM"); the fact reader parses such a column with
//     ParseTime, so they come out as ingest's. In DuckDB they are BIGINT.
//   - Type errors. Ingest rejects an event whose top-level or userIdentity
//     field has the wrong JSON type (a number for eventName, a string for
//     userIdentity, "yes" for readOnly). DuckDB checks the same with
//     json_type. Athena, Trino and Spark read a typed table: the SerDe
//     turns a number into its text or fails the query; only the booleans
//     and the two strict times are checked. Inside requestParameters and
//     responseElements a non-string is null for ingest and DuckDB, but
//     json_extract_scalar and get_json_object return a number or boolean
//     as text.
//   - Dedup. Ingest drops an event whose eventID's 64-bit fingerprint it
//     has seen (a collision, ~3 in a million at 10 M events, drops a
//     distinct event); the SQL compares eventIDs exactly. Both dedup after
//     rejection, so a rejected copy never hides a valid one.
//   - Booleans: "true" and "false" are matched with lower(), which is
//     Unicode-aware; the decoder folds ASCII only.
//   - Input. A file with a JSON syntax error: ingest keeps the events
//     before the error, DuckDB fails the query. Invalid UTF-8: ingest
//     writes U+FFFD, DuckDB refuses the file. Duplicate keys in one object:
//     ingest keeps the last, DuckDB's JSON reader the first. Only S3
//     delivery files ({"Records":[...]}) have a SQL path: LookupEvents
//     output and JSON lines do not.
//   - Without: a column the table lacks is NULL (false for
//     session_credential_from_console) and named in manifest.missing.
//
// None of the athena, trino and spark texts has been run on those engines
// by keyaudit's tests; their goldens are reviewed text.
package factsql
