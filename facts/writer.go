package facts

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/report"
)

// Values of manifest.dedup.
const (
	DedupEventID = "event_id" // eventIDs were deduplicated before counting
	DedupNone    = "none"     // they were not (--no-dedup)
)

// DefaultProducer is manifest.producer when WriterOptions.Producer is "".
const DefaultProducer = "keyaudit native"

// DefaultWriterRowGroupBytes is WriterOptions.RowGroupBytes when unset.
// A Writer holds up to this much Arrow data per table (six tables).
const DefaultWriterRowGroupBytes int64 = 32 << 20

// WriterOptions configure a Writer. The zero value writes a native,
// deduplicated set without a scope.
type WriterOptions struct {
	// Producer is manifest.producer, e.g. "keyaudit v1.4.0 native".
	Producer string
	// Dedup is manifest.dedup: DedupEventID (the default when "") or
	// DedupNone.
	Dedup string
	// Scope is manifest.scope: the predicate the set covers (docs/FACTS.md
	// §6), "" for none.
	Scope string
	// Missing are the columns the producer could not fill, written to
	// manifest.missing comma-separated.
	Missing []string
	// Compression is the Parquet codec (report.Compressions()); "" means
	// ZSTD.
	Compression string
	// RowGroupBytes is the Arrow size after which a table's row group is
	// closed; 0 means DefaultWriterRowGroupBytes.
	RowGroupBytes int64
}

// ErrNotFactSetDir is the cause of the error NewWriter and Close return
// when the output path exists and is not a fact set this package would
// replace (a file, or a directory holding anything but fact tables).
var ErrNotFactSetDir = errors.New("not a keyaudit fact set")

// Writer is a Sink that writes a fact set directory: DIR/<table>.parquet
// for every table, then DIR/manifest.parquet. Everything is written into a
// private temporary directory next to DIR (".DIR.tmp-*", mode 0700, files
// 0600: facts hold IP addresses and ARNs) that Close renames into place,
// so an interrupted run never leaves a set that looks complete. A table
// that received no rows is written with 0 rows (schema only), so every
// table exists.
//
// Identical records in identical order give byte-identical files (an
// Aggregator with Options.Sorted gives that order). Parquet is written by
// report.ParquetWriter with the settings of PARQUET.md (format 2.4,
// REQUIRED root, dictionary pages capped at the row group, statistics);
// times are int64 Unix ms, not Parquet timestamps.
//
// Facts retains the records it is given until their row group is
// written; the caller releases its own reference as usual. The Writer is
// safe for one producer goroutine plus a concurrent Abort.
type Writer struct {
	mu     sync.Mutex
	mem    memory.Allocator
	opts   WriterOptions
	dir    string // final path, symlinks resolved
	tmp    string
	tables [Manifest]*tableWriter
	rows   [NumTables]int64
	done   bool
}

type tableWriter struct {
	f  *os.File
	bw *bufio.Writer
	pw *report.ParquetWriter
}

var _ Sink = (*Writer)(nil)

// NewWriter starts writing the fact set dir. The parent of dir must
// exist. dir may not exist yet, or be an empty directory, or a fact set
// (a manifest and nothing but fact tables): Close replaces it. Anything
// else is refused with ErrNotFactSetDir, here and again in Close.
func NewWriter(mem memory.Allocator, dir string, opts WriterOptions) (*Writer, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	switch opts.Dedup {
	case "":
		opts.Dedup = DedupEventID
	case DedupEventID, DedupNone:
	default:
		return nil, fmt.Errorf("write fact set %s: dedup %q: want %q or %q", dir, opts.Dedup, DedupEventID, DedupNone)
	}
	if opts.Producer == "" {
		opts.Producer = DefaultProducer
	}
	if opts.Compression == "" {
		opts.Compression = report.CompressionZSTD
	}
	if opts.RowGroupBytes <= 0 {
		opts.RowGroupBytes = DefaultWriterRowGroupBytes
	}
	for _, m := range opts.Missing {
		if strings.Contains(m, ",") || m == "" {
			return nil, fmt.Errorf("write fact set %s: missing column %q: empty or contains a comma", dir, m)
		}
	}
	final := filepath.Clean(dir)
	if fi, err := os.Lstat(final); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if resolved, err := filepath.EvalSymlinks(final); err == nil {
			final = resolved
		}
	}
	if err := checkReplaceable(final); err != nil {
		return nil, fmt.Errorf("write fact set %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write fact set %s: %w", dir, err)
	}
	w := &Writer{mem: mem, opts: opts, dir: final, tmp: tmp}
	for t := Table(0); t < Manifest; t++ {
		tw, err := w.newTable(t)
		if err != nil {
			w.abort()
			return nil, fmt.Errorf("write fact set %s: %w", dir, err)
		}
		w.tables[t] = tw
	}
	return w, nil
}

func (w *Writer) newTable(t Table) (*tableWriter, error) {
	f, err := os.OpenFile(filepath.Join(w.tmp, t.String()+".parquet"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	pw, err := report.NewParquetWriter(bw, Schema(t), report.Options{
		Allocator: w.mem, RowGroupBytes: w.opts.RowGroupBytes, Compression: w.opts.Compression,
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	return &tableWriter{f: f, bw: bw, pw: pw}, nil
}

// Dir returns the final path of the set (symlinks resolved).
func (w *Writer) Dir() string { return w.dir }

// Rows returns the rows written per table so far (Manifest: after Close).
func (w *Writer) Rows() [NumTables]int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rows
}

// Facts queues the rows of rec for table t. rec must have the canonical
// schema of t; the manifest is the Writer's own and cannot be written.
// Facts retains rec (or slices of it) until its row group is written.
func (w *Writer) Facts(t Table, rec arrow.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return fmt.Errorf("write fact set %s: %w", w.dir, report.ErrClosed)
	}
	if t == Manifest {
		return fmt.Errorf("write fact set %s: the manifest is written by the Writer, not given to it", w.dir)
	}
	if _, err := NewView(t, rec); err != nil {
		return fmt.Errorf("write fact set %s: %w", w.dir, err)
	}
	if err := w.tables[t].pw.Write(rec); err != nil {
		return fmt.Errorf("write fact set %s: %s: %w", w.dir, t, err)
	}
	w.rows[t] += rec.NumRows()
	return nil
}

// Close finishes every table, writes the manifest, and renames the set
// into place, replacing a previous fact set at that path. On any error
// the temporary directory is removed and the path is left as it was.
// Close after Close or Abort returns report.ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return fmt.Errorf("write fact set %s: %w", w.dir, report.ErrClosed)
	}
	if err := w.finish(); err != nil {
		w.abort()
		return fmt.Errorf("write fact set %s: %w", w.dir, err)
	}
	w.done = true
	return nil
}

func (w *Writer) finish() error {
	for t := Table(0); t < Manifest; t++ {
		if err := w.tables[t].close(); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		w.tables[t] = nil
	}
	mf, err := w.newTable(Manifest)
	if err != nil {
		return err
	}
	rec := w.manifestRecord()
	err = mf.pw.Write(rec)
	rec.Release()
	if cerr := mf.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	w.rows[Manifest] = int64(Manifest)
	syncDir(w.tmp)
	return replaceDir(w.tmp, w.dir)
}

// manifestRecord is the manifest: one row per table, in Table order.
func (w *Writer) manifestRecord() arrow.Record {
	b := array.NewRecordBuilder(w.mem, Schema(Manifest))
	defer b.Release()
	missing := strings.Join(w.opts.Missing, ",")
	for t := Table(0); t < Manifest; t++ {
		b.Field(MFVersion).(*array.Int32Builder).Append(Version)
		b.Field(MFTable).(*array.StringBuilder).Append(t.String())
		b.Field(MFRows).(*array.Int64Builder).Append(w.rows[t])
		b.Field(MFProducer).(*array.StringBuilder).Append(w.opts.Producer)
		b.Field(MFDedup).(*array.StringBuilder).Append(w.opts.Dedup)
		for _, c := range []struct {
			col int
			s   string
		}{{MFScope, w.opts.Scope}, {MFMissing, missing}} {
			if c.s == "" {
				b.Field(c.col).(*array.StringBuilder).AppendNull()
			} else {
				b.Field(c.col).(*array.StringBuilder).Append(c.s)
			}
		}
	}
	return b.NewRecord()
}

func (tw *tableWriter) close() error {
	err := tw.pw.Close()
	if ferr := tw.bw.Flush(); err == nil {
		err = ferr
	}
	if serr := tw.f.Sync(); err == nil {
		err = serr
	}
	if cerr := tw.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Abort discards the set: the temporary directory is removed and the
// final path is left as it was. It is a no-op after Close or Abort, so it
// is safe to defer.
func (w *Writer) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil
	}
	return w.abort()
}

func (w *Writer) abort() error {
	w.done = true
	for t, tw := range w.tables {
		if tw != nil {
			tw.pw.Close() // releases the records it holds
			tw.f.Close()
			w.tables[t] = nil
		}
	}
	if err := os.RemoveAll(w.tmp); err != nil {
		return fmt.Errorf("abort fact set %s: %w", w.dir, err)
	}
	return nil
}

// factSetEntry reports whether name is an entry a fact set directory may
// hold: <table>.parquet, <table>.csv or <table>/ for a table or manifest.
func factSetEntry(name string) bool {
	for _, ext := range []string{".parquet", ".csv", ""} {
		if base, ok := strings.CutSuffix(name, ext); ok {
			if _, ok := TableByName(base); ok {
				return true
			}
		}
	}
	return false
}

// checkReplaceable returns nil when path does not exist, is an empty
// directory, or is a fact set directory (a manifest and only fact-set
// entries).
func checkReplaceable(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s exists and is not a directory", ErrNotFactSetDir, path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	manifest := false
	for _, e := range entries {
		if !factSetEntry(e.Name()) {
			return fmt.Errorf("%w: refusing to replace %s, which holds %s", ErrNotFactSetDir, path, e.Name())
		}
		if base, _, _ := strings.Cut(e.Name(), "."); base == Manifest.String() {
			manifest = true
		}
	}
	if !manifest {
		return fmt.Errorf("%w: refusing to replace %s, which has no manifest", ErrNotFactSetDir, path)
	}
	return nil
}

// replaceDir renames the finished directory tmp to final. An existing
// final (checked again to be replaceable) is first moved aside to a
// sibling and removed after; if the second rename fails it is put back.
// Between the two renames final does not exist, so a reader sees the old
// set, no set, or the new one, never a mixture.
func replaceDir(tmp, final string) error {
	if err := checkReplaceable(final); err != nil {
		return err
	}
	if _, err := os.Lstat(final); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, final); err != nil {
			return err
		}
		syncDir(filepath.Dir(final))
		return nil
	}
	old, err := os.MkdirTemp(filepath.Dir(final), "."+filepath.Base(final)+".old-*")
	if err != nil {
		return err
	}
	// A fresh unused name: os.Rename refuses to replace a directory.
	if err := os.Remove(old); err != nil {
		return err
	}
	if err := os.Rename(final, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		if rerr := os.Rename(old, final); rerr != nil {
			return fmt.Errorf("%w (and the previous set could not be put back from %s: %v)", err, old, rerr)
		}
		return err
	}
	syncDir(filepath.Dir(final))
	return os.RemoveAll(old)
}

// syncDir makes renames in dir durable where the file system can; a
// failure is not an error (the data is already synced).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
