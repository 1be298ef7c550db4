package main

import (
	"bytes"
	"strings"
	"testing"
)

// runEnv runs keyaudit with stdout a terminal or not and the given
// environment, whatever the real terminal and environment are.
func runEnv(t *testing.T, tty bool, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, stdoutTTY: tty,
		getenv: func(k string) string { return environ[k] }}
	root := newRootCmd(e)
	root.SetArgs(args)
	code := exitCode(root.Execute(), &errb)
	return code, out.String(), errb.String()
}

func TestColor(t *testing.T) {
	term := map[string]string{"TERM": "xterm-256color", "NO_COLOR": ""}
	with := func(k, v string) map[string]string {
		m := map[string]string{"TERM": "xterm-256color", "NO_COLOR": ""}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		tty     bool
		environ map[string]string
		flags   []string
		want    bool
	}{
		{"terminal", true, term, nil, true},
		{"auto on a terminal", true, term, []string{"--color", "auto"}, true},
		{"piped", false, term, nil, false},
		{"NO_COLOR", true, with("NO_COLOR", "1"), nil, false},
		{"NO_COLOR empty", true, with("NO_COLOR", ""), nil, true},
		{"TERM=dumb", true, with("TERM", "dumb"), nil, false},
		{"never", true, term, []string{"--color", "never"}, false},
		{"never=", true, term, []string{"--color=never"}, false},
		{"always piped", false, term, []string{"--color", "always"}, true},
		{"always beats NO_COLOR", false, with("NO_COLOR", "1"), []string{"--color=always"}, true},
		{"always beats TERM=dumb", true, with("TERM", "dumb"), []string{"--color=always"}, true},
		{"flag before the command", true, term, []string{"--color=never"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"audit", "-q", "--as-of", "2026-11-01", demo}, tt.flags...)
			if tt.name == "flag before the command" {
				args = append(tt.flags, "audit", "-q", "--as-of", "2026-11-01", demo)
			}
			code, out, stderr := runEnv(t, tt.tty, tt.environ, args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if got := strings.Contains(out, "\x1b[1;31mcritical\x1b[0m"); got != tt.want {
				t.Errorf("colour %v, want %v:\n%q", got, tt.want, out[:min(len(out), 600)])
			}
			if !tt.want && strings.Contains(out, "\x1b") {
				t.Errorf("an escape sequence was written:\n%q", out)
			}
		})
	}
	t.Run("bad value", func(t *testing.T) {
		code, _, stderr := runEnv(t, true, term, "audit", "--color", "sometimes", demo)
		if code != exitUsage || !strings.Contains(stderr, `"sometimes"`) || !strings.Contains(stderr, "never, auto or always") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("help", func(t *testing.T) {
		_, out, _ := runEnv(t, false, term, "keys", "--help")
		if !strings.Contains(out, "--color") || !strings.Contains(out, "NO_COLOR") {
			t.Errorf("keys --help does not describe --color:\n%s", out)
		}
	})
}
