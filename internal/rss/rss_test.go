package rss

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(1500 * time.Millisecond); return t }
}

func TestRun(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name     string
		argv     []string
		exit     int
		out      string
		minRSSKB int64
	}{
		{"ok", []string{"sh", "-c", "echo hi"}, 0, "hi\n", 1},
		{"exit code", []string{"sh", "-c", "exit 3"}, 3, "", 1},
		// A child allocating ~40 MB must show up in the peak RSS.
		{"child rss", []string{"sh", "-c", "head -c 40000000 /dev/zero | tr '\\0' x | sort >/dev/null"}, 0, "", 30000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r, err := Run(context.Background(), tc.argv, nil, &out, &out, fixedClock())
			if err != nil {
				t.Fatal(err)
			}
			if r.ExitCode != tc.exit || out.String() != tc.out {
				t.Fatalf("exit %d out %q, want %d %q", r.ExitCode, out.String(), tc.exit, tc.out)
			}
			if r.Wall != 1500*time.Millisecond {
				t.Errorf("wall %v", r.Wall)
			}
			if r.MaxRSSKB < tc.minRSSKB {
				t.Errorf("maxrss %d KiB, want >= %d", r.MaxRSSKB, tc.minRSSKB)
			}
			if line := r.Format("x"); !strings.HasPrefix(line, "x wall_s=1.500 ") {
				t.Errorf("Format = %q", line)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(context.Background(), nil, nil, nil, nil, time.Now); !errors.Is(err, ErrNoCommand) {
		t.Errorf("empty argv: %v", err)
	}
	if _, err := Run(context.Background(), []string{"/nonexistent/binary"}, nil, nil, nil, time.Now); err == nil {
		t.Error("missing binary: want error")
	}
}
