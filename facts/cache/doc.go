// Package cache keeps the facts of each CloudTrail input file between
// runs, so that a periodic audit parses only the files it has not seen
// (issue 12).
//
// # What goes in, what comes out
//
// Run takes the paths and ingest.Options of ingest.Run, an open Cache and
// facts.Sinks. It walks the paths as ingest.Run does (ingest.Walk), serves
// every file whose entry is still valid from the cache and parses the
// others alone (ingest.FileReader into a sorted facts.Aggregator), storing
// their entries. It hands the sinks the facts of all the files, file by
// file in walk order (rows of equal grain repeat across files: fold them,
// docs/FACTS.md rule 4), and returns the ingest.Result a cold ingest.Run
// would return, plus Stats (what was served from the cache, per kind).
//
// # Entries
//
// One file per input path under DIR/entries, named by the hash of the
// path. An entry holds the file's standalone facts (its events only,
// eventIDs deduplicated within the file) as Arrow IPC streams, the sorted
// 64-bit fingerprints of the eventIDs it used, its ingest accounting
// (Counts, errors as text, skipped reasons), and its Key: path, size,
// modification time, the xxhash64 of its first and last 64 KiB, and the
// options and producer that shape facts. Head and facts have their own
// checksums; the format and facts_version are in the header. A corrupt,
// truncated, foreign or old entry is reported once in Stats.Problems and
// rebuilt from the input file; it never fails a Run.
//
// # Exactness
//
// eventIDs found in several files count once, for the copy first in walk
// order, as in a run without the cache: after the entries are read, the
// fingerprints are checked in walk order, and each file holding one met
// earlier is read again with those excluded (Stats.Involved). Credential
// reports and credentials files are parsed every time and never stored; a
// file that Options.HashFiles names is always read, so a digest check
// never trusts a cached hash; a run reading standard input does not use
// the cache.
//
// # Concurrency and ownership
//
// Entries are written to a temporary file (0600) and renamed into place,
// in a directory made 0700, so concurrent runs on one cache are safe
// without a lock: each sees a whole entry or none, and entries of equal
// key are equal. Records handed to a sink are owned by Run, which releases
// them after the call (Retain to keep one). Every allocation of Arrow
// memory is from Options.Mem.
package cache
