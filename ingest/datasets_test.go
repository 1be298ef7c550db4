package ingest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatasets reads the public sample data (see
// shared/datasets/cloudtrail/SOURCES.md) and checks the counts, worked out
// independently (python/jq over the raw files):
//
//   - grycap: 1,067 S3 .json.gz files, 17,598 events, all valid and distinct.
//   - invictus: 55 plain S3 files, 2,900 events.
//   - traildiscover: 584 files, 564 JSON arrays (543 events) and 20
//     single-object files (20 events); 563 events but only 314 distinct
//     eventIDs (the same examples are filed under several names, with
//     identical content), so 249 are duplicates. Which copy is counted as
//     the duplicate depends on the order the workers read the files, so only
//     the sum over both kinds is checked.
//   - processing-library fixtures: 15 files. SQSMessageBody and
//     SQSMessageBodyWrongFormat are SNS notifications (single objects that
//     are not events): skipped. The 13 others are S3 files: 12 parse, with
//     2+6+2+6+6+6+4+2+2+2+2+1 = 41 records (SOURCES.md counts 35 because it
//     leaves out SerializerTestFileCompact.json.gz, a gzip copy of
//     SerializerTestFileCompact.json; the events have no eventID, so they are
//     not deduplicated). 4 are rejected: eventTime null (AllFieldsNull #0),
//     missing (BadFieldName #0 "eventTimeWrong", NewFieldName #0
//     "eventTime1"), unparsable (MissField #3 "ThisIsAWrongEventTime"); 37
//     are used. SerializerTestFileBadJsonFormat.json breaks inside its first
//     record (line 37), so it yields nothing: 1 record rejected, file failed.
func TestDatasets(t *testing.T) {
	type sum struct{ files, records, used, dup, rejected int64 }
	tests := []struct {
		dir  string
		want map[Kind]sum
		errs []string // substrings of the errors, in order
	}{
		{"grycap-cloudtrail-tracker", map[Kind]sum{KindCloudTrail: {1067, 17598, 17598, 0, 0}}, nil},
		{"invictus-ir-aws-dataset", map[Kind]sum{KindCloudTrail: {55, 2900, 2900, 0, 0}}, nil},
		{"traildiscover-logexamples", map[Kind]sum{"": {584, 563, 314, 249, 0}}, nil},
		{"aws-cloudtrail-processing-library-fixtures", map[Kind]sum{
			KindCloudTrail: {13, 42, 37, 0, 5},
			KindUnknown:    {2, 0, 0, 0, 0},
		}, []string{
			"SerializerAllFieldsNull.json: record 0: eventTime: missing eventTime",
			"SerializerTestFileBadFieldName.json: record 0: eventTime: missing eventTime",
			"SerializerTestFileBadJsonFormat.json:37: invalid JSON",
			"SerializerTestFileMissField.json: record 3: eventTime: unparsable timestamp",
			"SerializerTestFileNewFieldName.json: record 0: eventTime: missing eventTime",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := datasets(t, filepath.Join("cloudtrail", tt.dir))
			var digest string
			for _, workers := range []int{1, 4} {
				res, sink := run(t, []string{dir}, Options{Workers: workers})
				got := map[Kind]sum{}
				for k, c := range res.Stats {
					if _, ok := tt.want[k]; !ok {
						k = ""
					}
					s := got[k]
					s.files += c.Files
					s.records += c.Records
					s.used += c.Used
					s.dup += c.Duplicate
					s.rejected += c.Rejected
					got[k] = s
				}
				for k, w := range tt.want {
					if got[k] != w {
						t.Errorf("workers=%d %q: got %+v, want %+v", workers, k, got[k], w)
					}
				}
				if len(res.Errors) != len(tt.errs) {
					t.Errorf("errors:\n%s", strings.Join(errStrings(res.Errors), "\n"))
				} else {
					for i, e := range res.Errors {
						if !strings.Contains(e.Error(), tt.errs[i]) {
							t.Errorf("error %d = %q, want %q", i, e, tt.errs[i])
						}
					}
				}
				b, err := json.Marshal(sink.sorted(t))
				if err != nil {
					t.Fatal(err)
				}
				d := fmt.Sprintf("%x", sha256.Sum256(b))
				if digest != "" && d != digest {
					t.Errorf("rows with %d workers differ from rows with 1", workers)
				}
				digest = d
			}
		})
	}
}
