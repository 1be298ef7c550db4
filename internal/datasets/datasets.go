// Package datasets locates the shared public sample data that tests run
// over: $KEYAUDIT_DATASETS, else ../shared/datasets beside the directory
// that holds go.mod. Tests skip, with a message, when it is absent, so a
// clone elsewhere still passes.
package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Find returns <datasets>/sub, or an error saying why it is not there.
func Find(sub string) (string, error) {
	root := os.Getenv("KEYAUDIT_DATASETS")
	if root == "" {
		dir, err := os.Getwd()
		if err != nil {
			return "", err
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return "", errors.New("no go.mod above the test directory")
			}
			dir = parent
		}
		root = filepath.Join(dir, "..", "shared", "datasets")
	}
	p := filepath.Join(root, sub)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// Dir returns <datasets>/sub, or skips the test when it is absent.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	p, err := Find(sub)
	if err != nil {
		t.Skipf("shared sample data %q not found (set KEYAUDIT_DATASETS to its folder): %v", sub, err)
	}
	return p
}

// Missing returns "" when the shared sample data is there, else one line
// saying that the tests over it were skipped and how to run them; make
// test prints it last so that it is not lost in the test output.
func Missing() string {
	root, err := Find("")
	if err == nil {
		if entries, err := os.ReadDir(root); err == nil && len(entries) > 0 {
			return ""
		}
	}
	where := "../shared/datasets beside this checkout"
	if env := os.Getenv("KEYAUDIT_DATASETS"); env != "" {
		where = "KEYAUDIT_DATASETS=" + env
	}
	return "*** make test: the real-dataset tests were SKIPPED (no sample data at " + where +
		"); set KEYAUDIT_DATASETS to the datasets folder, or put it at ../shared/datasets, and run make test again"
}
