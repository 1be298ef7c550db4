package credreport

// Sniff reports whether head (the first bytes of a file, decompressed)
// looks like a credential report, as CSV or as get-credential-report JSON.
//
// It recognises the CSV header (after an optional UTF-8 BOM), the AWS CLI
// JSON {"Content": "<base64>", ...}, the boto3/placebo recording
// {"status_code": ..., "data": {"Content": "<CSV text>", ...}}, and the
// recordings that hold no report (GetCredentialReport errors such as
// ReportNotPresent, GenerateCredentialReport responses): Parse turns those
// into an ErrNoReport error.
func Sniff(head []byte) bool {
	head = trimLead(head)
	if len(head) == 0 {
		return false
	}
	if head[0] == '{' {
		return sniffJSON(head)
	}
	return sniffCSV(head)
}

// Parse parses one credential report (CSV, or the JSON that
// `aws iam get-credential-report` prints). Bad rows are reported in errs
// and left out of the report; the rest is kept. A nil report means the
// whole file was unusable (errs says why).
//
// Errors are sorted by line, file-level ones last. For JSON files, line
// numbers are lines of the CSV decoded from Content, and the messages say
// "Content line N".
func Parse(name string, data []byte) (rep *Report, errs []*ParseError) {
	lead := trimLead(data)
	if len(lead) > 0 && lead[0] == '{' {
		return parseJSON(name, lead)
	}
	return parseCSV(name, data, FormatCSV, false)
}

// Select keeps the newest report of each account and returns the chosen
// reports sorted by account ID, and the superseded ones.
//
// See selectReports for the order.
func Select(reports []*Report) (chosen []*Report, superseded []Superseded) {
	return selectReports(reports)
}

// SniffCredentialsFile reports whether head looks like a file holding
// secrets: a console "Download .csv" of access keys or ~/.aws/credentials.
func SniffCredentialsFile(head []byte) bool {
	return sniffCredentialsFile(head) != ""
}

// ParseCredentialsFile returns the access key IDs of a credentials file and
// what kind it is. It never returns, logs or quotes a secret.
//
// kind is KindConsoleCSV or KindCredentialsINI. keyIDs are sorted and
// unique. When err is not nil but kind is set, keyIDs holds the key IDs
// that could be read and err says (by line and column or key name only)
// what could not.
func ParseCredentialsFile(name string, data []byte) (keyIDs []string, kind string, err error) {
	return parseCredentialsFile(name, data)
}
