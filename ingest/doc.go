// Package ingest reads keyaudit's inputs: IAM credential reports,
// credentials files (for their key IDs only) and CloudTrail logs in every
// layout AWS produces, from files, directory trees and standard input.
//
// # What goes in
//
// Run takes paths: files, directories (walked recursively, entries in name
// order) and "-" for standard input. Each file is read at most once, however
// many paths or symlinks lead to it (device and inode); a symlink back into
// a directory being walked is reported as a loop and not followed. Named
// pipes, sockets and devices are skipped without being opened. Files under
// CloudTrail-Digest/ and CloudTrail-Insight/ are skipped by path, so an
// organization trail bucket (AWSLogs/o-xxxx/<account>/CloudTrail/...) or a
// whole AWSLogs/ sync can be given as is.
//
// # Kinds
//
// What a file is comes from its content, never its name. gzip (by its magic
// bytes; several members are read as one stream) is decompressed first,
// bounded by Options.MaxFileBytes so that a gzip bomb fails with ErrTooBig
// instead of running for ever. CloudTrail files are decoded as a stream
// through a 4 MiB window that grows only for a single larger event (up to
// Options.MaxRecordBytes), so memory does not grow with the file; credential
// reports are read whole, up to 256 MiB. Then, from the first 64 KiB:
//
//   - KindCredentialsFile: an access-keys CSV or ~/.aws/credentials; only
//     the access key IDs are kept (Result.KeyIDs), never a secret.
//   - KindCredentialReport: a credential report (CSV or the JSON of
//     `aws iam get-credential-report`); the newest report of each account
//     is in Result.Reports, the others in Result.Superseded.
//   - KindCloudTrail: an S3 delivery file {"Records":[...]}.
//   - KindLookupEvents: `aws cloudtrail lookup-events` output.
//   - KindJSONArray: [event, ...].
//   - KindJSONLines: one event per line (read line by line, each line
//     bounded by Options.MaxRecordBytes), or a file holding one
//     (pretty-printed) event.
//   - KindDigest, KindUnknown: skipped, with the reason in Result.Skipped;
//     an empty file is skipped as "empty".
//
// See package cloudtrail for how events are decoded, what rejects one, and
// how secrets are kept out of the columns.
//
// # Accounting
//
// Result.Stats has one Counts per kind. Files counts the files of the kind,
// FilesSkipped those not read as input, FilesFailed those with a read or
// syntax error (the records read before the error are kept). For records,
// always:
//
//	Records = Used + Skipped + Rejected + Duplicate
//
// where Duplicate counts events whose eventID was already seen in any file
// (a shared set of 64-bit hashes, see idSet; Options.NoDedup turns it
// off), Skipped counts null elements of event arrays and the rows of
// superseded credential reports, and Rejected the records reported in
// Result.Errors (at most 100 listed per file, then a count). A file reached
// twice, or a directory loop, is listed in Result.Skipped but not counted.
// Problems with inputs never stop the Run.
//
// # Concurrency and ownership
//
// Options.Workers goroutines read files; each decodes into its own column
// buffers and, every Options.BatchRows rows, hands an arrow.Record over a
// channel to the single goroutine that calls EventSink.Events and then
// Releases the record: the sink must Retain what it keeps. Records arrive
// in no particular order; counts and the set of rows do not depend on the
// number of workers (which copy of a duplicate is kept may). With
// Options.WalkOrder they arrive in walk order instead (files in walk order,
// each record rows of one file in file order, the first copy of an eventID
// in walk order kept), through a reorder window of a few files: workers
// that are ahead wait. A copy that reaches the eventID set before an
// earlier copy (read by another worker) is retracted when the earlier one
// arrives, and its row dropped before delivery, so what the sink gets does
// not depend on timing. The walker,
// the workers and the sink run concurrently, so memory stays bounded by
// the workers' buffers (a stream window, one record of at most
// Options.MaxRecordBytes, and one batch each) plus the dedup set, not by
// the size of the input.
//
// A single large file does not hold the run to one core: a gzip file over
// 16 MiB is inflated in a goroutine of its own (readAhead), and a JSON-lines
// file over 32 MiB is decoded by several decoders at once, a block of lines
// each (linesParallel), with the same rows, counts and errors.
//
// # Hashing
//
// With Options.HashFiles, the files it names are hashed in the same pass
// (Result.FileHashes): SHA-256 over the decompressed bytes of the first gzip
// member, as CloudTrail's digests hash a log file, with the bytes after it
// counted (they are still read as part of the file). A file the parser stops
// in early (skipped after sniffing, a syntax error) is read to the end of
// its first member for its hash. Without HashFiles no hasher is set up.
package ingest
