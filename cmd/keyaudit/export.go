package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
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
}

func newExportCmd(e *env) *cobra.Command {
	o := &exportOptions{in: inputFlags{keepRaw: true}}
	c := &cobra.Command{
		Use:   "export -o DIR [flags] PATH...",
		Short: "Write Parquet for data warehouses: events, credentials, keys, sessions, findings",
		Long: `export writes Parquet files that DuckDB, Athena, Spark and Snowflake read as they are
(UTC millisecond timestamps, signed integers, no extension types):

  DIR/events.parquet        every CloudTrail event (schema: keyaudit export --describe)
  DIR/credentials.parquet   every credential report row (newest report per account)
  DIR/keys.parquet          the key inventory (as keyaudit keys)
  DIR/sessions.parquet      the temporary-key attribution (as keyaudit sessions)
  DIR/findings.parquet      the audit findings at --as-of (as keyaudit audit)

With --partition, events go to Hive-style folders instead:
  DIR/events/account_id=<12 digits>/date=<YYYY-MM-DD>/part-N.parquet
(readers should pin account_id to a string type). Each file is written to a
temporary name and renamed when complete.`,
		Example: `  keyaudit export -o warehouse/ reports/ AWSLogs/
  keyaudit export --partition -o warehouse/ AWSLogs/
  keyaudit export --describe`,
		RunE: func(c *cobra.Command, args []string) error {
			if o.describe {
				cloudtrail.DescribeSchema(e.stdout)
				return nil
			}
			return runExport(c, e, o, args)
		},
	}
	o.in.register(c)
	fs := c.Flags()
	fs.StringVarP(&o.dir, "output", "o", "", "output `DIR` (created if missing)")
	fs.BoolVar(&o.partition, "partition", false, "write events as Hive-style partitions by account_id and date")
	fs.BoolVar(&o.describe, "describe", false, "print the event schema (column, type, CloudTrail field) and exit")
	fs.StringVar(&o.asOf, "as-of", "", "compute finding ages against this time: YYYY-MM-DD or RFC 3339 (default: now)")
	return c
}

func runExport(c *cobra.Command, e *env, o *exportOptions, paths []string) error {
	if o.dir == "" {
		return usageErr("export needs -o DIR")
	}
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return usageErr("cannot create output directory %s: %v", o.dir, err)
	}
	if err := checkOutputDir(o.dir); err != nil {
		return err
	}
	mem := memory.DefaultAllocator
	var events eventsSink
	if o.partition {
		events, err = newPartitionSink(o.dir, paths)
	} else {
		events, err = newFileSink(filepath.Join(o.dir, "events.parquet"), paths)
	}
	if err != nil {
		return usageErr("%v", err)
	}
	inv, sb := inventory.New(), sessions.New()
	res, err := readInputs(c.Context(), e, &o.in, mem, paths, events, sinkFunc(inv.Add), sinkFunc(sb.Add))
	if err != nil {
		events.Abort()
		return err
	}
	if err := events.Commit(); err != nil {
		return err
	}
	cfg := analyze.DefaultConfig(asOf)
	creds := credreport.BuildCredentialRecord(mem, res.Reports)
	defer creds.Release()
	keyView := credreport.BuildKeyRecord(mem, res.Reports)
	defer keyView.Release()
	ki := inv.Finish(res.Reports)
	findings := analyze.Evaluate(cfg, []arrow.Record{keyView})
	findings = append(findings, ki.Findings(cfg)...)
	analyze.SetAccessKeyIDs(findings, ki.SlotKeyID)
	analyze.SortFindings(findings)
	frec := analyze.FindingsRecord(mem, findings)
	defer frec.Release()
	krec := ki.KeyRecord(mem)
	defer krec.Release()
	srec := sessions.SessionsRecord(mem, sb.Finish().Sessions)
	defer srec.Release()
	for _, out := range []struct {
		name string
		rec  arrow.Record
	}{{"credentials.parquet", creds}, {"keys.parquet", krec}, {"sessions.parquet", srec}, {"findings.parquet", frec}} {
		of := &outputFlags{format: "parquet", output: filepath.Join(o.dir, out.name)}
		if err := writeOutput(e, of, paths, out.rec.Schema(), []arrow.Record{out.rec}, report.Options{}); err != nil {
			return err
		}
	}
	if !o.in.quiet {
		fmt.Fprintf(e.stderr, "export: wrote %d events, %d credential rows, %d keys, %d sessions, %d findings to %s\n",
			events.Rows(), creds.NumRows(), krec.NumRows(), srec.NumRows(), frec.NumRows(), o.dir)
	}
	return nil
}

// eventsSink writes event records to Parquet as they stream by.
type eventsSink interface {
	Events(rec arrow.Record) error
	Commit() error
	Abort()
	Rows() int64
}

// fileSink writes every event to one Parquet file.
type fileSink struct {
	f    *report.File
	w    report.Writer
	rows int64
}

func newFileSink(path string, inputs []string) (*fileSink, error) {
	f, err := report.Create(path, inputs)
	if err != nil {
		return nil, err
	}
	w, err := report.NewWriter("parquet", f, cloudtrail.EventSchema, report.Options{})
	if err != nil {
		f.Abort()
		return nil, err
	}
	return &fileSink{f: f, w: w}, nil
}

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

// partitionSink writes events under events/account_id=A/date=D/part-N.parquet.
// Events arrive in any order, so at most maxOpenPartitions files are open at
// once; the least recently used is closed (and a later event of the same
// partition starts part-N+1), which bounds memory whatever the input.
type partitionSink struct {
	cancel func() // unregisters the interrupt cleanup
	root   string // final events/ directory
	tmp    string // where files are written until Commit
	inputs []string
	open   map[string]*partWriter
	parts  map[string]int // next part number per partition
	clock  int64
	rows   int64
}

const maxOpenPartitions = 16

// partitionRowGroupBytes keeps each open partition's buffer small, so that
// maxOpenPartitions writers together hold at most ~128 MiB.
const partitionRowGroupBytes = 8 << 20

type partWriter struct {
	f    *report.File
	w    report.Writer
	used int64
}

func newPartitionSink(dir string, inputs []string) (*partitionSink, error) {
	tmp, err := os.MkdirTemp(dir, ".keyaudit-events-*")
	if err != nil {
		return nil, fmt.Errorf("output directory %s is not writable: %v", dir, err)
	}
	s := &partitionSink{root: filepath.Join(dir, "events"), tmp: tmp, inputs: inputs,
		open: map[string]*partWriter{}, parts: map[string]int{}}
	s.cancel = onInterrupt(func() { os.RemoveAll(tmp) })
	return s, nil
}

func partitionOf(rec arrow.Record, row int) string {
	acct := "unknown"
	if col := rec.Column(cloudtrail.ColRecipientAccountID); col.IsValid(row) {
		acct = col.ValueStr(row)
	}
	ts := rec.Column(cloudtrail.ColEventTime).(interface {
		Value(int) arrow.Timestamp
	}).Value(row)
	date := ts.ToTime(arrow.Millisecond).UTC().Format("2006-01-02")
	return "account_id=" + acct + "/date=" + date
}

func (s *partitionSink) Events(rec arrow.Record) error {
	n := int(rec.NumRows())
	s.rows += int64(n)
	for start := 0; start < n; {
		p := partitionOf(rec, start)
		end := start + 1
		for end < n && partitionOf(rec, end) == p {
			end++
		}
		w, err := s.writer(p)
		if err != nil {
			return err
		}
		slice := rec.NewSlice(int64(start), int64(end))
		err = w.w.Write(slice)
		slice.Release()
		if err != nil {
			return err
		}
		start = end
	}
	return nil
}

func (s *partitionSink) writer(p string) (*partWriter, error) {
	s.clock++
	if w, ok := s.open[p]; ok {
		w.used = s.clock
		return w, nil
	}
	if len(s.open) >= maxOpenPartitions {
		var lru string
		for k, w := range s.open {
			if lru == "" || w.used < s.open[lru].used {
				lru = k
			}
		}
		if err := s.closePart(lru); err != nil {
			return nil, err
		}
	}
	dir := filepath.Join(s.tmp, filepath.FromSlash(p))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := report.Create(filepath.Join(dir, fmt.Sprintf("part-%d.parquet", s.parts[p])), s.inputs)
	if err != nil {
		return nil, err
	}
	s.parts[p]++
	w, err := report.NewWriter("parquet", f, cloudtrail.EventSchema, report.Options{RowGroupBytes: partitionRowGroupBytes})
	if err != nil {
		f.Abort()
		return nil, err
	}
	pw := &partWriter{f: f, w: w, used: s.clock}
	s.open[p] = pw
	return pw, nil
}

func (s *partitionSink) closePart(p string) error {
	w := s.open[p]
	delete(s.open, p)
	if err := w.w.Close(); err != nil {
		w.f.Abort()
		return err
	}
	return w.f.Commit()
}

func (s *partitionSink) Commit() error {
	defer s.cancel()
	keys := make([]string, 0, len(s.open))
	for k := range s.open {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := s.closePart(k); err != nil {
			return err
		}
	}
	// Swap the finished tree in: the old events/ (if any) goes only after
	// the new one is complete.
	old := s.root + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(s.root); err == nil {
		if err := os.Rename(s.root, old); err != nil {
			return err
		}
	}
	if err := os.Rename(s.tmp, s.root); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

func (s *partitionSink) Abort() {
	defer s.cancel()
	for _, w := range s.open {
		w.w.Close()
		w.f.Abort()
	}
	os.RemoveAll(s.tmp)
}

func (s *partitionSink) Rows() int64 { return s.rows }
