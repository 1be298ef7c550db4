package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/klauspost/compress/gzip"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// Sentinel causes of file-level input errors.
var (
	ErrTooBig      = errors.New("decompressed size exceeds the limit")
	ErrLineTooLong = errors.New("line exceeds the record size limit")
	ErrTruncated   = errors.New("truncated or corrupt gzip data")
)

// maxErrorsPerFile bounds the errors kept for one file; the rest are
// summed up in one more error.
const maxErrorsPerFile = 100

const (
	sniffBytes  = 64 << 10
	readBufSize = 256 << 10
	keepBufCap  = 64 << 20 // larger read buffers are dropped after a file
)

// wholeGzipMax: gzip files up to this size are read into memory before
// inflating. The inflater runs about 10% faster over a byte slice than over
// a bufio.Reader; CloudTrail delivery files are well under 1 MiB. Larger
// regular files are streamed. A variable for tests.
var wholeGzipMax int64 = 16 << 20

// readAheadMin: regular gzip files larger than this are inflated through a
// readAhead, beside their decoding. A variable for tests and benchmarks.
var readAheadMin = wholeGzipMax

// worker reads files from the jobs channel with its own buffers, gzip
// reader and decoder.
type worker struct {
	ctx  context.Context
	opts *Options
	ids  *idSet // nil without dedup
	// local, when set (a FileReader's worker), deduplicates within the
	// current file instead of ids.
	local *localIDs
	emit  func(arrow.Record) error // where decoders emit; owns the record
	// order, with Options.WalkOrder, takes the records instead of the
	// channel, and the decoder is flushed after every file.
	order   *orderer
	fileRow int64 // with order: dec.Stats.Used when the current file began
	dec     *cloudtrail.Decoder
	lanes   []*lane // decoders of a large JSON-lines file (see linesParallel)
	// diverted, when set, collects dec's rejections instead of addErr.
	diverted *[]*InputError
	fileR    *bufio.Reader // over the file
	bodyR    *bufio.Reader // over the decompressed body
	gz       *gzip.Reader
	comp     []byte       // a whole compressed file (see wholeGzipMax)
	compR    bytes.Reader // over comp
	ahead    readAhead    // inflates a large gzip file beside its decoding
	lim      limitReader
	hash     hasher     // with Options.HashFiles
	hashes   []FileHash // of the files read so far
	used     int64      // events used so far (for FileHash.Events)
	buf      []byte
	line     []byte

	cur       string // file being read
	curOrd    int64  // its walk position (job.ord)
	curOrigin origin // its dedup origin (walk position and kind) without the record index
	fileErrs  int
	moreErrs  int
	stats     map[Kind]*Counts
	errs      []*InputError
	skipped   []SkippedFile
	reports   []*credreport.Report
	keyIDs    []string
	filesDone *atomic.Int64
	nevents   *atomic.Int64
	bytes     *atomic.Int64
}

func newWorker(ctx context.Context, opts *Options, ids *idSet, out chan<- arrow.Record, order *orderer) *worker {
	if order != nil {
		var w *worker
		w = newWorkerWith(ctx, opts, ids, nil, order, func(rec arrow.Record) error { return order.add(w.curOrd, rec) })
		return w
	}
	return newWorkerEmit(ctx, opts, ids, nil, func(rec arrow.Record) error {
		select {
		case out <- rec:
			return nil
		case <-ctx.Done():
			rec.Release()
			return ctx.Err()
		}
	})
}

// newWorkerEmit is newWorker with decoders that hand records to emit,
// which owns them, and dedup by ids or else by local.
func newWorkerEmit(ctx context.Context, opts *Options, ids *idSet, local *localIDs, emit func(arrow.Record) error) *worker {
	return newWorkerWith(ctx, opts, ids, local, nil, emit)
}

// newWorkerWith is newWorkerEmit with Options.WalkOrder's orderer (nil:
// none), set before the decoder is made.
func newWorkerWith(ctx context.Context, opts *Options, ids *idSet, local *localIDs, order *orderer, emit func(arrow.Record) error) *worker {
	w := &worker{
		ctx:   ctx,
		opts:  opts,
		ids:   ids,
		local: local,
		order: order,
		emit:  emit,
		fileR: bufio.NewReaderSize(nil, readBufSize),
		bodyR: bufio.NewReaderSize(nil, readBufSize),
		stats: map[Kind]*Counts{},
	}
	w.dec = w.newDecoder(func(e *InputError) {
		if w.diverted != nil {
			*w.diverted = append(*w.diverted, e)
			return
		}
		w.addErr(e)
	})
	return w
}

// newDecoder returns a decoder set up as Options say, which emits to the
// worker's output and hands each rejected record to reject.
func (w *worker) newDecoder(reject func(*InputError)) *cloudtrail.Decoder {
	d := cloudtrail.NewDecoder(w.opts.Mem)
	d.BatchRows = w.opts.BatchRows
	for _, c := range w.opts.OmitColumns {
		if c >= 0 && c < cloudtrail.NumColumns {
			d.Omit |= 1 << c
		}
	}
	if ids := w.ids; ids != nil && w.order != nil {
		// The copy's place in its file is the row it becomes (the
		// decoder appends it as row Stats.Used unless it is a duplicate),
		// so that a retraction names the row to drop.
		d.Seen = func(id []byte, _ int) bool {
			return ids.seenAt(id, w.curOrigin.at(int(d.Stats.Used-w.fileRow)))
		}
	} else if ids != nil {
		d.Seen = func(id []byte, index int) bool {
			return ids.seenAt(id, w.curOrigin.at(index))
		}
	} else if local := w.local; local != nil {
		d.Seen = func(id []byte, _ int) bool { return local.seen(fingerprint(id)) }
	}
	d.Reject = func(e *cloudtrail.RecordError) {
		reject(&InputError{File: w.cur, Line: e.Line, Record: e.Index, Column: e.Field, Err: e.Err})
	}
	d.Emit = w.emit
	return d
}

func (w *worker) count(k Kind) *Counts {
	c := w.stats[k]
	if c == nil {
		c = &Counts{}
		w.stats[k] = c
	}
	return c
}

func (w *worker) addErr(e *InputError) {
	if w.fileErrs >= maxErrorsPerFile {
		w.moreErrs++
		return
	}
	w.fileErrs++
	w.errs = append(w.errs, e)
}

// limitReader fails with ErrTooBig once more than max bytes were read.
type limitReader struct {
	r    io.Reader
	n    int64
	max  int64
	read *atomic.Int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, ErrTooBig
	}
	if rest := l.max - l.n + 1; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	l.read.Add(int64(n))
	if l.n > l.max {
		return n, ErrTooBig
	}
	return n, err
}

// run reads jobs until the channel closes or ctx is done; it returns only
// fatal errors (of the sink, or ctx's).
func (w *worker) run(jobs <-chan job) error {
	for j := range jobs {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if w.order != nil {
			if err := w.orderedFile(j); err != nil {
				return err
			}
		} else if err := w.file(j); err != nil {
			return err
		}
		w.filesDone.Add(1)
	}
	return w.dec.Flush()
}

// orderedFile is file with Options.WalkOrder: it waits for the file to be
// inside the reorder window, and hands over every record of the file
// before it says the file is done.
func (w *worker) orderedFile(j job) error {
	if j.ord > maxOrd {
		return errOrderLimit
	}
	if err := w.order.begin(j.ord); err != nil {
		return err
	}
	w.fileRow = w.dec.Stats.Used
	if err := w.file(j); err != nil {
		return err
	}
	if err := w.dec.Flush(); err != nil {
		return err
	}
	w.order.finish(j.ord)
	return nil
}

// file reads one file. Problems with the file go to w.errs; the returned
// error is fatal.
func (w *worker) file(j job) (fatal error) {
	w.cur, w.fileErrs, w.moreErrs = j.path, 0, 0
	w.curOrd, w.curOrigin = j.ord, fileOrigin(j.ord, KindUnknown)
	defer func() {
		if w.moreErrs > 0 {
			w.errs = append(w.errs, &InputError{File: w.cur, Record: -1, Unlisted: w.moreErrs,
				Err: fmt.Errorf("%d more problems not listed", w.moreErrs)})
		}
		if cap(w.buf) > keepBufCap {
			w.buf = nil
		}
		if cap(w.line) > keepBufCap {
			w.line = nil
		}
	}()
	var in io.Reader
	var file *os.File
	size := int64(-1) // of a regular file
	if j.stdin {
		in = os.Stdin
		if w.opts.Stdin != nil {
			in = w.opts.Stdin
		}
	} else {
		f, err := os.Open(j.path)
		if err != nil {
			c := w.count(KindUnknown)
			c.Files++
			c.FilesFailed++
			w.addErr(&InputError{File: j.path, Record: -1, Err: err})
			return nil
		}
		defer f.Close()
		in, file = f, f
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
	}
	w.fileR.Reset(in)
	defer w.fileR.Reset(nil)
	var body io.Reader = w.fileR
	hashing := !j.stdin && w.opts.HashFiles != nil && w.opts.HashFiles(j.path)
	compressed := false
	if magic, _ := w.fileR.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		compressed = true
		var src io.Reader = w.fileR
		if size >= 0 && size <= wholeGzipMax {
			var err error
			if w.comp, err = readFull(w.comp[:0], w.fileR); err != nil {
				w.hashFailed(hashing, err)
				w.readFailed(KindUnknown, err, false)
				return nil
			}
			w.compR.Reset(w.comp)
			src = &w.compR
			defer w.compR.Reset(nil)
		}
		var err error
		if w.gz == nil {
			w.gz, err = gzip.NewReader(src)
		} else {
			err = w.gz.Reset(src)
		}
		if err != nil {
			w.hashFailed(hashing, err)
			c := w.count(KindUnknown)
			c.Files++
			c.FilesFailed++
			w.addErr(&InputError{File: j.path, Record: -1, Err: fmt.Errorf("%w: %v", ErrTruncated, err)})
			return nil
		}
		body = w.gz
		if hashing {
			w.gz.Multistream(false)
			w.hash.reset(j.path, w.gz, w.gz, src, file, size)
			body = &w.hash
		}
		if size > readAheadMin {
			// A large file is inflated in a goroutine of its own, so a
			// single big file is not held to one core.
			w.ahead.Start(body)
			defer w.ahead.Stop()
			body = &w.ahead
		}
	} else if hashing {
		w.hash.reset(j.path, w.fileR, nil, nil, nil, size)
		body = &w.hash
	}
	w.lim = limitReader{r: body, max: w.opts.MaxFileBytes, read: w.bytes}
	w.bodyR.Reset(&w.lim)
	defer w.bodyR.Reset(nil)
	if hashing {
		used := w.used
		defer func() {
			if fatal == nil {
				w.finishHash(w.used - used)
			}
		}()
	}

	head, peekErr := w.bodyR.Peek(sniffBytes)
	head = cloudtrail.TrimBOM(head)
	if len(bytes.TrimSpace(head)) == 0 {
		if peekErr != nil && peekErr != io.EOF && peekErr != bufio.ErrBufferFull {
			w.readFailed(KindUnknown, peekErr, compressed)
			return nil
		}
		if len(head) < sniffBytes {
			c := w.count(KindUnknown)
			c.Files++
			c.FilesSkipped++
			w.skipped = append(w.skipped, SkippedFile{File: j.path, Kind: KindUnknown, Reason: "empty"})
			return nil
		}
	}
	// CloudTrail layouts are told by their first key, so the credential
	// report sniffers (which parse the head) run only for other files.
	format := cloudtrail.Detect(head)
	switch format {
	case cloudtrail.FormatRecords:
		return w.decodeWhole(KindCloudTrail, format, compressed)
	case cloudtrail.FormatLookupEvents:
		return w.decodeWhole(KindLookupEvents, format, compressed)
	case cloudtrail.FormatDigest:
		w.skipFile(KindDigest, "CloudTrail digest file (has digestStartTime)")
		return nil
	}
	switch {
	case credreport.SniffCredentialsFile(head):
		return w.credentialsFile(compressed)
	case credreport.Sniff(head):
		return w.credentialReport(compressed)
	}
	switch format {
	case cloudtrail.FormatArray:
		return w.decodeWhole(KindJSONArray, format, compressed)
	case cloudtrail.FormatObjects:
		if w.isJSONLines(head) {
			return w.jsonLines(compressed, size)
		}
		return w.decodeWhole(KindJSONLines, format, compressed)
	}
	w.skipFile(KindUnknown, "not a credential report, credentials file or CloudTrail JSON")
	return nil
}

func (w *worker) skipFile(k Kind, reason string) {
	c := w.count(k)
	c.Files++
	c.FilesSkipped++
	w.skipped = append(w.skipped, SkippedFile{File: w.cur, Kind: k, Reason: reason})
}

// readFailed records a failed read of the current file as kind k.
func (w *worker) readFailed(k Kind, err error, compressed bool) {
	c := w.count(k)
	c.Files++
	c.FilesFailed++
	w.addErr(&InputError{File: w.cur, Record: -1, Err: w.readErr(err, compressed)})
}

func (w *worker) readErr(err error, compressed bool) error {
	switch {
	case err == ErrTooBig:
		return fmt.Errorf("%w (%d bytes)", ErrTooBig, w.opts.MaxFileBytes)
	case errors.Is(err, ErrTooBig):
		return err
	case compressed && !errors.Is(err, ErrLineTooLong):
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	return fmt.Errorf("read: %w", err)
}

// maxReportBytes bounds the credential reports and credentials files,
// which are read whole: real ones are a few MB.
const maxReportBytes = 256 << 20

// readAll reads the rest of the body into w.buf (credential reports and
// credentials files), failing with ErrTooBig past maxReportBytes.
func (w *worker) readAll() ([]byte, error) {
	var err error
	lim := io.LimitedReader{R: w.bodyR, N: maxReportBytes + 1}
	w.buf, err = readFull(w.buf[:0], &lim)
	if err == nil && lim.N <= 0 {
		err = fmt.Errorf("%w (%d bytes, the limit for a credential report)", ErrTooBig, int64(maxReportBytes))
	}
	return w.buf, err
}

// readFull appends everything r returns to buf.
func readFull(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// eventWindow is the window of the streaming event decoder: files up to
// this size (decompressed) are decoded in one piece; the window grows only
// for a single event larger than it, up to Options.MaxRecordBytes.
const eventWindow = 4 << 20

// decodeWhole decodes a file of CloudTrail events as a stream: memory is
// bounded by the window, not by the file.
func (w *worker) decodeWhole(k Kind, f cloudtrail.Format, compressed bool) error {
	w.curOrigin = fileOrigin(w.curOrd, k)
	before := w.dec.Stats
	inErr, rerr, fatal := w.dec.DecodeStream(w.bodyR, f, eventWindow, w.opts.MaxRecordBytes)
	if fatal != nil {
		return fatal
	}
	if errors.Is(inErr, cloudtrail.ErrNotEvents) && f == cloudtrail.FormatObjects && rerr == nil {
		w.skipFile(KindUnknown, "a single JSON object that is not a CloudTrail event")
		return nil
	}
	c := w.count(k)
	c.Files++
	w.addStats(c, before)
	switch {
	case rerr != nil: // the decoder's complaint, if any, follows from it
		c.FilesFailed++
		w.addErr(&InputError{File: w.cur, Record: -1, Err: w.readErr(rerr, compressed)})
	case inErr != nil:
		c.FilesFailed++
		e := &InputError{File: w.cur, Record: -1, Err: inErr}
		var re *cloudtrail.RecordError
		if errors.As(inErr, &re) {
			e.Record, e.Line, e.Column, e.Err = re.Index, re.Line, re.Field, re.Err
		}
		w.addErr(e)
	}
	return nil
}

func (w *worker) addStats(c *Counts, before cloudtrail.Stats) { w.addDecoderStats(c, w.dec, before) }

// addDecoderStats adds what d counted since before to c.
func (w *worker) addDecoderStats(c *Counts, d *cloudtrail.Decoder, before cloudtrail.Stats) {
	s := d.Stats
	c.Records += s.Records - before.Records
	c.Used += s.Used - before.Used
	c.Skipped += s.Skipped - before.Skipped
	c.Rejected += s.Rejected - before.Rejected
	c.Duplicate += s.Duplicate - before.Duplicate
	w.nevents.Add(s.Used - before.Used)
	w.used += s.Used - before.Used
}

// isJSONLines reports whether the file starts with a line holding one
// complete JSON value and has more after it: then it is read line by line.
// Anything else of FormatObjects is read whole (a pretty-printed object).
func (w *worker) isJSONLines(head []byte) bool {
	i := bytes.IndexByte(head, '\n')
	if i < 0 {
		// A first line longer than the sniffed head: read it as a line,
		// so that MaxRecordBytes bounds it (a 100 MB one-line event).
		return len(head) == sniffBytes
	}
	if !cloudtrail.IsCompleteValue(head[:i]) {
		return false
	}
	return len(bytes.TrimSpace(head[i:])) > 0 || len(head) == sniffBytes
}

// jsonLines decodes the body one line at a time, each bounded by
// MaxRecordBytes.
func (w *worker) jsonLines(compressed bool, size int64) error {
	w.curOrigin = fileOrigin(w.curOrd, KindJSONLines)
	c := w.count(KindJSONLines)
	c.Files++
	// With WalkOrder a file is decoded by one decoder: its rows stay in
	// file order.
	if n := lanesFor(size, compressed, w.opts.Workers); n > 1 && w.order == nil {
		return w.linesParallel(c, compressed, n)
	}
	before := w.dec.Stats
	defer w.addStats(c, before)
	return w.eachLine(c, compressed, w.addErr, func(line []byte, blank bool, lineNo, index int) error {
		if line == nil || blank {
			return nil
		}
		return w.dec.DecodeLine(line, index, lineNo)
	})
}

// eachLine reads the body as JSON lines and calls fn for each line with its
// 1-based number and the 0-based index of its record (a blank line has no
// record: the next one gets the same index). A line over MaxRecordBytes is
// a rejected record, counted in c and reported through reject, and fn gets
// it as nil; a read failure fails the file. It returns fn's error.
func (w *worker) eachLine(c *Counts, compressed bool, reject func(*InputError), fn func(line []byte, blank bool, lineNo, index int) error) error {
	max := w.opts.MaxRecordBytes
	lineNo, index := 0, 0
	for {
		line, err := w.readLine(max)
		if len(line) == 0 && err != nil && !errors.Is(err, ErrLineTooLong) {
			if err != io.EOF {
				c.FilesFailed++
				reject(&InputError{File: w.cur, Line: lineNo + 1, Record: -1, Err: w.readErr(err, compressed)})
			}
			return nil
		}
		lineNo++
		if errors.Is(err, ErrLineTooLong) {
			c.Records++
			c.Rejected++
			reject(&InputError{File: w.cur, Line: lineNo, Record: index, Err: fmt.Errorf("%w (%d bytes)", ErrLineTooLong, max)})
			if ferr := fn(nil, false, lineNo, index); ferr != nil {
				return ferr
			}
			index++
			continue
		}
		blank := len(bytes.TrimSpace(line)) == 0
		if ferr := fn(line, blank, lineNo, index); ferr != nil {
			return ferr
		}
		if !blank {
			index++
		}
		if err != nil {
			if err != io.EOF {
				c.FilesFailed++
				reject(&InputError{File: w.cur, Line: lineNo, Record: -1, Err: w.readErr(err, compressed)})
			}
			return nil
		}
	}
}

// readLine returns the next line (without its newline). A line longer than
// max is consumed and reported as ErrLineTooLong with no data.
func (w *worker) readLine(max int) ([]byte, error) {
	line, err := w.bodyR.ReadSlice('\n')
	if err == nil || err != bufio.ErrBufferFull {
		if err == nil {
			line = line[:len(line)-1]
		}
		if len(line) > max {
			if err == nil {
				return nil, ErrLineTooLong
			}
			return nil, fmt.Errorf("%w: %w", ErrLineTooLong, err)
		}
		return line, err
	}
	w.line = append(w.line[:0], line...)
	tooLong := false
	for {
		if len(w.line) > max {
			tooLong = true
			w.line = w.line[:0]
		}
		line, err = w.bodyR.ReadSlice('\n')
		if !tooLong {
			w.line = append(w.line, line...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == nil && !tooLong {
			w.line = w.line[:len(w.line)-1]
		}
		if tooLong || len(w.line) > max {
			w.line = w.line[:0]
			if err == nil {
				return nil, ErrLineTooLong
			}
			return nil, fmt.Errorf("%w: %w", ErrLineTooLong, err)
		}
		return w.line, err
	}
}

func (w *worker) credentialReport(compressed bool) error {
	data, err := w.readAll()
	if err != nil {
		w.readFailed(KindCredentialReport, err, compressed)
		return nil
	}
	c := w.count(KindCredentialReport)
	c.Files++
	rep, perrs := credreport.Parse(w.cur, data)
	for _, pe := range perrs {
		w.addErr(&InputError{File: pe.File, Line: pe.Line, Record: -1, Column: pe.Column, Err: pe.Err})
	}
	if rep == nil {
		c.FilesFailed++
		return nil
	}
	c.Records += int64(len(rep.Rows) + rep.RowsRejected)
	c.Used += int64(len(rep.Rows))
	c.Rejected += int64(rep.RowsRejected)
	w.reports = append(w.reports, rep)
	return nil
}

func (w *worker) credentialsFile(compressed bool) error {
	data, err := w.readAll()
	defer clear(w.buf[:cap(w.buf)]) // do not keep secrets in memory
	if err != nil {
		w.readFailed(KindCredentialsFile, err, compressed)
		return nil
	}
	c := w.count(KindCredentialsFile)
	c.Files++
	// A partly bad file still yields the key IDs that could be read: keep
	// them, and report the error (it never quotes a secret).
	ids, _, perr := credreport.ParseCredentialsFile(w.cur, data)
	if perr != nil {
		w.addErr(&InputError{File: w.cur, Record: -1, Err: perr})
		if len(ids) == 0 {
			c.FilesFailed++
			return nil
		}
	}
	c.Records += int64(len(ids))
	c.Used += int64(len(ids))
	w.keyIDs = append(w.keyIDs, ids...)
	return nil
}
