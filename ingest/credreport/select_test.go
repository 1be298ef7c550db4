package credreport

import (
	"testing"
	"time"
)

func mustParse(t testing.TB, name string, data []byte) *Report {
	t.Helper()
	rep, errs := Parse(name, data)
	if rep == nil || len(errs) != 0 {
		t.Fatalf("parse %s: %q", name, errStrings(errs))
	}
	return rep
}

func TestSelect(t *testing.T) {
	csv := readFile(t, "testdata/sample.csv") // account 111122223333
	other := []byte(lines(testHeader, testRow("x", map[string]string{csvARN: "arn:aws:iam::999988887777:user/x"})))
	newerCSV := []byte(lines(testHeader, testRow("late", map[string]string{csvKey1LastUsedDate: "2026-11-25T00:00:00Z"})))
	allBad, _ := Parse("bad.csv", []byte(lines(testHeader, "x")))

	type sel struct {
		chosen     []string
		superseded [][2]string // file, by
	}
	tests := []struct {
		name string
		in   func(t *testing.T) []*Report
		want sel
	}{
		{"CSV and JSON of the same account: the JSON (known time) wins",
			func(t *testing.T) []*Report {
				return []*Report{mustParse(t, "a.csv", csv), mustParse(t, "z.json", cliJSON(t, csv, "2020-01-01T00:00:00Z"))}
			},
			sel{[]string{"z.json"}, [][2]string{{"a.csv", "z.json"}}}},
		{"two JSON copies: the later GeneratedTime wins",
			func(t *testing.T) []*Report {
				return []*Report{
					mustParse(t, "new.json", cliJSON(t, csv, "2026-11-20T00:00:00Z")),
					mustParse(t, "old.json", cliJSON(t, csv, "2026-11-01T00:00:00Z")),
				}
			},
			sel{[]string{"new.json"}, [][2]string{{"old.json", "new.json"}}}},
		{"two identical copies: the smaller file name wins",
			func(t *testing.T) []*Report {
				return []*Report{
					mustParse(t, "copy2.json", cliJSON(t, csv, "2026-11-20T00:00:00Z")),
					mustParse(t, "copy1.json", cliJSON(t, csv, "2026-11-20T00:00:00Z")),
				}
			},
			sel{[]string{"copy1.json"}, [][2]string{{"copy2.json", "copy1.json"}}}},
		{"two CSVs: the one with the latest row time wins",
			func(t *testing.T) []*Report {
				return []*Report{mustParse(t, "a.csv", csv), mustParse(t, "b.csv", newerCSV)}
			},
			sel{[]string{"b.csv"}, [][2]string{{"a.csv", "b.csv"}}}},
		{"same file given twice: the first wins",
			func(t *testing.T) []*Report {
				return []*Report{mustParse(t, "a.csv", csv), mustParse(t, "a.csv", csv)}
			},
			sel{[]string{"a.csv"}, [][2]string{{"a.csv", "a.csv"}}}},
		{"accounts are chosen separately, sorted by account; empty and nil reports dropped",
			func(t *testing.T) []*Report {
				return []*Report{mustParse(t, "z.csv", other), nil, allBad, mustParse(t, "y.csv", csv)}
			},
			sel{[]string{"y.csv", "z.csv"}, nil}},
		{"nothing", func(t *testing.T) []*Report { return nil }, sel{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in(t)
			// The choice must not depend on the input order (except for
			// exact duplicates, where it is the first given).
			orders := [][]*Report{in}
			if len(in) == 2 && in[0].File != in[1].File {
				orders = append(orders, []*Report{in[1], in[0]})
			}
			for _, order := range orders {
				chosen, sup := Select(order)
				var got sel
				for _, r := range chosen {
					got.chosen = append(got.chosen, r.File)
				}
				for _, s := range sup {
					got.superseded = append(got.superseded, [2]string{s.Report.File, s.By.File})
					if s.Report.AccountID != s.By.AccountID || s.Report == s.By {
						t.Errorf("superseded %+v", s)
					}
				}
				if !equalStrings(got.chosen, tt.want.chosen) || len(got.superseded) != len(tt.want.superseded) {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
				for i := range got.superseded {
					if got.superseded[i] != tt.want.superseded[i] {
						t.Errorf("got %+v, want %+v", got, tt.want)
					}
				}
			}
		})
	}
}

func TestLatestRowTimeIgnoresNextRotation(t *testing.T) {
	rep := mustParse(t, "a.csv", []byte(lines(testHeader, testRow("a", map[string]string{csvPasswordNextRotation: "2099-01-01T00:00:00Z"}))))
	if got, want := latestRowTime(rep), time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("latest %v, want %v", got, want)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
