package factsql

import (
	"fmt"

	"github.com/keyaudit/keyaudit/facts"
)

// athena: CTAS with external_location, Parquet, ZSTD.
type athena struct{}

func athenaHead(p *plan, name, location string, zstd bool) string {
	props := "format = 'PARQUET'"
	if zstd {
		props += ", write_compression = 'ZSTD'"
	}
	return fmt.Sprintf("CREATE TABLE %s WITH (%s, external_location = %s) AS\n", name, props, lit(location))
}

func (athena) preamble(*plan) []string { return nil }

func (athena) slim(p *plan) string {
	f := trinoFuncs
	f.head = func(p *plan) string { return athenaHead(p, Slim, p.location("_slim"), true) }
	return f.slim(p)
}

func (athena) create(p *plan, t facts.Table, q string) string {
	return athenaHead(p, factTable(t), p.location(t.String()), true) + q
}

func (athena) count(_ *plan, t facts.Table) string { return factTable(t) }
func (athena) ident(name string) string            { return `"` + name + `"` }
func (athena) str() string                         { return "varchar" }
func (athena) cleanup(*plan) []string              { return []string{"DROP TABLE " + Slim} }

func (athena) notes(p *plan) []string {
	return []string{
		"Athena engine version 3. Each statement is one query (the console runs one at a time; or start them in order",
		"with aws athena start-query-execution). CTAS needs every external_location empty: delete OUT/ first when re-running,",
		"and DROP the keyaudit_facts_* tables. DROP TABLE " + Slim + " leaves its files in " + p.location("_slim") + ": delete them.",
		"Download the facts with: aws s3 cp --recursive " + p.outDir + "/ DIR/ --exclude '_slim/*' (then keyaudit ... --facts DIR).",
	}
}
