package cloudtrail

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type decoded struct {
	rows    []map[string]any
	stats   Stats
	rejects []*RecordError
	inErr   error
}

// decodeAll decodes data of format f with a checked allocator and small
// batches, and returns every row by column name.
func decodeAll(t testing.TB, data string, f Format) decoded {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out decoded
	d := NewDecoder(mem)
	defer d.Release()
	d.BatchRows = 2
	seen := map[string]bool{}
	d.Seen = func(id []byte, _ int) bool {
		dup := seen[string(id)]
		seen[string(id)] = true
		return dup
	}
	d.Reject = func(e *RecordError) { out.rejects = append(out.rejects, e) }
	d.Emit = func(rec arrow.Record) error {
		defer rec.Release()
		if !rec.Schema().Equal(EventSchema) {
			t.Fatalf("schema %v", rec.Schema())
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			row := map[string]any{}
			for i, col := range rec.Columns() {
				if col.IsNull(r) {
					continue
				}
				switch a := col.(type) {
				case *array.String:
					row[ColumnNames[i]] = a.Value(r)
				case *array.Timestamp:
					row[ColumnNames[i]] = time.UnixMilli(int64(a.Value(r))).UTC().Format(time.RFC3339Nano)
				case *array.Boolean:
					row[ColumnNames[i]] = a.Value(r)
				}
			}
			out.rows = append(out.rows, row)
		}
		return nil
	}
	inErr, fatal := d.DecodeFile([]byte(data), f)
	if fatal != nil {
		t.Fatal(fatal)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	out.stats, out.inErr = d.Stats, inErr
	s := out.stats
	if s.Records != s.Used+s.Skipped+s.Rejected+s.Duplicate {
		t.Errorf("stats do not add up: %+v", s)
	}
	if int64(len(out.rows)) != s.Used {
		t.Errorf("%d rows, %d used", len(out.rows), s.Used)
	}
	return out
}

const minimal = `"eventTime":"2023-07-10T11:42:18Z"`

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name   string
		fields string         // members after minimal
		want   map[string]any // subset of the row
		field  string         // JSON path of the rejection, if rejected
		cause  error
	}{
		{name: "minimal", want: map[string]any{"event_time": "2023-07-10T11:42:18Z"}},
		{name: "strings", fields: `"eventName":"AssumeRole","eventSource":"sts.amazonaws.com","awsRegion":"us-east-1","errorCode":"AccessDenied","eventID":"e1","recipientAccountId":"111122223333"`,
			want: map[string]any{"event_name": "AssumeRole", "event_source": "sts.amazonaws.com", "aws_region": "us-east-1", "error_code": "AccessDenied", "event_id": "e1", "recipient_account_id": "111122223333"}},
		{name: "escapes", fields: `"userAgent":"a\"b\\c\/d\n\u00e9\ud83d\ude00\ud800x"`,
			want: map[string]any{"user_agent": "a\"b\\c/d\né😀\uFFFDx"}},
		{name: "invalid utf-8 replaced", fields: "\"userAgent\":\"a\xffb\"", want: map[string]any{"user_agent": "a\uFFFDb"}},
		{name: "invalid utf-8 in raw JSON replaced", fields: "\"requestParameters\":{\"a\":\"x\xc3\"}", want: map[string]any{"request_parameters": "{\"a\":\"x\uFFFD\"}"}},
		{name: "empty string is null", fields: `"eventName":""`, want: map[string]any{"event_name": nil}},
		{name: "null is absent", fields: `"eventName":null,"userIdentity":null,"readOnly":null,"requestParameters":null`,
			want: map[string]any{"event_name": nil, "read_only": nil, "request_parameters": nil}},
		{name: "escaped key", fields: `"event\u004eame":"X"`, want: map[string]any{"event_name": "X"}},
		{name: "bools", fields: `"readOnly":"TRUE","sessionCredentialFromConsole":"false","userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":true}}}`,
			want: map[string]any{"read_only": true, "session_credential_from_console": false, "session_mfa_authenticated": true}},
		{name: "user identity", fields: `"userIdentity":{"type":"AssumedRole","principalId":"P","arn":"A","accountId":"1","accessKeyId":"ASIAX","userName":"u","invokedBy":"signin.amazonaws.com","unknown":{"x":[1,2]},"sessionContext":{"sessionIssuer":{"type":"Role","arn":"RA","accountId":"2","userName":"R"},"webIdFederationData":{},"attributes":{"creationDate":"Jul 10, 2023, 12:09:47 PM","mfaAuthenticated":"false"},"sourceIdentity":"si"}}`,
			want: map[string]any{"user_identity_type": "AssumedRole", "user_identity_principal_id": "P", "user_identity_arn": "A", "user_identity_account_id": "1",
				"user_identity_access_key_id": "ASIAX", "user_identity_user_name": "u", "user_identity_invoked_by": "signin.amazonaws.com",
				"session_issuer_type": "Role", "session_issuer_arn": "RA", "session_issuer_account_id": "2", "session_issuer_user_name": "R",
				"session_creation_date": "2023-07-10T12:09:47Z", "session_mfa_authenticated": false, "user_identity_source_identity": "si"}},
		{name: "request and response columns", fields: `"requestParameters":{"roleArn":"r","roleSessionName":"s","userName":"u","accessKeyId":"AKIAX","status":"Inactive","principalArn":"p","sourceIdentity":"si","targetPrincipal":"111122223333","name":"fed","durationSeconds":900},"responseElements":{"credentials":{"accessKeyId":"ASIAY","expiration":"20131102T010628Z"},"assumedRoleUser":{"arn":"ar"},"accessKey":{"accessKeyId":"AKIAZ","createDate":"Jun 1, 2017 1:02:57 AM","status":"Active","userName":"u2"},"subject":"sub","issuer":"iss","provider":"prov","subjectFromWebIdentityToken":"swit"}`,
			want: map[string]any{"request_role_arn": "r", "request_role_session_name": "s", "request_user_name": "u", "request_access_key_id": "AKIAX",
				"request_status": "Inactive", "request_principal_arn": "p", "request_source_identity": "si",
				"request_target_principal": "111122223333", "request_name": "fed",
				"issued_access_key_id": "ASIAY", "issued_expiration": "2013-11-02T01:06:28Z", "issued_assumed_role_arn": "ar",
				"response_access_key_id": "AKIAZ", "response_access_key_create_date": "2017-06-01T01:02:57Z", "response_access_key_status": "Active",
				"response_access_key_user_name": "u2", "response_subject": "sub", "response_issuer": "iss", "response_provider": "prov",
				"response_subject_from_web_identity_token": "swit",
				"request_parameters":                       `{"roleArn":"r","roleSessionName":"s","userName":"u","accessKeyId":"AKIAX","status":"Inactive","principalArn":"p","sourceIdentity":"si","targetPrincipal":"111122223333","name":"fed","durationSeconds":900}`}},
		{name: "request subfields of another shape are null", fields: `"requestParameters":{"status":{"code":1},"userName":7},"responseElements":{"credentials":"x","accessKey":{"createDate":"soon"}}`,
			want: map[string]any{"request_status": nil, "request_user_name": nil, "issued_access_key_id": nil, "response_access_key_create_date": nil,
				"request_parameters": `{"status":{"code":1},"userName":7}`}},
		{name: "raw string and array kept", fields: `"requestParameters":"plain text","additionalEventData":[1,{"a":null}]`,
			want: map[string]any{"request_parameters": `"plain text"`, "additional_event_data": `[1,{"a":null}]`}},
		{name: "secret in response", fields: `"responseElements":{"credentials":{"accessKeyId":"ASIAY","sessionToken":"TOKENVALUE","secretAccessKey":"SECRETVALUE"}}`,
			want: map[string]any{"issued_access_key_id": "ASIAY", "response_elements": `{"credentials":{"accessKeyId":"ASIAY","sessionToken":"REDACTED","secretAccessKey":"REDACTED"}}`}},
		{name: "secret deep, any case, escaped key, object value", fields: `"additionalEventData":{"a":[{"b":{"SESSIONTOKEN":"TOKENVALUE"}}],"sess\u0069onToken":{"x":"TOKENVALUE"}, "k" : 1}`,
			want: map[string]any{"additional_event_data": `{"a":[{"b":{"SESSIONTOKEN":"REDACTED"}}],"sess\u0069onToken":"REDACTED","k":1}`}},
		{name: "secret in lenient subfield", fields: `"requestParameters":{"status":{"SecretAccessKey":"SECRETVALUE"}}`,
			want: map[string]any{"request_parameters": `{"status":{"SecretAccessKey":"REDACTED"}}`}},
		{name: "secret in raw string", fields: `"requestParameters":"{\"sessionToken\":\"TOKENVALUE\"}"`,
			want: map[string]any{"request_parameters": `"REDACTED"`}},
		{name: "eventName number", fields: `"eventName":42`, field: "eventName", cause: ErrWrongType},
		{name: "userIdentity string", fields: `"userIdentity":"alice"`, field: "userIdentity", cause: ErrWrongType},
		{name: "sessionContext array", fields: `"userIdentity":{"sessionContext":[]}`, field: "userIdentity.sessionContext", cause: ErrWrongType},
		{name: "accessKeyId number", fields: `"userIdentity":{"accessKeyId":1}`, field: "userIdentity.accessKeyId", cause: ErrWrongType},
		{name: "readOnly maybe", fields: `"readOnly":"maybe"`, field: "readOnly", cause: ErrWrongType},
		{name: "readOnly number", fields: `"readOnly":1`, field: "readOnly", cause: ErrWrongType},
		{name: "creationDate bad", fields: `"userIdentity":{"sessionContext":{"attributes":{"creationDate":"soon"}}}`, field: "userIdentity.sessionContext.attributes.creationDate", cause: ErrBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members := minimal
			if tt.fields != "" {
				members += "," + tt.fields
			}
			out := decodeAll(t, "{"+members+"}\n", FormatObjects)
			if out.inErr != nil {
				t.Fatalf("input error: %v", out.inErr)
			}
			if tt.cause != nil {
				if len(out.rejects) != 1 || out.stats.Rejected != 1 {
					t.Fatalf("rejects %v, stats %+v; want one rejection", out.rejects, out.stats)
				}
				e := out.rejects[0]
				if e.Field != tt.field || !errors.Is(e, tt.cause) || e.Index != 0 {
					t.Errorf("rejection %v (field %q, index %d), want field %q cause %v", e, e.Field, e.Index, tt.field, tt.cause)
				}
				return
			}
			if len(out.rows) != 1 {
				t.Fatalf("%d rows, rejects %v", len(out.rows), out.rejects)
			}
			for k, v := range tt.want {
				if got := out.rows[0][k]; got != v {
					t.Errorf("%s = %#v, want %#v", k, got, v)
				}
			}
			for k, v := range out.rows[0] {
				if s, ok := v.(string); ok && (strings.Contains(s, "TOKENVALUE") || strings.Contains(s, "SECRETVALUE")) {
					t.Errorf("column %s holds a secret: %s", k, s)
				}
			}
		})
	}
}

func TestDecodeMissingTime(t *testing.T) {
	for _, ev := range []string{`{}`, `{"eventTime":null}`, `{"eventName":"x"}`} {
		out := decodeAll(t, ev+"\n"+ev, FormatObjects)
		if out.stats.Rejected != 2 || len(out.rejects) != 2 || !errors.Is(out.rejects[1], ErrMissingTime) || out.rejects[1].Index != 1 {
			t.Errorf("%s: stats %+v rejects %v", ev, out.stats, out.rejects)
		}
	}
}

func TestDecodeFormats(t *testing.T) {
	ev := func(id string) string { return `{` + minimal + `,"eventID":"` + id + `"}` }
	lookup := func(inner string) string { return fmt.Sprintf(`{"EventId":"x","CloudTrailEvent":%q}`, inner) }
	tests := []struct {
		name   string
		data   string
		format Format
		want   Stats
		cause  error // of the file-level error
	}{
		{"records", `{"Records":[` + ev("a") + `,` + ev("b") + `,` + ev("c") + `]}`, FormatRecords, Stats{Records: 3, Used: 3}, nil},
		{"records with BOM and other members", "\ufeff" + ` {"Records" : [ ` + ev("a") + ` ] , "y":[], "Records":[1]} `, FormatRecords, Stats{Records: 1, Used: 1}, nil},
		{"records empty", `{"Records":[]}`, FormatRecords, Stats{}, nil},
		{"records null", `{"Records":null}`, FormatRecords, Stats{}, nil},
		{"records not an array", `{"Records":{}}`, FormatRecords, Stats{}, ErrWrongType},
		{"records missing", `{"Other":[]}`, FormatRecords, Stats{}, ErrNotEvents},
		{"records duplicate ids", `{"Records":[` + ev("a") + `,` + ev("a") + `,` + ev("b") + `]}`, FormatRecords, Stats{Records: 3, Used: 2, Duplicate: 1}, nil},
		{"records null and non-object elements", `{"Records":[null,1,"x",[],` + ev("a") + `]}`, FormatRecords, Stats{Records: 5, Used: 1, Skipped: 1, Rejected: 3}, nil},
		{"records broken element keeps earlier", `{"Records":[` + ev("a") + `,{"eventTime":}]}`, FormatRecords, Stats{Records: 2, Used: 1, Rejected: 1}, ErrSyntax},
		{"records truncated", `{"Records":[` + ev("a") + `,` + ev("b")[:20], FormatRecords, Stats{Records: 2, Used: 1, Rejected: 1}, ErrSyntax},
		{"records trailing junk", `{"Records":[` + ev("a") + `]} x`, FormatRecords, Stats{Records: 1, Used: 1}, ErrSyntax},
		{"lookup", `{"Events":[` + lookup(ev("a")) + `,` + lookup(ev("b")) + `],"NextToken":null}`, FormatLookupEvents, Stats{Records: 2, Used: 2}, nil},
		{"lookup bad inner and missing", `{"Events":[` + lookup(`{"eventTime":`) + `,{"EventId":"y"},` + lookup(ev("b")+"x") + `,` + lookup(ev("c")) + `]}`, FormatLookupEvents,
			Stats{Records: 4, Used: 1, Rejected: 3}, nil},
		{"array", `[` + ev("a") + `,` + ev("b") + `]`, FormatArray, Stats{Records: 2, Used: 2}, nil},
		{"array empty", ` [ ] `, FormatArray, Stats{}, nil},
		{"objects", ev("a") + "\n" + ev("b") + "\n\n" + ev("c"), FormatObjects, Stats{Records: 3, Used: 3}, nil},
		{"objects pretty", "{\n  " + minimal + "\n}\n", FormatObjects, Stats{Records: 1, Used: 1}, nil},
		{"objects single non-event", `{"Type":"Notification"}`, FormatObjects, Stats{}, ErrNotEvents},
		{"objects then junk", ev("a") + "\n[1]", FormatObjects, Stats{Records: 2, Used: 1, Rejected: 1}, ErrSyntax},
		{"deep nesting", `{"Records":[{` + minimal + `,"requestParameters":` + strings.Repeat("[", 1_000_000) + `]}]}`, FormatRecords,
			Stats{Records: 1, Rejected: 1}, ErrTooDeep},
		{"deep nesting in records", strings.Repeat(`{"Records":`, 100_000), FormatRecords, Stats{}, ErrWrongType},
		{"deep array", strings.Repeat("[", 1_000_000), FormatArray, Stats{Records: 1, Rejected: 1}, ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect([]byte(tt.data)); got != tt.format && tt.cause != ErrNotEvents && !strings.HasPrefix(tt.name, "deep nesting in") {
				t.Errorf("Detect = %v, want %v", got, tt.format)
			}
			out := decodeAll(t, tt.data, tt.format)
			if out.stats != tt.want {
				t.Errorf("stats %+v, want %+v (rejects %v)", out.stats, tt.want, out.rejects)
			}
			if tt.cause == nil && out.inErr != nil || tt.cause != nil && !errors.Is(out.inErr, tt.cause) {
				t.Errorf("input error %v, want %v", out.inErr, tt.cause)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		head string
		want Format
	}{
		{`{"Records":[`, FormatRecords},
		{"\ufeff\n  {\n \"Records\" :", FormatRecords},
		{`{"Events":[{"CloudTrailEvent":`, FormatLookupEvents},
		{`[{"eventTime":`, FormatArray},
		{`{"eventTime":"x"}` + "\n" + `{"eventTime":"x"}`, FormatObjects},
		{`{"awsAccountId":"1","digestStartTime":"x"}`, FormatDigest},
		{`hello`, FormatUnknown},
		{``, FormatUnknown},
		{`"Records"`, FormatUnknown},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.head)); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

func TestDecodeLine(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := NewDecoder(mem)
	defer d.Release()
	var rejects []*RecordError
	d.Reject = func(e *RecordError) { rejects = append(rejects, e) }
	n := 0
	d.Emit = func(r arrow.Record) error { n += int(r.NumRows()); r.Release(); return nil }
	for i, line := range []string{`{` + minimal + `}`, `{"eventTime":`, `{` + minimal + `} {}`, ` [] `, `{` + minimal + `}`} {
		if err := d.DecodeLine([]byte(line), i, i+3); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(rejects) != 3 || d.Stats != (Stats{Records: 5, Used: 2, Rejected: 3}) {
		t.Fatalf("rows %d, rejects %v, stats %+v", n, rejects, d.Stats)
	}
	if rejects[0].Line != 4 || rejects[0].Index != 1 || !errors.Is(rejects[0], ErrSyntax) {
		t.Errorf("first rejection %+v", rejects[0])
	}
}
