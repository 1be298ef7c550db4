package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/keyaudit/keyaudit/facts/cache"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/termtext"
	"github.com/keyaudit/keyaudit/report"
)

// inputFlags are the flags of every command that reads inputs.
type inputFlags struct {
	quiet       bool
	statsFile   string
	strict      bool
	workers     int
	maxFileSize string
	noDedup     bool
	dedupMemory string
	keepRaw     bool                   // export writes every column; otherwise only those the sinks read are kept
	walkOrder   bool                   // export: the sinks get the events in walk order (ingest.Options.WalkOrder)
	hashFiles   func(path string) bool // ingest.Options.HashFiles (audit --verify)

	fx factFlags // --facts and --cache, on the commands that register them (stage2.go)

	guard  *report.InputSet // every input file of this run, set by visit
	walked map[string]bool  // the paths visit has walked
}

// visit walks paths as the ingest will, adding every file to the input
// guard and calling fn (if not nil) with it. A path already walked is not
// walked again, so commands that look for files of their own before
// protect (verify's saved keys) pay for one walk only.
func (f *inputFlags) visit(paths []string, fn func(path string, fi fs.FileInfo)) {
	if f.guard == nil {
		f.guard, f.walked = report.NewInputSet(), map[string]bool{}
	}
	var todo []string
	for _, p := range paths {
		if !f.walked[p] {
			f.walked[p] = true
			todo = append(todo, p)
		}
	}
	ingest.VisitFiles(todo, func(path string, fi fs.FileInfo) {
		f.guard.Add(path, fi)
		if fn != nil {
			fn(path, fi)
		}
	})
}

// protect finds every file the run will read or skip (walking directories
// as the ingest will) and refuses, before anything is read or written, an
// output (--stats, and the command's outputs, "" and "-" meaning none)
// that would write over, or through a link to, one of them. Every output
// file is checked again just before it is renamed into place.
func (f *inputFlags) protect(paths []string, outputs ...string) error {
	f.visit(paths, nil)
	outs := append([]string{f.statsFile}, outputs...)
	for i, out := range outs {
		if out == "" || out == "-" {
			continue
		}
		if err := f.guard.Check(out); err != nil {
			return usageErr("%v", err)
		}
		for _, other := range outs[:i] {
			if other != "" && filepath.Clean(other) == filepath.Clean(out) {
				return usageErr("%s is named as two outputs: give --stats and -o different files", out)
			}
		}
	}
	return nil
}

// reading is an event sink that declares the event columns it reads
// (inventory.Columns, sessions.Columns): when every sink of a run does,
// the ingest leaves the other columns null and saves copying them.
type reading struct {
	sinkFunc
	cols []int
}

func reads(cols []int, f sinkFunc) reading { return reading{f, cols} }

// omitFor returns the columns no sink reads; nil when a sink does not
// declare its columns.
func omitFor(sinks []ingest.EventSink) []int {
	var keep [][]int
	for _, s := range sinks {
		r, ok := s.(reading)
		if !ok {
			return nil
		}
		keep = append(keep, r.cols)
	}
	return cloudtrail.OmitAllBut(keep...)
}

func (f *inputFlags) register(c *cobra.Command) {
	fs := c.Flags()
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar and no input summary on stderr (errors are still printed)")
	fs.StringVar(&f.statsFile, "stats", "", "write the input accounting (files, records, errors) as JSON to `FILE`")
	fs.BoolVar(&f.strict, "strict", false, "treat any input error (bad row, bad record, unreadable file) as fatal: exit 2")
	fs.IntVar(&f.workers, "workers", 0, "parallel file readers (default: number of CPUs)")
	fs.StringVar(&f.maxFileSize, "max-file-size", "4GiB", "stop reading a file that decompresses to more than `SIZE` (a guard against gzip bombs; CloudTrail files are streamed, so memory does not grow with it)")
	fs.BoolVar(&f.noDedup, "no-dedup", false, "keep CloudTrail events whose eventID was already seen")
	fs.StringVar(&f.dedupMemory, "dedup-memory", "32MiB", "`SIZE` of memory for the eventID set; past it, sorted runs spill to an unlinked temporary file")
}

// outputFlags are the flags of every command that writes a report.
type outputFlags struct {
	format         string
	output         string
	escapeFormulas bool
	formatSet      func() bool // whether -f was given
	wide           bool        // table: every column, nothing shortened, whatever the terminal width
	findings       bool        // the command writes findings: it offers report.FindingsOnly formats
	sarif          bool        // the command also writes -f sarif (set before register)
}

func (f *outputFlags) register(c *cobra.Command, def string) {
	fs := c.Flags()
	fs.StringVarP(&f.format, "format", "f", def, "output format: "+strings.Join(f.formats(), ", ")+" (default: from the -o extension .csv .json .ndjson .jsonl .parquet"+f.extensions()+", else "+def+")")
	f.formatSet = func() bool { return fs.Changed("format") }
	fs.StringVarP(&f.output, "output", "o", "", "write to `FILE` (default: stdout); written to a temporary name and renamed when complete")
	fs.BoolVarP(&f.wide, "wide", "w", false, "with -f table on a terminal: show every column in full, however wide the table gets")
	fs.BoolVar(&f.escapeFormulas, "csv-escape-formulas", false, "with -f csv: prefix ' to cells that start with = + - @ tab or CR, so a spreadsheet does not run log text (a user agent, a session name) as a formula")
}

// formats are the formats the command offers: findings-only ones only
// when it writes findings.
func (f *outputFlags) formats() []string {
	var out []string
	for _, ff := range report.Formats() {
		if f.findings || !report.FindingsOnly(ff) {
			out = append(out, ff)
		}
	}
	if f.sarif {
		out = append(out, report.FormatSARIF)
		slices.Sort(out)
	}
	return out
}

func (f *outputFlags) extensions() string {
	var exts string
	if f.findings {
		exts += " .asff.json .html .ocsf.json .ocsf.jsonl"
	}
	if f.sarif {
		exts += " .sarif"
	}
	return exts
}

func (f *outputFlags) check(e *env) error {
	// -o findings.json writes JSON unless -f says otherwise.
	if f.formatSet != nil && !f.formatSet() && f.output != "" && f.output != "-" {
		if ff, ok := report.FormatForPath(f.output); ok {
			f.format = ff
		}
	}
	if f.format == report.FormatSARIF && !f.sarif {
		return usageErr("this command does not write SARIF (audit and triage do): use one of %s", strings.Join(f.formats(), ", "))
	}
	if !contains(f.formats(), f.format) {
		if report.FindingsOnly(f.format) {
			return usageErr("-f %s writes findings: it is for keyaudit audit only", f.format)
		}
		return usageErr("unknown format %q: use one of %s", f.format, strings.Join(f.formats(), ", "))
	}
	if f.escapeFormulas && f.format != "csv" {
		return usageErr("--csv-escape-formulas applies to -f csv only, not %s", f.format)
	}
	if f.format == "parquet" && (f.output == "" || f.output == "-") && e.stdoutTTY {
		return usageErr("will not write Parquet to a terminal: add -o FILE.parquet or redirect stdout")
	}
	if f.output != "" && f.output != "-" {
		return checkOutputDir(filepath.Dir(f.output))
	}
	return nil
}

// checkOutputDir fails early, before any input is read, when outputs
// cannot be written to dir.
func checkOutputDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		return usageErr("output directory %s does not exist: create it first", dir)
	case err != nil:
		return usageErr("output directory %s: %v", dir, err)
	case !st.IsDir():
		return usageErr("output directory %s is not a directory", dir)
	}
	if unix.Access(dir, unix.W_OK) != nil {
		return usageErr("output directory %s is not writable: choose another -o", dir)
	}
	return nil
}

// asOfFlag parses --as-of: RFC 3339, or YYYY-MM-DD meaning midnight UTC.
func parseAsOf(s string) (time.Time, error) {
	if s == "" || s == "now" {
		return time.Now().UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErr("bad --as-of %q: use YYYY-MM-DD (midnight UTC) or RFC 3339 such as 2026-11-01T12:00:00Z", s)
	}
	return t.UTC(), nil
}

// registerAsOf adds --as-of to a command that computes ages.
func registerAsOf(c *cobra.Command, dst *string) {
	c.Flags().StringVar(dst, "as-of", "", "compute every age against this time: YYYY-MM-DD (midnight UTC) or RFC 3339 (default: now)")
}

// daysValue is a threshold flag in whole days: 90 or 90d, or a whole
// number of days in hours (2160h). 0 is zero days, never the default.
// Units below a day (3m, 90s) are refused: 3m is too easily meant as
// three months.
type daysValue struct{ d *time.Duration }

func (v daysValue) String() string {
	if v.d == nil {
		return ""
	}
	if *v.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(*v.d/(24*time.Hour)), 10) + "d"
	}
	return v.d.String()
}

var daysArg = regexp.MustCompile(`^([0-9]{1,6})(d|h)?$`)

func (v daysValue) Set(s string) error {
	m := daysArg.FindStringSubmatch(s)
	if m == nil {
		if _, err := time.ParseDuration(s); err == nil && s != "0" {
			return fmt.Errorf("use days (90 or 90d); units below a day are not accepted")
		}
		return fmt.Errorf("use whole days (90 or 90d), got %q", s)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	if m[2] == "h" {
		if n%24 != 0 {
			return fmt.Errorf("%s is not a whole number of days: use days (90 or 90d)", s)
		}
		n /= 24
	}
	*v.d = time.Duration(n) * 24 * time.Hour
	return nil
}

func (v daysValue) Type() string { return "days" }

// parseSize parses 512MiB, 1GiB, 100MB, or a byte count.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), 64)
			if err != nil || n <= 0 {
				break
			}
			return int64(n * float64(u.mult)), nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, usageErr("bad size %q: use e.g. 512MiB, 1GiB or a byte count", s)
	}
	return n, nil
}

// checkPaths rejects paths that do not exist before any work starts.
func checkPaths(paths []string) error {
	if len(paths) == 0 {
		return usageErr("no PATH given: name credential reports, CloudTrail files or directories (or - for stdin)")
	}
	stdin := 0
	for _, p := range paths {
		if p == "-" {
			stdin++
			continue
		}
		if _, err := os.Stat(p); err != nil {
			if os.IsNotExist(err) {
				return usageErr("%s: no such file or directory", p)
			}
			return usageErr("%s: %v", p, err)
		}
	}
	if stdin > 1 {
		return usageErr("- (stdin) given more than once")
	}
	return nil
}

// fanout delivers each event record to several sinks, in order.
type fanout []ingest.EventSink

func (f fanout) Events(rec arrow.Record) error {
	for _, s := range f {
		if err := s.Events(rec); err != nil {
			return err
		}
	}
	return nil
}

// readInputs runs the ingest over paths, feeding sinks, then prints the
// input summary and writes --stats. Input errors are printed; under
// --strict they make the command fail with exit 2.
func readInputs(ctx context.Context, e *env, f *inputFlags, mem memory.Allocator, paths []string, sinks ...ingest.EventSink) (*ingest.Result, error) {
	return readInputsWith(ctx, e, f, mem, paths, ingest.Run, nil, sinks...)
}

// runFunc reads inputs as ingest.Run does.
type runFunc func(ctx context.Context, paths []string, opts ingest.Options, sink ingest.EventSink) (*ingest.Result, error)

// readInputsWith is readInputs with the reader given (ingest.Run, or the
// fact cache's) and, for the summary and --stats, what was served from a
// cache (nil: no cache).
func readInputsWith(ctx context.Context, e *env, f *inputFlags, mem memory.Allocator, paths []string, run runFunc, cached func() map[ingest.Kind]*cache.Cached, sinks ...ingest.EventSink) (*ingest.Result, error) {
	if err := checkPaths(paths); err != nil {
		return nil, err
	}
	if err := f.protect(paths); err != nil {
		return nil, err
	}
	maxFile, err := parseSize(f.maxFileSize)
	if err != nil {
		return nil, err
	}
	dedupMem, err := parseSize(f.dedupMemory)
	if err != nil {
		return nil, err
	}
	opts := ingest.Options{Mem: mem, Workers: f.workers, MaxFileBytes: maxFile, NoDedup: f.noDedup, DedupMemory: dedupMem, Stdin: e.stdin}
	opts.HashFiles = f.hashFiles
	opts.WalkOrder = f.walkOrder
	if !f.keepRaw {
		opts.OmitColumns = omitFor(sinks)
	}
	var bar *progressBar
	if e.stderrTTY && !f.quiet {
		bar = newProgressBar(e.stderr)
		opts.Progress = bar.update
	}
	var sink ingest.EventSink
	if len(sinks) > 0 {
		sink = fanout(sinks)
	}
	res, err := run(ctx, paths, opts, sink)
	bar.done()
	if err != nil {
		return nil, err
	}
	var served map[ingest.Kind]*cache.Cached
	if cached != nil {
		served = cached()
	}
	printInputErrors(e.stderr, res)
	if !f.quiet {
		printInputSummary(e.stderr, res)
		printCached(e.stderr, served)
	}
	if f.statsFile != "" {
		if err := writeStats(f.statsFile, f.guard, paths, res, served); err != nil {
			return nil, err
		}
	}
	// Every failed file and every rejected record has its entry in
	// res.Errors (or is counted by one), so that is the count.
	if n := max(res.ErrorCount(), int(failedFiles(res))); f.strict && n > 0 {
		return res, &exitError{code: exitUsage, err: fmt.Errorf("%s and --strict is set", plural(int64(n), "input error"))}
	}
	return res, nil
}

func failedFiles(res *ingest.Result) int64 {
	var n int64
	for _, c := range res.Stats {
		n += c.FilesFailed
	}
	return n
}

const maxErrorsShown = 20

func printInputErrors(w io.Writer, res *ingest.Result) {
	for i, ie := range res.Errors {
		if i == maxErrorsShown {
			fmt.Fprintf(w, "keyaudit: ... and %d more input errors (all of them are in --stats FILE)\n", len(res.Errors)-maxErrorsShown)
			break
		}
		fmt.Fprintf(w, "keyaudit: %s\n", termtext.Escape(strings.TrimSpace(ie.Error()))) // a newline in a file name shows as \n
	}
}

func sortedKinds(res *ingest.Result) []ingest.Kind {
	kinds := make([]ingest.Kind, 0, len(res.Stats))
	for k := range res.Stats {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	return kinds
}

func printInputSummary(w io.Writer, res *ingest.Result) {
	for _, k := range sortedKinds(res) {
		c := res.Stats[k]
		if c.Files == 0 && c.Records == 0 {
			continue
		}
		line := fmt.Sprintf("input: %-18s %s", k, plural(c.Files, "file"))
		if c.FilesSkipped > 0 {
			line += fmt.Sprintf(" (%d skipped)", c.FilesSkipped)
		}
		if c.FilesFailed > 0 {
			line += fmt.Sprintf(" (%d failed)", c.FilesFailed)
		}
		if c.Records > 0 || k == ingest.KindCredentialReport {
			line += fmt.Sprintf("; %s read = %d used + %d skipped + %d rejected + %d duplicate",
				plural(c.Records, "record"), c.Used, c.Skipped, c.Rejected, c.Duplicate)
		}
		fmt.Fprintln(w, line)
	}
	printSkipped(w, res.Skipped)
	for _, s := range res.Superseded {
		fmt.Fprintf(w, "input: superseded %s (account %s): newer report %s used\n", termtext.Escape(s.File), termtext.Escape(s.AccountID), termtext.Escape(s.By))
	}
	if n := len(res.KeyIDs); n > 0 {
		fmt.Fprintf(w, "input: %s taken from credentials files (their secrets were ignored and are never written)\n", plural(int64(n), "access key ID"))
	}
}

// printCached is the summary line of a run with --cache.
func printCached(w io.Writer, cached map[ingest.Kind]*cache.Cached) {
	if cached == nil {
		return
	}
	var files, records int64
	for _, c := range cached {
		files += c.Files
		records += c.Records
	}
	fmt.Fprintf(w, "input: cache served %s and %s of them (the rest was parsed and stored)\n", plural(files, "file"), plural(records, "record"))
}

// skippedShown is how many file names the summary prints per reason; an
// organization trail has hundreds of thousands of digest files, all of
// them listed in --stats.
const skippedShown = 3

// printSkipped prints one line per kind and reason of skipped file: the
// count and at most skippedShown names, in walk order.
func printSkipped(w io.Writer, skipped []ingest.SkippedFile) {
	type group struct {
		kind   ingest.Kind
		reason string
		files  []string
		n      int64
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, s := range skipped {
		reason := skipReasonGroup(s.Reason)
		key := string(s.Kind) + "\x00" + reason
		g := byKey[key]
		if g == nil {
			g = &group{kind: s.Kind, reason: reason}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.n++
		if len(g.files) < skippedShown {
			name := s.File
			if reason != s.Reason { // "same file as X": say which
				name += " (" + s.Reason + ")"
			}
			g.files = append(g.files, name)
		}
	}
	for _, g := range groups {
		line := fmt.Sprintf("input: skipped %s (%s: %s): %s", plural(g.n, "file"), g.kind, termtext.Escape(g.reason), termtext.Escape(strings.Join(g.files, ", ")))
		if more := g.n - int64(len(g.files)); more > 0 {
			line += fmt.Sprintf(" and %d more (all in --stats FILE)", more)
		}
		fmt.Fprintln(w, line)
	}
}

// skipReasonGroup strips the path from reasons that name another file,
// so that such skips are counted together.
func skipReasonGroup(reason string) string {
	for _, g := range []struct{ prefix, group string }{
		{"same file as ", "same file as one already read"},
		{"same directory as ", "same directory as one already walked"},
		{"directory loop: ", "directory loop"},
	} {
		if strings.HasPrefix(reason, g.prefix) {
			return g.group
		}
	}
	return reason
}

// statsDoc is the --stats JSON document.
type statsDoc struct {
	Paths      []string                       `json:"paths"`
	Kinds      map[ingest.Kind]*ingest.Counts `json:"kinds"`
	Reports    []statsReport                  `json:"reports_used"`
	Superseded []ingest.Superseded            `json:"superseded"`
	Skipped    []ingest.SkippedFile           `json:"skipped_files"`
	Errors     []string                       `json:"errors"`
	// Cached is, with --cache, the files and records of each kind served
	// from the cache (the other figures are those of a run without it).
	Cached map[ingest.Kind]*cache.Cached `json:"cached,omitempty"`
}

type statsReport struct {
	File      string `json:"file"`
	AccountID string `json:"account_id"`
	Format    string `json:"format"`
	Generated string `json:"generated_time,omitempty"`
	Rows      int    `json:"rows"`
}

func writeStats(path string, inputs *report.InputSet, paths []string, res *ingest.Result, cached map[ingest.Kind]*cache.Cached) error {
	doc := statsDoc{Paths: paths, Kinds: res.Stats, Superseded: res.Superseded, Skipped: res.Skipped,
		Reports: []statsReport{}, Errors: []string{}, Cached: cached}
	for _, r := range res.Reports {
		sr := statsReport{File: r.File, AccountID: r.AccountID, Format: r.Format, Rows: len(r.Rows)}
		if !r.GeneratedTime.IsZero() {
			sr.Generated = r.GeneratedTime.UTC().Format(time.RFC3339)
		}
		doc.Reports = append(doc.Reports, sr)
	}
	for _, ie := range res.Errors {
		doc.Errors = append(doc.Errors, ie.Error())
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	f, err := report.Create(path, inputs)
	if err != nil {
		return usageErr("--stats: %v", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// writeOutput writes recs (all of one schema) in the chosen format to
// stdout or to an atomically created file. It does not release recs.
func writeOutput(e *env, out *outputFlags, inputs *report.InputSet, schema *arrow.Schema, recs []arrow.Record, opts report.Options) error {
	if out.format != report.FormatTable {
		opts.Columns = nil // the column subset is for humans; data formats carry every column
	} else if opts.Width == 0 && !out.wide && (out.output == "" || out.output == "-") {
		opts.Width = terminalWidth(e)
	}
	opts.EscapeFormulas = out.escapeFormulas
	var w io.Writer = e.stdout
	var file *report.File
	if out.output != "" && out.output != "-" {
		var err error
		if file, err = report.Create(out.output, inputs); err != nil {
			return usageErr("%v", err)
		}
		w = file
	}
	fail := func(err error) error {
		if file != nil {
			file.Abort()
		}
		return err
	}
	wr, err := report.NewWriter(out.format, w, schema, opts)
	if err != nil {
		return fail(usageErr("%v", err))
	}
	for _, rec := range recs {
		if err := wr.Write(rec); err != nil {
			return fail(fmt.Errorf("write %s: %w", out.format, err))
		}
	}
	if err := wr.Close(); err != nil {
		return fail(fmt.Errorf("write %s: %w", out.format, err))
	}
	if tw, ok := wr.(*report.TableWriter); ok && len(tw.Hidden()) > 0 {
		fmt.Fprintf(e.stderr, "keyaudit: to fit %d columns the table hides %s (--wide shows every column)\n", opts.Width, strings.Join(tw.Hidden(), ", "))
	}
	if file != nil {
		return file.Commit()
	}
	return nil
}

// writeSARIF writes results as one SARIF log to stdout or to an atomically
// created file (see writeText).
func writeSARIF(e *env, output string, inputs *report.InputSet, tool report.SARIFTool, results []report.SARIFResult) error {
	return writeText(e, output, inputs, func(w io.Writer) error {
		sw, err := report.NewSARIFWriter(w, tool)
		if err != nil {
			return err
		}
		if err := sw.Write(results...); err != nil {
			return err
		}
		return sw.Close()
	})
}

// writeText writes what write produces to stdout, or to output (when it is
// neither "" nor "-") through report.Create: a temporary name renamed when
// complete, refused when it is one of inputs.
func writeText(e *env, output string, inputs *report.InputSet, write func(io.Writer) error) error {
	if output == "" || output == "-" {
		return write(e.stdout)
	}
	f, err := report.Create(output, inputs)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := write(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// plural says "1 file", "2 files".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
