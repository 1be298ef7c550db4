package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestEveryCommandHasExamples: every command's --help shows how to call it.
func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(&env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	cmds := append(root.Commands(), root)
	for _, c := range cmds {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if !strings.Contains(c.Example, "keyaudit "+strings.TrimPrefix(c.Name()+" ", "keyaudit ")) {
			t.Errorf("%s --help has no Examples section calling it", c.CommandPath())
		}
	}
}
