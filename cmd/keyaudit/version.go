package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionString describes the build: the module version `go install
// …@vX.Y.Z` records (or "(devel)" for a local build), and the VCS revision
// and time `go build` stamps from the checkout.
func versionString(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "keyaudit (unknown version: built without module information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var extra []string
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		c := "commit " + rev
		if modified {
			c += " (modified)"
		}
		extra = append(extra, c)
	}
	if when != "" {
		extra = append(extra, when)
	}
	extra = append(extra, bi.GoVersion)
	return fmt.Sprintf("keyaudit %s (%s)", v, strings.Join(extra, ", "))
}

func buildVersion() string { return versionString(debug.ReadBuildInfo()) }

// productVersion is buildVersion without the leading "keyaudit ": the
// version that reports naming the product beside it carry (OCSF
// metadata.product.version).
func productVersion() string { return strings.TrimPrefix(buildVersion(), "keyaudit ") }

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the keyaudit version and the commit it was built from",
		Example: "  keyaudit version    # the same line as keyaudit --version",
		Args:    noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprintln(e.stdout, buildVersion())
			return nil
		},
	}
}
