// Package cloudtrail decodes AWS CloudTrail events into Arrow records of
// EventSchema: one row per event, the columns the key audit needs, and the
// request, response and additional data kept whole as JSON text.
//
// # Input layouts
//
// Detect tells the layout of a file from its first bytes (after an
// optional UTF-8 BOM and white space):
//
//   - FormatRecords: an S3 delivery file, {"Records":[event, ...]}.
//   - FormatLookupEvents: the output of `aws cloudtrail lookup-events`,
//     {"Events":[{"CloudTrailEvent":"<event as a JSON string>"}, ...]}.
//   - FormatArray: [event, ...].
//   - FormatObjects: events one after another (JSON lines, or a single,
//     possibly pretty-printed, object that has eventTime, eventName or
//     eventSource).
//   - FormatDigest: a CloudTrail digest file (has digestStartTime); not
//     events.
//
// # Decoding
//
// The Decoder is a hand-written, validating JSON scanner: it reads each
// event once, keeps the bytes of strings without escapes where they are
// (no allocation), skips the members it does not need, and stages one
// event before appending it to plain Go column buffers that become an
// Arrow record every BatchRows rows (the Emit callback owns each record and
// must Release it). BenchmarkParsers compares it with fastjson,
// encoding/json and jsontext; decode.go has the numbers.
//
// DecodeFile reads a file held in memory; DecodeStream reads a stream
// through a window that grows only for a single larger event, decoding it
// unit by unit (an event, a key, a separator). A unit cut by the end of the
// window is undone and run again after the window is refilled, so both give
// the same rows, counts and errors (FuzzDecodeStream checks it), and memory
// does not depend on the size of the file.
//
// Rules, per event:
//
//   - A missing, null or unparsable eventTime rejects the event (the
//     RecordError names the field). Timestamps may be RFC 3339 (fraction
//     and offset optional), ISO 8601 basic (20131102T010628Z), or
//     "Jul 18, 2014 4:07:39 PM" / "Jul 10, 2023, 12:09:47 PM" (UTC).
//   - JSON null is the same as an absent member; empty strings are null.
//   - Top-level and userIdentity fields must have their documented JSON
//     type (string, object, or boolean, where "true"/"false" strings are
//     accepted): otherwise the event is rejected. Fields inside
//     requestParameters and responseElements depend on the API called, so
//     one of another type there is null instead.
//   - requestParameters, responseElements and additionalEventData are kept
//     as JSON text (any JSON value; null is null). The value of every key
//     named secretAccessKey or sessionToken (any case, any depth, escaped
//     or not) is replaced by "REDACTED" (the text is then re-written
//     compactly); a string value that mentions such a name is replaced by
//     "REDACTED" whole. No secret or session token reaches any column.
//   - Invalid UTF-8 in strings becomes U+FFFD.
//   - Nesting deeper than MaxDepth is a syntax error, never a crash.
//   - A JSON syntax error in a file stops that file: the events before it
//     are kept, the broken one is counted as rejected.
//
// Stats count every event seen: Records = Used + Skipped (null elements)
// + Rejected + Duplicate (an eventID the Seen callback already knew).
//
// # Event schema
//
// Column names are CloudTrail's paths in snake_case; DescribeSchema prints
// this table:
//
//	column                                    type       JSON path
//	event_time                                timestamp  eventTime
//	event_source                              string     eventSource
//	event_name                                string     eventName
//	aws_region                                string     awsRegion
//	source_ip_address                         string     sourceIPAddress
//	user_agent                                string     userAgent
//	error_code                                string     errorCode
//	error_message                             string     errorMessage
//	read_only                                 bool       readOnly
//	event_type                                string     eventType
//	event_id                                  string     eventID
//	shared_event_id                           string     sharedEventID
//	recipient_account_id                      string     recipientAccountId
//	request_id                                string     requestID
//	event_version                             string     eventVersion
//	user_identity_type                        string     userIdentity.type
//	user_identity_principal_id                string     userIdentity.principalId
//	user_identity_arn                         string     userIdentity.arn
//	user_identity_account_id                  string     userIdentity.accountId
//	user_identity_access_key_id               string     userIdentity.accessKeyId
//	user_identity_user_name                   string     userIdentity.userName
//	user_identity_invoked_by                  string     userIdentity.invokedBy
//	session_issuer_type                       string     userIdentity.sessionContext.sessionIssuer.type
//	session_issuer_arn                        string     userIdentity.sessionContext.sessionIssuer.arn
//	session_issuer_account_id                 string     userIdentity.sessionContext.sessionIssuer.accountId
//	session_issuer_user_name                  string     userIdentity.sessionContext.sessionIssuer.userName
//	session_creation_date                     timestamp  userIdentity.sessionContext.attributes.creationDate
//	session_mfa_authenticated                 bool       userIdentity.sessionContext.attributes.mfaAuthenticated
//	user_identity_source_identity             string     userIdentity.sessionContext.sourceIdentity
//	session_credential_from_console           bool       sessionCredentialFromConsole
//	issued_access_key_id                      string     responseElements.credentials.accessKeyId
//	issued_expiration                         timestamp  responseElements.credentials.expiration
//	issued_assumed_role_arn                   string     responseElements.assumedRoleUser.arn
//	request_role_arn                          string     requestParameters.roleArn
//	request_role_session_name                 string     requestParameters.roleSessionName
//	request_user_name                         string     requestParameters.userName
//	request_access_key_id                     string     requestParameters.accessKeyId
//	request_status                            string     requestParameters.status
//	request_principal_arn                     string     requestParameters.principalArn
//	request_source_identity                   string     requestParameters.sourceIdentity
//	request_target_principal                  string     requestParameters.targetPrincipal
//	request_name                              string     requestParameters.name
//	response_access_key_id                    string     responseElements.accessKey.accessKeyId
//	response_access_key_create_date           timestamp  responseElements.accessKey.createDate
//	response_access_key_status                string     responseElements.accessKey.status
//	response_access_key_user_name             string     responseElements.accessKey.userName
//	response_subject                          string     responseElements.subject
//	response_issuer                           string     responseElements.issuer
//	response_provider                         string     responseElements.provider
//	response_subject_from_web_identity_token  string     responseElements.subjectFromWebIdentityToken
//	request_parameters                        string     requestParameters (raw JSON, secrets removed)
//	response_elements                         string     responseElements (raw JSON, secrets removed)
//	additional_event_data                     string     additionalEventData (raw JSON, secrets removed)
package cloudtrail
