package htmlreport

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
)

// Chart is one bar chart: an inline SVG and the table of its numbers,
// shown side by side. Each row is a bar, stacked by series.
type Chart struct {
	ID, Title, Caption string
	Label              string // the header of the row labels
	Series             []string
	Rows               []ChartRow
	SVG                template.HTML

	// Marker, when Marked, is a vertical line at that position in bars
	// (1.0 is the boundary after the first bar), labelled MarkerText.
	Marked     bool
	Marker     float64
	MarkerText string
}

// ChartRow is one bar.
type ChartRow struct {
	Label  string
	Values []int // one per series
}

// Total is the sum of the row's values.
func (r ChartRow) Total() int {
	n := 0
	for _, v := range r.Values {
		n += v
	}
	return n
}

// Age and recency buckets, in days: a bucket holds days up to its Max
// (the last one, Max -1, everything above).
type bucket struct {
	Label string
	Max   int64
}

var (
	ageBuckets     = []bucket{{"0–30", 30}, {"31–90", 90}, {"91–180", 180}, {"181–365", 365}, {">365", -1}}
	recencyBuckets = []bucket{{"≤7", 7}, {"8–30", 30}, {"31–90", 90}, {">90", -1}}
)

func bucketOf(bs []bucket, days int64) int {
	for i, b := range bs {
		if b.Max < 0 || days <= b.Max {
			return i
		}
	}
	return len(bs) - 1
}

// ageMarker places the threshold on the age chart: within its bucket, in
// proportion.
func ageMarker(threshold int64) float64 {
	lo := int64(0)
	for i, b := range ageBuckets {
		if b.Max < 0 {
			return float64(i) + 0.5
		}
		if threshold <= b.Max {
			return float64(i) + float64(threshold-lo+1)/float64(b.Max-lo+1)
		}
		lo = b.Max + 1
	}
	return float64(len(ageBuckets))
}

// Chart IDs, the ids of their tables ("chart-" + ID).
const (
	ChartKeyAge      = "key-age"
	ChartLastUsed    = "last-used"
	ChartKeysPerUser = "keys-per-user"
	ChartRootKeys    = "root-keys"
	ChartSessions    = "temporary-keys"
	ChartFindings    = "findings-per-account"
)

func charts(r *Report) []Chart {
	var out []Chart

	age := Chart{ID: ChartKeyAge, Title: "Key age", Label: "days since created", Series: []string{"active", "inactive"},
		Caption: "Long-term keys that are active or inactive (deleted keys left out), by whole days from creation (last rotation) to the as-of time.",
		Marked:  true, Marker: ageMarker(r.MaxKeyAgeDays), MarkerText: fmt.Sprintf("%d-day limit", r.MaxKeyAgeDays)}
	for _, b := range ageBuckets {
		age.Rows = append(age.Rows, ChartRow{Label: b.Label, Values: make([]int, 2)})
	}
	recency := Chart{ID: ChartLastUsed, Title: "Last use", Label: "days since last use", Series: []string{"used", "never used"},
		Caption: "Active long-term keys by whole days since their last use; a key never used counts from its creation."}
	for _, b := range recencyBuckets {
		recency.Rows = append(recency.Rows, ChartRow{Label: b.Label, Values: make([]int, 2)})
	}
	for _, k := range r.Keys {
		if (k.Status == "Active" || k.Status == "Inactive") && k.AgeDays >= 0 {
			s := 0
			if k.Status == "Inactive" {
				s = 1
			}
			age.Rows[bucketOf(ageBuckets, k.AgeDays)].Values[s]++
		}
		if k.Status != "Active" {
			continue
		}
		switch {
		case !k.LastUsed.IsZero() && k.UnusedDays >= 0:
			recency.Rows[bucketOf(recencyBuckets, k.UnusedDays)].Values[0]++
		case k.LastUsed.IsZero() && k.AgeDays >= 0:
			recency.Rows[bucketOf(recencyBuckets, k.AgeDays)].Values[1]++
		}
	}
	out = append(out, age, recency)

	perUser := Chart{ID: ChartKeysPerUser, Title: "Keys per user", Label: "access keys", Series: []string{"all active", "with an inactive key"},
		Caption: "IAM users of the credential reports (root left out) by their number of access keys; two is IAM's quota, inactive keys included.",
		Rows:    []ChartRow{{"0", []int{0, 0}}, {"1", []int{0, 0}}, {"2 (quota full)", []int{0, 0}}}}
	root := Chart{ID: ChartRootKeys, Title: "Root access keys", Label: "account", Series: []string{"active", "inactive"},
		Caption: "Access keys of the root user, per account with a credential report."}
	for _, u := range r.Users {
		if u.IsRoot {
			root.Rows = append(root.Rows, ChartRow{Label: u.AccountID, Values: []int{u.Active, u.Keys - u.Active}})
			continue
		}
		n := min(max(u.Keys, 0), 2)
		s := 0
		if u.Active < u.Keys {
			s = 1
		}
		perUser.Rows[n].Values[s]++
	}
	slices.SortStableFunc(root.Rows, func(a, b ChartRow) int { return strings.Compare(a.Label, b.Label) })
	out = append(out, perUser, root)

	sess := Chart{ID: ChartSessions, Title: "Temporary keys by root kind", Label: "root kind", Series: []string{"temporary keys"},
		Caption: "Temporary (ASIA) keys seen in CloudTrail, by the kind of principal at the start of their chain."}
	for _, kc := range r.Sessions {
		sess.Rows = append(sess.Rows, ChartRow{Label: kc.Kind, Values: []int{kc.Count}})
	}
	out = append(out, sess)

	fa := Chart{ID: ChartFindings, Title: "Findings per account", Label: "account", Series: severities,
		Caption: "Findings per account and severity, muted ones included."}
	idx := map[string]int{}
	for _, f := range r.Findings {
		i, ok := idx[f.AccountID]
		if !ok {
			i = len(fa.Rows)
			idx[f.AccountID] = i
			fa.Rows = append(fa.Rows, ChartRow{Label: f.AccountID, Values: make([]int, len(severities))})
		}
		if s := slices.Index(severities, f.Severity); s >= 0 {
			fa.Rows[i].Values[s]++
		}
	}
	slices.SortStableFunc(fa.Rows, func(a, b ChartRow) int { return strings.Compare(a.Label, b.Label) })
	out = append(out, fa)

	for i := range out {
		out[i].SVG = barSVG(&out[i])
	}
	return out
}

var palette = map[string]string{
	"active": "#2f6db5", "inactive": "#9bb7d9", "used": "#2f6db5", "never used": "#e0a030",
	"all active": "#2f6db5", "with an inactive key": "#e0a030", "temporary keys": "#5a8f5a",
	"critical": "#8b1a1a", "high": "#d0442c", "medium": "#e0a030", "low": "#d9c95a", "info": "#8fa3b8",
}

// barSVG draws c as stacked vertical bars with the totals on top, the row
// labels below and a legend. Every text comes from the data and is
// escaped.
func barSVG(c *Chart) template.HTML {
	const w, h, left, right, top, bottom = 440, 230, 36, 10, 30, 46
	plotW, plotH := float64(w-left-right), float64(h-top-bottom)
	maxTotal := 0
	for _, r := range c.Rows {
		maxTotal = max(maxTotal, r.Total())
	}
	scale := 0.0
	if maxTotal > 0 {
		scale = plotH / float64(maxTotal)
	}
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, w, h, w, h, esc(c.Title))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, left, top+int(plotH), w-right, top+int(plotH))
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="tick" text-anchor="end">0</text>`, left-4, top+int(plotH))
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="tick" text-anchor="end">%d</text>`, left-4, top+8, maxTotal)
	n := max(len(c.Rows), 1)
	slot := plotW / float64(n)
	barW := slot * 0.6
	for i, r := range c.Rows {
		x := float64(left) + slot*float64(i) + (slot-barW)/2
		y := float64(top) + plotH
		for s, v := range r.Values {
			if v == 0 {
				continue
			}
			hgt := float64(v) * scale
			y -= hgt
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s: %d</title></rect>`,
				x, y, barW, hgt, palette[c.Series[s]], esc(r.Label), esc(c.Series[s]), v)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="val" text-anchor="middle">%d</text>`, x+barW/2, y-3, r.Total())
		label := r.Label
		if len([]rune(label)) > 14 {
			label = string([]rune(label)[:13]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="lbl" text-anchor="middle">%s</text>`, x+barW/2, top+int(plotH)+14, esc(label))
	}
	if c.Marked {
		mx := float64(left) + slot*c.Marker
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="marker"/>`, mx, top-6, mx, top+int(plotH))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="marker-text">%s</text>`, mx+3, top-8+12, esc(c.MarkerText))
	}
	lx := left
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" class="lbl">%s</text>`,
			lx, h-16, palette[s], lx+14, h-7, esc(s))
		lx += 24 + 7*len(s)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from escaped text and numbers only
}
