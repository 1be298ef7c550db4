package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/keyaudit/keyaudit/internal/golden"
)

func TestMain(m *testing.M) {
	// The signal test runs this binary as keyaudit itself.
	if os.Getenv("KEYAUDIT_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(testscript.RunMain(m, map[string]func() int{
		"keyaudit": func() int { return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) },
	}))
}

// TestScripts runs the end-to-end scripts in testdata/script: exit codes,
// stderr and output files of real command lines over the demo data ($DEMO),
// the scanner reports over it ($LEAKS), the signed bucket copy of verify
// ($VERIFY) and the audit baselines ($BASELINE).
// `go test ./cmd/keyaudit -update` rewrites their expected outputs.
func TestScripts(t *testing.T) {
	demo, err := filepath.Abs("../../testdata/demo")
	if err != nil {
		t.Fatal(err)
	}
	leaks, err := filepath.Abs("../../testdata/leaks")
	if err != nil {
		t.Fatal(err)
	}
	fixture, err := filepath.Abs("../../verify/testdata/fixture")
	if err != nil {
		t.Fatal(err)
	}
	baseline, err := filepath.Abs("../../testdata/baseline")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: golden.Update(),
		Setup: func(e *testscript.Env) error {
			e.Setenv("DEMO", demo)
			e.Setenv("LEAKS", leaks)
			e.Setenv("VERIFY", fixture)
			e.Setenv("BASELINE", baseline)
			return nil
		},
	})
}
