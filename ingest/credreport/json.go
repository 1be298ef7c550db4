package credreport

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Formats of a parsed report (Report.Format).
const (
	FormatCSV        = "csv"         // plain CSV file
	FormatJSONBase64 = "json-base64" // aws iam get-credential-report output: Content is base64
	FormatJSONText   = "json-text"   // boto3/placebo recording: Content is the CSV text
)

// reportPayload is the GetCredentialReport (or GenerateCredentialReport)
// response, either at the top level (AWS CLI output) or under "data" (a
// boto3 placebo recording {"status_code": 200, "data": {...}}).
type reportPayload struct {
	Content       *string         `json:"Content"`
	ReportFormat  *string         `json:"ReportFormat"`
	GeneratedTime json.RawMessage `json:"GeneratedTime"`
	State         *string         `json:"State"`
	Error         *struct {
		Code string `json:"Code"`
	} `json:"Error"`
}

// envelope is the top level of a JSON file: both shapes in one struct.
type envelope struct {
	reportPayload
	StatusCode json.RawMessage `json:"status_code"`
	Data       *reportPayload  `json:"data"`
}

// jsonKind is what a decoded JSON file is.
type jsonKind int

const (
	jsonOther      jsonKind = iota // not credential-report JSON
	jsonReport                     // has Content
	jsonErrorReply                 // GetCredentialReport error recording
	jsonGenerate                   // GenerateCredentialReport response
)

// payload returns the response inside the file and what it is.
func (e *envelope) payload() (*reportPayload, jsonKind) {
	p := &e.reportPayload
	if e.Data != nil && len(e.StatusCode) > 0 {
		p = e.Data
	}
	switch {
	case p.Content != nil:
		return p, jsonReport
	case p.Error != nil && p.Error.Code != "":
		return p, jsonErrorReply
	case p.State != nil && isGenerateState(*p.State):
		return p, jsonGenerate
	}
	return p, jsonOther
}

// isReportErrorCode reports whether code is an error GetCredentialReport
// returns.
func isReportErrorCode(code string) bool {
	switch code {
	case "ReportNotPresent", "ReportInProgress", "ReportExpired", "ReportGenerationLimitExceeded":
		return true
	}
	return false
}

func isGenerateState(s string) bool {
	switch s {
	case "STARTED", "INPROGRESS", "COMPLETE":
		return true
	}
	return false
}

// parseJSON parses get-credential-report JSON in either shape.
func parseJSON(name string, data []byte) (*Report, []*ParseError) {
	fileErr := func(err error) []*ParseError { return []*ParseError{{File: name, Err: err}} }
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fileErr(jsonError(err))
	}
	p, kind := env.payload()
	switch kind {
	case jsonErrorReply:
		code := p.Error.Code
		if !isReportErrorCode(code) {
			code = safeValue(code)
		}
		return nil, fileErr(fmt.Errorf("%w: %s", ErrNoReport, code))
	case jsonGenerate:
		return nil, fileErr(fmt.Errorf("%w: GenerateCredentialReport response, State %s", ErrNoReport, *p.State))
	case jsonOther:
		return nil, fileErr(fmt.Errorf("%w: JSON without a Content field", ErrNotReport))
	}
	if p.ReportFormat != nil && *p.ReportFormat != "text/csv" {
		return nil, []*ParseError{{File: name, Column: "ReportFormat",
			Err: fmt.Errorf("%w: ReportFormat %s, want text/csv", ErrNotReport, safeValue(*p.ReportFormat))}}
	}
	csvText, format, err := decodeContent(*p.Content)
	if err != nil {
		return nil, []*ParseError{{File: name, Column: "Content", Err: err}}
	}
	rep, errs := parseCSV(name, csvText, format, true)
	if rep == nil {
		return nil, errs
	}
	if len(p.GeneratedTime) > 0 && string(p.GeneratedTime) != "null" {
		t, err := parseGeneratedTime(p.GeneratedTime)
		if err != nil {
			errs = append(errs, &ParseError{File: name, Column: "GeneratedTime", Err: err})
		} else {
			rep.GeneratedTime = t
		}
	}
	return rep, errs
}

// decodeContent returns the CSV text of a Content field: the field itself
// when it starts like a credential report, else its base64 decoding.
func decodeContent(content string) ([]byte, string, error) {
	if startsLikeReport([]byte(content)) {
		return []byte(content), FormatJSONText, nil
	}
	clean := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, content)
	dec, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		dec, err = base64.RawStdEncoding.DecodeString(clean)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: neither credential report CSV text nor base64", ErrContent)
	}
	if !startsLikeReport(dec) {
		return nil, "", fmt.Errorf("%w: base64 Content does not decode to a credential report (header %s...)", ErrContent, headerPrefix)
	}
	return dec, FormatJSONBase64, nil
}

// startsLikeReport reports whether b starts with the credential report
// header, after an optional BOM.
func startsLikeReport(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte(bom))
	return len(b) >= len(headerPrefix) && strings.EqualFold(string(b[:len(headerPrefix)]), headerPrefix)
}

// parseGeneratedTime accepts an RFC 3339 string (AWS CLI), a placebo
// datetime object {"__class__": "datetime", "year": ..., "microsecond": ...}
// (naive, taken as UTC, as boto3 returns UTC), or a number of seconds since
// the Unix epoch.
func parseGeneratedTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %s is not RFC 3339", ErrGeneratedTime, safeValue(s))
		}
		return t.UTC(), nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		if f < 0 || f > 253402300799 { // up to 9999-12-31
			return time.Time{}, fmt.Errorf("%w: epoch seconds out of range", ErrGeneratedTime)
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	var d struct {
		Class       string `json:"__class__"`
		Year        *int   `json:"year"`
		Month       *int   `json:"month"`
		Day         *int   `json:"day"`
		Hour        int    `json:"hour"`
		Minute      int    `json:"minute"`
		Second      int    `json:"second"`
		Microsecond int    `json:"microsecond"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return time.Time{}, fmt.Errorf("%w: neither a string, a number nor a datetime object", ErrGeneratedTime)
	}
	if d.Class != "" && d.Class != "datetime" {
		return time.Time{}, fmt.Errorf("%w: __class__ %s, want datetime", ErrGeneratedTime, safeValue(d.Class))
	}
	if d.Year == nil || d.Month == nil || d.Day == nil {
		return time.Time{}, fmt.Errorf("%w: datetime object without year, month or day", ErrGeneratedTime)
	}
	if *d.Year < 1 || *d.Year > 9999 || *d.Month < 1 || *d.Month > 12 || *d.Day < 1 || *d.Day > 31 ||
		d.Hour < 0 || d.Hour > 23 || d.Minute < 0 || d.Minute > 59 || d.Second < 0 || d.Second > 60 ||
		d.Microsecond < 0 || d.Microsecond > 999999 {
		return time.Time{}, fmt.Errorf("%w: datetime field out of range", ErrGeneratedTime)
	}
	t := time.Date(*d.Year, time.Month(*d.Month), *d.Day, d.Hour, d.Minute, d.Second, d.Microsecond*1000, time.UTC)
	if t.Day() != *d.Day {
		return time.Time{}, fmt.Errorf("%w: no such day", ErrGeneratedTime)
	}
	return t, nil
}

// jsonError describes a JSON decoding error by position only: the messages
// of encoding/json can quote input.
func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: syntax error at byte %d", ErrJSON, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%w: field %s has the wrong type (%s)", ErrJSON, safeValue(te.Field), te.Value)
	}
	return fmt.Errorf("%w: cannot decode", ErrJSON)
}
