package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/report"
)

type exportOptions struct {
	in        inputFlags
	dir       string
	partition bool
	describe  bool
	asOf      string
	codec     string
	ddl       string // engine whose table definitions to print
	location  string
	database  string
}

func newExportCmd(e *env) *cobra.Command {
	o := &exportOptions{in: inputFlags{keepRaw: true, walkOrder: true}}
	c := &cobra.Command{
		Use:   "export -o DIR [flags] PATH...",
		Short: "Write Parquet for data warehouses: events, credentials, keys, rotation, sessions, findings",
		Long: `export writes Parquet files that DuckDB, Athena, Spark and Snowflake read as they are
(UTC millisecond timestamps, signed integers, no extension types):

  DIR/events.parquet        every CloudTrail event (schema: keyaudit export --describe)
  DIR/credentials.parquet   every credential report row (newest report per account)
  DIR/keys.parquet          the key inventory (as keyaudit keys)
  DIR/rotation.parquet      the two-key rotations at --as-of (as keyaudit rotation)
  DIR/sessions.parquet      the temporary-key attribution (as keyaudit sessions)
  DIR/findings.parquet      the audit findings at --as-of (as keyaudit audit)

With --partition, events go to Hive-style folders instead:
  DIR/events/account_id=<12 digits>/date=<YYYY-MM-DD>/part-N.parquet
(readers should pin account_id to a string type). An event whose
recipientAccountId is not 12 digits goes to account_id=__HIVE_DEFAULT_PARTITION__,
which warehouses read as NULL; stderr counts them.

Rows are in walk order: PATHs in the order given, directory entries by name,
records in file order; of the copies of an eventID the first in that order is
kept. Each partition file holds its rows in the same order. Any --workers
gives the same bytes.

The export is written to a private folder in DIR and replaces an earlier export
whole when complete (other files in DIR are left alone); a failure or Ctrl-C
leaves DIR as it was.`,
		Example: `  keyaudit export -o warehouse/ reports/ AWSLogs/
  keyaudit export --partition -o warehouse/ AWSLogs/
  keyaudit export --describe
  keyaudit export --ddl athena --partition --location s3://my-bucket/keyaudit --database security`,
		RunE: func(c *cobra.Command, args []string) error {
			if o.describe {
				cloudtrail.DescribeSchema(e.stdout)
				return nil
			}
			if o.ddl != "" {
				return printExportDDL(e, o)
			}
			return runExport(c, e, o, args)
		},
	}
	o.in.register(c)
	fs := c.Flags()
	fs.StringVarP(&o.dir, "output", "o", "", "output `DIR` (created if missing)")
	fs.BoolVar(&o.partition, "partition", false, "write events as Hive-style partitions by account_id and date")
	fs.BoolVar(&o.describe, "describe", false, "print the event schema (column, type, CloudTrail field) and exit")
	fs.StringVar(&o.asOf, "as-of", "", "compute the ages of findings, keys and sessions against this time: YYYY-MM-DD or RFC 3339 (default: now)")
	fs.StringVar(&o.ddl, "ddl", "", "print the CREATE TABLE statements of the export for `ENGINE` ("+strings.Join(report.DDLEngines(), ", ")+") and exit; each table is a folder under --location")
	fs.StringVar(&o.location, "location", "s3://BUCKET/PREFIX", "with --ddl: the `URI` the export's files are uploaded to")
	fs.StringVar(&o.database, "database", "", "with --ddl: the database (schema) to create the tables in")
	fs.StringVar(&o.codec, "compression", report.CompressionSnappy, "Parquet codec: snappy, or zstd for files ~38% smaller that take longer to write (3x with --partition)")
	return c
}

func runExport(c *cobra.Command, e *env, o *exportOptions, paths []string) error {
	mem := memory.DefaultAllocator

	if o.dir == "" {
		return usageErr("export needs -o DIR")
	}
	if _, err := parseAsOf(o.asOf); err != nil {
		return err
	}
	if !slices.Contains(report.Compressions(), o.codec) {
		return usageErr("unknown --compression %q: use %s", o.codec, strings.Join(report.Compressions(), " or "))
	}
	wopts := report.Options{Compression: o.codec, RowGroupBytes: eventsRowGroupBytes, Allocator: mem, PlainColumns: eventsPlainColumns()}
	if err := checkPaths(paths); err != nil {
		return err
	}
	// Every input is known, and no entry the export replaces is one of
	// them, before the output directory is touched.
	if err := o.in.protect(paths, exportTargets(o.dir)...); err != nil {
		return err
	}
	created, err := mkdirAllNew(o.dir)
	if err != nil {
		return usageErr("cannot create output directory %s: %v", o.dir, err)
	}
	st, err := newStage(o.dir, created, o.in.guard)
	if err != nil {
		removeDirs(created)
		return usageErr("%v", err)
	}
	if err := o.writeExport(c, e, mem, wopts, st, paths); err != nil {
		st.abort()
		return err
	}
	return st.commit()
}

// writeExport reads the inputs and writes every export entry into st.
func (o *exportOptions) writeExport(c *cobra.Command, e *env, mem memory.Allocator, wopts report.Options, st *stage, paths []string) error {
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return err
	}
	var events eventsSink
	if o.partition {
		events, err = newPartitionSink(st.file("events"), st.file(".spool"), wopts)
	} else {
		events, err = newFileSink(st.file("events.parquet"), o.in.guard, wopts)
	}
	if err != nil {
		return usageErr("%v", err)
	}
	inv, sb := inventory.New(), sessions.New()
	res, err := readFacts(c.Context(), e, &o.in, mem, paths, stage2Columns, []facts.ViewSink{inv, sb}, events)
	if err != nil {
		events.Abort()
		return err
	}
	// The other tables first: the analysis state (inventory, sessions,
	// the inputs' reports) is garbage once they are written, before the
	// partitions' conversion takes its own memory.
	summary, err := o.writeTables(e, mem, st, asOf, res, inv, sb)
	if err != nil {
		events.Abort()
		return err
	}
	if err := events.Commit(); err != nil {
		return err
	}
	if ps, ok := events.(*partitionSink); ok {
		for _, line := range partitionReport(ps.badAccount, ps.noAccount, ps.badDate) {
			fmt.Fprintln(e.stderr, line)
		}
	}
	if !o.in.quiet {
		fmt.Fprintf(e.stderr, "export: wrote %s, %s to %s\n", plural(events.Rows(), "event"), summary, o.dir)
	}
	return nil
}

// writeTables writes every export entry but the events into st and
// returns what they hold, for the closing line.
func (o *exportOptions) writeTables(e *env, mem memory.Allocator, st *stage, asOf time.Time, res *ingest.Result, inv *inventory.Builder, sb *sessions.Builder) (string, error) {
	cfg := analyze.DefaultConfig(asOf)
	creds := credreport.BuildCredentialRecord(mem, res.Reports)
	defer creds.Release()
	ki := finishInventory(inv, res)
	findings := allFindings(cfg, mem, res.Reports, ki)
	frec := analyze.FindingsRecord(mem, findings)
	defer frec.Release()
	krec := ki.KeyRecord(mem, asOf)
	defer krec.Release()
	rrec := ki.RotationRecord(mem, cfg)
	defer rrec.Release()
	srec := sessions.SessionsRecord(mem, sb.Finish().Sessions, asOf)
	defer srec.Release()
	for _, out := range []struct {
		name string
		rec  arrow.Record
	}{{"credentials.parquet", creds}, {"keys.parquet", krec}, {"rotation.parquet", rrec}, {"sessions.parquet", srec}, {"findings.parquet", frec}} {
		of := &outputFlags{format: "parquet", output: st.file(out.name)}
		if err := writeOutput(e, of, o.in.guard, out.rec.Schema(), []arrow.Record{out.rec}, report.Options{Compression: o.codec}); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%s, %s, %s, %s", plural(creds.NumRows(), "credential row"), plural(krec.NumRows(), "key"),
		plural(srec.NumRows(), "session"), plural(frec.NumRows(), "finding")), nil
}

// eventsSink writes event records to Parquet as they stream by.
type eventsSink interface {
	Events(rec arrow.Record) error
	Commit() error
	Abort()
	Rows() int64
}

// eventsRowGroupBytes closes a row group of events after this much Arrow
// data (uncompressed, in memory): about 74,000 CloudTrail events, 8 MB
// on disk with Snappy. The Parquet writer encodes records as they come,
// so what a row group holds in memory until it is written is its
// compressed pages and dictionaries, not this much Arrow data.
var eventsRowGroupBytes int64 = 64 << 20 // a variable for tests

// eventsPlainColumns are the event columns written without a dictionary:
// the event time, IDs and JSON documents, whose values rarely repeat, so a
// dictionary costs hashing and memory (every column's dictionary of a row
// group is held until the row group is written) for almost nothing: on a
// 400,000-event ctgen tree, 30 MB less peak RSS for a file 0.3% larger.
func eventsPlainColumns() []string {
	var names []string
	for _, c := range []int{cloudtrail.ColEventTime, cloudtrail.ColEventID, cloudtrail.ColRequestID,
		cloudtrail.ColRequestParameters, cloudtrail.ColResponseElements, cloudtrail.ColAdditionalEventData} {
		names = append(names, cloudtrail.ColumnNames[c])
	}
	return names
}

// fileSink writes every event to one Parquet file, in the order the
// ingest delivers them: walk order (ingest.Options.WalkOrder), so the
// bytes do not depend on --workers. The Parquet writer encodes each record
// as it comes, on goroutines of its own.
type fileSink struct {
	f    *report.File
	w    report.Writer
	rows int64
}

// newFileSink creates path; opts is for its Parquet writer.
func newFileSink(path string, inputs *report.InputSet, opts report.Options) (*fileSink, error) {
	f, err := report.Create(path, inputs)
	if err != nil {
		return nil, err
	}
	w, err := report.NewWriter("parquet", f, cloudtrail.EventSchema, opts)
	if err != nil {
		f.Abort()
		return nil, err
	}
	return &fileSink{f: f, w: w}, nil
}

// Events writes rec; the writer retains it while it encodes.
func (s *fileSink) Events(rec arrow.Record) error {
	s.rows += rec.NumRows()
	return s.w.Write(rec)
}

func (s *fileSink) Commit() error {
	if err := s.w.Close(); err != nil {
		s.f.Abort()
		return err
	}
	return s.f.Commit()
}

func (s *fileSink) Abort()      { s.w.Close(); s.f.Abort() }
func (s *fileSink) Rows() int64 { return s.rows }

// partitionSink writes events under events/account_id=A/date=D/part-0.parquet.
//
// Events arrive in walk order, and the walk of an S3 delivery tree visits
// every account and date once per region, so keeping one Parquet writer
// open per partition would either hold unbounded memory or thrash. Instead
// each run of rows is
// appended to its partition's spool: compressed Arrow IPC, cheap to write
// and to reopen. At most maxOpenSpools spool files are open at once (the
// least recently used is closed and a later run starts a new segment).
// Commit then converts one partition at a time to a single Parquet file,
// so memory stays bounded whatever the number of partitions; the spool
// costs temporary disk of about the compressed size of the events.
//
// Partition values are validated (see partitionDir), and every file is
// created through an os.Root on the events directory, so no value and no
// planted symlink can make a write land outside it.
type partitionSink struct {
	root  *os.Root       // the events/ directory (in the export's stage)
	spool string         // the IPC segments
	wopts report.Options // of each partition's Parquet writer; its allocator serves the spool too
	open  map[partKey]*spoolFile
	segs  map[partKey][]string
	clock int64
	rows  int64
	dates map[int64]string // partition date of each day seen

	badAccount, noAccount, badDate int64 // events sent to the default partition
}

const maxOpenSpools = 64

type spoolFile struct {
	f    *os.File
	buf  *bufio.Writer
	w    *ipc.Writer
	used int64
}

// spoolBufBytes buffers each open spool (the IPC writer writes every
// buffer separately): maxOpenSpools × 256 KiB = 16 MiB.
const spoolBufBytes = 256 << 10

// newPartitionSink writes the partitions under dir and its spool under
// spool; both must not exist yet (they are in the export's private stage,
// which removes them on failure).
func newPartitionSink(dir, spool string, wopts report.Options) (*partitionSink, error) {
	for _, d := range []string{dir, spool} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &partitionSink{root: root, spool: spool, wopts: wopts, open: map[partKey]*spoolFile{},
		segs: map[partKey][]string{}, dates: map[int64]string{}}, nil
}

// partKey identifies a partition by its validated values: a 12-digit
// account ID and a YYYY-MM-DD day, or the default partition for either.
type partKey struct {
	account string
	date    string
}

func (k partKey) path() string { return "account_id=" + k.account + "/date=" + k.date }

// key returns the partition of one event and counts what went to a
// default partition.
func (s *partitionSink) key(accts *array.String, times *array.Timestamp, i int) partKey {
	var k partKey
	var why int
	k.account, why = accountPart(accts.Value(i), accts.IsValid(i))
	switch why {
	case partMissing:
		s.noAccount++
	case partInvalid:
		s.badAccount++
	}
	if !times.IsValid(i) {
		k.date = hiveDefaultPartition
		s.badDate++
		return k
	}
	ms := int64(times.Value(i))
	day := ms / msPerDay
	if ms < 0 && ms%msPerDay != 0 {
		day-- // floor for times before 1970
	}
	d, ok := s.dates[day]
	if !ok {
		d = datePart(day)
		s.dates[day] = d
	}
	if d == hiveDefaultPartition {
		s.badDate++
	}
	k.date = d
	return k
}

const msPerDay = 86400 * 1000

func (s *partitionSink) Events(rec arrow.Record) error {
	n := int(rec.NumRows())
	s.rows += int64(n)
	accts := rec.Column(cloudtrail.ColRecipientAccountID).(*array.String)
	times := rec.Column(cloudtrail.ColEventTime).(*array.Timestamp)
	keys := make([]partKey, n)
	for i := range keys {
		keys[i] = s.key(accts, times, i)
	}
	// Rows of one partition are scattered through a batch (a file's
	// records span days): reorder the batch
	// once so that each partition is one contiguous slice, the rows of a
	// partition in input order.
	idx := rowIndex(n)
	slices.SortStableFunc(idx, func(a, b int32) int {
		ka, kb := keys[a], keys[b]
		if c := strings.Compare(ka.account, kb.account); c != 0 {
			return c
		}
		return strings.Compare(ka.date, kb.date)
	})
	sorted, err := takeRecord(s.wopts.Allocator, rec, idx)
	if err != nil {
		return err
	}
	defer sorted.Release()
	for start := 0; start < n; {
		k := keys[idx[start]]
		end := start + 1
		for end < n && keys[idx[end]] == k {
			end++
		}
		sp, err := s.spoolFor(k)
		if err != nil {
			return err
		}
		slice := sorted.NewSlice(int64(start), int64(end))
		err = sp.w.Write(slice)
		slice.Release()
		if err != nil {
			return fmt.Errorf("spool events: %w", err)
		}
		start = end
	}
	return nil
}

// rowIndex returns 0, 1, …, n-1.
func rowIndex(n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}

// moved reports whether idx is not the identity order.
func moved(idx []int32) bool {
	for i, j := range idx {
		if int(j) != i {
			return true
		}
	}
	return false
}

// takeRecord returns the rows of rec in the order idx gives (rec itself,
// retained, when idx keeps them in place); the caller releases it. It
// reserves each column's exact size first (Arrow v15's compute.Take grew
// string buffers a value at a time, which made partitioning 10x slower
// than writing the events; not measured again on v18).
func takeRecord(mem memory.Allocator, rec arrow.Record, idx []int32) (arrow.Record, error) {
	if !moved(idx) {
		rec.Retain()
		return rec, nil
	}
	b := array.NewRecordBuilder(mem, rec.Schema())
	defer b.Release()
	for c := 0; c < int(rec.NumCols()); c++ {
		switch col := rec.Column(c).(type) {
		case *array.String:
			sb := b.Field(c).(*array.StringBuilder)
			total := 0
			for _, i := range idx {
				total += col.ValueLen(int(i))
			}
			sb.Reserve(len(idx))
			sb.ReserveData(total)
			for _, i := range idx {
				if col.IsNull(int(i)) {
					sb.AppendNull()
				} else {
					sb.Append(col.Value(int(i)))
				}
			}
		case *array.Timestamp:
			tb := b.Field(c).(*array.TimestampBuilder)
			tb.Reserve(len(idx))
			for _, i := range idx {
				if col.IsNull(int(i)) {
					tb.AppendNull()
				} else {
					tb.UnsafeAppend(col.Value(int(i)))
				}
			}
		case *array.Boolean:
			bb := b.Field(c).(*array.BooleanBuilder)
			bb.Reserve(len(idx))
			for _, i := range idx {
				if col.IsNull(int(i)) {
					bb.AppendNull()
				} else {
					bb.UnsafeAppend(col.Value(int(i)))
				}
			}
		default:
			return nil, fmt.Errorf("partition events: unexpected column type %s", col.DataType())
		}
	}
	return b.NewRecord(), nil
}

func (s *partitionSink) spoolFor(k partKey) (*spoolFile, error) {
	s.clock++
	if sp, ok := s.open[k]; ok {
		sp.used = s.clock
		return sp, nil
	}
	if len(s.open) >= maxOpenSpools {
		var lru partKey
		first := true
		for key, sp := range s.open {
			if first || sp.used < s.open[lru].used {
				lru, first = key, false
			}
		}
		if err := s.closeSpool(lru); err != nil {
			return nil, err
		}
	}
	f, err := os.CreateTemp(s.spool, "seg-*.arrow")
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, spoolBufBytes)
	w := ipc.NewWriter(buf, ipc.WithSchema(cloudtrail.EventSchema), ipc.WithAllocator(s.wopts.Allocator), ipc.WithLZ4())
	sp := &spoolFile{f: f, buf: buf, w: w, used: s.clock}
	s.open[k] = sp
	s.segs[k] = append(s.segs[k], f.Name())
	return sp, nil
}

func (s *partitionSink) closeSpool(k partKey) error {
	sp := s.open[k]
	delete(s.open, k)
	err := sp.w.Close()
	if ferr := sp.buf.Flush(); err == nil {
		err = ferr
	}
	if cerr := sp.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// convert writes one partition's segments to its Parquet file: the
// segments in the order they were opened and the records of each in the
// order spooled, so the rows are in the order the ingest delivered them.
func (s *partitionSink) convert(k partKey) error {
	dir := k.path()
	if !filepath.IsLocal(dir) { // cannot happen: both values are validated
		return fmt.Errorf("partition %q is not a local path", dir)
	}
	if err := s.root.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := dir + "/part-0.parquet"
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, spoolBufBytes)
	w, err := report.NewWriter("parquet", bw, cloudtrail.EventSchema, s.wopts)
	if err != nil {
		f.Close()
		return err
	}
	fail := func(err error) error {
		w.Close()
		f.Close()
		s.root.Remove(name)
		return err
	}
	for _, seg := range s.segs[k] {
		in, err := os.Open(seg)
		if err != nil {
			return fail(err)
		}
		r, err := ipc.NewReader(bufio.NewReaderSize(in, spoolBufBytes), ipc.WithAllocator(s.wopts.Allocator), ipc.WithSchema(cloudtrail.EventSchema))
		if err != nil {
			in.Close()
			return fail(fmt.Errorf("read spool %s: %w", seg, err))
		}
		for r.Next() {
			if err := w.Write(r.Record()); err != nil {
				r.Release()
				in.Close()
				return fail(err)
			}
		}
		err = r.Err()
		r.Release()
		in.Close()
		os.Remove(seg)
		if err != nil {
			return fail(fmt.Errorf("read spool %s: %w", seg, err))
		}
	}
	if err := w.Close(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	return f.Close()
}

// maxConverters bounds how many partitions are converted at once; each
// holds one record read back from its spool and one row group's encoded
// pages.
const maxConverters = 4

// convertAll converts the partitions, several at a time (one per core, at
// most maxConverters), and returns the first error; after one, the
// partitions not started are left alone.
func (s *partitionSink) convertAll(keys []partKey) error {
	next := make(chan partKey)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range min(runtime.GOMAXPROCS(0), maxConverters, len(keys)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if err := s.convert(k); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, k := range keys {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- k
	}
	close(next)
	wg.Wait()
	return firstErr
}

func (s *partitionSink) Commit() error {
	defer s.root.Close()
	for k := range s.open {
		if err := s.closeSpool(k); err != nil {
			return err
		}
	}
	keys := make([]partKey, 0, len(s.segs))
	for k := range s.segs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].account != keys[j].account {
			return keys[i].account < keys[j].account
		}
		return keys[i].date < keys[j].date
	})
	debug.FreeOSMemory() // as in fileSink.Commit
	if err := s.convertAll(keys); err != nil {
		return err
	}
	return os.RemoveAll(s.spool)
}

// Abort closes the spool; the export's stage removes what was written.
func (s *partitionSink) Abort() {
	for k := range s.open {
		s.closeSpool(k)
	}
	s.root.Close()
}

func (s *partitionSink) Rows() int64 { return s.rows }

var databaseRe = regexp.MustCompile(`^[A-Za-z0-9_]*$`)

// exportTables describes the tables of an export for --ddl: one folder per
// table under location (a warehouse table is a folder, not a file).
func exportTables(location string, partition bool) []report.DDLTable {
	loc := strings.TrimSuffix(location, "/")
	events := report.DDLTable{Name: "keyaudit_events", Schema: cloudtrail.EventSchema, Location: loc + "/events/"}
	if partition {
		events.Partitions = []string{"account_id", "date"}
	}
	return []report.DDLTable{
		events,
		{Name: "keyaudit_credentials", Schema: credreport.CredentialSchema, Location: loc + "/credentials/"},
		{Name: "keyaudit_keys", Schema: inventory.KeySchema, Location: loc + "/keys/"},
		{Name: "keyaudit_rotation", Schema: inventory.RotationSchema, Location: loc + "/rotation/"},
		{Name: "keyaudit_sessions", Schema: sessions.SessionSchema, Location: loc + "/sessions/"},
		{Name: "keyaudit_findings", Schema: analyze.FindingSchema, Location: loc + "/findings/"},
	}
}

// printExportDDL prints the table definitions, preceded by how the files
// of DIR map to the table folders.
func printExportDDL(e *env, o *exportOptions) error {
	if !slices.Contains(report.DDLEngines(), o.ddl) {
		return usageErr("unknown --ddl %q: use %s", o.ddl, strings.Join(report.DDLEngines(), ", "))
	}
	if !databaseRe.MatchString(o.database) {
		return usageErr("bad --database %q: use letters, digits and _", o.database)
	}
	if strings.ContainsAny(o.location, "'\\\n") {
		return usageErr("bad --location %q: no quotes, backslashes or newlines", o.location)
	}
	loc := strings.TrimSuffix(o.location, "/")
	var b strings.Builder
	b.WriteString("-- Upload the export so that each table is its own folder, for example:\n")
	if o.partition {
		fmt.Fprintf(&b, "--   aws s3 sync DIR/events/ %s/events/\n", loc)
	} else {
		fmt.Fprintf(&b, "--   aws s3 cp DIR/events.parquet %s/events/\n", loc)
	}
	for _, n := range []string{"credentials", "keys", "rotation", "sessions", "findings"} {
		fmt.Fprintf(&b, "--   aws s3 cp DIR/%s.parquet %s/%s/\n", n, loc, n)
	}
	if _, err := io.WriteString(e.stdout, b.String()); err != nil {
		return err
	}
	return report.WriteDDL(e.stdout, o.ddl, o.database, exportTables(o.location, o.partition))
}
