package datasets

import (
	"strings"
	"testing"
)

func TestMissing(t *testing.T) {
	t.Setenv("KEYAUDIT_DATASETS", t.TempDir()+"/nowhere")
	msg := Missing()
	if !strings.Contains(msg, "SKIPPED") || !strings.Contains(msg, "KEYAUDIT_DATASETS=") || strings.Contains(msg, "\n") {
		t.Errorf("Missing() = %q, want one line saying the tests were skipped and how to run them", msg)
	}
	t.Setenv("KEYAUDIT_DATASETS", t.TempDir()) // exists but empty
	if Missing() == "" {
		t.Error("an empty datasets folder counts as present")
	}
}
