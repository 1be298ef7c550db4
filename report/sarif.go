package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// FormatSARIF is the name of the SARIF 2.1.0 format. It is not among
// Formats(): SARIF carries results (a rule, a level, a message and where),
// not rows, so it is written with a SARIFWriter from results the caller
// builds, not with NewWriter from records.
const FormatSARIF = "sarif"

// SARIF document constants.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// SARIF result levels (SARIF 2.1.0 §3.27.10).
const (
	LevelError   = "error"
	LevelWarning = "warning"
	LevelNote    = "note"
	LevelNone    = "none"
)

// ErrSARIF is the cause of every error a SARIFWriter returns for a tool or
// result that SARIF 2.1.0 (or GitHub code scanning) would reject.
var ErrSARIF = errors.New("invalid SARIF")

// SARIFTool is the tool.driver of the single run a SARIFWriter writes.
type SARIFTool struct {
	Name           string // required
	Version        string
	InformationURI string
	Rules          []SARIFRule // every RuleID a result names must be here
}

// SARIFRule is one reportingDescriptor. GitHub code scanning shows
// ShortDescription as the alert title and Help as its help panel.
type SARIFRule struct {
	ID               string // required, unique
	Name             string
	ShortDescription string
	FullDescription  string
	Help             string // plain text
	HelpURI          string
	DefaultLevel     string // one of the Level constants; "" means warning, SARIF's default
	// Tags and SecuritySeverity (a number from 0.0 to 10.0 as a string:
	// GitHub maps over 9.0 to critical, 7.0 to high, 4.0 to medium) go in
	// the rule's properties.
	Tags             []string
	SecuritySeverity string
}

// SARIFResult is one result. Message is required, and at least one
// location: GitHub code scanning rejects results without one.
type SARIFResult struct {
	RuleID    string
	Level     string // one of the Level constants; "" takes the rule's default
	Message   string
	Locations []SARIFLocation
	// PartialFingerprints identify the result across runs (GitHub uses
	// them to track an alert); keep them deterministic.
	PartialFingerprints map[string]string
	Properties          map[string]any
	// Suppressed, when not "", marks the result suppressed outside the
	// tool's run (a suppression file), with this justification: GitHub
	// code scanning then shows it as dismissed.
	Suppressed string
}

// SARIFLocation is where a result is: a file region (physicalLocation,
// when URI is set) and/or logical locations (an account, a user, a key:
// things with no file).
type SARIFLocation struct {
	URI       string // relative to the repository root, with / separators
	StartLine int    // 1-based; 0 means no region
	Logical   []SARIFLogicalLocation
}

// SARIFLogicalLocation names a logical location (SARIF 2.1.0 §3.33).
type SARIFLogicalLocation struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"` // e.g. "namespace", "member", "resource"
}

// SARIFWriter writes one SARIF 2.1.0 log with one run: the tool and its
// rules first (on the first Write or at Close), the results as they come,
// then the closing brackets at Close. Like every Writer here it never closes
// the io.Writer it was given. Output is deterministic: results in the order
// written, map keys sorted.
type SARIFWriter struct {
	w       *bufio.Writer
	tool    SARIFTool
	index   map[string]int // rule ID → ruleIndex
	started bool
	results int
	closed  bool
}

// NewSARIFWriter checks tool (a name, unique rule IDs with valid default
// levels) and returns a writer for its results.
func NewSARIFWriter(w io.Writer, tool SARIFTool) (*SARIFWriter, error) {
	if tool.Name == "" {
		return nil, fmt.Errorf("new sarif writer: %w: tool has no name", ErrSARIF)
	}
	index := map[string]int{}
	for i, r := range tool.Rules {
		if r.ID == "" {
			return nil, fmt.Errorf("new sarif writer: %w: rule %d has no id", ErrSARIF, i)
		}
		if _, dup := index[r.ID]; dup {
			return nil, fmt.Errorf("new sarif writer: %w: rule %q listed twice", ErrSARIF, truncate(r.ID, 64))
		}
		if r.DefaultLevel != "" && !validLevel(r.DefaultLevel) {
			return nil, fmt.Errorf("new sarif writer: %w: rule %q: level %q", ErrSARIF, truncate(r.ID, 64), truncate(r.DefaultLevel, 16))
		}
		index[r.ID] = i
	}
	return &SARIFWriter{w: bufio.NewWriter(w), tool: tool, index: index}, nil
}

func validLevel(l string) bool {
	return l == LevelError || l == LevelWarning || l == LevelNote || l == LevelNone
}

// The JSON shapes of SARIF 2.1.0, as far as the writer uses them.
type (
	sarifText struct {
		Text string `json:"text"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name,omitempty"`
		ShortDescription     *sarifText     `json:"shortDescription,omitempty"`
		FullDescription      *sarifText     `json:"fullDescription,omitempty"`
		Help                 *sarifText     `json:"help,omitempty"`
		HelpURI              string         `json:"helpUri,omitempty"`
		DefaultConfiguration *sarifLevel    `json:"defaultConfiguration,omitempty"`
		Properties           map[string]any `json:"properties,omitempty"`
	}
	sarifLevel struct {
		Level string `json:"level"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level,omitempty"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
		Suppressions        []sarifSuppress   `json:"suppressions,omitempty"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifSuppress struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical         `json:"physicalLocation,omitempty"`
		LogicalLocations []SARIFLogicalLocation `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *sarifRegion `json:"region,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
)

func text(s string) *sarifText {
	if s == "" {
		return nil
	}
	return &sarifText{s}
}

func (w *SARIFWriter) begin() error {
	w.started = true
	d := sarifDriver{Name: w.tool.Name, Version: w.tool.Version, InformationURI: w.tool.InformationURI, Rules: []sarifRule{}}
	for _, r := range w.tool.Rules {
		sr := sarifRule{ID: r.ID, Name: r.Name, ShortDescription: text(r.ShortDescription),
			FullDescription: text(r.FullDescription), Help: text(r.Help), HelpURI: r.HelpURI}
		if r.DefaultLevel != "" {
			sr.DefaultConfiguration = &sarifLevel{r.DefaultLevel}
		}
		if len(r.Tags) > 0 || r.SecuritySeverity != "" {
			sr.Properties = map[string]any{}
			if len(r.Tags) > 0 {
				sr.Properties["tags"] = r.Tags
			}
			if r.SecuritySeverity != "" {
				sr.Properties["security-severity"] = r.SecuritySeverity
			}
		}
		d.Rules = append(d.Rules, sr)
	}
	driver, err := json.Marshal(d)
	if err != nil {
		return err
	}
	fmt.Fprintf(w.w, "{\n\"version\":%q,\n\"$schema\":%q,\n\"runs\":[{\n\"tool\":{\"driver\":%s},\n\"results\":[", SARIFVersion, SARIFSchema, driver)
	return nil
}

// Write checks and appends results: each names a rule of the tool, has a
// valid level (or none), a message and at least one location, each
// location a URI or a logical location, lines 1-based. Nothing of a
// failing call is written.
func (w *SARIFWriter) Write(results ...SARIFResult) error {
	if w.closed {
		return fmt.Errorf("write sarif: %w", ErrClosed)
	}
	encoded := make([][]byte, 0, len(results))
	for i, r := range results {
		b, err := w.encode(r)
		if err != nil {
			return fmt.Errorf("write sarif: result %d: %w", w.results+i, err)
		}
		encoded = append(encoded, b)
	}
	if !w.started {
		if err := w.begin(); err != nil {
			return fmt.Errorf("write sarif: %w", err)
		}
	}
	for _, b := range encoded {
		if w.results > 0 {
			w.w.WriteByte(',')
		}
		w.w.WriteByte('\n')
		w.w.Write(b)
		w.results++
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

func (w *SARIFWriter) encode(r SARIFResult) ([]byte, error) {
	idx, ok := w.index[r.RuleID]
	if !ok {
		return nil, fmt.Errorf("%w: rule %q is not among the tool's rules", ErrSARIF, truncate(r.RuleID, 64))
	}
	if r.Level != "" && !validLevel(r.Level) {
		return nil, fmt.Errorf("%w: level %q", ErrSARIF, truncate(r.Level, 16))
	}
	if r.Message == "" {
		return nil, fmt.Errorf("%w: no message", ErrSARIF)
	}
	if len(r.Locations) == 0 {
		return nil, fmt.Errorf("%w: no location", ErrSARIF)
	}
	out := sarifResult{RuleID: r.RuleID, RuleIndex: idx, Level: r.Level, Message: sarifText{r.Message},
		PartialFingerprints: r.PartialFingerprints, Properties: r.Properties}
	if r.Suppressed != "" {
		out.Suppressions = []sarifSuppress{{Kind: "external", Justification: r.Suppressed}}
	}
	for _, l := range r.Locations {
		if l.URI == "" && len(l.Logical) == 0 {
			return nil, fmt.Errorf("%w: a location has neither a URI nor a logical location", ErrSARIF)
		}
		if l.StartLine < 0 {
			return nil, fmt.Errorf("%w: line %d", ErrSARIF, l.StartLine)
		}
		var sl sarifLocation
		if l.URI != "" {
			sl.PhysicalLocation = &sarifPhysical{}
			sl.PhysicalLocation.ArtifactLocation.URI = l.URI
			if l.StartLine > 0 {
				sl.PhysicalLocation.Region = &sarifRegion{l.StartLine}
			}
		}
		sl.LogicalLocations = l.Logical
		out.Locations = append(out.Locations, sl)
	}
	return json.Marshal(out) // map keys are sorted: deterministic
}

// Close writes the end of the log (an empty results array when nothing was
// written) and flushes. It does not close the underlying io.Writer.
// Calling Close twice is a no-op.
func (w *SARIFWriter) Close() error {
	if w.closed {
		return nil
	}
	if !w.started {
		if err := w.begin(); err != nil {
			return fmt.Errorf("close sarif: %w", err)
		}
	}
	w.closed = true
	w.w.WriteString("\n]\n}]\n}\n")
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("close sarif: %w", err)
	}
	return nil
}

// CheckSARIF reads a SARIF log and checks what SARIF 2.1.0 requires and
// GitHub code scanning relies on: version 2.1.0, $schema, at least one run,
// each with tool.driver.name and rules (unique ids), each result with a
// ruleId among them (ruleIndex pointing at it when set), a level SARIF
// knows, message.text and at least one location with an artifact URI or a
// logical location, lines 1-based. It is for tests and for checking a file
// before uploading it.
func CheckSARIF(r io.Reader) error {
	var log struct {
		Version *string `json:"version"`
		Schema  *string `json:"$schema"`
		Runs    []struct {
			Tool *struct {
				Driver *struct {
					Name  string `json:"name"`
					Rules *[]struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results *[]struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   *struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation *struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
					LogicalLocations []SARIFLogicalLocation `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&log); err != nil {
		return fmt.Errorf("%w: %v", ErrSARIF, err)
	}
	switch {
	case log.Version == nil || *log.Version != SARIFVersion:
		return fmt.Errorf("%w: version is not %s", ErrSARIF, SARIFVersion)
	case log.Schema == nil || *log.Schema == "":
		return fmt.Errorf("%w: no $schema", ErrSARIF)
	case len(log.Runs) == 0:
		return fmt.Errorf("%w: no run", ErrSARIF)
	}
	for ri, run := range log.Runs {
		if run.Tool == nil || run.Tool.Driver == nil || run.Tool.Driver.Name == "" {
			return fmt.Errorf("%w: run %d: no tool.driver.name", ErrSARIF, ri)
		}
		if run.Tool.Driver.Rules == nil {
			return fmt.Errorf("%w: run %d: no tool.driver.rules", ErrSARIF, ri)
		}
		rules := map[string]int{}
		for i, rule := range *run.Tool.Driver.Rules {
			if rule.ID == "" {
				return fmt.Errorf("%w: run %d: rule %d has no id", ErrSARIF, ri, i)
			}
			if _, dup := rules[rule.ID]; dup {
				return fmt.Errorf("%w: run %d: rule %q twice", ErrSARIF, ri, rule.ID)
			}
			rules[rule.ID] = i
		}
		if run.Results == nil {
			return fmt.Errorf("%w: run %d: no results array", ErrSARIF, ri)
		}
		for i, res := range *run.Results {
			where := fmt.Sprintf("run %d result %d", ri, i)
			idx, ok := rules[res.RuleID]
			switch {
			case !ok:
				return fmt.Errorf("%w: %s: ruleId %q is not a rule of the driver", ErrSARIF, where, res.RuleID)
			case res.RuleIndex != nil && *res.RuleIndex != idx:
				return fmt.Errorf("%w: %s: ruleIndex %d is not rule %q", ErrSARIF, where, *res.RuleIndex, res.RuleID)
			case res.Level != "" && !validLevel(res.Level):
				return fmt.Errorf("%w: %s: level %q", ErrSARIF, where, res.Level)
			case res.Message == nil || res.Message.Text == "":
				return fmt.Errorf("%w: %s: no message.text", ErrSARIF, where)
			case len(res.Locations) == 0:
				return fmt.Errorf("%w: %s: no location", ErrSARIF, where)
			}
			for _, l := range res.Locations {
				p := l.PhysicalLocation
				if p == nil && len(l.LogicalLocations) == 0 {
					return fmt.Errorf("%w: %s: a location is neither physical nor logical", ErrSARIF, where)
				}
				if p != nil && (p.ArtifactLocation == nil || p.ArtifactLocation.URI == "") {
					return fmt.Errorf("%w: %s: physicalLocation without artifactLocation.uri", ErrSARIF, where)
				}
				if p != nil && p.Region != nil && p.Region.StartLine < 1 {
					return fmt.Errorf("%w: %s: startLine %d", ErrSARIF, where, p.Region.StartLine)
				}
			}
		}
	}
	return nil
}
