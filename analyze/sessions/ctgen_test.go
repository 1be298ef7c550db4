package sessions

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// TestGeneratedCorpus compares the attribution with the ground truth of a
// small synthetic corpus (cmd/ctgen's generator): multi-account trails
// under an organization, duplicated records, chains, console sessions and
// keys issued before the corpus begins.
func TestGeneratedCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and reads a corpus")
	}
	for _, cfg := range []ctgen.Config{
		{Events: 12000, Files: 12, Accounts: 3, Seed: 1, Org: "o-keyaudit1", Dups: 0.02},
		{Events: 4000, Files: 4, Accounts: 1, Seed: 7},
	} {
		t.Run(fmt.Sprintf("seed%d_accounts%d", cfg.Seed, cfg.Accounts), func(t *testing.T) {
			g, err := ctgen.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if _, err := g.WriteTo(dir); err != nil {
				t.Fatal(err)
			}
			r := ingestResult(t, ingest.Options{Workers: 2}, dir)
			truth := g.Truth()
			if len(truth) == 0 {
				t.Fatal("generator produced no temporary keys")
			}
			kinds := map[string]int{}
			bad := 0
			for _, w := range truth {
				kinds[w.RootKind]++
				s, ok := r.Session(w.AccessKeyID)
				if !ok {
					t.Errorf("%s: no row (truth %s %s)", w.AccessKeyID, w.RootKind, w.RootPrincipal)
					bad++
					continue
				}
				got := [...]string{s.AccountID, string(s.RootKind), s.RootPrincipal, s.RootAccessKeyID, fmt.Sprint(s.ChainDepth)}
				want := [...]string{w.AccountID, w.RootKind, samlName(w.RootPrincipal), w.RootAccessKeyID, fmt.Sprint(w.ChainDepth)}
				if got != want {
					bad++
					if bad <= 15 {
						t.Errorf("%s:\n got  %q (note %q)\n want %q", w.AccessKeyID, got, s.Note, want)
					}
				}
			}
			if len(r.Sessions) != len(truth) {
				t.Errorf("%d rows, truth has %d keys", len(r.Sessions), len(truth))
			}
			t.Logf("%d keys by kind %v; %d mismatches", len(truth), kinds, bad)
		})
	}
}

// samlName rewrites the generator's SAML principal
// saml:<provider ARN>:<subject> to the form keyaudit documents,
// saml:<provider name>:<subject> (the name after ":saml-provider/").
func samlName(p string) string {
	rest, ok := strings.CutPrefix(p, "saml:arn:")
	if !ok {
		return p
	}
	if _, after, ok := strings.Cut(rest, ":saml-provider/"); ok {
		return "saml:" + after
	}
	return p
}
