package facts

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Causes of the errors Read returns, for errors.Is.
var (
	ErrNoManifest = errors.New("not a keyaudit fact set")
	ErrVersion    = errors.New("unsupported facts_version")
	ErrManifest   = errors.New("bad manifest")
	ErrColumns    = errors.New("columns do not match the fact table")
	ErrIncomplete = errors.New("the set is incomplete (interrupted download?)")
	ErrOverlap    = errors.New("fact sets overlap")
	ErrDuplicate  = errors.New("event twice in one fact set")
	ErrMerge      = errors.New("fact sets cannot be merged")
)

// causeError is an error whose message is written whole, with a sentinel
// cause for errors.Is that the message need not repeat.
type causeError struct {
	msg   string
	cause error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.cause }

func failf(cause error, format string, a ...any) error {
	return &causeError{msg: fmt.Sprintf(format, a...), cause: cause}
}

// DefaultReadBatchRows is Reader.BatchRows when unset.
const DefaultReadBatchRows = 65536

// maxManifestRows bounds the manifest a reader holds: it has one row per
// table.
const maxManifestRows = 1024

// ValueError is a value a fact table cannot hold: unparseable text, an
// integer out of range, a null where the column cannot be null.
type ValueError struct {
	Path   string // the file
	Table  Table
	Column string
	Row    int64 // 1-based data row in the file (Hive folder values: 0)
	Line   int   // CSV only: the line of the cell
	Err    error // ErrSyntax, ErrRange or ErrNull, wrapped
}

func (e *ValueError) Error() string {
	var at string
	switch {
	case e.Line > 0:
		at = fmt.Sprintf(" row %d (line %d)", e.Row, e.Line)
	case e.Row > 0:
		at = fmt.Sprintf(" row %d", e.Row)
	}
	return fmt.Sprintf("%s: %s.%s%s: %v", e.Path, e.Table, e.Column, at, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// SetStats describes one fact set Read read.
type SetStats struct {
	Dir      string
	Producer string   // manifest.producer (of the first table)
	Dedup    string   // manifest.dedup: DedupEventID or DedupNone
	Scope    string   // manifest.scope, "" if none
	Missing  []string // manifest.missing of every table, sorted, deduplicated
	// Rows are the rows read per table (Rows[Manifest]: manifest rows),
	// which the reader checked against the manifest; Files the data files.
	Rows  [NumTables]int64
	Files [NumTables]int
}

// ReadStats is what Read read: one SetStats per directory, in order, and
// warnings for the user (a set without a scope among several, columns a
// producer could not fill).
type ReadStats struct {
	Sets     []SetStats
	Warnings []string
}

// Rows is the number of rows of table t read from every set.
func (s *ReadStats) Rows(t Table) int64 {
	var n int64
	for _, set := range s.Sets {
		n += set.Rows[t]
	}
	return n
}

// Reader reads fact sets. The zero value is ready: memory.DefaultAllocator
// and DefaultReadBatchRows.
type Reader struct {
	Mem       memory.Allocator
	BatchRows int // rows per record handed to sinks (at most)
}

// Read is Reader{Mem: mem}.Read.
func Read(ctx context.Context, mem memory.Allocator, dirs []string, sinks ...Sink) (*ReadStats, error) {
	return Reader{Mem: mem}.Read(ctx, dirs, sinks...)
}

// Read streams the data tables of the fact sets in dirs to sinks, set by
// set and table by table in Table order, in records of at most BatchRows
// rows with the canonical schema Schema(t): whatever the files hold
// (Parquet or CSV, any column order, any type of the column's family,
// Hive folder values), sinks only see canonical types, with "" as null.
// The manifest is not handed to sinks; it is in the returned stats.
//
// Before any data is read, every set is checked (docs/FACTS.md §7): it
// has a manifest of this Version naming each table once, with one dedup
// and scope; each table's files have exactly its columns, of the right
// families; Parquet row counts match the manifest. Sets must agree on
// dedup, be distinct directories and not declare the same scope. While
// reading, CSV row counts are checked against the manifest, and the
// non-null event_id of sts_issue and key_lifecycle must not repeat,
// within a set (ErrDuplicate) or across sets (ErrOverlap); the reader
// keeps those IDs, no other rows.
//
// Sinks do not own the records they get (they Retain to keep them). On
// error the sinks may have received part of the data: discard it.
//
// When every sink is a ViewSink adapted by SinkOf (stage 2), no records
// are built: each batch of a Parquet file is shown to the ViewSinks as a
// View of the file's columns, string columns of repeated values read as
// the dictionaries Parquet stores them as, converted only where the
// file's type is not canonical. The rows, their order, the checks and
// the errors are those of the record path.
func (r Reader) Read(ctx context.Context, dirs []string, sinks ...Sink) (*ReadStats, error) {
	if r.Mem == nil {
		r.Mem = memory.DefaultAllocator
	}
	if r.BatchRows <= 0 {
		r.BatchRows = DefaultReadBatchRows
	}
	if len(dirs) == 0 {
		return nil, errors.New("read facts: no fact set given")
	}
	sets := make([]*factSet, len(dirs))
	for i, dir := range dirs {
		s, err := r.open(ctx, dir)
		if err != nil {
			return nil, fmt.Errorf("read facts: %w", err)
		}
		sets[i] = s
	}
	stats := &ReadStats{}
	if err := checkMerge(sets, stats); err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	ids := eventIDs{seen: [NumTables]map[string]int{STSIssue: {}, KeyLifecycle: {}}, sets: sets}
	// When every sink takes Views (SinkOf), the reader shows them the
	// files' columns directly: string columns stay the dictionaries
	// Parquet holds them as, not copied into canonical records.
	views := make([]ViewSink, 0, len(sinks))
	for _, k := range sinks {
		if vs, ok := k.(viewSink); ok {
			views = append(views, vs.s)
		}
	}
	direct := len(sinks) > 0 && len(views) == len(sinks)
	for i, s := range sets {
		for t := Table(0); t < Manifest; t++ {
			emit := func(rec arrow.Record) error {
				if err := ids.addRecord(i, t, rec); err != nil {
					return err
				}
				for _, k := range sinks {
					if err := k.Facts(t, rec); err != nil {
						return err
					}
				}
				s.stats.Rows[t] += rec.NumRows()
				return nil
			}
			emitView := func(v *View) error {
				if err := ids.add(i, t, v); err != nil {
					return err
				}
				for _, k := range views {
					if err := k.FactView(v); err != nil {
						return err
					}
				}
				s.stats.Rows[t] += int64(v.N)
				return nil
			}
			for _, p := range s.plans[t] {
				var err error
				if direct {
					err = r.streamViews(ctx, p, emitView)
				} else {
					err = r.stream(ctx, p, emit)
				}
				if err != nil {
					return nil, fmt.Errorf("read facts: %w", err)
				}
			}
			if got, want := s.stats.Rows[t], s.manifestRows[t]; got != want {
				return nil, fmt.Errorf("read facts: %w", rowsError(s.locs[t].where, t, got, want))
			}
		}
		stats.Sets = append(stats.Sets, s.stats)
	}
	return stats, nil
}

// factSet is one checked directory, ready to stream.
type factSet struct {
	dir          string
	fi           os.FileInfo
	stats        SetStats
	manifestRows [NumTables]int64
	locs         [NumTables]location
	plans        [NumTables][]*plan
}

// plan maps one file's columns to its table's canonical columns.
type plan struct {
	src   source
	table Table
	from  []int         // per canonical column: file column index, or -1
	part  []int         // per canonical column: index in src.parts, or -1
	names []string      // the file's column names (CSV: the header)
	rows  int64         // Parquet: rows in the footer; CSV: -1
	types []arrow.Field // Parquet: the file's fields
}

func rowsError(where string, t Table, got, want int64) error {
	if got < want {
		return fmt.Errorf("%s: table %s has %s rows, the manifest says %s: %w", where, t, commas(got), commas(want), ErrIncomplete)
	}
	return fmt.Errorf("%s: table %s has %s rows, the manifest says %s: files were added after the manifest was written, or the manifest is of another run", where, t, commas(got), commas(want))
}

// commas formats n with thousands separators, as the user reads counts.
func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// open checks one fact set directory and plans the reading of its tables.
func (r Reader) open(ctx context.Context, dir string) (*factSet, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is %w: not a directory", dir, ErrNoManifest)
	}
	s := &factSet{dir: dir, fi: fi, stats: SetStats{Dir: dir}}
	if err := r.readManifest(ctx, s); err != nil {
		return nil, err
	}
	for t := Table(0); t < Manifest; t++ {
		loc, err := locate(dir, t)
		if err != nil {
			return nil, err
		}
		s.locs[t] = loc
		if !loc.found && s.manifestRows[t] != 0 {
			return nil, fmt.Errorf("%s: table %s is missing (no %s.parquet, %s.csv or %s/), the manifest says %s rows: %w",
				dir, t, t, t, t, commas(s.manifestRows[t]), ErrIncomplete)
		}
		var footer int64
		csvFiles := false
		for _, src := range loc.files {
			p, err := r.plan(src, t)
			if err != nil {
				return nil, err
			}
			s.plans[t] = append(s.plans[t], p)
			if p.rows < 0 {
				csvFiles = true
			} else {
				footer += p.rows
			}
		}
		s.stats.Files[t] = len(loc.files)
		if !csvFiles && footer != s.manifestRows[t] {
			return nil, rowsError(loc.where, t, footer, s.manifestRows[t])
		}
	}
	return s, nil
}

// readManifest reads and checks the manifest of s.
func (r Reader) readManifest(ctx context.Context, s *factSet) error {
	dir := s.dir
	loc, err := locate(dir, Manifest)
	if err != nil {
		return err
	}
	if !loc.found {
		return fmt.Errorf("%s is %w: no manifest", dir, ErrNoManifest)
	}
	s.locs[Manifest] = loc
	var recs []arrow.Record
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	var n int64
	for _, src := range loc.files {
		p, err := r.plan(src, Manifest)
		if err != nil {
			return err
		}
		err = r.stream(ctx, p, func(rec arrow.Record) error {
			if n += rec.NumRows(); n > maxManifestRows {
				return fmt.Errorf("%s: %w: more than %d rows, want one per table", loc.where, ErrManifest, maxManifestRows)
			}
			rec.Retain()
			recs = append(recs, rec)
			return nil
		})
		if err != nil {
			return err
		}
	}
	s.stats.Files[Manifest] = len(loc.files)
	s.stats.Rows[Manifest] = n
	named := [NumTables]bool{}
	missing := map[string]bool{}
	first := true
	for _, rec := range recs {
		v, err := NewView(Manifest, rec)
		if err != nil {
			return err
		}
		for i := 0; i < v.N; i++ {
			if ver := v.Int(MFVersion, i); ver != Version {
				return failf(ErrVersion, "%s has facts_version %d; this keyaudit reads %d: run `keyaudit sql` (or `keyaudit facts`) from this version, or upgrade",
					dir, ver, Version)
			}
			name := v.Str(MFTable, i)
			t, ok := TableByName(name)
			if !ok || t == Manifest {
				return fmt.Errorf("%s: %w: unknown table %q", loc.where, ErrManifest, clip(name))
			}
			if named[t] {
				return fmt.Errorf("%s: %w: table %s is named twice", loc.where, ErrManifest, t)
			}
			named[t] = true
			rows := v.Int(MFRows, i)
			if rows < 0 {
				return fmt.Errorf("%s: %w: table %s has %d rows", loc.where, ErrManifest, t, rows)
			}
			s.manifestRows[t] = rows
			dedup, scope := v.Str(MFDedup, i), v.Str(MFScope, i)
			if dedup != DedupEventID && dedup != DedupNone {
				return fmt.Errorf("%s: %w: table %s has dedup %q, want %q or %q", loc.where, ErrManifest, t, clip(dedup), DedupEventID, DedupNone)
			}
			if first {
				s.stats.Producer, s.stats.Dedup, s.stats.Scope = v.Str(MFProducer, i), dedup, scope
				first = false
			} else if dedup != s.stats.Dedup || scope != s.stats.Scope {
				return fmt.Errorf("%s: %w: table %s has dedup %q and scope %q, other tables %q and %q",
					loc.where, ErrManifest, t, dedup, clip(scope), s.stats.Dedup, clip(s.stats.Scope))
			}
			for _, m := range strings.Split(v.Str(MFMissing, i), ",") {
				if m = strings.TrimSpace(m); m != "" {
					missing[m] = true
				}
			}
		}
	}
	for t := Table(0); t < Manifest; t++ {
		if !named[t] {
			return fmt.Errorf("%s: %w: table %s is not named", loc.where, ErrManifest, t)
		}
	}
	for m := range missing {
		s.stats.Missing = append(s.stats.Missing, m)
	}
	slices.Sort(s.stats.Missing)
	return nil
}

// checkMerge checks that the sets can be concatenated and adds warnings.
func checkMerge(sets []*factSet, stats *ReadStats) error {
	for i, a := range sets {
		for _, m := range a.stats.Missing {
			stats.Warnings = append(stats.Warnings, fmt.Sprintf("%s: the producer could not fill %s (manifest.missing): it is blank in every row", a.dir, m))
		}
		if len(sets) > 1 && a.stats.Scope == "" {
			stats.Warnings = append(stats.Warnings, fmt.Sprintf("%s declares no scope: only event IDs can show that it does not overlap the other sets", a.dir))
		}
		for _, b := range sets[:i] {
			if os.SameFile(a.fi, b.fi) {
				return failf(ErrMerge, "%s and %s are the same fact set", b.dir, a.dir)
			}
			if a.stats.Dedup != b.stats.Dedup {
				return failf(ErrMerge, "fact sets %s and %s cannot be merged: %s has dedup %s and %s has %s; re-run them with the same setting",
					b.dir, a.dir, b.dir, b.stats.Dedup, a.dir, a.stats.Dedup)
			}
			if a.stats.Scope != "" && a.stats.Scope == b.stats.Scope {
				return failf(ErrOverlap, "fact sets %s and %s overlap: both declare the scope %s; their inputs were not disjoint",
					b.dir, a.dir, clip(a.stats.Scope))
			}
		}
	}
	return nil
}

// eventIDs finds event IDs that repeat in the one-row-per-event tables.
type eventIDs struct {
	seen [NumTables]map[string]int // event ID → index of its set
	sets []*factSet
}

func (e *eventIDs) addRecord(set int, t Table, rec arrow.Record) error {
	if e.seen[t] == nil {
		return nil
	}
	v, err := NewView(t, rec)
	if err != nil {
		return err
	}
	return e.add(set, t, v)
}

func (e *eventIDs) add(set int, t Table, v *View) error {
	seen := e.seen[t]
	if seen == nil {
		return nil
	}
	col := SIEventID
	if t == KeyLifecycle {
		col = KLEventID
	}
	for i := 0; i < v.N; i++ {
		id := v.Str(col, i)
		if id == "" {
			continue
		}
		if prev, ok := seen[id]; ok {
			if prev == set {
				return failf(ErrDuplicate, "%s: event %s is in %s twice: the producer wrote it twice (a bug: each event is one row)",
					e.sets[set].dir, clip(id), t)
			}
			return failf(ErrOverlap, "fact sets %s and %s overlap: event %s is in both (%s); their inputs were not disjoint",
				e.sets[prev].dir, e.sets[set].dir, clip(id), t)
		}
		seen[strings.Clone(id)] = set
	}
	return nil
}

// plan checks a file's columns against table t: exactly the table's
// columns (by name, case-insensitively) between the file and its Hive
// folders, each of the column's family.
func (r Reader) plan(src source, t Table) (p *plan, err error) {
	p = &plan{src: src, table: t, rows: -1}
	if src.csv {
		err = withCSV(src.path, func(cr *csv.Reader, header []string) error {
			p.names = header
			return nil
		})
	} else {
		err = withParquet(r.Mem, src.path, 0, false, func(fr *pqarrow.FileReader) error {
			return guard(src.path, func() error {
				sc, err := fr.Schema()
				if err != nil {
					return err
				}
				p.types = sc.Fields()
				for _, f := range p.types {
					p.names = append(p.names, f.Name)
				}
				p.rows = fr.ParquetReader().NumRows()
				return nil
			})
		})
	}
	if err != nil {
		return nil, err
	}
	return p, p.mapColumns()
}

func (p *plan) mapColumns() error {
	cols := Columns(p.table)
	p.from, p.part = make([]int, len(cols)), make([]int, len(cols))
	index := func(name string) int {
		for c, col := range cols {
			if strings.EqualFold(col.Name, name) {
				return c
			}
		}
		return -1
	}
	for c := range cols {
		p.from[c], p.part[c] = -1, -1
	}
	var problems []string
	for i, name := range p.names {
		c := index(name)
		switch {
		case c < 0:
			problems = append(problems, fmt.Sprintf("extra column %q", clip(name)))
		case p.from[c] >= 0:
			problems = append(problems, fmt.Sprintf("column %s is there twice", cols[c].Name))
		default:
			p.from[c] = i
			if p.types != nil && !accepts(cols[c].Kind, p.types[i].Type) {
				problems = append(problems, fmt.Sprintf("column %s is %s, want %s", cols[c].Name, p.types[i].Type, kindWant(cols[c].Kind)))
			}
		}
	}
	for i, pt := range p.src.parts {
		c := index(pt.name)
		switch {
		case c < 0:
			problems = append(problems, fmt.Sprintf("folder %s=… is not a column", clip(pt.name)))
		case p.from[c] >= 0:
			problems = append(problems, fmt.Sprintf("column %s is both in the file and in the folder %s=%s", cols[c].Name, pt.name, clip(pt.value)))
		default:
			p.part[c] = i
			// Check the folder value once, now.
			b := newColBuilder(memory.DefaultAllocator, cols[c].Kind, 1)
			var err error
			if pt.null {
				err = b.null()
			} else {
				err = b.text(pt.value)
			}
			b.release()
			if err != nil {
				problems = append(problems, fmt.Sprintf("folder %s=%s: %v", pt.name, clip(pt.value), err))
			}
		}
	}
	var missing []string
	for c, col := range cols {
		if p.from[c] < 0 && p.part[c] < 0 {
			missing = append(missing, col.Name)
		}
	}
	if len(missing) > 0 {
		problems = append([]string{"missing column " + strings.Join(missing, ", ")}, problems...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: table %s: %w: %s", p.src.path, p.table, ErrColumns, strings.Join(problems, "; "))
	}
	return nil
}

// stream reads the file of p in batches and hands each canonical record
// to emit, releasing it after.
func (r Reader) stream(ctx context.Context, p *plan, emit func(arrow.Record) error) error {
	if p.src.csv {
		return withCSV(p.src.path, func(cr *csv.Reader, header []string) error {
			return r.streamCSV(ctx, p, cr, emit)
		})
	}
	if p.rows == 0 {
		return nil
	}
	return r.batches(ctx, p, false, func(in arrow.Record, base int64) error {
		out, err := p.canonical(r.Mem, in.Columns(), int(in.NumRows()), base)
		if err != nil {
			return err
		}
		err = emit(out)
		out.Release()
		return err
	})
}

// batches reads the Parquet file of p in batches (its string columns as
// dictionaries when dict) and calls fn with each batch and the index of
// its first row in the file. The batch is the reader's: valid only during
// fn.
func (r Reader) batches(ctx context.Context, p *plan, dict bool, fn func(in arrow.Record, base int64) error) error {
	return withParquet(r.Mem, p.src.path, r.BatchRows, dict, func(fr *pqarrow.FileReader) error {
		var rr pqarrow.RecordReader
		err := guard(p.src.path, func() (err error) {
			rr, err = fr.GetRecordReader(ctx, nil, nil)
			return err
		})
		if err != nil {
			return err
		}
		defer rr.Release()
		var base int64
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			var more bool
			if err := guard(p.src.path, func() error { more = rr.Next(); return rr.Err() }); err != nil {
				return err
			}
			if !more {
				return nil
			}
			in := rr.RecordBatch()
			if err := fn(in, base); err != nil {
				return err
			}
			base += in.NumRows()
		}
	})
}

// streamViews is stream for sinks that take Views: each batch of the file
// is shown as a View of its columns, the string columns read as Parquet
// dictionaries shown in place (CSV files: Views of canonical records).
// The View and the arrays under it are valid only during emit.
func (r Reader) streamViews(ctx context.Context, p *plan, emit func(*View) error) error {
	if p.src.csv {
		return r.stream(ctx, p, func(rec arrow.Record) error {
			v, err := NewView(p.table, rec)
			if err != nil {
				return err
			}
			return emit(v)
		})
	}
	if p.rows == 0 {
		return nil
	}
	return r.batches(ctx, p, true, func(in arrow.Record, base int64) error {
		v, held, err := p.view(r.Mem, in.Columns(), int(in.NumRows()), base)
		if err != nil {
			return err
		}
		err = emit(v)
		for _, a := range held {
			a.Release()
		}
		return err
	})
}

// view is canonical for streamViews: the View of n rows of the file's
// columns. A string column read as a dictionary of strings is shown in
// place; the others are converted as canonical converts them, into the
// arrays held, which the caller releases after using the View.
func (p *plan) view(mem memory.Allocator, in []arrow.Array, n int, base int64) (v *View, held []arrow.Array, err error) {
	cols := Columns(p.table)
	v = newView(p.table, n, len(cols))
	held = make([]arrow.Array, 0, len(cols))
	defer func() {
		if err != nil {
			for _, a := range held {
				a.Release()
			}
			held = nil
		}
	}()
	for c, col := range cols {
		f := p.from[c]
		if f >= 0 && col.Kind == Str {
			if d, ok := in[f].(*array.Dictionary); ok && d.Len() == n {
				if ds, ok := newDictStr(d); ok {
					if v.dict == nil {
						v.dict = make([]*dictStr, len(cols))
					}
					v.dict[c] = ds
					continue
				}
			}
		}
		var a arrow.Array
		if a, err = p.column(mem, c, in, n, base); err != nil {
			return nil, held, err
		}
		held = append(held, a)
		if a.Len() != n {
			return nil, held, fmt.Errorf("%s: corrupt Parquet file: column %s has %d rows in a batch of %d", p.src.path, col.Name, a.Len(), n)
		}
		if err = v.set(c, a); err != nil {
			return nil, held, err
		}
	}
	return v, held, nil
}

// canonical builds the canonical record of n rows from the file's columns
// (base: rows of the file before them). The caller releases it.
func (p *plan) canonical(mem memory.Allocator, in []arrow.Array, n int, base int64) (arrow.Record, error) {
	cols := Columns(p.table)
	out := make([]arrow.Array, 0, len(cols))
	defer func() {
		for _, a := range out {
			a.Release()
		}
	}()
	for c := range cols {
		a, err := p.column(mem, c, in, n, base)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return array.NewRecord(Schema(p.table), out, int64(n)), nil
}

// column is canonical column c of n rows: the file's column converted to
// the canonical type, or the folder value (partArray) of a column the
// file does not have. The caller releases it.
func (p *plan) column(mem memory.Allocator, c int, in []arrow.Array, n int, base int64) (arrow.Array, error) {
	f := p.from[c]
	if f < 0 {
		return p.partArray(mem, c, n)
	}
	col := Columns(p.table)[c]
	a, row, err := convert(mem, col.Kind, in[f])
	if err != nil {
		return nil, &ValueError{Path: p.src.path, Table: p.table, Column: col.Name, Row: base + int64(row) + 1, Err: err}
	}
	return a, nil
}

// partArray is n copies of the folder value of canonical column c.
func (p *plan) partArray(mem memory.Allocator, c, n int) (arrow.Array, error) {
	col := Columns(p.table)[c]
	pt := p.src.parts[p.part[c]]
	b := newColBuilder(mem, col.Kind, n)
	defer b.release()
	for range n {
		var err error
		if pt.null {
			err = b.null()
		} else {
			err = b.text(pt.value)
		}
		if err != nil {
			return nil, &ValueError{Path: p.src.path, Table: p.table, Column: col.Name, Err: fmt.Errorf("folder %s: %w", pt.name, err)}
		}
	}
	return b.newArray(), nil
}

// withParquet opens a Parquet file for f. Errors of the Parquet library
// name the file; f names its own. With dict, the top-level string and
// binary columns are read as dictionaries (int32 indices), as Parquet
// stores them: a page of few distinct values then costs its indices, not
// a copy of every value.
func withParquet(mem memory.Allocator, path string, batch int, dict bool, f func(*pqarrow.FileReader) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	var fr *pqarrow.FileReader
	err = guard(path, func() error {
		pf, err := file.NewParquetReader(fh, file.WithReadProps(parquet.NewReaderProperties(mem)))
		if err != nil {
			return err
		}
		props := pqarrow.ArrowReadProperties{BatchSize: int64(batch)}
		fr, err = pqarrow.NewFileReader(pf, props, mem)
		if err != nil || !dict {
			return err
		}
		md := pf.MetaData()
		for _, sf := range fr.Manifest.Fields {
			if sf.IsLeaf() && sf.Field != nil {
				switch sf.Field.Type.ID() {
				case arrow.STRING, arrow.BINARY:
					if repetitive(md, sf.ColIndex) {
						props.SetReadDict(sf.ColIndex, true)
					}
				}
			}
		}
		fr, err = pqarrow.NewFileReader(pf, props, mem)
		return err
	})
	if err != nil {
		return err
	}
	return f(fr)
}

// repetitive reports whether leaf column col of a file repeats its values
// enough to be read as a dictionary: fewer than dictBytesPerRow bytes a
// row uncompressed (a dictionary-encoded page of few distinct values is
// mostly small indices). A column of mostly distinct values is cheaper
// read plain than inserted, value by value, into a dictionary builder.
func repetitive(md *metadata.FileMetaData, col int) bool {
	var size, rows int64
	for g := 0; g < md.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		if col >= rg.NumColumns() {
			return false
		}
		cc, err := rg.ColumnChunk(col)
		if err != nil {
			return false
		}
		size += cc.TotalUncompressedSize()
		rows += cc.NumValues()
	}
	return size < rows*dictBytesPerRow
}

// dictBytesPerRow is repetitive's bound.
const dictBytesPerRow = 16

// guard runs a call into the Parquet library, naming path in its error
// and turning a panic on a corrupt file into an error.
func guard(path string, f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%s: corrupt Parquet file: %v", path, v)
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// withCSV opens a CSV file, reads its header and calls f with the reader
// positioned at the first data row.
func withCSV(path string, f func(cr *csv.Reader, header []string) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	cr, header, err := csvHeader(fh)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f(cr, header)
}

// csvHeader returns a CSV reader over r positioned after the header, and
// the header (a UTF-8 byte order mark removed).
func csvHeader(r io.Reader) (*csv.Reader, []string, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("empty CSV file: no header")
	}
	if err != nil {
		return nil, nil, err
	}
	header = slices.Clone(header)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	return cr, header, nil
}

// streamCSV parses the data rows of a CSV file, BatchRows at a time.
func (r Reader) streamCSV(ctx context.Context, p *plan, cr *csv.Reader, emit func(arrow.Record) error) error {
	cols := Columns(p.table)
	bs := make([]*colBuilder, len(cols))
	for c, col := range cols {
		bs[c] = newColBuilder(r.Mem, col.Kind, r.BatchRows)
	}
	defer func() {
		for _, b := range bs {
			b.release()
		}
	}()
	n := 0
	var row int64
	flush := func() error {
		if n == 0 {
			return nil
		}
		arrs := make([]arrow.Array, len(bs))
		for c, b := range bs {
			arrs[c] = b.newArray()
		}
		rec := array.NewRecord(Schema(p.table), arrs, int64(n))
		for _, a := range arrs {
			a.Release()
		}
		n = 0
		err := emit(rec)
		rec.Release()
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p.src.path, err)
		}
		row++
		for c, col := range cols {
			var err error
			if f := p.from[c]; f >= 0 {
				err = bs[c].text(rec[f])
				if err != nil {
					line, _ := cr.FieldPos(f)
					return &ValueError{Path: p.src.path, Table: p.table, Column: col.Name, Row: row, Line: line, Err: err}
				}
				continue
			}
			pt := p.src.parts[p.part[c]]
			if pt.null {
				err = bs[c].null()
			} else {
				err = bs[c].text(pt.value)
			}
			if err != nil {
				return &ValueError{Path: p.src.path, Table: p.table, Column: col.Name, Err: fmt.Errorf("folder %s: %w", pt.name, err)}
			}
		}
		if n++; n == r.BatchRows {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
