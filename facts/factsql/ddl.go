package factsql

import (
	"fmt"
	"strings"
)

// node is one member of a CloudTrail record as the DDL declares it: a
// string (no children), a struct, or (list) an array of structs.
type node struct {
	name string // CloudTrail's camelCase key
	kids []node
	list bool
}

func leaf(names ...string) []node {
	n := make([]node, len(names))
	for i, s := range names {
		n[i] = node{name: s}
	}
	return n
}

// record is the CloudTrail record shape the script reads: AWS's
// documented CloudTrail table, with sessionContext.sourceIdentity added
// (AWS's DDL lacks it; sessions need it). Every scalar is a string; the
// request, response and additional data are JSON text.
var record = append(append(leaf("eventVersion"),
	node{name: "userIdentity", kids: append(leaf("type", "principalId", "arn", "accountId", "invokedBy", "accessKeyId", "userName"),
		node{name: "sessionContext", kids: []node{
			{name: "attributes", kids: leaf("mfaAuthenticated", "creationDate")},
			{name: "sessionIssuer", kids: leaf("type", "principalId", "arn", "accountId", "userName")},
			{name: "ec2RoleDelivery"},
			{name: "sourceIdentity"},
		}})}),
	append(leaf("eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "errorCode",
		"errorMessage", "requestParameters", "responseElements", "additionalEventData", "requestID", "eventID", "readOnly"),
		node{name: "resources", list: true, kids: leaf("arn", "accountId", "type")},
		node{name: "eventType"}, node{name: "apiVersion"}, node{name: "recipientAccountId"},
		node{name: "serviceEventDetails"}, node{name: "sharedEventID"}, node{name: "vpcEndpointId"},
		node{name: "tlsDetails", kids: leaf("tlsVersion", "cipherSuite", "clientProvidedHostHeader")},
		node{name: "sessionCredentialFromConsole"})...)

// hiveType is n's type in Hive DDL (Athena, Spark): STRUCT<a: STRING, ...>.
func hiveType(n node, lower bool) string {
	if n.kids == nil {
		return "STRING"
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = name(k, lower) + ": " + hiveType(k, lower)
	}
	t := "STRUCT<" + strings.Join(parts, ", ") + ">"
	if n.list {
		t = "ARRAY<" + t + ">"
	}
	return t
}

// trinoType is n's type in Trino DDL: row(a varchar, ...).
func trinoType(n node) string {
	if n.kids == nil {
		return "varchar"
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = strings.ToLower(k.name) + " " + trinoType(k)
	}
	t := "row(" + strings.Join(parts, ", ") + ")"
	if n.list {
		t = "array(" + t + ")"
	}
	return t
}

func name(n node, lower bool) string {
	if lower {
		return strings.ToLower(n.name)
	}
	return n.name
}

// awsRegions are the regions the Athena projection enumerates. A trail
// logging a region not listed here needs it added to
// projection.region.values.
var awsRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
	"ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
	"ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
	"eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
	"mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

// ddl is the statements that declare p.Table over the trail's bucket.
func ddl(p *plan) []string {
	switch p.Engine {
	case Athena:
		return []string{athenaDDL(p)}
	case Trino:
		return trinoDDL(p)
	}
	return sparkDDL(p)
}

func athenaDDL(p *plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE %s (\n", p.Table)
	for i, n := range record {
		sep := ","
		if i == len(record)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s %s%s\n", strings.ToLower(n.name), hiveType(n, true), sep)
	}
	fmt.Fprintf(&b, ")\nPARTITIONED BY (%s STRING, region STRING, %s STRING)\n", p.AccountPartition, p.DatePartition)
	b.WriteString("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n")
	b.WriteString("STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n")
	b.WriteString("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n")
	fmt.Fprintf(&b, "LOCATION %s\n", lit(p.trailDir))
	props := [][2]string{
		{"projection.enabled", "true"},
		{"projection." + p.AccountPartition + ".type", "enum"},
		{"projection." + p.AccountPartition + ".values", strings.Join(p.Accounts, ",")},
		{"projection.region.type", "enum"},
		{"projection.region.values", strings.Join(awsRegions, ",")},
		{"projection." + p.DatePartition + ".type", "date"},
		{"projection." + p.DatePartition + ".format", "yyyy/MM/dd"},
		{"projection." + p.DatePartition + ".range", "2013/11/01,NOW"},
		{"projection." + p.DatePartition + ".interval", "1"},
		{"projection." + p.DatePartition + ".interval.unit", "DAYS"},
		{"storage.location.template", p.trailDir + "${" + p.AccountPartition + "}/CloudTrail/${region}/${" + p.DatePartition + "}"},
	}
	b.WriteString("TBLPROPERTIES (\n")
	for i, kv := range props {
		sep := ","
		if i == len(props)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s = %s%s\n", lit(kv[0]), lit(kv[1]), sep)
	}
	b.WriteString(")")
	return b.String()
}

func trinoDDL(p *plan) []string {
	raw := p.Table + "_raw"
	var cols, names []string
	for _, n := range record {
		names = append(names, strings.ToLower(n.name))
		cols = append(cols, strings.ToLower(n.name)+" "+trinoType(n))
	}
	return []string{
		fmt.Sprintf("CREATE TABLE %s (\n  records array(row(\n    %s\n  ))\n)\nWITH (format = 'JSON', external_location = %s)",
			raw, strings.Join(cols, ",\n    "), lit(p.trailDir)),
		fmt.Sprintf("CREATE VIEW %s AS\nSELECT e.*\nFROM %s CROSS JOIN UNNEST(records) AS e (\n  %s\n)", p.Table, raw, strings.Join(names, ",\n  ")),
	}
}

func sparkDDL(p *plan) []string {
	raw := p.Table + "_raw"
	var fields []string
	for _, n := range record {
		fields = append(fields, n.name+": "+hiveType(n, false))
	}
	return []string{
		fmt.Sprintf("CREATE TABLE %s (\n  Records ARRAY<STRUCT<\n    %s\n  >>\n)\nUSING json\nOPTIONS (recursiveFileLookup 'true', pathGlobFilter '*.json*')\nLOCATION %s",
			raw, strings.Join(fields, ",\n    "), lit(p.trailDir)),
		fmt.Sprintf("CREATE OR REPLACE VIEW %s AS\nSELECT r.*\nFROM %s LATERAL VIEW explode(Records) x AS r", p.Table, raw),
	}
}
