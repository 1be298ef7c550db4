// Package verify checks CloudTrail log file integrity offline, on a local
// copy of a bucket (aws s3 sync), as 'aws cloudtrail validate-logs' does
// online.
//
// What goes in: PATHs (files and folders, walked recursively), the public
// keys of 'aws cloudtrail list-public-keys' and the saved signatures of
// chain heads (both optional; see Options). What comes out: a Result with
// one Row per file and one Chain per digest chain; Result.Record turns the
// rows into an Arrow record of Schema, which the caller releases.
//
// # Chains
//
// Digests are grouped by account, source region, trail (and its home
// region) and kind, standard or backfill, all read from the file name.
// Each chain is walked from its newest digest back through
// previousDigestS3Object: the previous digest must be in PATH, its SHA-256
// (of exactly the uncompressed first gzip member) must equal
// previousDigestHashValue, and digestStartTime must equal its
// digestEndTime. A link to a digest that is not in PATH is one missing row
// covering the whole range back to the next older digest found (however
// many hours), not only its first digest. A digest with no previous
// digest starts a new segment; the time back to the older digest is a gap
// (validation or logging was off), shown in the summary. A digest whose
// digestS3Object is not where it lies, or that no successor links to, is
// unreferenced and takes no part in the walk.
//
// # Signatures
//
// A digest's signature is its successor's previousDigestSignature, or, for
// a digest with no successor (the chain head), a saved signature. With
// Options.Keys every digest with a signature is verified; a digest whose
// signature verifies is valid, one with no signature to check stays
// consistent, and with no keys at all nothing is better than consistent.
//
// # Log files
//
// Every log file a walked digest lists is looked up by its key from
// AWSLogs/ on (so an S3 prefix, or the folder the bucket was synced into,
// does not matter; organization paths AWSLogs/o-ID/ACCOUNT/ are keys like
// any other) and its uncompressed bytes hashed. Bytes after the first gzip
// member make it trailing-data. A log is valid when its hash matches and
// its digest is valid, consistent when its digest is not signature-checked
// (or is itself in doubt: the digest's row says why).
//
// A local log that no digest lists is unreferenced when the minute in its
// name lies inside the hours of the walked digests of its account and
// region (standard and backfill together: a backfill digest lists what
// the hour's digest missed), and not-covered otherwise: before the chain
// starts, in a gap, during missing digests, after the newest digest copied,
// or in an account or region with no digests.
//
// A caller that already read the logs (keyaudit audit --verify, through
// ingest.Options.HashFiles) gives their hashes in Options.Hashes, and those
// logs are not read again; Result.LogsRead counts the logs hashed here.
//
// Files are read in parallel (Options.Workers); rows are sorted, so the
// output does not depend on it. Run reads no clock.
package verify
