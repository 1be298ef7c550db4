// Package collect fetches keyaudit's inputs from AWS, once, into a folder
// that every other command reads as it is. It is the only package (with
// its command) that talks to AWS; the rest of keyaudit stays offline.
//
// # What goes in
//
// Options: the base aws.Config (the caller's credentials from the SDK
// default chain, and endpoints from the SDK's own settings, such as
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_IAM), the accounts (the caller's,
// a list, or every ACTIVE account of the organization), the role assumed
// in each (RoleSessionName keyaudit-collect, optional external ID), the
// regions and the window [Since, Until). Time is an input: Options.Clock
// gives the time and the sleeps, and Run reads the time nowhere else.
//
// # What comes out
//
// In Options.Out (folders 0700, files 0600, each written under a temporary
// name and renamed when complete, so an interrupted run leaves no half
// file):
//
//   - credential-reports/ACCOUNT.json: the report in the JSON form of `aws
//     iam get-credential-report` ({"Content": base64 CSV, "ReportFormat",
//     "GeneratedTime"}). IAM is asked to generate it and polled with
//     backoff: ReportInProgress and LimitExceeded, which the SDK does not
//     retry, are retried until Options.ReportTimeout. A report IAM says is
//     fresh (GenerateCredentialReport answers COMPLETE) is reused.
//   - s3/BUCKET/KEY: with a trail bucket, the CloudTrail log and digest
//     objects of the window under [PREFIX/]AWSLogs/[o-ID/]ACCOUNT/
//     CloudTrail[-Digest]/REGION/, listed from the window's first day with
//     StartAfter; objects already there with the same size and ETag (kept
//     in the manifest) are not fetched again.
//   - collect-digest-signatures.json: for each digest file, the signature
//     and algorithm CloudTrail stored in its S3 metadata; and
//     collect-public-keys-REGION.json: CloudTrail's public keys of the
//     window, as `aws cloudtrail list-public-keys` prints them. keyaudit
//     verify uses both when given the folder; the ingest skips them by name.
//   - lookup-events/ACCOUNT/REGION/DAY.json: without a trail bucket, the
//     management events of each UTC day from LookupEvents, as `aws
//     cloudtrail lookup-events` prints them ({"Events": [{"CloudTrailEvent":
//     ...}]}), at most 2 requests a second per account and region
//     (throttled retries included). LookupEvents reaches back 90 days only.
//     Days not over yet go to DAY.partial.json; whole days are kept by the
//     next run.
//   - collect-manifest.json, written last: the caller, the version, the
//     window, per account and region a Status (ok, partial, denied,
//     timeout, skipped, error) with counts, retries and throttles, and the
//     S3 objects with size and ETag. The ingest skips it by name.
//
// A failing account (AssumeRole denied, a report that times out, a region
// that fails) is recorded with what to check and the run goes on;
// Manifest.Partial says so. Run returns an error only when nothing can be
// collected, or when its context ends (then no manifest is written).
//
// # Secrets
//
// STS credentials live in an aws.CredentialsCache in memory and are never
// written or logged; the manifest names roles and callers, never keys.
// Requests and responses are never logged.
package collect
