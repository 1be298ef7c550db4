package main

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/facts"
)

type factsOptions struct {
	in    inputFlags
	dir   string
	codec string
}

func newFactsCmd(e *env) *cobra.Command {
	o := &factsOptions{}
	c := &cobra.Command{
		Use:   "facts -o DIR [flags] PATH...",
		Short: "Reduce CloudTrail logs to the fact tables the analysis reads (facts_version 1)",
		Long: `facts reads CloudTrail logs (every form audit reads) and writes the fact set that
keys, rotation, sessions and audit read with --facts DIR:

  DIR/key_use.parquet         use of every long-term (and other non-temporary) key, per
                              key, caller, recipient account, day, service, region, IP, agent
  DIR/session_use.parquet     use of every temporary (ASIA) key, per using identity
  DIR/sts_issue.parquet       every successful issuance of a temporary key
  DIR/key_lifecycle.parquet   every Create/Update/DeleteAccessKey call, failures included
  DIR/principals.parquet      principal IDs and ARNs of IAM users and root
  DIR/event_accounts.parquet  events per recipient account
  DIR/manifest.parquet        facts_version, rows per table, producer, dedup

The same tables come out of Athena, Trino, Spark or DuckDB from the SQL that
'keyaudit sql' prints; docs/FACTS.md documents every column. Facts name people, keys
and IP addresses: treat them like the logs.

Rows are sorted, so the same inputs give the same bytes whenever the input's
groups fit in memory (about 260,000 groups, some 700,000 events of a busy
trail); beyond that the set holds several sorted runs (rows with equal grain
repeat), which every reader folds to the same results.

DIR is written under a temporary name and renamed into place when complete; it
replaces an earlier fact set, never anything else.`,
		Example: `  keyaudit facts -o facts/ AWSLogs/
  keyaudit keys --facts facts/ reports/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return runFacts(c, e, o, args) },
	}
	o.in.register(c)
	c.Flags().StringVarP(&o.dir, "output", "o", "", "output `DIR` (a new directory or an earlier fact set)")
	c.Flags().StringVar(&o.codec, "compression", "zstd", "Parquet codec: zstd or snappy")
	return c
}

func runFacts(c *cobra.Command, e *env, o *factsOptions, paths []string) error {
	if o.dir == "" || o.dir == "-" {
		return usageErr("facts needs -o DIR")
	}
	if o.codec != "zstd" && o.codec != "snappy" {
		return usageErr("unknown --compression %q: use zstd or snappy", o.codec)
	}
	if err := checkPaths(paths); err != nil {
		return err
	}
	if err := o.in.protect(paths, o.dir); err != nil {
		return err
	}
	mem := memory.DefaultAllocator
	dedup := facts.DedupEventID
	if o.in.noDedup {
		dedup = facts.DedupNone
	}
	w, err := facts.NewWriter(mem, o.dir, facts.WriterOptions{
		Producer: "keyaudit " + productVersion() + " native", Dedup: dedup, Compression: o.codec,
	})
	if err != nil {
		return usageErr("%v", err)
	}
	defer w.Abort() // a no-op after Close
	agg := facts.NewAggregator(mem, facts.Options{Sorted: true}, w)
	_, err = readInputs(c.Context(), e, &o.in, mem, paths, reads(facts.EventColumns(), agg.Events))
	if err != nil {
		return err
	}
	if err := agg.Close(); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if !o.in.quiet {
		printFactRows(e.stderr, "wrote", w.Rows(), o.dir)
	}
	return nil
}

// printFactRows is the accounting line of a fact set written or read.
func printFactRows(w io.Writer, verb string, rows [facts.NumTables]int64, where string) {
	fmt.Fprintf(w, "facts: %s", verb)
	for t := facts.Table(0); t < facts.Manifest; t++ {
		sep := ","
		if t == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s %d %s", sep, rows[t], t)
	}
	fmt.Fprintf(w, " rows (%s)\n", where)
}
