package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Argument checks with one clear line each, in place of cobra's
// "requires at least 2 arg(s), only received 1".

// noArgs refuses any argument.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("%s takes no arguments, got %q (see '%s --help')", c.CommandPath(), args[0], c.CommandPath())
	}
	return nil
}

// needArgs requires at least n arguments, described by what.
func needArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErr("%s needs %s (see '%s --help')", c.CommandPath(), what, c.CommandPath())
		}
		return nil
	}
}

// unknownCommand rewrites cobra's several-line unknown-command error
// ("unknown command \"audti\" for \"keyaudit\"\n\nDid you mean this?\n\taudit\n")
// as one line; other errors pass unchanged.
func unknownCommand(err error, root string) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "unknown command ") {
		return err
	}
	lines := strings.Split(msg, "\n")
	name := strings.TrimPrefix(lines[0], "unknown command ")
	if i := strings.Index(name, " for "); i >= 0 {
		name = name[:i]
	}
	var sugg []string
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Did you mean") {
			sugg = append(sugg, l)
		}
	}
	hint := fmt.Sprintf("see '%s --help' for the commands", root)
	if len(sugg) > 0 {
		hint = "did you mean " + strings.Join(sugg, " or ") + "? (" + hint + ")"
	}
	return usageErr("unknown command %s: %s", name, hint)
}
