package ctgen

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// KeyComparison is the result of checking a keys CSV (keyaudit keys -f csv)
// against the AKIA key ground truth.
type KeyComparison struct {
	TruthKeys    int            // keys in the truth
	Rows         int            // data rows in the CSV
	Found        int            // truth keys with a row
	Exact        int            // found keys whose account, user and status match
	CreatedKnown int            // found keys whose row has a created time
	Extra        int            // rows whose key is not in the truth
	FieldMiss    map[string]int // mismatches by field (created only counted when known)
	Examples     []string
}

func readCSV(in io.Reader, need []string) ([][]string, []int, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: header: %v", ErrCompare, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	idx := make([]int, len(need))
	for i, f := range need {
		j, ok := col[f]
		if !ok {
			return nil, nil, fmt.Errorf("%w: no %s column", ErrCompare, f)
		}
		idx[i] = j
	}
	var rows [][]string
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, idx, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: line %d: %v", ErrCompare, line, err)
		}
		row := make([]string, len(idx))
		for i, j := range idx {
			if j < len(rec) {
				row[i] = rec[j]
			}
		}
		rows = append(rows, row)
	}
}

// CompareKeys compares a keys CSV with a key truth CSV (WriteKeyTruth).
// Both are matched by header name: account_id, user, access_key_id,
// created, status.
func CompareKeys(truth, got io.Reader) (KeyComparison, error) {
	fields := []string{"account_id", "user", "access_key_id", "created", "status"}
	c := KeyComparison{FieldMiss: map[string]int{}}
	trows, _, err := readCSV(truth, fields)
	if err != nil {
		return c, fmt.Errorf("truth: %w", err)
	}
	want := map[string][]string{}
	for _, r := range trows {
		want[r[2]] = r
	}
	c.TruthKeys = len(want)
	grows, _, err := readCSV(got, fields)
	if err != nil {
		return c, err
	}
	seen := map[string]bool{}
	for _, g := range grows {
		c.Rows++
		w, ok := want[g[2]]
		if !ok {
			c.Extra++
			continue
		}
		if seen[g[2]] {
			return c, fmt.Errorf("%w: key %s listed twice", ErrCompare, g[2])
		}
		seen[g[2]] = true
		c.Found++
		exact := true
		for _, i := range []int{0, 1, 4} {
			if g[i] != w[i] {
				exact = false
				c.FieldMiss[fields[i]]++
				if len(c.Examples) < 10 {
					c.Examples = append(c.Examples, fmt.Sprintf("%s %s: got %.80q, want %.80q", g[2], fields[i], g[i], w[i]))
				}
			}
		}
		if g[3] != "" {
			c.CreatedKnown++
			if g[3] != w[3] {
				c.FieldMiss["created"]++
				if len(c.Examples) < 10 {
					c.Examples = append(c.Examples, fmt.Sprintf("%s created: got %q, want %q", g[2], g[3], w[3]))
				}
			}
		}
		if exact {
			c.Exact++
		}
	}
	return c, nil
}

func (c KeyComparison) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "truth keys %d, rows %d, found %d, account+user+status exact %d (%.2f%%), created known %d, extra rows %d\n",
		c.TruthKeys, c.Rows, c.Found, c.Exact, 100*float64(c.Exact)/float64(max(1, c.TruthKeys)), c.CreatedKnown, c.Extra)
	for _, f := range []string{"account_id", "user", "status", "created"} {
		if n := c.FieldMiss[f]; n > 0 {
			fmt.Fprintf(&b, "mismatches %s=%d\n", f, n)
		}
	}
	for _, e := range c.Examples {
		b.WriteString("  " + e + "\n")
	}
	return b.String()
}
