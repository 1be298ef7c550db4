package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/keyid"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/internal/termtext"
	"github.com/keyaudit/keyaudit/report"
)

// keyArg matches arguments that are key or principal IDs rather than paths.
var keyArg = regexp.MustCompile(`^A[A-Z0-9]{3}[A-Z0-9]{12,}$`)

func splitKeysAndPaths(args []string) (keys, paths []string) {
	for _, a := range args {
		if keyArg.MatchString(a) {
			keys = append(keys, a)
		} else {
			paths = append(paths, a)
		}
	}
	return keys, paths
}

func newWhoisCmd(e *env) *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:   "whois KEY... [PATH...]",
		Short: "Say what a key ID is and which account owns it, offline",
		Long: `whois decodes AWS key and principal IDs with no network: what the prefix means
(AKIA long-term key, ASIA temporary key, AIDA user, AROA role, ...) and, for IDs of
the current generation, the owning account (the same answer as
'aws sts get-access-key-info'). With PATHs it adds what the inventory knows.
-f csv and -f json write one row per ID instead of the text.`,
		Example: `  keyaudit whois ASIAY34FZKBOKMUTVV7A
  keyaudit whois AKIA3KF6UTOH246HKXHC reports/ AWSLogs/
  keyaudit whois -f csv -o whois.csv AKIA3KF6UTOH246HKXHC ASIAY34FZKBOKMUTVV7A reports/ AWSLogs/`,
		Args: needArgs(1, "at least one key ID"),
		RunE: func(c *cobra.Command, args []string) error {
			if !contains([]string{"table", "json", "csv"}, o.out.format) {
				return usageErr("whois writes table, json or csv, not %q", o.out.format)
			}
			if err := o.out.check(e); err != nil {
				return err
			}
			keys, paths := splitKeysAndPaths(args)
			if len(keys) == 0 {
				return usageErr("no key ID among the arguments (key IDs look like AKIA followed by 16 characters)")
			}
			if err := o.in.protect(paths, o.out.output); err != nil {
				return err
			}
			var ki *inventory.Inventory
			var sr *sessions.Result
			if len(paths) > 0 || len(o.in.fx.dirs) > 0 {
				mem := memory.DefaultAllocator
				inv, sb := inventory.New(), sessions.New()
				res, err := readFacts(c.Context(), e, &o.in, mem, paths, stage2Columns, []facts.ViewSink{inv, sb})
				if err != nil {
					return err
				}
				ki, sr = finishInventory(inv, res), sb.Finish()
			}
			bad := 0
			var err error
			if o.out.format == "table" {
				err = writeText(e, o.out.output, o.in.guard, func(w io.Writer) error {
					for i, k := range keys {
						if i > 0 {
							fmt.Fprintln(w)
						}
						if !printWhois(w, k, ki, sr) {
							bad++
						}
					}
					return nil
				})
			} else {
				var rec arrow.Record
				rec, bad = whoisRecord(memory.DefaultAllocator, keys, ki, sr)
				defer rec.Release()
				err = writeOutput(e, &o.out, o.in.guard, rec.Schema(), []arrow.Record{rec}, report.Options{})
			}
			if err != nil {
				return err
			}
			if bad > 0 {
				return &exitError{code: exitUsage}
			}
			return nil
		},
	}
	o.in.register(c)
	o.in.fx.register(c)
	o.out.register(c, "table")
	c.Flags().Lookup("format").Usage = "output format: table (text), json or csv"
	return c
}

// printWhois prints what is known of one ID; false when it is not valid.
func printWhois(w io.Writer, id string, ki *inventory.Inventory, sr *sessions.Result) bool {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintf(tw, "id:\t%s\n", id)
	info, err := keyid.Lookup(id) // an ID whose account cannot be decoded is still looked up
	if err != nil {
		fmt.Fprintf(tw, "valid:\tno (%v)\n", err)
		return false
	}
	fmt.Fprintf(tw, "type:\t%s\n", info.Description)
	if info.Account != "" {
		fmt.Fprintf(tw, "account:\t%s (decoded offline from the ID)\n", info.Account)
	} else {
		fmt.Fprintf(tw, "account:\t%s\n", info.NoAccountReason)
	}
	if ki != nil {
		if k, ok := ki.Key(id); ok {
			fmt.Fprintf(tw, "owner:\t%s %s\n", termtext.Escape(k.AccountID), termtext.Escape(k.User))
			fmt.Fprintf(tw, "slot:\t%s (%s)\n", k.SlotString(), orDash(k.ResolvedBy))
			fmt.Fprintf(tw, "status:\t%s\n", k.Status)
			fmt.Fprintf(tw, "seen:\t%d calls, first %s, last %s\n", k.EventCount, fmtTime(k.FirstSeen), fmtTime(k.LastSeen))
			fmt.Fprintf(tw, "source:\t%s\n", k.Source)
		}
	}
	if sr != nil {
		if s, ok := sr.Session(id); ok {
			fmt.Fprintf(tw, "issued:\t%s %s\n", termtext.Escape(orDash(s.IssuedBy)), fmtTime(s.IssuedAt))
			fmt.Fprintf(tw, "behind it:\t%s %s (chain depth %s)\n", s.RootKind, termtext.Escape(orDash(s.RootPrincipal)), chainDepth(s.ChainDepth))
			fmt.Fprintf(tw, "seen:\t%d calls, first %s, last %s\n", s.EventCount, fmtTime(s.FirstSeen), fmtTime(s.LastSeen))
		}
	}
	return true
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func chainDepth(d int) string {
	if d == 0 {
		return "-"
	}
	return strconv.Itoa(d)
}
