package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/report"
)

// env is what a command may touch of the outside world; tests replace it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stdoutTTY and stderrTTY say whether colour and progress are wanted.
	stdoutTTY, stderrTTY bool
	// getenv reads the environment (NO_COLOR, TERM, COLUMNS); nil is an
	// empty environment.
	getenv func(string) string
	// color is the global --color flag.
	color colorFlag
}

const exitCodesHelp = `Exit codes:
  0    ran; no finding at or above --fail-on
  1    --fail-on or --fail-on-new SEVERITY was met (audit), --fail-on VERDICT was met (triage), or
       --fail-on-tamper found a file not valid (verify, audit --verify)
  2    usage error (bad flag, bad --as-of, missing path, unwritable output, Parquet to a terminal),
       no usable input at all, or any input error under --strict
  3    collect: some accounts or regions could not be collected (without --allow-partial)
  130  interrupted (SIGINT/SIGTERM): workers stopped, partial outputs removed`

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "keyaudit",
		Short: "Audit AWS IAM access keys offline, from credential reports and CloudTrail logs",
		Long: `keyaudit audits AWS IAM access keys offline. Give it IAM credential reports
(CSV or the JSON of 'aws iam get-credential-report') and CloudTrail logs (the S3
delivery tree, .json/.json.gz files, 'aws cloudtrail lookup-events' output, JSON
lines); it finds stale, unused and root keys, builds the key inventory and
attributes every temporary (ASIA) key to the principal behind it.

PATH arguments are files, directories (walked recursively) or - for stdin. The
kind of each file is recognised from its content; files keyaudit does not
understand are listed as skipped, never fatal.

` + exitCodesHelp,
		Example: `  keyaudit audit --as-of 2026-11-01 reports/ AWSLogs/
  keyaudit keys -f csv -o keys.csv reports/ AWSLogs/
  keyaudit trace AKIA3KF6UTOH246HKXHC AWSLogs/
  keyaudit whois ASIAY34FZKBOKMUTVV7A`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.PersistentFlags().Var(&e.color, "color", "colour the table: never, always, or auto: only when stdout is a terminal, TERM is not dumb and NO_COLOR is unset or empty")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		newAuditCmd(e),
		newKeysCmd(e),
		newRotationCmd(e),
		newSessionsCmd(e),
		newWhoisCmd(e),
		newTraceCmd(e),
		newTriageCmd(e),
		newExportCmd(e),
		newVerifyCmd(e),
		newVersionCmd(e),
		newCollectCmd(e),
		newFactsCmd(e),
		newSQLCmd(e),
		newCacheCmd(e),
	)
	return root
}

// interruptGrace is how long workers get to stop after SIGINT/SIGTERM
// before the process removes its temporaries and exits anyway (a read
// blocked on a pipe cannot be cancelled).
const interruptGrace = 3 * time.Second

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr,
		stdoutTTY: isTerminal(stdout), stderrTTY: isTerminal(stderr), getenv: os.Getenv}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		cancel()
		time.Sleep(interruptGrace)
		cleanupAll()
		fmt.Fprintln(stderr, "keyaudit: interrupted; partial outputs removed")
		os.Exit(exitInterrupt)
	}()
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		err = unknownCommand(err, root.Name())
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return exitCode(err, stderr)
}

var (
	cleanupMu sync.Mutex
	cleanups  = map[*int]func(){}
)

// onInterrupt registers f to run if the process is interrupted; the
// returned function unregisters it.
func onInterrupt(f func()) (cancel func()) {
	key := new(int)
	cleanupMu.Lock()
	cleanups[key] = f
	cleanupMu.Unlock()
	return func() {
		cleanupMu.Lock()
		delete(cleanups, key)
		cleanupMu.Unlock()
	}
}

// cleanupAll removes every partial output: temporary files and folders.
func cleanupAll() {
	report.AbortAll()
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for _, f := range cleanups {
		f()
	}
}
