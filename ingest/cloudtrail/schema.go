package cloudtrail

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Timestamp is the Arrow type of every time column: UTC milliseconds.
var Timestamp = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// Column indexes of EventSchema, in order. Use them with rec.Column(i).
const (
	ColEventTime = iota
	ColEventSource
	ColEventName
	ColAWSRegion
	ColSourceIPAddress
	ColUserAgent
	ColErrorCode
	ColErrorMessage
	ColReadOnly
	ColEventType
	ColEventID
	ColSharedEventID
	ColRecipientAccountID
	ColRequestID
	ColEventVersion
	ColUIType
	ColUIPrincipalID
	ColUIARN
	ColUIAccountID
	ColUIAccessKeyID
	ColUIUserName
	ColUIInvokedBy
	ColUIIssuerType
	ColUIIssuerARN
	ColUIIssuerAccountID
	ColUIIssuerUserName
	ColUISessionCreationDate
	ColUIMFAAuthenticated
	ColUISourceIdentity
	ColSessionCredentialFromConsole
	ColRespCredentialsAccessKeyID
	ColRespCredentialsExpiration
	ColRespAssumedRoleARN
	ColReqRoleARN
	ColReqRoleSessionName
	ColReqUserName
	ColReqAccessKeyID
	ColReqStatus
	ColReqPrincipalARN
	ColReqSourceIdentity
	ColReqTargetPrincipal
	ColReqName
	ColRespAccessKeyID
	ColRespAccessKeyCreateDate
	ColRespAccessKeyStatus
	ColRespAccessKeyUserName
	ColRespSubject
	ColRespIssuer
	ColRespProvider
	ColRespSubjectFromWebIdentityToken
	ColRequestParameters
	ColResponseElements
	ColAdditionalEventData
	NumColumns
)

// Column names; ColumnNames[ColX] is the name of column ColX. CloudTrail's
// camelCase paths map to snake_case so that warehouses (Athena lower-cases
// every name) see stable names; the mapping is in the package doc.
var ColumnNames = [NumColumns]string{
	ColEventTime:                       "event_time",
	ColEventSource:                     "event_source",
	ColEventName:                       "event_name",
	ColAWSRegion:                       "aws_region",
	ColSourceIPAddress:                 "source_ip_address",
	ColUserAgent:                       "user_agent",
	ColErrorCode:                       "error_code",
	ColErrorMessage:                    "error_message",
	ColReadOnly:                        "read_only",
	ColEventType:                       "event_type",
	ColEventID:                         "event_id",
	ColSharedEventID:                   "shared_event_id",
	ColRecipientAccountID:              "recipient_account_id",
	ColRequestID:                       "request_id",
	ColEventVersion:                    "event_version",
	ColUIType:                          "user_identity_type",
	ColUIPrincipalID:                   "user_identity_principal_id",
	ColUIARN:                           "user_identity_arn",
	ColUIAccountID:                     "user_identity_account_id",
	ColUIAccessKeyID:                   "user_identity_access_key_id",
	ColUIUserName:                      "user_identity_user_name",
	ColUIInvokedBy:                     "user_identity_invoked_by",
	ColUIIssuerType:                    "session_issuer_type",
	ColUIIssuerARN:                     "session_issuer_arn",
	ColUIIssuerAccountID:               "session_issuer_account_id",
	ColUIIssuerUserName:                "session_issuer_user_name",
	ColUISessionCreationDate:           "session_creation_date",
	ColUIMFAAuthenticated:              "session_mfa_authenticated",
	ColUISourceIdentity:                "user_identity_source_identity",
	ColSessionCredentialFromConsole:    "session_credential_from_console",
	ColRespCredentialsAccessKeyID:      "issued_access_key_id",
	ColRespCredentialsExpiration:       "issued_expiration",
	ColRespAssumedRoleARN:              "issued_assumed_role_arn",
	ColReqRoleARN:                      "request_role_arn",
	ColReqRoleSessionName:              "request_role_session_name",
	ColReqUserName:                     "request_user_name",
	ColReqAccessKeyID:                  "request_access_key_id",
	ColReqStatus:                       "request_status",
	ColReqPrincipalARN:                 "request_principal_arn",
	ColReqSourceIdentity:               "request_source_identity",
	ColReqTargetPrincipal:              "request_target_principal",
	ColReqName:                         "request_name",
	ColRespAccessKeyID:                 "response_access_key_id",
	ColRespAccessKeyCreateDate:         "response_access_key_create_date",
	ColRespAccessKeyStatus:             "response_access_key_status",
	ColRespAccessKeyUserName:           "response_access_key_user_name",
	ColRespSubject:                     "response_subject",
	ColRespIssuer:                      "response_issuer",
	ColRespProvider:                    "response_provider",
	ColRespSubjectFromWebIdentityToken: "response_subject_from_web_identity_token",
	ColRequestParameters:               "request_parameters",
	ColResponseElements:                "response_elements",
	ColAdditionalEventData:             "additional_event_data",
}

// JSONPaths documents where each column comes from in a CloudTrail record.
var JSONPaths = [NumColumns]string{
	ColEventTime:                       "eventTime",
	ColEventSource:                     "eventSource",
	ColEventName:                       "eventName",
	ColAWSRegion:                       "awsRegion",
	ColSourceIPAddress:                 "sourceIPAddress",
	ColUserAgent:                       "userAgent",
	ColErrorCode:                       "errorCode",
	ColErrorMessage:                    "errorMessage",
	ColReadOnly:                        "readOnly",
	ColEventType:                       "eventType",
	ColEventID:                         "eventID",
	ColSharedEventID:                   "sharedEventID",
	ColRecipientAccountID:              "recipientAccountId",
	ColRequestID:                       "requestID",
	ColEventVersion:                    "eventVersion",
	ColUIType:                          "userIdentity.type",
	ColUIPrincipalID:                   "userIdentity.principalId",
	ColUIARN:                           "userIdentity.arn",
	ColUIAccountID:                     "userIdentity.accountId",
	ColUIAccessKeyID:                   "userIdentity.accessKeyId",
	ColUIUserName:                      "userIdentity.userName",
	ColUIInvokedBy:                     "userIdentity.invokedBy",
	ColUIIssuerType:                    "userIdentity.sessionContext.sessionIssuer.type",
	ColUIIssuerARN:                     "userIdentity.sessionContext.sessionIssuer.arn",
	ColUIIssuerAccountID:               "userIdentity.sessionContext.sessionIssuer.accountId",
	ColUIIssuerUserName:                "userIdentity.sessionContext.sessionIssuer.userName",
	ColUISessionCreationDate:           "userIdentity.sessionContext.attributes.creationDate",
	ColUIMFAAuthenticated:              "userIdentity.sessionContext.attributes.mfaAuthenticated",
	ColUISourceIdentity:                "userIdentity.sessionContext.sourceIdentity",
	ColSessionCredentialFromConsole:    "sessionCredentialFromConsole",
	ColRespCredentialsAccessKeyID:      "responseElements.credentials.accessKeyId",
	ColRespCredentialsExpiration:       "responseElements.credentials.expiration",
	ColRespAssumedRoleARN:              "responseElements.assumedRoleUser.arn",
	ColReqRoleARN:                      "requestParameters.roleArn",
	ColReqRoleSessionName:              "requestParameters.roleSessionName",
	ColReqUserName:                     "requestParameters.userName",
	ColReqAccessKeyID:                  "requestParameters.accessKeyId",
	ColReqStatus:                       "requestParameters.status",
	ColReqPrincipalARN:                 "requestParameters.principalArn",
	ColReqSourceIdentity:               "requestParameters.sourceIdentity",
	ColReqTargetPrincipal:              "requestParameters.targetPrincipal",
	ColReqName:                         "requestParameters.name",
	ColRespAccessKeyID:                 "responseElements.accessKey.accessKeyId",
	ColRespAccessKeyCreateDate:         "responseElements.accessKey.createDate",
	ColRespAccessKeyStatus:             "responseElements.accessKey.status",
	ColRespAccessKeyUserName:           "responseElements.accessKey.userName",
	ColRespSubject:                     "responseElements.subject",
	ColRespIssuer:                      "responseElements.issuer",
	ColRespProvider:                    "responseElements.provider",
	ColRespSubjectFromWebIdentityToken: "responseElements.subjectFromWebIdentityToken",
	ColRequestParameters:               "requestParameters (raw JSON, secrets removed)",
	ColResponseElements:                "responseElements (raw JSON, secrets removed)",
	ColAdditionalEventData:             "additionalEventData (raw JSON, secrets removed)",
}

func columnType(i int) arrow.DataType {
	switch i {
	case ColEventTime, ColUISessionCreationDate, ColRespCredentialsExpiration, ColRespAccessKeyCreateDate:
		return Timestamp
	case ColReadOnly, ColUIMFAAuthenticated, ColSessionCredentialFromConsole:
		return arrow.FixedWidthTypes.Boolean
	default:
		return arrow.BinaryTypes.String
	}
}

// EventSchema is the schema of the event records the CloudTrail reader
// produces. Every column but event_time is nullable: a field absent from
// the record, or JSON null, is null.
var EventSchema = func() *arrow.Schema {
	fields := make([]arrow.Field, NumColumns)
	for i := range fields {
		fields[i] = arrow.Field{Name: ColumnNames[i], Type: columnType(i), Nullable: i != ColEventTime}
	}
	return arrow.NewSchema(fields, nil)
}()

// Event is one CloudTrail record flattened to the columns of EventSchema.
// Empty strings and zero times are written as nulls. It is the slow,
// convenient path (tests, fixtures); the file reader appends to the
// builders directly.
type Event struct {
	Strings [NumColumns]string    // string columns, by column index
	Times   [NumColumns]time.Time // timestamp columns, by column index
	Bools   [NumColumns]*bool     // boolean columns, by column index
}

// Set sets column col to v (a string, time.Time or bool).
func (e *Event) Set(col int, v any) *Event {
	switch x := v.(type) {
	case string:
		e.Strings[col] = x
	case time.Time:
		e.Times[col] = x
	case bool:
		e.Bools[col] = &x
	}
	return e
}

// AppendEvent appends e as one row to b, which must have been built for
// EventSchema.
func AppendEvent(b *array.RecordBuilder, e *Event) {
	for i := 0; i < NumColumns; i++ {
		switch fb := b.Field(i).(type) {
		case *array.TimestampBuilder:
			if t := e.Times[i]; t.IsZero() {
				fb.AppendNull()
			} else {
				fb.Append(arrow.Timestamp(t.UnixMilli()))
			}
		case *array.BooleanBuilder:
			if p := e.Bools[i]; p == nil {
				fb.AppendNull()
			} else {
				fb.Append(*p)
			}
		case *array.StringBuilder:
			if s := e.Strings[i]; s == "" {
				fb.AppendNull()
			} else {
				fb.Append(s)
			}
		}
	}
}
