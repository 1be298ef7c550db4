package credreport

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
)

// sniffJSON recognises credential-report JSON from its first bytes. When
// head holds the whole file it is decoded; otherwise (a truncated head) it
// is matched against the start of the known shapes.
func sniffJSON(head []byte) bool {
	var env envelope
	if json.Unmarshal(head, &env) == nil {
		p, kind := env.payload()
		switch kind {
		case jsonReport:
			// A declared text/csv report is one even when its Content is
			// broken: Parse then says what is wrong with it.
			if p.ReportFormat != nil && *p.ReportFormat == "text/csv" {
				return true
			}
			_, _, err := decodeContent(*p.Content)
			return err == nil
		case jsonErrorReply:
			return isReportErrorCode(p.Error.Code)
		case jsonGenerate:
			return true
		}
		return false
	}
	if m := contentStart.FindSubmatchIndex(head); m != nil {
		return contentLooksLikeReport(head[m[1]:])
	}
	// A truncated placebo recording of an error or of a
	// GenerateCredentialReport response: the distinctive value may come
	// after a long ResponseMetadata, so look anywhere in head.
	if placeboStart.Match(head) {
		return reportErrorCode.Match(head) || generateState.Match(head)
	}
	// json.Marshal of a map writes "data" before "status_code".
	if placeboDataFirst.Match(head) {
		return reportErrorCode.Match(head)
	}
	return false
}

var (
	// contentStart matches up to the opening quote of a Content value at
	// the top level or under "data".
	contentStart     = regexp.MustCompile(`^\{\s*(?:"status_code"\s*:\s*\d+\s*,\s*)?(?:"data"\s*:\s*\{\s*)?(?:"[A-Za-z]+"\s*:\s*(?:"[^"\\]*"|\d+|\{[^{}]*\})\s*,\s*)*"Content"\s*:\s*"`)
	placeboDataFirst = regexp.MustCompile(`^\{\s*"data"\s*:\s*\{`)
	placeboStart     = regexp.MustCompile(`^\{\s*"status_code"\s*:\s*\d+\s*,\s*"data"\s*:\s*\{`)
	reportErrorCode  = regexp.MustCompile(`"Code"\s*:\s*"(?:ReportNotPresent|ReportInProgress|ReportExpired|ReportGenerationLimitExceeded)"`)
	generateState    = regexp.MustCompile(`"State"\s*:\s*"(?:STARTED|INPROGRESS|COMPLETE)"`)
)

// contentLooksLikeReport checks the start of a (possibly truncated) JSON
// string value: CSV text starting with the report header, or base64 that
// decodes to it.
func contentLooksLikeReport(v []byte) bool {
	// A BOM may be written raw or as a JSON escape.
	v = bytes.TrimPrefix(v, []byte(`\ufeff`))
	v = bytes.TrimPrefix(v, []byte(`\uFEFF`))
	if end := bytes.IndexByte(v, '"'); end >= 0 {
		v = v[:end]
	}
	if startsLikeReport(v) {
		return true
	}
	// Base64: decode whole quanta of the prefix present. The header prefix
	// (27 bytes, 30 with a BOM) needs 40 characters.
	var clean []byte
	for _, c := range v {
		if !isBase64Char(c) || len(clean) >= 64 {
			break
		}
		clean = append(clean, c)
	}
	clean = clean[:len(clean)/4*4]
	dec := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(dec, clean)
	if err != nil {
		return false
	}
	return startsLikeReport(dec[:n])
}

// sniffCSV recognises the report header at the start of head.
func sniffCSV(head []byte) bool {
	return startsLikeReport(head)
}

// trimLead removes a UTF-8 BOM and leading white space.
func trimLead(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte(bom))
	return bytes.TrimLeft(b, " \t\r\n")
}
