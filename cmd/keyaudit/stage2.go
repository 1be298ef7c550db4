package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/facts/cache"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/termtext"
)

// stage2Columns are the event columns the inventory and sessions Builders
// need from the native path together.
var stage2Columns = append(inventory.BuilderColumns(), sessions.Columns()...)

// factFlags choose where the facts of stage 2 come from: the CloudTrail
// among the inputs (the default), fact sets (--facts), or the CloudTrail
// through a per-file fact cache (--cache).
type factFlags struct {
	dirs       []string
	cache      string
	registered bool // the command takes --facts and --cache
}

func (f *factFlags) register(c *cobra.Command) {
	f.registered = true
	fs := c.Flags()
	fs.StringArrayVar(&f.dirs, "facts", nil, "read the fact set `DIR` (keyaudit facts, or keyaudit sql run by an engine) instead of CloudTrail logs; repeatable for disjoint sets; PATHs may then name only credential reports")
	fs.StringVar(&f.cache, "cache", "", "keep each CloudTrail file's facts in `DIR` and read only new or changed files on the next run (default $"+cache.EnvDir+"; off when unset)")
}

// cacheDir is --cache, else $KEYAUDIT_CACHE_DIR; "" when neither is set
// or when --facts is given.
func (f *factFlags) cacheDir(e *env) string {
	if f.cache != "" {
		return f.cache
	}
	if len(f.dirs) > 0 || !f.registered || e.getenv == nil {
		return ""
	}
	return e.getenv(cache.EnvDir)
}

// readFacts runs stage 1 of a command whose analysis consumes facts
// (sinks: the Builders), and returns the ingest result of PATHs:
//
//   - with --facts, PATHs are read for credential reports and credentials
//     files only, and the fact sets feed the sinks;
//   - with --cache, cache.Run reads the CloudTrail among PATHs, parsing
//     only the files it has not seen;
//   - otherwise a facts.Aggregator turns the CloudTrail among PATHs into
//     facts in the same pass.
//
// events are extra event sinks (export's events table, trace's activity):
// they need the logs, so --facts and --cache are refused with them.
//
// cols are the event columns the sinks need from the native path (the
// others are left null, as omitFor does for event sinks).
func readFacts(ctx context.Context, e *env, f *inputFlags, mem memory.Allocator, paths []string, cols []int, sinks []facts.ViewSink, events ...ingest.EventSink) (*ingest.Result, error) {
	ff := &f.fx
	dir := ff.cacheDir(e)
	if len(events) > 0 && ff.cache == "" {
		dir = "" // $KEYAUDIT_CACHE_DIR serves the commands that read facts only
	}
	switch {
	case len(ff.dirs) > 0 && ff.cache != "":
		return nil, usageErr("--facts and --cache do not go together: facts sets are already reduced")
	case len(ff.dirs) > 0 && len(events) > 0, dir != "" && len(events) > 0:
		return nil, usageErr("this command reads events: --facts and --cache are not for it")
	}
	as := make([]facts.Sink, len(sinks))
	for i, s := range sinks {
		as[i] = facts.SinkOf(s)
	}
	if len(ff.dirs) > 0 {
		return readFactSets(ctx, e, f, ff, mem, paths, as)
	}
	if dir != "" {
		return readCached(ctx, e, f, dir, mem, paths, as)
	}
	// The native path: each event shown to the Builders as one-event fact
	// rows, in place (facts.Projector); nothing is grouped in between.
	p := facts.NewProjector(sinks)
	all := append([]ingest.EventSink{reads(cols, p.Events)}, events...)
	return readInputs(ctx, e, f, mem, paths, all...)
}

// errLogsWithFacts is the sink of the credential-report pass of --facts:
// CloudTrail among PATHs is a usage error, not a silent second source.
var errLogsWithFacts = errors.New("CloudTrail events among the PATHs: with --facts, give only credential reports (the facts already hold the logs)")

type refuseEvents struct{}

func (refuseEvents) Events(arrow.Record) error { return errLogsWithFacts }

func readFactSets(ctx context.Context, e *env, f *inputFlags, ff *factFlags, mem memory.Allocator, paths []string, sinks []facts.Sink) (*ingest.Result, error) {
	for _, d := range ff.dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return nil, usageErr("--facts %s: not a directory", d)
		}
	}
	var res *ingest.Result
	if len(paths) > 0 {
		var err error
		res, err = readInputs(ctx, e, f, mem, paths, refuseEvents{})
		if errors.Is(err, errLogsWithFacts) {
			return nil, usageErr("%v", err)
		}
		if err != nil {
			return res, err
		}
	} else {
		res = &ingest.Result{Stats: map[ingest.Kind]*ingest.Counts{}}
	}
	st, err := facts.Read(ctx, mem, ff.dirs, sinks...)
	if err != nil {
		return res, &exitError{code: exitUsage, err: err}
	}
	for _, w := range st.Warnings {
		fmt.Fprintf(e.stderr, "keyaudit: %s\n", termtext.Escape(w))
	}
	if !f.quiet {
		var rows [facts.NumTables]int64
		for t := range rows {
			rows[t] = st.Rows(facts.Table(t))
		}
		printFactRows(e.stderr, "read", rows, strings.Join(ff.dirs, ", "))
	}
	return res, nil
}

func readCached(ctx context.Context, e *env, f *inputFlags, dir string, mem memory.Allocator, paths []string, sinks []facts.Sink) (*ingest.Result, error) {
	c, err := cache.Open(dir)
	if errors.Is(err, cache.ErrNotCache) {
		return nil, usageErr("--cache %s: %v", dir, err)
	}
	if err != nil {
		return nil, err
	}
	c.Producer = buildVersion()
	var cst cache.Stats
	run := func(ctx context.Context, paths []string, opts ingest.Options, _ ingest.EventSink) (*ingest.Result, error) {
		res, st, err := cache.Run(ctx, paths, opts, c, sinks...)
		cst = st
		return res, err
	}
	// The cache's reader builds facts: the sink only declares the columns
	// it needs (the rest are not copied).
	cols := reads(facts.EventColumns(), func(arrow.Record) error { return nil })
	res, err := readInputsWith(ctx, e, f, mem, paths, run, func() map[ingest.Kind]*cache.Cached { return cst.Cached }, cols)
	for _, p := range cst.Problems {
		fmt.Fprintf(e.stderr, "keyaudit: cache: %s\n", termtext.Escape(p))
	}
	return res, err
}
