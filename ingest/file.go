package ingest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// Walk returns the files a Run over paths would read, in the order it
// would read them ("-" for standard input), and what the walk itself found
// (files skipped by path or reached twice, directory loops, paths that
// could not be read) as a Result with no events. It reads no file.
//
// With FileReader and Merge it splits a Run into one read per file: a Run
// over paths finds what Merge(walk, read(file 1), …, read(file n)) finds,
// once the eventIDs that occur in several files are counted as duplicates
// in every file but the first in walk order (FileReader.Read's exclude).
// That is what a per-file cache needs.
func Walk(ctx context.Context, paths []string) ([]string, *Result) {
	jobs := make(chan job, 64)
	var total atomic.Int64
	wk := &walker{ctx: ctx, jobs: jobs, total: &total,
		files: map[fileKey]string{}, dirs: map[fileKey]string{}, onStack: map[fileKey]bool{},
		stats: map[Kind]*Counts{}}
	go func() {
		defer close(jobs)
		for _, p := range paths {
			wk.walkArg(p)
		}
	}()
	var files []string
	for j := range jobs {
		files = append(files, j.path)
	}
	return files, mergeParts([]part{{stats: wk.stats, errs: wk.errs, skipped: wk.skipped}})
}

// Merge adds up the Results of Walk and of FileReader.Read, one per file,
// into the Result a Run would return: stats summed, errors, skipped files,
// key IDs and hashes sorted as Run sorts them, and the newest credential
// report of each account chosen again among all the parts' reports (the
// others become Superseded). The parts are not modified.
func Merge(parts ...*Result) *Result {
	ps := make([]part, len(parts))
	for i, r := range parts {
		ps[i] = part{stats: r.Stats, errs: r.Errors, skipped: r.Skipped, reports: r.Reports,
			keyIDs: r.KeyIDs, hashes: r.FileHashes}
	}
	return mergeParts(ps)
}

// localIDs deduplicates the eventIDs of one file (a FileReader's): the
// fingerprints of the events used so far, and those to count as
// duplicates from the start.
type localIDs struct {
	mu      sync.Mutex
	used    map[uint64]struct{}
	exclude []uint64 // sorted
}

func (l *localIDs) seen(h uint64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := slices.BinarySearch(l.exclude, h); ok {
		return true
	}
	if _, ok := l.used[h]; ok {
		return true
	}
	l.used[h] = struct{}{}
	return false
}

// FileReader reads input files one at a time, each on its own: Read finds
// what a Run over that one file would find, with eventIDs deduplicated
// within the file only. It keeps its buffers from one file to the next,
// so reading many small files costs about what a Run over them costs. A
// FileReader is not safe for concurrent use; use one per goroutine.
type FileReader struct {
	opts   Options
	w      *worker
	local  localIDs
	mu     sync.Mutex // serialises the sink (the lanes of a large JSON-lines file emit concurrently)
	sink   EventSink
	ctx    context.Context
	sinkEr error
	counts [3]atomic.Int64 // files done, events, bytes (the worker wants them)
}

// NewFileReader returns a FileReader set up as opts say (Workers only sets
// how many decoders a large JSON-lines file gets; DedupMemory and Progress
// are not used). Close releases it.
func NewFileReader(opts Options) (*FileReader, error) {
	if opts.Mem == nil {
		return nil, ErrNoAllocator
	}
	r := &FileReader{opts: opts.withDefaults()}
	var local *localIDs
	if !r.opts.NoDedup {
		local = &r.local
	}
	r.w = newWorkerEmit(context.Background(), &r.opts, nil, local, r.emit)
	r.w.filesDone, r.w.nevents, r.w.bytes = &r.counts[0], &r.counts[1], &r.counts[2]
	return r, nil
}

func (r *FileReader) emit(rec arrow.Record) error {
	defer rec.Release()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sinkEr != nil {
		return r.sinkEr
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if r.sink != nil {
		if err := r.sink.Events(rec); err != nil {
			r.sinkEr = err
			return err
		}
	}
	return nil
}

// Read reads path ("-" is Options.Stdin) and streams the events it uses to
// sink (nil: count only) from the calling goroutine, in file order; sink
// does not own a record and must Retain it to keep it. Events whose
// eventID's fingerprint is in exclude (sorted ascending) count as
// duplicates, as if an earlier file had them. Read returns the file's
// Result and the sorted fingerprints of the eventIDs of the events it used
// (nil with Options.NoDedup). The error is non-nil only when ctx is done
// or sink failed; the Result then holds what was read so far.
func (r *FileReader) Read(ctx context.Context, path string, exclude []uint64, sink EventSink) (*Result, []uint64, error) {
	w := r.w
	r.ctx, r.sink, r.sinkEr = ctx, sink, nil
	w.ctx = ctx
	w.stats, w.errs, w.skipped, w.reports, w.keyIDs, w.hashes = map[Kind]*Counts{}, nil, nil, nil, nil, nil
	r.local.used, r.local.exclude = map[uint64]struct{}{}, exclude
	err := w.file(job{path: path, stdin: path == "-"})
	if err == nil {
		err = w.dec.Flush()
	}
	if err == nil {
		err = r.sinkEr
	}
	res := mergeParts([]part{w.part()})
	var ids []uint64
	if !r.opts.NoDedup {
		ids = make([]uint64, 0, len(r.local.used))
		for h := range r.local.used {
			ids = append(ids, h)
		}
		slices.Sort(ids)
	}
	r.local.used, r.local.exclude = nil, nil
	r.sink, r.ctx = nil, nil
	return res, ids, err
}

// Close releases the reader's buffers.
func (r *FileReader) Close() {
	r.w.dec.Release()
	for _, l := range r.w.lanes {
		l.dec.Release()
	}
	r.w.lanes = nil
}
