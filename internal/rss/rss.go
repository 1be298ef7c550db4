package rss

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// Result is what Run measured.
type Result struct {
	Wall     time.Duration
	User     time.Duration
	Sys      time.Duration
	MaxRSSKB int64 // peak resident set size in KiB
	ExitCode int   // -1 when killed by a signal
}

// ErrNoCommand is returned when Run is given an empty argv.
var ErrNoCommand = errors.New("rss: no command")

// Run runs argv with the given standard streams and waits for it. A
// non-zero exit is not an error: it is reported in Result.ExitCode. The
// clock is read through now so tests can fix it.
func Run(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer, now func() time.Time) (Result, error) {
	if len(argv) == 0 {
		return Result{}, ErrNoCommand
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	start := now()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("rss: start %.64s: %w", argv[0], err)
	}
	werr := cmd.Wait()
	res := Result{Wall: now().Sub(start)}
	ps := cmd.ProcessState
	if ps == nil {
		return res, fmt.Errorf("rss: wait %.64s: %w", argv[0], werr)
	}
	res.ExitCode = ps.ExitCode()
	res.User, res.Sys = ps.UserTime(), ps.SystemTime()
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		res.MaxRSSKB = int64(ru.Maxrss)
	}
	var ee *exec.ExitError
	if werr != nil && !errors.As(werr, &ee) {
		return res, fmt.Errorf("rss: wait %.64s: %w", argv[0], werr)
	}
	return res, nil
}

// Format renders r as one line of key=value pairs after label.
func (r Result) Format(label string) string {
	return fmt.Sprintf("%s wall_s=%.3f user_s=%.3f sys_s=%.3f maxrss_kb=%d exit=%d",
		label, r.Wall.Seconds(), r.User.Seconds(), r.Sys.Seconds(), r.MaxRSSKB, r.ExitCode)
}
