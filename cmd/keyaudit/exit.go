package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keyaudit/keyaudit/internal/termtext"
)

// Exit codes, documented in the README and in --help.
const (
	exitOK        = 0   // ran; nothing at or above --fail-on
	exitFindings  = 1   // --fail-on SEVERITY was met
	exitUsage     = 2   // usage error, or an input error under --strict / no usable input
	exitPartial   = 3   // collect: some accounts or regions were not collected
	exitInterrupt = 130 // SIGINT or SIGTERM
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error // nil: exit silently with code
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is a mistake the user can fix: one line, exit 2.
func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// exitCode prints err (one line) and returns the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, context.Canceled) {
		cleanupAll()
		fmt.Fprintln(stderr, "keyaudit: interrupted; partial outputs removed")
		return exitInterrupt
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "keyaudit: "+oneLine(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "keyaudit: "+oneLine(err.Error()))
	return exitUsage
}

// oneLine makes an error message one line fit for a terminal: the lines of
// a multi-line message are joined by "; ", and any other control
// character (from a file name or log text it quotes) is escaped.
func oneLine(s string) string {
	return termtext.Escape(strings.ReplaceAll(strings.TrimSpace(s), "\n", "; "))
}
