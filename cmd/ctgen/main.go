// Command ctgen writes a deterministic synthetic CloudTrail corpus in the
// S3 delivery layout, with optional ground-truth CSVs.
//
//	ctgen -out DIR -events N -files F -accounts A -seed S [-org o-abc123]
//	      [-dups 0.01] [-truth sessions.csv] [-truth-keys keys.csv]
//
// and compares keyaudit's CSV output with the ground truth:
//
//	ctgen compare -truth truth.csv sessions.csv
//	ctgen compare -truth-keys truth-keys.csv keys.csv
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/keyaudit/keyaudit/internal/ctgen"
)

func main() {
	run := run
	if len(os.Args) > 1 && os.Args[1] == "compare" {
		run = func(args []string, stderr io.Writer) error { return compare(args[1:], os.Stdout, stderr) }
	}
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ctgen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("ctgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg ctgen.Config
	out := fs.String("out", "", "output directory (required)")
	fs.IntVar(&cfg.Events, "events", 100000, "exact number of records written (duplicates included)")
	fs.IntVar(&cfg.Files, "files", 80, "number of CloudTrail log files")
	fs.IntVar(&cfg.Accounts, "accounts", 3, "number of AWS accounts")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	fs.StringVar(&cfg.Org, "org", "", "organization ID for the AWSLogs/<org>/ prefix")
	fs.Float64Var(&cfg.Dups, "dups", 0, "fraction of records duplicated from other files (0..0.2)")
	fs.IntVar(&cfg.Days, "days", ctgen.DefaultDays, "corpus span in days")
	start := fs.String("start", ctgen.DefaultStart.Format(time.RFC3339), "corpus start (RFC 3339)")
	fs.IntVar(&cfg.Workers, "j", 2, "files rendered in parallel")
	truth := fs.String("truth", "", "write the temporary-key ground truth CSV here")
	truthKeys := fs.String("truth-keys", "", "write the AKIA key ground truth CSV here")
	quiet := fs.Bool("q", false, "do not print statistics")
	statsFile := fs.String("stats", "", "write corpus statistics (key=value lines) here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("-out is required and no arguments are accepted")
	}
	t, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		return fmt.Errorf("-start: %w", err)
	}
	cfg.Start = t
	began := time.Now()
	g, err := ctgen.New(cfg)
	if err != nil {
		return err
	}
	st, err := g.WriteTo(*out)
	if err != nil {
		return err
	}
	if err := writeWith(*truth, g.WriteTruth); err != nil {
		return err
	}
	if err := writeWith(*truthKeys, g.WriteKeyTruth); err != nil {
		return err
	}
	if *statsFile != "" {
		err := writeWith(*statsFile, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "files=%d\nevents=%d\nduplicates=%d\ntemporary_keys=%d\nakia_keys=%d\nextra_files=%d\njson_bytes=%d\ngzip_bytes=%d\nseconds=%.3f\n",
				st.Files, st.Events, st.Duplicates, st.Sessions, st.AKIAKeys, st.ExtraFiles, st.JSONBytes, st.GzipBytes, time.Since(began).Seconds())
			return err
		})
		if err != nil {
			return err
		}
	}
	if !*quiet {
		el := time.Since(began).Seconds()
		fmt.Fprintf(stderr, "ctgen: %d files, %d events (%d duplicates), %d temporary keys, %d AKIA keys, %d extra files\n",
			st.Files, st.Events, st.Duplicates, st.Sessions, st.AKIAKeys, st.ExtraFiles)
		fmt.Fprintf(stderr, "ctgen: %.1f MB JSON (%.0f B/event), %.1f MB gzip, %.2fs, %.0f events/s\n",
			float64(st.JSONBytes)/1e6, float64(st.JSONBytes)/float64(st.Events), float64(st.GzipBytes)/1e6, el, float64(st.Events)/el)
	}
	return nil
}

func writeWith(path string, fn func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// compare prints how a sessions CSV (-truth) or a keys CSV (-truth-keys)
// agrees with the ground truth. It fails when a sessions comparison is not
// exact for every truth key, or when a key found in a keys CSV differs.
func compare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ctgen compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	truthPath := fs.String("truth", "", "session truth CSV written by ctgen -truth")
	keysPath := fs.String("truth-keys", "", "key truth CSV written by ctgen -truth-keys")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*truthPath == "") == (*keysPath == "") || fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("usage: ctgen compare (-truth TRUTH.csv SESSIONS.csv | -truth-keys KEYTRUTH.csv KEYS.csv)")
	}
	sf, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer sf.Close()
	if *keysPath != "" {
		tf, err := os.Open(*keysPath)
		if err != nil {
			return err
		}
		defer tf.Close()
		c, err := ctgen.CompareKeys(tf, sf)
		if err != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), err)
		}
		fmt.Fprint(stdout, c.String())
		if len(c.FieldMiss) > 0 {
			return fmt.Errorf("%d keys differ from the truth", c.Found-c.Exact)
		}
		return nil
	}
	tf, err := os.Open(*truthPath)
	if err != nil {
		return err
	}
	defer tf.Close()
	truth, err := ctgen.ReadTruth(tf)
	if err != nil {
		return fmt.Errorf("%s: %w", *truthPath, err)
	}
	c, err := ctgen.CompareSessions(truth, sf)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	fmt.Fprint(stdout, c.String())
	if c.Exact != c.TruthKeys {
		return fmt.Errorf("%d of %d truth keys not matched exactly", c.TruthKeys-c.Exact, c.TruthKeys)
	}
	return nil
}
