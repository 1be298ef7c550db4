// Package credreport reads IAM credential reports and access-key
// credentials files, offline, and turns reports into Arrow records.
//
// # What goes in
//
// A credential report in any of the forms people keep it in:
//
//   - the CSV IAM writes (22 columns, header "user,arn,user_creation_time,
//     ..."), possibly with a UTF-8 BOM and CRLF line ends, as saved from
//     the console or from `aws iam get-credential-report --query Content
//     --output text | base64 -d`;
//   - the JSON `aws iam get-credential-report` prints:
//     {"Content": "<base64 CSV>", "ReportFormat": "text/csv",
//     "GeneratedTime": "2026-11-25T10:00:00+00:00"} (Format "json-base64");
//   - a boto3/placebo recording {"status_code": 200, "data": {"Content":
//     "<CSV text>", "GeneratedTime": {"__class__": "datetime", "year": ...}}}
//     (Format "json-text"; a naive datetime is taken as UTC).
//
// Recordings that hold no report (GetCredentialReport errors such as
// ReportNotPresent or ReportInProgress, GenerateCredentialReport responses)
// are recognised by Sniff, and Parse returns no report and one ParseError
// wrapping ErrNoReport that names the code or state.
//
// Columns are matched by header name (any order, any letter case); an
// unknown, missing or repeated column makes the whole file unusable
// (ErrHeader naming the column). A bad row (wrong column count, unparsable
// time or boolean, bad ARN, a row of another account than most rows, a
// second row of a user already seen) is left out with one ParseError
// giving the file, line, column and reason, and the rest is kept; Report
// counts RowsRead = len(Rows) + RowsRejected. At most MaxRowErrors row
// errors are listed per file. Errors never quote more than 40 characters of
// a cell, and never a cell that looks like a secret. In JSON files, line
// numbers are lines of the CSV inside Content and messages say "Content
// line N".
//
// Decisions where IAM's format left a choice:
//
//   - Duplicate user rows: IAM user names are unique in an account, so a
//     second row for the same user name means an edited or corrupted
//     report. The first row is kept; the later one is rejected with
//     ErrDuplicateUser naming the line of the first.
//   - Report.AccountID is the account most rows have (the earliest row's
//     on a tie); rows of other accounts are rejected (ErrAccountMismatch).
//   - A file with a header and no data rows gives no report (ErrEmpty). A
//     file whose rows were all rejected gives a report without rows and
//     without an account; Select ignores it.
//
// # Sentinels
//
// IAM writes N/A, no_information and not_supported instead of some times
// and booleans. In a Row they become the zero time or a nil *bool, and in
// the records a null. The reason is kept where it matters:
//
//   - password_last_used and access_key_N_last_used_date have a state
//     (PasswordLastUsedState, KeySlot.LastUsedState): a time is "used", N/A
//     is "never", no_information (and not_supported) is "no_information".
//   - An access-key slot exists (KeySlot.Exists) when its last_rotated is a
//     time rather than N/A, even if the key is inactive.
//   - password_enabled and mfa_active may be a sentinel (null);
//     access_key_N_active and cert_N_active must be true or false (any
//     letter case); access_key_N_last_rotated must be a time or N/A.
//   - last-used region and service: N/A is null.
//
// Times are RFC 3339 with "+00:00", "Z" or another offset, stored in UTC.
//
// # What comes out
//
// Parse returns a *Report. Select keeps the newest report of each account:
// by GeneratedTime when known, a report with a GeneratedTime beats one
// without, and between reports without one the one with the latest time in
// its rows wins; remaining ties go to the smaller file name.
//
// BuildCredentialRecord returns a record of CredentialSchema: one row per
// report row, the <root_account> row included, sorted by account, user and
// line, with the report's generation time and source file and line.
// BuildKeyRecord returns a record of KeySchema: one row per existing
// access-key slot, with how many key slots (user_key_count) and active key
// slots (user_active_key_count) the user has, which the key rules use. The
// caller owns each record returned and must Release it; the allocator is
// the caller's.
//
// # Credentials files
//
// SniffCredentialsFile and ParseCredentialsFile recognise files holding
// secrets: the console "Download .csv file" of an access key ("Access key
// ID,Secret access key", or the new-user form "User name,Password,Access
// key ID,Secret access key,Console login link"), kind KindConsoleCSV, and
// the INI ~/.aws/credentials or ~/.aws/config with aws_access_key_id,
// aws_secret_access_key or aws_session_token, kind KindCredentialsINI.
// Only the access key IDs are returned (sorted, unique, AKIA/ASIA form);
// secret cells and values are never read into a result, an error or a log.
// A CSV with user names and passwords but no access key column is not
// recognised.
package credreport
