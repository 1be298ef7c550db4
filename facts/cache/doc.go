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
// # Entries and the index
//
// One file per input path under DIR/entries, named by the hash of the
// path. An entry holds the file's standalone facts (its events only,
// eventIDs deduplicated within the file) as the Arrow buffers of its
// records, 8-aligned (read back in one read into one buffer of
// Options.Mem, every column a slice of it: no IPC decoding), the sorted
// 64-bit fingerprints of the eventIDs it used, its ingest accounting
// (Counts, errors as text, skipped reasons), and its Key: path, size,
// modification time, the xxhash64 of its first and last 4 KiB (one pread
// for a file of up to 8 KiB), and the options and producer that shape
// facts. Head and facts have their own checksums; the format and
// facts_version are in the header.
//
// DIR/index.kfi repeats every entry's head and where its parts are (size,
// offsets, both checksums), so that a run plans from one read: a warm run
// opens each input once (its Key) and each entry once (to deliver it,
// checked whole against the index). The index is only a shortcut: an
// entry that does not match it is looked up by its own head, and a
// corrupt or old index is reported once and rewritten. A run rewrites the
// index when its files changed it, keeping the records of files it did
// not read; Prune removes it, and the next run rebuilds it.
//
// A corrupt, truncated, foreign or old entry is reported once in
// Stats.Problems and rebuilt from the input file; it never fails a Run.
//
// # Snapshots
//
// A run over the same paths with the same options as an earlier one starts
// from that run's snapshot (DIR/snapshots/<hash>.kfs, snapshot.go): the
// facts of all its CloudTrail files (the members) folded into one file in
// 1 MiB chunks with dictionary-encoded strings, their merged Result, and
// their eventID fingerprints. When every member is still there with the
// key it had, the snapshot is delivered in place of the members' entries,
// in one read of a file about a quarter the size of theirs, and only the
// other files (new ones) come from their entries or are parsed. A new
// file's copies of the members' eventIDs are excluded as usual; a new file
// that comes before a member in walk order and holds one of its eventIDs,
// a changed or vanished member, or a hashed file makes the run go on from
// the entries. A run that could not use a snapshot writes one of its
// files; a run that used one writes a new one when the other files hold
// more than an eighth of its rows (Stats.SnapshotWritten). A bad snapshot
// is reported once, removed and rebuilt, like an entry. The entries stay
// the source of truth: Prune drops snapshots with a member that is not
// given, Clean removes them all.
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
// Entries and the index are written to a temporary file (0600) and
// renamed into place, in a directory made 0700, so concurrent runs on one
// cache are safe without a lock: each sees a whole entry or none, entries
// of equal key are equal, and the last index written wins (an entry it
// lacks is found by its head). Records handed to a sink are owned by Run,
// which releases them after the call (Retain to keep one; the records of
// one entry share its buffer, so a kept record keeps that buffer, about
// the size of the entry). Every allocation of Arrow memory is from
// Options.Mem.
//
// # Speed
//
// BenchmarkCache (go test ./facts/cache -run '^$' -bench Cache
// -benchtime 3x) measures cold and warm runs in CPU time, interleaved,
// with the cache's bytes per million events and the peak RSS of a warm
// run in a process of its own.
package cache
