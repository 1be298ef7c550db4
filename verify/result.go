package verify

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/keyaudit/keyaudit/verify/digest"
)

// finish collects the digest rows, sorts every row and counts them.
func (v *run) finish() {
	for _, d := range v.digests {
		v.rows = append(v.rows, d.row)
	}
	rows := v.rows
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if (a.Chain == "") != (b.Chain == "") {
			return b.Chain == ""
		}
		if a.Chain != b.Chain {
			return a.Chain < b.Chain
		}
		if !a.order.Equal(b.order) {
			return a.order.Before(b.order)
		}
		if a.Kind != b.Kind {
			return a.Kind == digest.KindDigest
		}
		if a.S3Object != b.S3Object {
			return a.S3Object < b.S3Object
		}
		return a.Path < b.Path
	})
	byID := map[string]*Chain{}
	for _, c := range v.res.Chains {
		byID[c.ID] = c
	}
	for _, r := range rows {
		if c := byID[r.Chain]; c != nil {
			c.Counts[r.Status]++
		}
	}
	v.res.Rows = rows
}

// Counts are the rows by status.
func (r *Result) Counts() map[Status]int {
	n := map[Status]int{}
	for _, row := range r.Rows {
		n[row.Status]++
	}
	return n
}

// WriteSummary writes one line per chain, the lines of missing ranges and
// gaps, a line for logs in no chain, and the totals.
func (r *Result) WriteSummary(w io.Writer) {
	for _, c := range r.Chains {
		span := "no readable digest"
		if c.Digests > 0 {
			span = fmt.Sprintf("%s to %s", c.First.Format(timeFmt), c.Last.Format(timeFmt))
		}
		fmt.Fprintf(w, "chain %s: %s, %s (%s): %s\n", c.ID, plural(c.Digests, "digest"), plural(c.Logs, "log"), span, c.Verdict(r.Signed))
		for _, m := range c.Missing {
			fmt.Fprintf(w, "  missing digests: %s\n", rangeText(m))
		}
		for _, g := range c.Gaps {
			fmt.Fprintf(w, "  gap: no digest from %s (a new chain starts: validation or logging was off)\n", rangeText(g))
		}
	}
	var none []string
	nc := map[Status]int{}
	for _, row := range r.Rows {
		if row.Chain == "" {
			nc[row.Status]++
		}
	}
	for _, s := range Statuses() {
		if nc[s] > 0 {
			none = append(none, fmt.Sprintf("%d %s", nc[s], s))
		}
	}
	if len(none) > 0 {
		fmt.Fprintf(w, "in no chain: %s\n", strings.Join(none, ", "))
	}
	var parts []string
	counts := r.Counts()
	for _, s := range Statuses() {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "none")
	}
	sig := "signatures checked"
	if !r.Signed {
		sig = "signatures not checked (no --public-keys)"
	}
	fmt.Fprintf(w, "verified: %s: %s; %s", plural(len(r.Rows), "file"), strings.Join(parts, ", "), sig)
	if r.Ignored > 0 {
		fmt.Fprintf(w, "; %s ignored (not CloudTrail logs or digests)", plural(r.Ignored, "other file"))
	}
	fmt.Fprintln(w)
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
