package credreport

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// datasetsDir returns the shared credential-report samples folder, or skips
// the test when it is absent.
func datasetsDir(t testing.TB) string {
	t.Helper()
	dir, err := findDatasets()
	if err != nil {
		t.Skipf("shared credential-report samples not found (set KEYAUDIT_DATASETS): %v", err)
	}
	return dir
}

// findDatasets locates <datasets>/credential-reports, where <datasets> is
// $KEYAUDIT_DATASETS or ../shared/datasets from the directory holding
// go.mod.
func findDatasets() (string, error) {
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
	dir := filepath.Join(root, "credential-reports")
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// errStrings renders errors for comparisons and failure messages.
func errStrings(errs []*ParseError) []string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return s
}

func ptr[T any](v T) *T { return &v }
