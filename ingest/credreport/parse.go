package credreport

// Sniff reports whether head (the first bytes of a file, decompressed)
// looks like a credential report, as CSV or as get-credential-report JSON.
func Sniff(head []byte) bool {
	return false // TODO(helper): implement
}

// Parse parses one credential report (CSV, or the JSON that
// `aws iam get-credential-report` prints). Bad rows are reported in errs
// and left out of the report; the rest is kept. A nil report means the
// whole file was unusable (errs says why).
func Parse(name string, data []byte) (rep *Report, errs []*ParseError) {
	return nil, []*ParseError{{File: name, Err: ErrNotReport}} // TODO(helper): implement
}

// Select keeps the newest report of each account and returns the chosen
// reports sorted by account ID, and the superseded ones.
func Select(reports []*Report) (chosen []*Report, superseded []Superseded) {
	return reports, nil // TODO(helper): implement
}

// SniffCredentialsFile reports whether head looks like a file holding
// secrets: a console "Download .csv" of access keys or ~/.aws/credentials.
func SniffCredentialsFile(head []byte) bool {
	return false // TODO(helper): implement
}

// ParseCredentialsFile returns the access key IDs of a credentials file and
// what kind it is. It never returns, logs or quotes a secret.
func ParseCredentialsFile(name string, data []byte) (keyIDs []string, kind string, err error) {
	return nil, "", ErrNotReport // TODO(helper): implement
}
