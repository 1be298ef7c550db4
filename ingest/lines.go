package ingest

import (
	"bytes"
	"cmp"
	"runtime"
	"slices"
	"sync"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// parallelLinesMin: JSON-lines files larger than this on disk (regular files)
// are decoded by several decoders at once, so that one big export from a
// SIEM or CloudWatch Logs does not hold the run to one core. A variable for
// tests.
var parallelLinesMin int64 = 32 << 20

const (
	lineBlockBytes = 1 << 20 // lines handed to a lane at a time
	maxLanes       = 4
	// linesBudget bounds the lines read but not yet decoded, in units of
	// lineBlockBytes, whatever the number of lanes.
	linesBudget = 16
)

// lanesFor returns how many decoders a JSON-lines file of size bytes on
// disk gets: one (the serial path) for small files, with Workers == 1, and
// when the cores are taken by the inflater (a large gzip file is inflated
// in a goroutine of its own, see readAhead); else one per remaining core, at
// most maxLanes. size is -1 for stdin and pipes.
func lanesFor(size int64, compressed bool, workers int) int {
	if size <= parallelLinesMin || workers == 1 {
		return 1
	}
	n := runtime.GOMAXPROCS(0)
	if compressed && size > readAheadMin {
		n--
	}
	return min(n, maxLanes)
}

// lineBlock is a run of consecutive lines of one file, each ending in '\n':
// the first is line firstLine and, unless blank, record firstIndex.
type lineBlock struct {
	data       []byte
	firstLine  int
	firstIndex int
	tokens     int // of the budget, returned once decoded
}

// lane is one of the decoders of a large JSON-lines file, with the problems
// it found there.
type lane struct {
	dec  *cloudtrail.Decoder
	errs []*InputError
}

// decode decodes the lines of b, numbering them as the serial reader would.
func (l *lane) decode(b *lineBlock) error {
	lineNo, index := b.firstLine, b.firstIndex
	for data := b.data; len(data) > 0; lineNo++ {
		i := bytes.IndexByte(data, '\n')
		line := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := l.dec.DecodeLine(line, index, lineNo); err != nil {
			return err
		}
		index++
	}
	return nil
}

// linesParallel is jsonLines for a large file: this goroutine reads and
// numbers the lines and hands them, a block at a time, to n lanes. Records,
// counts and errors are those of the serial path; only which of two copies
// of an eventID in the file is kept as the original may differ, as it does
// between files read by different workers.
func (w *worker) linesParallel(c *Counts, compressed bool, n int) error {
	for len(w.lanes) < n {
		l := &lane{}
		l.dec = w.newDecoder(func(e *InputError) { l.errs = append(l.errs, e) })
		w.lanes = append(w.lanes, l)
	}
	lanes := w.lanes[:n]
	befores := make([]cloudtrail.Stats, n)
	for i, l := range lanes {
		befores[i], l.errs = l.dec.Stats, l.errs[:0]
	}

	blocks := make(chan *lineBlock, n)
	free := make(chan *lineBlock, 2*n)
	budget := make(chan struct{}, linesBudget)
	for range linesBudget {
		budget <- struct{}{}
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		fatalErr error
	)
	fatal := func() error { mu.Lock(); defer mu.Unlock(); return fatalErr }
	for _, l := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range blocks {
				if fatal() == nil {
					if err := l.decode(b); err != nil {
						mu.Lock()
						fatalErr = cmp.Or(fatalErr, err)
						mu.Unlock()
					}
				}
				for range b.tokens {
					budget <- struct{}{}
				}
				select {
				case free <- b: // at most about 2 MiB: longer lines skip the blocks
				default:
				}
			}
		}()
	}

	// The reader numbers the lines (eachLine) and copies them into blocks,
	// but for huge ones, which it decodes with the worker's decoder, its
	// problems diverted into own.
	var own []*InputError // this goroutine's problems
	decBefore := w.dec.Stats
	w.diverted = &own
	defer func() { w.diverted = nil }()
	newBlock := func(line, index int) *lineBlock {
		var b *lineBlock
		select {
		case b = <-free:
			b.data = b.data[:0]
		default:
			b = &lineBlock{data: make([]byte, 0, lineBlockBytes+64<<10)}
		}
		b.firstLine, b.firstIndex = line, index
		return b
	}
	cur := newBlock(1, 0)
	// send hands cur to the lanes; the next block starts at line, index.
	send := func(line, index int) {
		if len(cur.data) == 0 {
			cur.firstLine, cur.firstIndex = line, index
			return
		}
		cur.tokens = min((len(cur.data)+lineBlockBytes-1)/lineBlockBytes, linesBudget)
		for range cur.tokens {
			<-budget
		}
		blocks <- cur
		cur = newBlock(line, index)
	}
	readErr := w.eachLine(c, compressed, func(e *InputError) { own = append(own, e) },
		func(line []byte, blank bool, lineNo, index int) error {
			if err := fatal(); err != nil {
				return err
			}
			switch {
			case line == nil: // too long, rejected: the next block starts after it
				send(lineNo+1, index+1)
			case !blank && len(line) > lineBlockBytes:
				// A huge line is decoded here, from the read buffer,
				// instead of being copied into a block of its own.
				if err := w.dec.DecodeLine(line, index, lineNo); err != nil {
					return err
				}
				send(lineNo+1, index+1)
			default:
				cur.data = append(append(cur.data, line...), '\n')
				if len(cur.data) >= lineBlockBytes {
					next := index
					if !blank {
						next++
					}
					send(lineNo+1, next)
				}
			}
			return nil
		})
	send(0, 0)
	close(blocks)
	wg.Wait()

	fatalErr = cmp.Or(fatalErr, readErr)
	w.addStats(c, decBefore)
	for i, l := range lanes {
		w.addDecoderStats(c, l.dec, befores[i])
		own = append(own, l.errs...)
		l.errs = l.errs[:0]
		if err := l.dec.Flush(); err != nil {
			fatalErr = cmp.Or(fatalErr, err)
		}
	}
	// In file order, so that the per-file cap keeps the errors the serial
	// path would.
	slices.SortStableFunc(own, func(a, b *InputError) int { return cmp.Compare(a.Line, b.Line) })
	for _, e := range own {
		w.addErr(e)
	}
	return fatalErr
}
