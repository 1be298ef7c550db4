package credreport

import "errors"

// More sentinel causes of a ParseError, beside those in api.go.
var (
	// ErrARN: the arn cell is not an IAM user or root ARN with a 12-digit
	// account ID.
	ErrARN = errors.New("not an IAM user or root ARN")
	// ErrAccountMismatch: the row belongs to another account than the
	// report's (the account most rows of the report have).
	ErrAccountMismatch = errors.New("row account differs from report account")
	// ErrDuplicateUser: a second row for a user already seen in the same
	// report. IAM user names are unique in an account, so such a report was
	// edited or corrupted; the later row is rejected.
	ErrDuplicateUser = errors.New("duplicate row for user")
	// ErrUser: the user cell is empty.
	ErrUser = errors.New("empty user name")
	// ErrCSV: the CSV syntax is broken (bad quoting).
	ErrCSV = errors.New("malformed CSV")
	// ErrJSON: the file starts like JSON but does not decode.
	ErrJSON = errors.New("malformed JSON")
	// ErrContent: the JSON Content field is neither CSV text nor base64.
	ErrContent = errors.New("unusable Content field")
	// ErrNoReport: a get-credential-report error recording (for example
	// ReportNotPresent, ReportInProgress) or a generate-credential-report
	// response: recognised, but it holds no report.
	ErrNoReport = errors.New("no report in this file")
	// ErrGeneratedTime: the JSON GeneratedTime field does not parse; the
	// report is kept with an unknown generation time.
	ErrGeneratedTime = errors.New("unparsable GeneratedTime")
	// ErrTooManyErrors: the file has more rejected rows than are reported
	// one by one (see MaxRowErrors).
	ErrTooManyErrors = errors.New("more rejected rows not listed")
	// ErrNotCredentialsFile: ParseCredentialsFile was given something else.
	ErrNotCredentialsFile = errors.New("not a credentials file")
	// ErrKeyID: a credentials-file cell or value meant to be an access key ID
	// is not one. The value is never quoted.
	ErrKeyID = errors.New("not an access key ID")
)

// MaxRowErrors bounds the per-row errors one Parse returns. Rows past it are
// still rejected and counted in RowsRejected; a single final ParseError
// with ErrTooManyErrors says how many were not listed.
const MaxRowErrors = 1000
