package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// The reorder window of Options.WalkOrder: workers start a file only when
// it is fewer than orderAheadFiles files past the one being delivered, and
// a worker whose file is not the one being delivered waits before it
// buffers a record past orderAheadBytes of records buffered for such
// files. The file being delivered buffers at most orderCurrentRecs records
// (the sink is behind). Variables for tests.
var (
	orderAheadFiles        = 4 // per worker
	orderAheadBytes  int64 = 32 << 20
	orderCurrentRecs       = 4
)

// errOrderLimit is returned by Run with Options.WalkOrder when the walk
// has more files than an origin can number exactly.
var errOrderLimit = errors.New("ingest: walk order: more than 268,435,455 files")

// orderer hands the records of the workers to the sink in walk order
// (Options.WalkOrder): every record holds rows of one file (workers flush
// their decoder after each file), files in walk order, each file's records
// in the order they were built. It also drops the rows dedup retracts: a
// row kept as the first copy of its eventID, until a copy earlier in the
// walk turned up (see idSet.keepEarlier).
//
// Ownership: add takes over the record; next returns records the caller
// owns.
type orderer struct {
	mu   sync.Mutex
	cond *sync.Cond
	ctx  context.Context

	cur     int64                // the file being delivered
	files   map[int64]*orderFile // files not fully delivered
	ahead   int64                // bytes buffered for files past cur
	window  int64                // files a worker may start past cur
	retract map[int64][]int64    // rows to drop, by file: numbers among the rows built for it
	done    bool                 // every worker finished
	err     error                // a retracted row that was not found

	// Of the delivering goroutine only (next).
	pending []arrow.Record // of cur, split at retracted rows, not yet returned
	rows    int64          // rows of cur taken so far
	dropped int            // retracted rows of cur dropped so far
}

// orderFile is what the workers built of one file and the sink has not
// received yet.
type orderFile struct {
	recs     []arrow.Record
	sizes    []int64
	finished bool // the worker is done with the file
}

func newOrderer(ctx context.Context, workers int) *orderer {
	o := &orderer{ctx: ctx, files: map[int64]*orderFile{}, window: int64(orderAheadFiles * max(workers, 1)),
		retract: map[int64][]int64{}}
	o.cond = sync.NewCond(&o.mu)
	context.AfterFunc(ctx, func() {
		o.mu.Lock()
		o.cond.Broadcast()
		o.mu.Unlock()
	})
	return o
}

func (o *orderer) file(ord int64) *orderFile {
	f := o.files[ord]
	if f == nil {
		f = &orderFile{}
		o.files[ord] = f
	}
	return f
}

// begin waits until file ord is inside the window, or ctx is done.
func (o *orderer) begin(ord int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for ord >= o.cur+o.window {
		if err := o.ctx.Err(); err != nil {
			return err
		}
		o.cond.Wait()
	}
	return o.ctx.Err()
}

// add buffers rec, the next record of file ord, and takes it over. It waits
// while the window is full: a file past the one being delivered past the
// bytes budget, the file being delivered past orderCurrentRecs records.
func (o *orderer) add(ord int64, rec arrow.Record) error {
	size := recordBytes(rec)
	o.mu.Lock()
	defer o.mu.Unlock()
	for {
		if err := o.ctx.Err(); err != nil {
			rec.Release()
			return err
		}
		f := o.file(ord)
		if ord == o.cur && len(f.recs) < orderCurrentRecs ||
			ord != o.cur && (o.ahead+size <= orderAheadBytes || len(f.recs) == 0 && o.ahead == 0) {
			break
		}
		o.cond.Wait()
	}
	f := o.file(ord)
	f.recs = append(f.recs, rec)
	f.sizes = append(f.sizes, size)
	if ord != o.cur {
		o.ahead += size
	}
	o.cond.Broadcast()
	return nil
}

// finish says that the worker is done with file ord: every record of it
// was added.
func (o *orderer) finish(ord int64) {
	o.mu.Lock()
	o.file(ord).finished = true
	o.cond.Broadcast()
	o.mu.Unlock()
}

// close says that every worker is done.
func (o *orderer) close() {
	o.mu.Lock()
	o.done = true
	o.cond.Broadcast()
	o.mu.Unlock()
}

// dropRow retracts row number row of file ord (counted in the rows built
// for that file, from 0). ord is after every file a worker is reading, so
// none of its rows was delivered yet.
func (o *orderer) dropRow(ord, row int64) {
	o.mu.Lock()
	o.retract[ord] = append(o.retract[ord], row)
	o.mu.Unlock()
}

// next returns the next record in walk order, which the caller owns, or
// nil when every file is delivered (or ctx is done).
func (o *orderer) next() arrow.Record {
	for {
		if len(o.pending) > 0 {
			rec := o.pending[0]
			o.pending = o.pending[1:]
			return rec
		}
		rec, ord, ok := o.take()
		if !ok {
			return nil
		}
		o.pending = o.split(rec, ord)
	}
}

// take waits for the next record of the file being delivered, moving on
// to the next file when one is finished.
func (o *orderer) take() (arrow.Record, int64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for {
		if o.ctx.Err() != nil {
			return nil, 0, false
		}
		f := o.files[o.cur]
		switch {
		case f != nil && len(f.recs) > 0:
			rec := f.recs[0]
			f.recs, f.sizes = f.recs[1:], f.sizes[1:]
			o.cond.Broadcast()
			return rec, o.cur, true
		case f != nil && f.finished:
			if want := len(o.retract[o.cur]); o.dropped != want && o.err == nil {
				o.err = fmt.Errorf("ingest: walk order: file %d: %d of %d retracted rows found", o.cur, o.dropped, want)
			}
			delete(o.files, o.cur)
			delete(o.retract, o.cur)
			o.cur++
			o.rows, o.dropped = 0, 0
			if n := o.files[o.cur]; n != nil {
				for _, s := range n.sizes {
					o.ahead -= s
				}
			}
			o.cond.Broadcast()
			continue
		case f == nil && o.done:
			return nil, 0, false
		}
		o.cond.Wait()
	}
}

// split returns rec without the rows retracted from file ord, as slices
// of rec (rec itself when none is), and takes rec over.
func (o *orderer) split(rec arrow.Record, ord int64) []arrow.Record {
	n := rec.NumRows()
	base := o.rows
	o.rows += n
	o.mu.Lock()
	drops := o.retract[ord] // complete: every file before ord is finished
	o.mu.Unlock()
	var cut []int64 // rows of rec to drop, ascending
	for _, r := range drops {
		if r >= base && r < base+n {
			cut = append(cut, r-base)
		}
	}
	if len(cut) == 0 {
		return []arrow.Record{rec}
	}
	slices.Sort(cut)
	cut = slices.Compact(cut)
	o.dropped += len(cut)
	var out []arrow.Record
	start := int64(0)
	for _, c := range append(cut, n) {
		if c > start {
			out = append(out, rec.NewSlice(start, c))
		}
		start = c + 1
	}
	rec.Release()
	return out
}

// failed returns the error of a retracted row that was not found: a bug,
// never a problem of the input.
func (o *orderer) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// release drops every record still buffered (after a failure).
func (o *orderer) release() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, f := range o.files {
		for _, r := range f.recs {
			r.Release()
		}
		f.recs = nil
	}
	for _, r := range o.pending {
		r.Release()
	}
	o.pending = nil
}

// recordBytes is the size of rec's buffers.
func recordBytes(rec arrow.Record) int64 {
	var n int64
	for _, c := range rec.Columns() {
		for _, b := range c.Data().Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
	}
	return n
}
