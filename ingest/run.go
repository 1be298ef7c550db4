package ingest

import (
	"cmp"
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// Defaults of Options.
const (
	DefaultBatchRows      = 8192
	DefaultMaxFileBytes   = 4 << 30
	DefaultMaxRecordBytes = 64 << 20
	progressEvery         = 100 * time.Millisecond
)

// ErrNoAllocator is returned when Options.Mem is nil.
var ErrNoAllocator = errors.New("ingest: Options.Mem is required")

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BatchRows <= 0 {
		o.BatchRows = DefaultBatchRows
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return o
}

// Run reads paths (files, directories walked recursively, or "-" for
// standard input), streams the CloudTrail events it finds to sink as
// records of cloudtrail.EventSchema, and returns everything else it found.
//
// Records are built by Options.Workers goroutines and handed to sink from
// one goroutine, in no particular order, or in walk order with
// Options.WalkOrder. sink does not own a record: Run
// releases it when Events returns (Retain it to keep it). A nil sink
// counts events without delivering them.
//
// Problems with inputs are in Result.Errors and Result.Stats and do not stop
// the Run. The error is non-nil only when the Run could not finish: ctx was
// cancelled, the sink failed, Options.Mem is nil, or the eventID set could
// not read back its temporary files (dedup then may have kept duplicates);
// the Result then holds what was read so far.
func Run(ctx context.Context, paths []string, opts Options, sink EventSink) (*Result, error) {
	if opts.Mem == nil {
		return nil, ErrNoAllocator
	}
	opts = opts.withDefaults()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var ids *idSet
	if !opts.NoDedup {
		ids = newIDSet(opts.DedupMemory)
		defer ids.close() // also on panic; close is idempotent
	}
	var total, filesDone, events, nbytes atomic.Int64
	jobs := make(chan job, 4*opts.Workers)
	out := make(chan arrow.Record, opts.Workers)

	wk := &walker{ctx: ctx, jobs: jobs, total: &total,
		files: map[fileKey]string{}, dirs: map[fileKey]string{}, onStack: map[fileKey]bool{},
		stats: map[Kind]*Counts{}}
	go func() {
		defer close(jobs)
		for _, p := range paths {
			wk.walkArg(p)
		}
	}()

	var order *orderer
	if opts.WalkOrder {
		order = newOrderer(ctx, opts.Workers)
		if ids != nil {
			ids.retract = func(o origin) { order.dropRow(o.ord(), o.index()) }
		}
	}
	workers := make([]*worker, opts.Workers)
	fatal := make([]error, opts.Workers)
	var wg sync.WaitGroup
	for i := range workers {
		w := newWorker(ctx, &opts, ids, out, order)
		w.filesDone, w.nevents, w.bytes = &filesDone, &events, &nbytes
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.dec.Release()
			if err := w.run(jobs); err != nil {
				fatal[i] = err
				cancel()
				for range jobs { // let the walker finish
				}
			}
		}()
	}
	if order == nil {
		go func() {
			wg.Wait()
			close(out)
		}()
	} else {
		go func() {
			wg.Wait()
			order.close()
		}()
		// The deliverer: the files' records in walk order.
		go func() {
			for rec := order.next(); rec != nil; rec = order.next() {
				select {
				case out <- rec:
				case <-ctx.Done():
					rec.Release()
				}
			}
			wg.Wait()
			order.release() // what a failure left
			close(out)
		}()
	}

	// The consumer: the only goroutine that calls sink and Progress.
	var sinkErr error
	progress := func() {
		if opts.Progress != nil {
			opts.Progress(Progress{FilesDone: filesDone.Load(), FilesTotal: total.Load(),
				Events: events.Load(), Bytes: nbytes.Load()})
		}
	}
	var tick <-chan time.Time
	if opts.Progress != nil {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		tick = t.C
	}
	for done := false; !done; {
		select {
		case rec, ok := <-out:
			if !ok {
				done = true
				break
			}
			if sink != nil && sinkErr == nil {
				if err := sink.Events(rec); err != nil {
					sinkErr = err
					cancel()
				}
			}
			rec.Release()
		case <-tick:
			progress()
		}
	}
	progress()
	var dedupErr error
	if ids != nil { // the workers are done
		dedupErr = ids.close()
	}

	res := merge(wk, workers)
	if ids != nil {
		ids.applySwaps(res.Stats)
	}
	if sinkErr != nil {
		return res, sinkErr
	}
	if err := parent.Err(); err != nil {
		return res, err
	}
	if err := firstErr(fatal); err != nil {
		return res, err
	}
	if order != nil {
		if err := order.failed(); err != nil {
			return res, err
		}
	}
	return res, dedupErr
}

func firstErr(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// merge gathers the findings of the walker and the workers, sorted.
func merge(wk *walker, workers []*worker) *Result {
	parts := []part{{stats: wk.stats, errs: wk.errs, skipped: wk.skipped}}
	for _, w := range workers {
		parts = append(parts, w.part())
	}
	return mergeParts(parts)
}

// part is what one walker or worker found.
type part struct {
	stats   map[Kind]*Counts
	errs    []*InputError
	skipped []SkippedFile
	reports []*credreport.Report // not selected yet
	keyIDs  []string
	hashes  []FileHash
}

func (w *worker) part() part {
	return part{stats: w.stats, errs: w.errs, skipped: w.skipped, reports: w.reports, keyIDs: w.keyIDs, hashes: w.hashes}
}

// mergeParts adds up parts into one Result, sorted, with the newest
// credential report of each account chosen.
func mergeParts(parts []part) *Result {
	res := &Result{Stats: map[Kind]*Counts{}}
	add := func(stats map[Kind]*Counts) {
		for k, c := range stats {
			r := res.Stats[k]
			if r == nil {
				r = &Counts{}
				res.Stats[k] = r
			}
			r.Files += c.Files
			r.FilesSkipped += c.FilesSkipped
			r.FilesFailed += c.FilesFailed
			r.Records += c.Records
			r.Used += c.Used
			r.Skipped += c.Skipped
			r.Rejected += c.Rejected
			r.Duplicate += c.Duplicate
		}
	}
	var reports []*credreport.Report
	for _, p := range parts {
		add(p.stats)
		res.Errors = append(res.Errors, p.errs...)
		res.Skipped = append(res.Skipped, p.skipped...)
		reports = append(reports, p.reports...)
		res.KeyIDs = append(res.KeyIDs, p.keyIDs...)
		res.FileHashes = append(res.FileHashes, p.hashes...)
	}
	slices.SortFunc(res.FileHashes, func(a, b FileHash) int { return cmp.Compare(a.Path, b.Path) })
	slices.Sort(res.KeyIDs)
	res.KeyIDs = slices.Compact(res.KeyIDs)
	slices.SortStableFunc(res.Errors, func(a, b *InputError) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Record, b.Record),
			cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Error(), b.Error()))
	})
	slices.SortStableFunc(res.Skipped, func(a, b SkippedFile) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Reason, b.Reason))
	})
	if len(reports) > 0 {
		slices.SortFunc(reports, func(a, b *credreport.Report) int { return cmp.Compare(a.File, b.File) })
		chosen, superseded := credreport.Select(reports)
		res.Reports = chosen
		c := res.Stats[KindCredentialReport]
		for _, s := range superseded {
			res.Superseded = append(res.Superseded, Superseded{File: s.Report.File, AccountID: s.Report.AccountID, By: s.By.File})
			if c != nil {
				n := int64(len(s.Report.Rows))
				c.Used -= n
				c.Skipped += n
			}
		}
		slices.SortFunc(res.Superseded, func(a, b Superseded) int {
			return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.File, b.File))
		})
	}
	return res
}
