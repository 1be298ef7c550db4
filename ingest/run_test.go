package ingest

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/golden"
)

// Secrets planted in testdata/tree; no column and no error may hold them.
const (
	plantedSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
	plantedToken  = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENdoNotLeakThisValue0123456789"
)

// The expected accounting of testdata/tree, worked out by hand:
//
// cloudtrail (S3 files, plain, .gz and an organization trail under
// AWSLogs/o-abc123def4/...): plain.json 4 used; gz.json.gz 3 records, one
// (evt-0002) a duplicate of plain.json; org.json.gz 1; bad/invalid.json 1
// used, then a broken record (rejected, file failed); bad/truncated.json.gz
// 2 whole records kept, the cut third rejected (file failed); bad/wrongtype.json
// 9 records: eventName a number, userIdentity a string, readOnly "maybe",
// eventTime null, eventTime "yesterday", creationDate a number, a string
// record: 7 rejected; a null record skipped; evt-0024 used.
var wantTreeStats = map[Kind]Counts{
	KindCloudTrail:       {Files: 6, FilesFailed: 2, Records: 4 + 3 + 1 + 2 + 3 + 9, Used: 4 + 2 + 1 + 1 + 2 + 1, Skipped: 1, Rejected: 1 + 1 + 7, Duplicate: 1},
	KindLookupEvents:     {Files: 1, Records: 2, Used: 2},
	KindJSONLines:        {Files: 2, Records: 4, Used: 4}, // events.jsonl (3, one blank line), single-event.json (1, BOM, pretty)
	KindJSONArray:        {Files: 1, Records: 2, Used: 2}, // events-array.json
	KindDigest:           {Files: 2, FilesSkipped: 2},     // by path, and renamed-digest.json by content
	KindUnknown:          {Files: 3, FilesSkipped: 3},     // not-an-event.json, unknown.txt, empty.json
	KindCredentialReport: {Files: 1, Records: 4, Used: 4}, // creds/credential-report.csv
	KindCredentialsFile:  {Files: 1, Records: 1, Used: 1}, // creds/credentials
}

func statsOf(res *Result) map[Kind]Counts {
	m := map[Kind]Counts{}
	for k, c := range res.Stats {
		m[k] = *c
	}
	return m
}

func TestRunTree(t *testing.T) {
	var first []byte
	for _, workers := range []int{1, 4} {
		res, sink := run(t, []string{"testdata/tree"}, Options{Workers: workers, BatchRows: 3})
		if got := statsOf(res); !reflect.DeepEqual(got, wantTreeStats) {
			for k := range wantTreeStats {
				if got[k] != wantTreeStats[k] {
					t.Errorf("workers=%d %s:\n got %+v\nwant %+v", workers, k, got[k], wantTreeStats[k])
				}
			}
			for k := range got {
				if _, ok := wantTreeStats[k]; !ok {
					t.Errorf("workers=%d unexpected kind %s: %+v", workers, k, got[k])
				}
			}
		}
		if want := []string{"AKIAIOSFODNN7EXAMPLE"}; !slices.Equal(res.KeyIDs, want) {
			t.Errorf("KeyIDs = %v, want %v", res.KeyIDs, want)
		}
		if len(res.Reports) != 1 {
			t.Errorf("%d reports, want 1", len(res.Reports))
		}
		rows := sink.sorted(t)
		b, err := json.MarshalIndent(rows, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{plantedSecret, plantedToken} {
			if strings.Contains(string(b), s) {
				t.Errorf("a planted secret reached a column")
			}
			for _, e := range res.Errors {
				if strings.Contains(e.Error(), s) {
					t.Errorf("a planted secret is in an error: %v", e)
				}
			}
		}
		if first == nil {
			first = b
		} else if string(first) != string(b) {
			t.Errorf("the rows with 4 workers differ from the rows with 1")
		}
		if workers == 1 {
			golden.Check(t, "testdata/tree.golden.json", b)
			checkTreeErrors(t, res)
		}
	}
}

// checkTreeErrors checks the errors and skipped files of testdata/tree.
func checkTreeErrors(t *testing.T, res *Result) {
	t.Helper()
	want := []struct {
		file   string
		record int
		column string
		cause  error
	}{
		{"bad/invalid.json", 1, "", cloudtrail.ErrSyntax},
		{"bad/truncated.json.gz", -1, "", ErrTruncated},
		{"bad/wrongtype.json", 0, "eventName", cloudtrail.ErrWrongType},
		{"bad/wrongtype.json", 1, "userIdentity", cloudtrail.ErrWrongType},
		{"bad/wrongtype.json", 2, "readOnly", cloudtrail.ErrWrongType},
		{"bad/wrongtype.json", 3, "eventTime", cloudtrail.ErrMissingTime},
		{"bad/wrongtype.json", 5, "eventTime", cloudtrail.ErrBadTime},
		{"bad/wrongtype.json", 6, "userIdentity.sessionContext.attributes.creationDate", cloudtrail.ErrWrongType},
		{"bad/wrongtype.json", 7, "", cloudtrail.ErrWrongType},
	}
	if len(res.Errors) != len(want) {
		t.Fatalf("%d errors, want %d:\n%s", len(res.Errors), len(want), strings.Join(errStrings(res.Errors), "\n"))
	}
	for i, w := range want {
		e := res.Errors[i]
		if filepath.ToSlash(e.File) != "testdata/tree/"+w.file || e.Record != w.record || e.Column != w.column || !errors.Is(e, w.cause) {
			t.Errorf("error %d = %v (record %d, column %q), want %s record %d column %q cause %v",
				i, e, e.Record, e.Column, w.file, w.record, w.column, w.cause)
		}
	}
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, filepath.Base(s.File)+" "+string(s.Kind))
	}
	wantSkipped := []string{
		"111122223333_CloudTrail-Digest_us-east-1_x_20261001T100000Z.json.gz cloudtrail-digest",
		"empty.json unknown",
		"not-an-event.json unknown",
		"renamed-digest.json cloudtrail-digest",
		"unknown.txt unknown",
	}
	if !slices.Equal(skipped, wantSkipped) {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(skipped, "\n"), strings.Join(wantSkipped, "\n"))
	}
}
