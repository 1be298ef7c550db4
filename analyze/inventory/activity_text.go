package inventory

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keyaudit/keyaudit/internal/termtext"
)

// textListMax is how many values per dimension WriteText prints.
const textListMax = 10

// WriteText writes the activity for people: the decoded ID, the lifecycle
// timeline, then use per dimension (at most 10 values each, most frequent
// first). It writes nothing secret: key IDs, ARNs, IPs and user agents only.
// Text from the logs is escaped (termtext.Escape): no control character
// reaches the terminal.
func (k *KeyActivity) WriteText(w io.Writer) error {
	if k == nil {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	switch {
	case k.DecodeError != "":
		fmt.Fprintf(tw, "decoded:\tnot a valid AWS identifier (%s)\n", termtext.Escape(strings.TrimPrefix(k.DecodeError, "invalid AWS identifier: ")))
	case k.Info.Account != "":
		fmt.Fprintf(tw, "decoded:\t%s of account %s\n", k.Info.Description, k.Info.Account)
	default:
		fmt.Fprintf(tw, "decoded:\t%s; account %s\n", k.Info.Description, k.Info.NoAccountReason)
	}
	fmt.Fprintln(tw, "\nlifecycle:")
	if len(k.Lifecycle) == 0 {
		fmt.Fprintln(tw, "  (no creation, status change, deletion or issue in the logs)")
	}
	for _, l := range k.Lifecycle {
		action := l.Action
		if l.ErrorCode != "" {
			action += " (" + l.ErrorCode + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\tby %s\tfrom %s\t%s\n", l.Time.UTC().Format(time.RFC3339), termtext.Escape(l.EventName),
			termtext.Escape(action), termtext.Escape(dash(l.By)), termtext.Escape(dash(l.SourceIP)), termtext.Escape(l.Detail))
	}
	if k.LifecycleDropped > 0 {
		fmt.Fprintf(tw, "  … %d more lifecycle events not kept\n", k.LifecycleDropped)
	}
	fmt.Fprintln(tw, "\nuse:")
	if k.Calls == 0 {
		fmt.Fprintln(tw, "  (never used in the logs)")
	} else {
		fmt.Fprintf(tw, "  calls:\t%d\n", k.Calls)
		fmt.Fprintf(tw, "  first:\t%s\n", k.FirstUse.UTC().Format(time.RFC3339))
		fmt.Fprintf(tw, "  last:\t%s\n", k.LastUse.UTC().Format(time.RFC3339))
		for _, d := range []struct {
			name string
			cs   []Count
		}{
			{"principals", k.Principals}, {"accounts", k.Accounts}, {"services", k.Services}, {"regions", k.Regions},
			{"events", k.EventNames}, {"source IPs", k.SourceIPs}, {"user agents", k.UserAgents},
			{"errors", k.ErrorCodes}, {"logged in", k.Recipients},
		} {
			if len(d.cs) == 0 {
				continue
			}
			fmt.Fprintf(tw, "  %s:\t%s\n", d.name, termtext.Escape(listText(d.cs)))
		}
		if k.Truncated {
			fmt.Fprintf(tw, "  (more than %d distinct values in some list: the rest are counted as %s)\n", MaxDistinct, OtherValue)
		}
	}
	return tw.Flush()
}

func listText(cs []Count) string {
	n := min(len(cs), textListMax)
	s := FormatCounts(cs[:n])
	if len(cs) > n {
		s += fmt.Sprintf("; … %d more", len(cs)-n)
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
