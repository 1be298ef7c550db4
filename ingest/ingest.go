package ingest

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// Kind is what a file was recognised as, from its content.
type Kind string

// Input kinds.
const (
	KindCredentialReport Kind = "credential-report" // CSV or get-credential-report JSON
	KindCloudTrail       Kind = "cloudtrail"        // S3 delivery file {"Records":[...]}
	KindLookupEvents     Kind = "lookup-events"     // aws cloudtrail lookup-events output
	KindJSONLines        Kind = "json-lines"        // one event per line
	KindJSONArray        Kind = "json-array"        // [event, event, ...]
	KindCredentialsFile  Kind = "credentials-file"  // secrets: only key IDs are kept
	KindDigest           Kind = "cloudtrail-digest" // skipped
	KindUnknown          Kind = "unknown"           // skipped
)

// Options configure a Run. The zero value of every field but Mem has a
// documented default.
type Options struct {
	Mem            memory.Allocator // required
	Workers        int              // parallel file readers; 0 = GOMAXPROCS
	BatchRows      int              // rows per event record; 0 = 8192
	MaxFileBytes   int64            // bound on one file's decompressed size (a gzip-bomb guard; memory does not grow with it); 0 = 4 GiB
	MaxRecordBytes int              // bound on one event (one JSON line, one array element); 0 = 64 MiB
	NoDedup        bool             // keep events whose eventID was seen already
	DedupMemory    int64            // bytes of RAM for the eventID set before it spills to disk; 0 = 32 MiB
	Progress       func(Progress)   // called from one goroutine; may be nil
	Stdin          io.Reader        // read for the path "-"; nil = os.Stdin
	// OmitColumns lists event columns (cloudtrail.Col*) to leave null in
	// every record, for callers that never read them: the raw JSON
	// columns are the widest. Events are still validated in full.
	OmitColumns []int
	// HashFiles, when set, says which files (by path as walked; never
	// standard input) to hash while they are read, for Result.FileHashes:
	// the SHA-256 of the bytes parsed, as a CloudTrail digest hashes a log
	// file (see FileHash). Nil: nothing is hashed, at no cost.
	HashFiles func(path string) bool
	// WalkOrder delivers the event records to the sink in walk order
	// (arguments in the order given, directory entries by name): every
	// record holds rows of one file, files come in walk order, rows in
	// file order, and of the copies of an eventID the one kept is the
	// first in walk order. What the sink receives then does not depend on
	// Workers or timing. Workers still read files in parallel, at most a
	// few files (and 32 MiB of records) ahead of the one being delivered;
	// a large JSON-lines file is decoded by one goroutine, and batches
	// are cut at file ends, so they hold fewer than BatchRows rows when
	// files are smaller.
	WalkOrder bool
}

// Progress is reported while a Run reads.
type Progress struct {
	FilesDone, FilesTotal int64
	Events                int64
	Bytes                 int64 // decompressed bytes read
}

// EventSink receives event records (schema cloudtrail.EventSchema) from a
// single goroutine. It does not own rec: it must Retain it to keep it past
// the call. An error stops the Run.
type EventSink interface {
	Events(rec arrow.Record) error
}

// Counts accounts for the files and records of one kind:
// Records = Used + Skipped + Rejected + Duplicate.
type Counts struct {
	Files        int64 `json:"files"`
	FilesSkipped int64 `json:"files_skipped"`
	FilesFailed  int64 `json:"files_failed"`
	Records      int64 `json:"records"`
	Used         int64 `json:"used"`
	Skipped      int64 `json:"skipped"`
	Rejected     int64 `json:"rejected"`
	Duplicate    int64 `json:"duplicate"`
}

// InputError is one problem with one input, located as precisely as the
// format allows. It never quotes a secret.
type InputError struct {
	File   string
	Line   int    // 1-based line, 0 when not line-oriented
	Record int    // 0-based record index within the file, -1 when unknown
	Column string // column or field name, "" when none
	Err    error
	// Unlisted, when > 0, says this entry stands for that many problems
	// of the file that were counted but not listed one by one.
	Unlisted int
}

func (e *InputError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Record >= 0 && e.Line == 0 {
		loc = fmt.Sprintf("%s: record %d", loc, e.Record)
	}
	if e.Column != "" {
		return fmt.Sprintf("%s: %s: %v", loc, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// Superseded names a credential report that was not used because a newer
// report of the same account was given.
type Superseded struct {
	File      string
	AccountID string
	By        string // the file used instead
}

// Result is what a Run found besides the event records it streamed.
type Result struct {
	Reports    []*credreport.Report // newest report per account, by account ID
	Superseded []Superseded
	KeyIDs     []string // access key IDs from credentials files (never secrets)
	Stats      map[Kind]*Counts
	Errors     []*InputError
	Skipped    []SkippedFile
	FileHashes []FileHash // with Options.HashFiles: one per file it chose, by path
}

// ErrorCount is the number of input problems: every listed error, plus
// those an entry stands for without listing them.
func (r *Result) ErrorCount() int {
	n := 0
	for _, e := range r.Errors {
		n += max(e.Unlisted, 1)
	}
	return n
}

// SkippedFile is a file that was not read as input, and why.
type SkippedFile struct {
	File   string
	Kind   Kind
	Reason string
}
