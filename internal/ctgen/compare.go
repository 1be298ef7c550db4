package ctgen

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Comparison is the result of checking a sessions CSV (keyaudit sessions
// -f csv) against the ground truth.
type Comparison struct {
	TruthKeys int            // keys in the truth
	Rows      int            // data rows in the CSV
	Found     int            // truth keys with a row
	Exact     int            // truth keys whose compared fields all match
	Extra     int            // rows whose key is not in the truth
	FieldMiss map[string]int // mismatches by field
	KindMiss  map[string]int // truth keys not matching exactly, by truth root_kind
	Examples  []string       // a few mismatches, for the reader
}

// comparedFields are the columns checked, by CSV header name.
var comparedFields = []string{"account_id", "root_kind", "root_principal", "root_access_key_id", "chain_depth"}

// ErrCompare is the cause of every error of CompareSessions.
var ErrCompare = errors.New("compare sessions")

// CompareSessions reads a sessions CSV with a header row naming at least
// access_key_id and comparedFields, and compares it with truth.
func CompareSessions(truth []TruthRow, in io.Reader) (Comparison, error) {
	c := Comparison{TruthKeys: len(truth), FieldMiss: map[string]int{}, KindMiss: map[string]int{}}
	want := make(map[string][]string, len(truth))
	kind := make(map[string]string, len(truth))
	for _, t := range truth {
		depth := ""
		if t.ChainDepth > 0 {
			depth = fmt.Sprint(t.ChainDepth)
		}
		want[t.AccessKeyID] = []string{t.AccountID, t.RootKind, t.RootPrincipal, t.RootAccessKeyID, depth}
		kind[t.AccessKeyID] = t.RootKind
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return c, fmt.Errorf("%w: header: %v", ErrCompare, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	idx := []int{}
	for _, f := range append([]string{"access_key_id"}, comparedFields...) {
		i, ok := col[f]
		if !ok {
			return c, fmt.Errorf("%w: no %s column", ErrCompare, f)
		}
		idx = append(idx, i)
	}
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return c, fmt.Errorf("%w: line %d: %v", ErrCompare, line, err)
		}
		get := func(i int) string {
			if idx[i] < len(rec) {
				return rec[idx[i]]
			}
			return ""
		}
		c.Rows++
		key := get(0)
		w, ok := want[key]
		if !ok {
			c.Extra++
			continue
		}
		if seen[key] {
			return c, fmt.Errorf("%w: line %d: key %s listed twice", ErrCompare, line, key)
		}
		seen[key] = true
		c.Found++
		exact := true
		for i, f := range comparedFields {
			if got := get(i + 1); got != w[i] {
				exact = false
				c.FieldMiss[f]++
				if len(c.Examples) < 10 {
					c.Examples = append(c.Examples, fmt.Sprintf("%s %s: got %.80q, want %.80q", key, f, got, w[i]))
				}
			}
		}
		if exact {
			c.Exact++
		} else {
			c.KindMiss[kind[key]]++
		}
	}
	for k := range want {
		if !seen[k] {
			c.KindMiss[kind[k]]++
		}
	}
	return c, nil
}

// String renders c in a few lines.
func (c Comparison) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "truth keys %d, rows %d, found %d, exact %d (%.2f%%), extra rows %d\n",
		c.TruthKeys, c.Rows, c.Found, c.Exact, 100*float64(c.Exact)/float64(max(1, c.TruthKeys)), c.Extra)
	list := func(title string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "%s:", title)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%d", k, m[k])
		}
		b.WriteString("\n")
	}
	list("mismatches by field", c.FieldMiss)
	list("keys not exact by truth root_kind", c.KindMiss)
	for _, e := range c.Examples {
		b.WriteString("  " + e + "\n")
	}
	return b.String()
}
