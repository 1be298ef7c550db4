package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionString(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"go install @version", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v1.4.0"}},
			"keyaudit v1.4.0 (go1.26.1)"},
		{"local build from a checkout", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "90b4ee2c0ffee1234567890abcdef"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"keyaudit (devel) (commit 90b4ee2c0ffe (modified), 2026-12-01T10:00:00Z, go1.26.1)"},
		{"no module version", &debug.BuildInfo{GoVersion: "go1.26.1"}, "keyaudit (devel) (go1.26.1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString(tt.bi, true); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got := versionString(nil, false); got != "keyaudit (unknown version: built without module information)" {
		t.Errorf("without build info: %q", got)
	}
}

// TestVersionCommand: --version and version print the same one line.
func TestVersionCommand(t *testing.T) {
	code1, out1, _ := runCLI(t, "", "--version")
	code2, out2, _ := runCLI(t, "", "version")
	if code1 != 0 || code2 != 0 || out1 != out2 || out1 != buildVersion()+"\n" {
		t.Errorf("--version: %d %q; version: %d %q; want %q", code1, out1, code2, out2, buildVersion())
	}
}
