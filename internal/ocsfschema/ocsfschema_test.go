package ocsfschema

import (
	"strings"
	"testing"
)

// valid is a Compliance Finding with every kind of attribute keyaudit
// writes: nested objects, arrays of objects and of strings, a profile.
const valid = `{"activity_id":1,"activity_name":"Create","category_uid":2,"category_name":"Findings",
"class_uid":2003,"class_name":"Compliance Finding","type_uid":200301,"type_name":"Compliance Finding: Create",
"severity_id":4,"severity":"High","status_id":1,"status":"New","time":1793491200000,"message":"m",
"metadata":{"version":"1.8.0","product":{"name":"keyaudit","vendor_name":"keyaudit","version":"v1"},"profiles":["cloud"]},
"cloud":{"provider":"AWS","account":{"uid":"111122223333","type":"AWS Account","type_id":10}},
"finding_info":{"uid":"u","title":"t","types":["stale-key"],"analytic":{"uid":"r","name":"r","type":"Rule","type_id":1},"created_time":1},
"compliance":{"control":"IAM.3","standards":["CIS"],"checks":[{"uid":"1.14","name":"n","standards":["CIS"],"status":"Fail","status_id":3}],"status":"Fail","status_id":3},
"resources":[{"type":"AwsIamUser","uid":"arn","name":"alice"},{"type":"AwsIamAccessKey","name":"k","created_time":5,"data":{"any":"thing"}}],
"unmapped":{"age_days":3}}`

func load(t *testing.T) *Schema {
	t.Helper()
	s, err := Load(Dir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValid(t *testing.T) {
	s := load(t)
	if errs := s.Validate("compliance_finding", []byte(valid)); len(errs) > 0 {
		t.Fatalf("a valid event fails: %v", errs)
	}
}

// TestInvalid: each change to the valid event is caught, with the
// attribute's path in the message.
func TestInvalid(t *testing.T) {
	s := load(t)
	tests := []struct {
		name, old, new, want string
	}{
		{"required missing", `"time":1793491200000,`, ``, "time: required attribute missing"},
		{"required in an object", `"uid":"u",`, ``, "finding_info.uid: required attribute missing"},
		{"required in an object of an object", `"type":"Rule","type_id":1`, `"type":"Rule"`, "finding_info.analytic.type_id: required attribute missing"},
		{"timestamp as a string", `"time":1793491200000`, `"time":"2026-11-01T00:00:00Z"`, "time: want an integer (timestamp_t), got a string"},
		{"integer as a float", `"severity_id":4`, `"severity_id":4.5`, "severity_id: want an integer (integer_t), got 4.5"},
		{"string as a number", `"message":"m"`, `"message":7`, "message: want a string (string_t), got a number"},
		{"enum value", `"severity_id":4,"severity":"High"`, `"severity_id":7,"severity":"High"`, "severity_id: 7 is not one of the enum values 0, 1, 2, 3, 4, 5, 6, 99"},
		{"enum of a class", `"status_id":1,"status":"New"`, `"status_id":7,"status":"New"`, "status_id: 7 is not one of the enum values 0, 1, 2, 3, 4, 5, 6, 99"},
		{"enum in an array element", `"status":"Fail","status_id":3}]`, `"status":"Fail","status_id":4}]`, "compliance.checks[0].status_id: 4 is not one of"},
		{"sibling caption", `"severity":"High"`, `"severity":"high"`, `severity_id: sibling severity is high, want the caption "High"`},
		{"unknown attribute", `"message":"m",`, `"message":"m","colour":"red",`, "colour: not an attribute of compliance_finding"},
		{"unknown attribute of an object", `"vendor_name":"keyaudit"`, `"vendor":"keyaudit"`, "metadata.product.vendor: not an attribute of product"},
		{"profile not declared", `,"profiles":["cloud"]`, ``, "cloud: attribute of profile cloud, which metadata.profiles does not name"},
		{"object as a string", `"cloud":{"provider":"AWS","account":{"uid":"111122223333","type":"AWS Account","type_id":10}}`, `"cloud":"AWS"`, "cloud: want a cloud object, got a string"},
		{"array as an object", `"types":["stale-key"]`, `"types":"stale-key"`, "finding_info.types: want an array, got a string"},
		{"at_least_one", `"type":"AwsIamAccessKey","name":"k",`, `"type":"AwsIamAccessKey",`, "resources[1]: resource_details wants at least one of name, uid, has 0"},
		{"type_uid", `"type_uid":200301`, `"type_uid":200302`, "type_uid: 200302, want 200301"},
		{"class_uid", `"class_uid":2003`, `"class_uid":2004`, "class_uid: 2004, want 2003"},
		{"type_name", `"type_name":"Compliance Finding: Create"`, `"type_name":"Create"`, "type_name: Create, want Compliance Finding: Create"},
		{"category_name", `"category_name":"Findings"`, `"category_name":"Finding"`, "category_name: Finding, want Findings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.old) {
				t.Fatalf("the valid event has no %q", tt.old)
			}
			errs := s.Validate("compliance_finding", []byte(strings.Replace(valid, tt.old, tt.new, 1)))
			var msgs []string
			found := false
			for _, e := range errs {
				msgs = append(msgs, e.Error())
				found = found || strings.Contains(e.Error(), tt.want)
			}
			if !found {
				t.Errorf("no error says %q; got %q", tt.want, msgs)
			}
		})
	}
	if errs := s.Validate("compliance_finding", []byte(`[1]`)); len(errs) != 1 {
		t.Errorf("an array: %v", errs)
	}
	if errs := s.Validate("no_such_class", []byte(`{}`)); len(errs) != 1 || !strings.Contains(errs[0].Error(), "class no_such_class") {
		t.Errorf("an unknown class: %v", errs)
	}
}
