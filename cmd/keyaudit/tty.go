package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"
)

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// terminalWidth is the width tables are fitted to: $COLUMNS, else the
// terminal's size, else 0 (no limit) when stdout is not a terminal.
func terminalWidth(e *env) int {
	if !e.stdoutTTY {
		return 0
	}
	if n, err := strconv.Atoi(e.env("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := e.stdout.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 80
}

// env returns the environment variable key; "" when unset.
func (e *env) env(key string) string {
	if e.getenv == nil {
		return ""
	}
	return e.getenv(key)
}

// colorFlag is --color: never, auto (the default) or always.
type colorFlag string

const (
	colorNever  = "never"
	colorAuto   = "auto"
	colorAlways = "always"
)

func (f *colorFlag) String() string {
	if *f == "" {
		return colorAuto
	}
	return string(*f)
}

func (f *colorFlag) Set(s string) error {
	switch s {
	case colorNever, colorAuto, colorAlways:
		*f = colorFlag(s)
		return nil
	}
	return fmt.Errorf("want never, auto or always")
}

func (f *colorFlag) Type() string { return "WHEN" }

// colorTable says whether a table written to output ("" or "-" for stdout)
// gets colour: always with --color always; with auto only on a terminal
// whose TERM is not dumb, and when NO_COLOR is unset or empty
// (https://no-color.org).
func (e *env) colorTable(output string) bool {
	switch e.color.String() {
	case colorNever:
		return false
	case colorAlways:
		return true
	}
	toStdout := output == "" || output == "-"
	return toStdout && e.stdoutTTY && e.env("TERM") != "dumb" && e.env("NO_COLOR") == ""
}
