package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/facts/cache"
	"github.com/keyaudit/keyaudit/ingest"
)

// newCacheCmd is `keyaudit cache`: look after a fact cache directory
// (issue 12). The analysis commands' --cache is wired separately.
func newCacheCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "cache",
		Short: "Inspect, fill, prune or remove a fact cache directory",
		Long: `A fact cache keeps, per CloudTrail input file, the facts keyaudit derived from it, so a
periodic re-audit parses only the files it has not seen. The cache holds names, key IDs and
IP addresses from the logs: its directory is created 0700 and its files 0600.

Use it with --cache DIR (or $KEYAUDIT_CACHE_DIR) on audit, keys, rotation, sessions and
whois; results are byte-identical to a run without it.`,
		Example: `  keyaudit audit --cache ~/.cache/keyaudit --as-of 2026-12-01 reports/ trail/
  keyaudit cache info ~/.cache/keyaudit
  keyaudit cache prune ~/.cache/keyaudit reports/ trail/`,
	}
	c.AddCommand(newCacheInfoCmd(e), newCacheUpdateCmd(e), newCachePruneCmd(e), newCacheCleanCmd(e))
	return c
}

func newCacheInfoCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "info DIR",
		Short:   "Entries, fact rows, bytes and the oldest and newest input file of a cache",
		Example: "  keyaudit cache info ~/.cache/keyaudit",
		Args:    exactArgs(1, "keyaudit cache info needs the cache DIR"),
		RunE: func(c *cobra.Command, args []string) error {
			info, err := cache.ReadInfo(args[0])
			if err != nil {
				return cacheErr(err)
			}
			var rows int64
			for _, n := range info.Rows {
				rows += n
			}
			w := e.stdout
			fmt.Fprintf(w, "files:        %d\n", info.Entries)
			if info.Bad > 0 {
				fmt.Fprintf(w, "bad entries:  %d (rebuilt by the next run that reads their files)\n", info.Bad)
			}
			fmt.Fprintf(w, "events:       %d\n", info.Events)
			fmt.Fprintf(w, "fact rows:    %d", rows)
			sep := " ("
			for t := facts.Table(0); t < facts.NumTables; t++ {
				if info.Rows[t] > 0 {
					fmt.Fprintf(w, "%s%s %d", sep, t, info.Rows[t])
					sep = ", "
				}
			}
			if sep != " (" {
				fmt.Fprint(w, ")")
			}
			fmt.Fprintln(w)
			fmt.Fprintf(w, "bytes:        %d (inputs: %d)\n", info.Bytes, info.InputBytes)
			if info.Snapshots > 0 {
				fmt.Fprintf(w, "snapshots:    %d (%d bytes: the folded facts of a run's files, for the next run over the same paths)\n", info.Snapshots, info.SnapBytes)
			}
			if !info.Oldest.IsZero() {
				fmt.Fprintf(w, "oldest input: %s\n", info.Oldest.Format(time.RFC3339))
				fmt.Fprintf(w, "newest input: %s\n", info.Newest.Format(time.RFC3339))
			}
			return nil
		},
	}
}

func newCacheUpdateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "update DIR PATH...",
		Short:   "Store the facts of the CloudTrail files under PATH that the cache does not hold yet",
		Example: "  keyaudit cache update ~/.cache/keyaudit trail/",
		Args:    minArgs(2, "keyaudit cache update needs the cache DIR and at least one PATH"),
		RunE: func(c *cobra.Command, args []string) error {
			ca, err := cache.Open(args[0])
			if err != nil {
				return cacheErr(err)
			}
			ca.Producer = buildVersion()
			mem := memory.NewGoAllocator()
			res, st, err := cache.Run(c.Context(), args[1:], ingest.Options{Mem: mem}, ca)
			if err != nil {
				return err
			}
			for _, p := range st.Problems {
				fmt.Fprintln(e.stderr, "keyaudit: "+p)
			}
			var files, cached int64
			if ct := res.Stats[ingest.KindCloudTrail]; ct != nil {
				files = ct.Files
			}
			for _, cc := range st.Cached {
				cached += cc.Files
			}
			fmt.Fprintf(e.stdout, "%d files served from the cache, %d parsed, %d entries written (%d S3 CloudTrail files, %d input problems)\n",
				cached, st.Parsed, st.Stored, files, res.ErrorCount())
			return nil
		},
	}
}

func newCachePruneCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "prune DIR PATH...",
		Short:   "Drop the entries of files that are not under PATH (deleted, renamed, no longer audited)",
		Example: "  keyaudit cache prune ~/.cache/keyaudit reports/ trail/",
		Args:    minArgs(2, "keyaudit cache prune needs the cache DIR and at least one PATH"),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := cache.Prune(c.Context(), args[0], args[1:])
			if err != nil {
				return cacheErr(err)
			}
			fmt.Fprintf(e.stdout, "%d entries removed\n", n)
			return nil
		},
	}
}

func newCacheCleanCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "clean DIR",
		Short:   "Remove the cache directory and everything in it (refused for a folder that is not a cache)",
		Example: "  keyaudit cache clean ~/.cache/keyaudit",
		Args:    exactArgs(1, "keyaudit cache clean needs the cache DIR"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := cache.Clean(args[0]); err != nil {
				return cacheErr(err)
			}
			fmt.Fprintf(e.stdout, "removed %s\n", args[0])
			return nil
		},
	}
}

func cacheErr(err error) error {
	if errors.Is(err, cache.ErrNotCache) {
		return usageErr("%v", err)
	}
	return err
}

func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr("%s (see '%s --help')", msg, c.CommandPath())
		}
		return nil
	}
}

func minArgs(n int, msg string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErr("%s (see '%s --help')", msg, c.CommandPath())
		}
		return nil
	}
}
