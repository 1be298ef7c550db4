package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/keyaudit/keyaudit/collect/layout"
)

// warnPartialCollections warns, for each folder among paths that holds a
// collect manifest saying the collection was partial, which accounts and
// regions are missing.
func warnPartialCollections(w io.Writer, paths []string) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(p, layout.ManifestName))
		if err != nil {
			continue
		}
		var m struct {
			Partial  bool `json:"partial"`
			Accounts []struct {
				ID     string `json:"account_id"`
				Status string `json:"status"`
			} `json:"accounts"`
		}
		if json.Unmarshal(b, &m) != nil || !m.Partial {
			continue
		}
		var bad []string
		for _, a := range m.Accounts {
			if a.Status != "ok" && a.Status != "skipped" {
				bad = append(bad, a.ID+" "+a.Status)
			}
		}
		fmt.Fprintf(w, "keyaudit: warning: %s was collected partially (%s): findings may miss what was not fetched; see %s\n",
			p, strings.Join(bad, ", "), filepath.Join(p, layout.ManifestName))
	}
}
