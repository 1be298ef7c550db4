package htmlreport

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report is everything the HTML report shows. Times are UTC; zero times
// are shown empty.
type Report struct {
	Version string    // the keyaudit build
	AsOf    time.Time // every age is against it

	MaxKeyAgeDays   int64 // stale-key threshold, drawn on the key age chart
	MaxUnusedDays   int64
	MaxRotationDays int64

	Accounts     []string // every input account, sorted
	Inputs       []Input
	Accounting   []Accounting
	InputErrors  int
	Suppressions []Suppression

	Rules    []Rule
	Findings []Finding // in report order
	Keys     []Key     // the key inventory
	Users    []User    // the users of the credential reports, root included
	Sessions []KindCount
}

// Input is one input file.
type Input struct {
	Path   string
	Size   int64
	SHA256 string // hex; "" when it could not be read (Err says why)
	Err    string
}

// Accounting is the record accounting of one kind of input.
type Accounting struct {
	Kind                                        string
	Files, FilesSkipped, FilesFailed            int64
	Records, Used, Skipped, Rejected, Duplicate int64
}

// Suppression is one suppression of --ignore and what it did.
type Suppression struct {
	Where, Rule, Account, User, Key, Reason string
	Expires                                 string // YYYY-MM-DD, "" for never
	Status                                  string // "in force", "expired", "matched nothing"
	Matched                                 int
}

// Rule describes one rule.
type Rule struct {
	ID, Severity, Description string
	CIS, SecurityHub          []string
	Remediation, URL          string
	Ran                       bool // false: skipped, or its input was missing
}

// Finding is one finding.
type Finding struct {
	Rule, Severity, AccountID, User, ARN string
	KeySlot                              int // 0: about the user
	AccessKeyID, KeyStatus               string
	LastRotated, LastUsed                time.Time
	AgeDays                              int64 // -1: none
	Detail                               string
	Muted                                bool
	MuteReason                           string
}

// Key is one long-term access key of the inventory.
type Key struct {
	AccountID, User, AccessKeyID string
	Slot                         string // "1", "2" or "unknown"
	Status                       string // Active, Inactive, Deleted, unknown
	Created, LastUsed            time.Time
	AgeDays, UnusedDays          int64 // -1: unknown
	IsRoot                       bool
	Source, Note                 string
}

// User is one user row of a credential report.
type User struct {
	AccountID, User string
	IsRoot          bool
	Keys, Active    int // existing key slots, and of them active
}

// KindCount is the number of temporary keys of one root kind.
type KindCount struct {
	Kind  string
	Count int
}

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
	"days": func(d int64) string {
		if d < 0 {
			return ""
		}
		return strconv.FormatInt(d, 10)
	},
	"slot": func(s int) string {
		if s == 0 {
			return ""
		}
		return strconv.Itoa(s)
	},
	"sevRank": sevRank,
	"remediation": func(rules []Rule, id string) *Rule {
		for i := range rules {
			if rules[i].ID == id && rules[i].Remediation != "" {
				return &rules[i]
			}
		}
		return nil
	},
	"join": strings.Join,
	"size": humanSize,
}).Parse(pageTemplate))

// view is what the template renders: the Report and what is derived from it.
type view struct {
	*Report
	AsOfText   string
	InputBytes int64
	BySeverity []sevRow
	ByRule     []ruleRow
	Controls   []controlRow
	Charts     []Chart
	Severities []string // present, worst first, for the filter
}

type sevRow struct {
	Severity     string
	Count, Muted int
}

type ruleRow struct {
	Rule
	Count, Muted int
}

type controlRow struct {
	Control string // "CIS 1.14", "Security Hub IAM.3"
	Rules   []string
	Result  string // FAILED, PASSED, NOT EVALUATED
	Count   int    // unmuted findings
	Muted   int
}

var severities = []string{"critical", "high", "medium", "low", "info"}

func sevRank(s string) int {
	for i, v := range severities {
		if v == s {
			return len(severities) - i
		}
	}
	return 0
}

// Write renders r to w as one HTML document. It does not close w.
func Write(w io.Writer, r *Report) error {
	v := view{Report: r, AsOfText: r.AsOf.UTC().Format(time.RFC3339)}
	for _, in := range r.Inputs {
		v.InputBytes += in.Size
	}
	v.summarize()
	v.Charts = charts(r)
	bw := bufio.NewWriter(w)
	if err := page.Execute(bw, v); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

func (v *view) summarize() {
	bySev := map[string]*sevRow{}
	byRule := map[string]*ruleRow{}
	for _, r := range v.Rules {
		byRule[r.ID] = &ruleRow{Rule: r}
	}
	for _, f := range v.Findings {
		s := bySev[f.Severity]
		if s == nil {
			s = &sevRow{Severity: f.Severity}
			bySev[f.Severity] = s
		}
		rr := byRule[f.Rule]
		if rr == nil {
			rr = &ruleRow{Rule: Rule{ID: f.Rule, Ran: true}}
			byRule[f.Rule] = rr
			v.Rules = append(v.Rules, rr.Rule)
		}
		if f.Muted {
			s.Muted++
			rr.Muted++
		} else {
			s.Count++
			rr.Count++
		}
	}
	for _, sev := range severities {
		if s := bySev[sev]; s != nil {
			v.BySeverity = append(v.BySeverity, *s)
			v.Severities = append(v.Severities, sev)
		}
	}
	for _, r := range v.Rules {
		v.ByRule = append(v.ByRule, *byRule[r.ID])
	}

	controls := map[string]*controlRow{}
	var order []string
	add := func(name string, rr *ruleRow) {
		c := controls[name]
		if c == nil {
			c = &controlRow{Control: name}
			controls[name] = c
			order = append(order, name)
		}
		c.Rules = append(c.Rules, rr.ID)
		c.Count += rr.Count
		c.Muted += rr.Muted
		switch {
		case c.Count > 0:
			c.Result = "FAILED"
		case rr.Ran && c.Result != "FAILED":
			c.Result = "PASSED"
		case c.Result == "":
			c.Result = "NOT EVALUATED"
		}
	}
	for _, r := range v.Rules {
		rr := byRule[r.ID]
		for _, id := range r.CIS {
			add("CIS "+id, rr)
		}
		for _, id := range r.SecurityHub {
			add("Security Hub "+id, rr)
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return compareControls(a, b) })
	for _, name := range order {
		v.Controls = append(v.Controls, *controls[name])
	}
}

// compareControls orders CIS before Security Hub, numbers numerically.
func compareControls(a, b string) int {
	ka, kb := controlKey(a), controlKey(b)
	if ka.family != kb.family {
		return strings.Compare(ka.family, kb.family)
	}
	return slices.Compare(ka.nums, kb.nums)
}

type ckey struct {
	family string
	nums   []int
}

func controlKey(s string) ckey {
	i := strings.LastIndexByte(s, ' ')
	k := ckey{family: s[:i+1]}
	id := s[i+1:]
	if j := strings.IndexAny(id, "0123456789"); j >= 0 {
		id = id[j:]
	}
	for _, p := range strings.Split(id, ".") {
		n, _ := strconv.Atoi(p)
		k.nums = append(k.nums, n)
	}
	return k
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
