package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/keyid"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/internal/termtext"
)

func newTraceCmd(e *env) *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:   "trace KEY PATH...",
		Short: "The forensic timeline of one key: lifecycle, use, and (for ASIA keys) the chain behind it",
		Long: `trace prints what the logs say about one access key: when it was created, changed
status and was deleted, and by whom; its first and last use; calls per service and
region; source IPs; user agents; errors. For a temporary (ASIA) key it first prints
the chain of STS calls back to the principal behind it, one line per hop. The key's
age (since its creation or issue) and time unused (since its last use) are whole days
to --as-of.`,
		Example: `  keyaudit trace ASIAY34FZKBOKMUTVV7A AWSLogs/
  keyaudit trace --as-of 2026-11-01 AKIA3KF6UTOH246HKXHC reports/ AWSLogs/
  keyaudit trace -f json -o trace.json AKIA3KF6UTOH246HKXHC AWSLogs/`,
		Args: needArgs(2, "a key ID and at least one PATH"),
		RunE: func(c *cobra.Command, args []string) error {
			if o.out.format != "table" && o.out.format != "json" {
				return usageErr("trace writes table or json, not %q", o.out.format)
			}
			asOf, err := parseAsOf(o.asOf)
			if err != nil {
				return err
			}
			if o.out.output != "" && o.out.output != "-" {
				if err := checkOutputDir(filepath.Dir(o.out.output)); err != nil {
					return err
				}
			}
			keys, paths := splitKeysAndPaths(args)
			if _, statErr := os.Stat(args[0]); len(keys) == 0 && statErr != nil {
				if _, err := keyid.Lookup(args[0]); err != nil {
					return usageErr("%s is not a key ID: %v", args[0], err)
				}
			}
			if len(keys) != 1 {
				return usageErr("trace takes exactly one key ID, then PATHs")
			}
			key := keys[0]
			// Lookup, not Decode: a key the inventory lists is traced even
			// when its account cannot be decoded (the output says why).
			if _, err := keyid.Lookup(key); err != nil {
				return usageErr("%s is not a key ID: %v", key, err)
			}
			if err := o.in.protect(paths, o.out.output); err != nil {
				return err
			}
			mem := memory.DefaultAllocator
			act := inventory.NewActivity([]string{key})
			inv, sb := inventory.New(), sessions.New()
			res, err := readFacts(c.Context(), e, &o.in, mem, paths, stage2Columns, []facts.ViewSink{inv, sb}, reads(inventory.Columns(), act.Add))
			if err != nil {
				return err
			}
			sr := sb.Finish()
			t := traceDoc{Key: key, Chain: sr.Chain(key), Activity: act.Result(key)}
			if s, ok := sr.Session(key); ok {
				t.Session = &s
			}
			if k, ok := finishInventory(inv, res).Key(key); ok {
				t.Inventory = &k
			}
			t.setAges(asOf)
			return writeText(e, o.out.output, o.in.guard, func(w io.Writer) error {
				if o.out.format == "json" {
					doc, err := snakeJSON(t)
					if err != nil {
						return err
					}
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(doc)
				}
				printTrace(w, t)
				return nil
			})
		},
	}
	o.in.register(c)
	c.Flags().StringVarP(&o.out.format, "format", "f", "table", "output format: table or json")
	c.Flags().StringVarP(&o.out.output, "output", "o", "", "write to `FILE` (default: stdout); written to a temporary name and renamed when complete")
	registerAsOf(c, &o.asOf)
	return c
}

type traceDoc struct {
	Key       string                 `json:"access_key_id"`
	AsOf      time.Time              `json:"as_of"`
	AgeDays   *int64                 `json:"age_days"`    // since created (AKIA) or issued (ASIA); null when unknown or after as_of
	Unused    *int64                 `json:"unused_days"` // since the last use; null when unknown or after as_of
	Inventory *inventory.Key         `json:"inventory,omitempty"`
	Session   *sessions.Session      `json:"session,omitempty"`
	Chain     []sessions.Hop         `json:"chain"`
	Activity  *inventory.KeyActivity `json:"activity"`

	ages []string // the age lines of the text output
}

// setAges fills the ages at asOf from what the inventory, the session and
// the activity know: never a negative one (a date after asOf is named).
func (t *traceDoc) setAges(asOf time.Time) {
	t.AsOf = asOf
	var born, used time.Time
	bornWhat := "created"
	switch {
	case t.Inventory != nil:
		born, used = t.Inventory.Created, t.Inventory.LastUsed
	case t.Session != nil:
		born, used, bornWhat = t.Session.IssuedAt, t.Session.LastSeen, "issued"
	}
	if used.IsZero() && t.Activity != nil {
		used = t.Activity.LastUse
	}
	line := func(label, what string, at time.Time) *int64 {
		if at.IsZero() {
			return nil
		}
		d, ok := analyze.DaysSince(asOf, at)
		if !ok {
			t.ages = append(t.ages, fmt.Sprintf("%s:\t- (%s %s)", label, what, analyze.AfterAsOf(at)))
			return nil
		}
		t.ages = append(t.ages, fmt.Sprintf("%s:\t%s (%s %s)", label, plural(d, "day"), what, fmtTime(at)))
		return &d
	}
	t.AgeDays = line("age", bornWhat, born)
	t.Unused = line("unused", "last used", used)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func printTrace(w io.Writer, t traceDoc) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "key %s\n", t.Key)
	if k := t.Inventory; k != nil {
		fmt.Fprintf(tw, "owner:\t%s %s, slot %s (%s), %s, %d calls\n", termtext.Escape(k.AccountID), termtext.Escape(k.User), k.SlotString(), orDash(k.ResolvedBy), k.Status, k.EventCount)
		fmt.Fprintf(tw, "source:\t%s\n", k.Source)
	}
	for _, a := range t.ages {
		fmt.Fprintln(tw, a)
	}
	if len(t.Chain) > 0 {
		fmt.Fprintln(tw, "\nchain (from the key back to the principal behind it):")
		for i, h := range t.Chain {
			fmt.Fprintf(tw, "  %d\t%s\n", i, termtext.Escape(h.String()))
		}
	}
	fmt.Fprintln(tw)
	tw.Flush()
	if t.Activity != nil {
		t.Activity.WriteText(w)
	}
}
