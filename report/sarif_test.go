package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/internal/golden"
	"github.com/keyaudit/keyaudit/report"
)

var sarifTool = report.SARIFTool{
	Name: "keyaudit", Version: "test", InformationURI: "https://github.com/keyaudit/keyaudit",
	Rules: []report.SARIFRule{
		{ID: "rotate-now", ShortDescription: "Leaked key is active", Help: "Create a new key, move applications, deactivate, delete.",
			DefaultLevel: report.LevelError, Tags: []string{"security"}, SecuritySeverity: "9.5"},
		{ID: "not-ours", ShortDescription: "Leaked key of another account", DefaultLevel: report.LevelNote},
	},
}

func TestSARIF(t *testing.T) {
	var b bytes.Buffer
	w, err := report.NewSARIFWriter(&b, sarifTool)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Write(report.SARIFResult{
		RuleID: "rotate-now", Level: report.LevelError, Message: "AKIAEXAMPLE is active",
		Locations:           []report.SARIFLocation{{URI: "config/prod.env", StartLine: 3}},
		PartialFingerprints: map[string]string{"z": "2", "a": "1"},
	}, report.SARIFResult{
		RuleID: "not-ours", Message: "key of account 210987654321 \x1b[31m",
		Locations: []report.SARIFLocation{{Logical: []report.SARIFLogicalLocation{{Name: "210987654321", Kind: "namespace"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := report.CheckSARIF(bytes.NewReader(b.Bytes())); err != nil {
		t.Fatalf("CheckSARIF: %v\n%s", err, b.String())
	}
	var doc any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if bytes.Contains(b.Bytes(), []byte("\x1b")) {
		t.Error("a control character reached the output unescaped")
	}
	golden.Check(t, "testdata/TestSARIF.golden", b.Bytes())
}

func TestSARIFEmpty(t *testing.T) {
	var b bytes.Buffer
	w, err := report.NewSARIFWriter(&b, sarifTool)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := report.CheckSARIF(&b); err != nil {
		t.Fatal(err)
	}
}

func TestSARIFRejects(t *testing.T) {
	if _, err := report.NewSARIFWriter(&bytes.Buffer{}, report.SARIFTool{}); !errors.Is(err, report.ErrSARIF) {
		t.Errorf("no tool name: %v", err)
	}
	dup := report.SARIFTool{Name: "x", Rules: []report.SARIFRule{{ID: "a"}, {ID: "a"}}}
	if _, err := report.NewSARIFWriter(&bytes.Buffer{}, dup); !errors.Is(err, report.ErrSARIF) {
		t.Errorf("duplicate rule: %v", err)
	}
	loc := []report.SARIFLocation{{URI: "f", StartLine: 1}}
	for name, r := range map[string]report.SARIFResult{
		"unknown rule": {RuleID: "nope", Message: "m", Locations: loc},
		"bad level":    {RuleID: "not-ours", Level: "fatal", Message: "m", Locations: loc},
		"no message":   {RuleID: "not-ours", Locations: loc},
		"no location":  {RuleID: "not-ours", Message: "m"},
		"empty loc":    {RuleID: "not-ours", Message: "m", Locations: []report.SARIFLocation{{}}},
	} {
		var b bytes.Buffer
		w, _ := report.NewSARIFWriter(&b, sarifTool)
		if err := w.Write(r); !errors.Is(err, report.ErrSARIF) {
			t.Errorf("%s: %v", name, err)
		}
		if b.Len() != 0 {
			t.Errorf("%s: a failing Write wrote %q", name, b.String())
		}
	}
}

func TestCheckSARIF(t *testing.T) {
	for name, doc := range map[string]string{
		"version":   `{"$schema":"s","runs":[]}`,
		"no runs":   `{"version":"2.1.0","$schema":"s","runs":[]}`,
		"no driver": `{"version":"2.1.0","$schema":"s","runs":[{"tool":{},"results":[]}]}`,
		"no rules":  `{"version":"2.1.0","$schema":"s","runs":[{"tool":{"driver":{"name":"x"}},"results":[]}]}`,
		"rule":      `{"version":"2.1.0","$schema":"s","runs":[{"tool":{"driver":{"name":"x","rules":[]}},"results":[{"ruleId":"a","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"f"}}}]}]}]}`,
		"message":   `{"version":"2.1.0","$schema":"s","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"a"}]}},"results":[{"ruleId":"a","locations":[{"physicalLocation":{"artifactLocation":{"uri":"f"}}}]}]}]}`,
		"location":  `{"version":"2.1.0","$schema":"s","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"a"}]}},"results":[{"ruleId":"a","message":{"text":"m"},"locations":[]}]}]}`,
		"line":      `{"version":"2.1.0","$schema":"s","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"a"}]}},"results":[{"ruleId":"a","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"f"},"region":{"startLine":0}}}]}]}]}`,
	} {
		if err := report.CheckSARIF(strings.NewReader(doc)); !errors.Is(err, report.ErrSARIF) {
			t.Errorf("%s: CheckSARIF = %v, want ErrSARIF", name, err)
		}
	}
}

func TestFormatForPathSARIF(t *testing.T) {
	if f, ok := report.FormatForPath("out/Leaks.SARIF"); !ok || f != report.FormatSARIF {
		t.Errorf("FormatForPath(.SARIF) = %q, %v", f, ok)
	}
}
