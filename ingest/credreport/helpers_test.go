package credreport

import (
	"os"
	"testing"

	"github.com/keyaudit/keyaudit/internal/datasets"
)

// datasetsDir returns the shared credential-report samples folder, or skips
// the test when it is absent.
func datasetsDir(t testing.TB) string { return datasets.Dir(t, "credential-reports") }

// findDatasets locates the shared credential-report samples.
func findDatasets() (string, error) { return datasets.Find("credential-reports") }

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
