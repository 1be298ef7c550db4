package analyze

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/keyaudit/keyaudit/report"
)

// readBackFindings are sampleFindings as an output holds them: times in
// UTC at millisecond precision.
func readBackFindings(baseline bool) []Finding {
	fs := sampleFindings()
	for i := range fs {
		fs[i].LastRotated = fs[i].LastRotated.Truncate(1e6).UTC()
		fs[i].LastUsed = fs[i].LastUsed.Truncate(1e6).UTC()
		if baseline {
			fs[i].Status = []string{StatusNew, StatusUnchanged, StatusResolved}[i%3]
			if i != 2 {
				fs[i].FirstSeen = asOf.Add(-Day)
			}
		}
	}
	return fs
}

// TestFindingsReadBack: what keyaudit audit writes as JSON, NDJSON and
// Parquet, with and without the baseline columns, reads back as the same
// findings.
func TestFindingsReadBack(t *testing.T) {
	for _, baseline := range []bool{false, true} {
		want := readBackFindings(baseline)
		for _, format := range []string{report.FormatJSON, report.FormatNDJSON, report.FormatParquet} {
			name := format
			if baseline {
				name += "+baseline"
			}
			t.Run(name, func(t *testing.T) {
				mem := newMem(t)
				rec := FindingsRecord(mem, want)
				if baseline {
					rec.Release()
					rec = FindingsBaselineRecord(mem, want)
				}
				defer rec.Release()
				var buf bytes.Buffer
				w, err := report.NewWriter(format, &buf, rec.Schema(), report.Options{Allocator: mem})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(rec); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				var got []Finding
				if format == report.FormatParquet {
					tbl, err := report.ReadParquet(mem, bytes.NewReader(buf.Bytes()))
					if err != nil {
						t.Fatal(err)
					}
					defer tbl.Release()
					tr := array.NewTableReader(tbl, -1)
					defer tr.Release()
					for tr.Next() {
						fs, err := FindingsFromRecord(tr.RecordBatch())
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, fs...)
					}
				} else if got, err = FindingsFromJSON(&buf); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("read %d findings, want %d", len(got), len(want))
				}
				for i := range want {
					g, w := got[i], want[i]
					if !g.LastRotated.Equal(w.LastRotated) || !g.LastUsed.Equal(w.LastUsed) || !g.FirstSeen.Equal(w.FirstSeen) {
						t.Errorf("finding %d times: got %v %v %v, want %v %v %v", i, g.LastRotated, g.LastUsed, g.FirstSeen, w.LastRotated, w.LastUsed, w.FirstSeen)
					}
					g.LastRotated, g.LastUsed, g.FirstSeen = w.LastRotated, w.LastUsed, w.FirstSeen
					if g != w {
						t.Errorf("finding %d:\n got %+v\nwant %+v", i, g, w)
					}
				}
			})
		}
	}
}

func TestFindingsFromJSONErrors(t *testing.T) {
	full := `{"rule":"stale-key","severity":"high","account_id":"1","user":"u","arn":"a","key_slot":1,"access_key_id":null,"key_status":"Active","last_rotated":null,"last_used":null,"age_days":3,"detail":"d","muted":false,"mute_reason":null}`
	tests := []struct {
		name, in, want string
		cause          error
	}{
		{"older keyaudit", `[{"rule":"stale-key","severity":"high","account_id":"1","user":"u","detail":"d"}]`,
			"record 1: findings lack the columns arn, key_slot, access_key_id, key_status, last_rotated, last_used, age_days, muted, mute_reason (written by an older keyaudit?", nil},
		{"keys output", `{"account_id":"1","user":"u","access_key_id":"AKIA"}`, "record 1: not a keyaudit audit findings file: no rule column", ErrNotFindings},
		{"a suppression file", `{"suppressions":[]}`, "no rule column", ErrNotFindings},
		{"CSV", "rule,severity\n", `not JSON objects (it starts with 'r')`, ErrNotFindings},
		{"array of strings", `["a"]`, "record 1 is not a JSON object", ErrNotFindings},
		{"bad severity", strings.Replace(full, `"high"`, `"severe"`, 1), `record 1: column severity: unknown severity "severe"`, nil},
		{"bad time", strings.Replace(full, `"last_rotated":null`, `"last_rotated":"yesterday"`, 1), `column last_rotated: want an RFC 3339 time, got "yesterday"`, nil},
		{"bad slot", strings.Replace(full, `"key_slot":1`, `"key_slot":"1"`, 1), `column key_slot: want an integer`, nil},
		{"bad status", strings.Replace(full, `}`, `,"status":"gone"}`, 1), `column status: "gone" is not new, unchanged or resolved`, nil},
		{"second line", full + "\n" + `{"rule":"x"}`, "record 2: ", nil},
		{"broken JSON", `[` + full + `,`, "record 2: ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FindingsFromJSON(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to say %q", err, tt.want)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("error %v does not wrap %v", err, tt.cause)
			}
		})
	}
	for _, empty := range []string{"", "\n", "[]", "[\n]\n"} {
		if fs, err := FindingsFromJSON(strings.NewReader(empty)); err != nil || len(fs) != 0 {
			t.Errorf("%q: %v %v, want no finding", empty, fs, err)
		}
	}
	fs, err := FindingsFromJSON(strings.NewReader(full + "\n" + full + "\n"))
	if err != nil || len(fs) != 2 || fs[0].KeySlot != 1 || fs[0].AgeDays != 3 || fs[0].Severity != High {
		t.Errorf("ndjson: %+v %v", fs, err)
	}
}

func TestFindingsFromRecordErrors(t *testing.T) {
	mem := newMem(t)
	b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{{Name: "account_id", Type: arrow.BinaryTypes.String}}, nil))
	defer b.Release()
	rec := b.NewRecord()
	defer rec.Release()
	if _, err := FindingsFromRecord(rec); !errors.Is(err, ErrNotFindings) {
		t.Errorf("a record without findings columns: %v", err)
	}
}
