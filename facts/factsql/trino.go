package factsql

import (
	"fmt"

	"github.com/keyaudit/keyaudit/facts"
)

// trino: the Hive connector's CTAS with external_location, Parquet.
type trino struct{}

func trinoHead(name, location string) string {
	return fmt.Sprintf("CREATE TABLE %s WITH (format = 'PARQUET', external_location = %s) AS\n", name, lit(location))
}

func (trino) preamble(*plan) []string { return nil }

func (trino) slim(p *plan) string {
	f := trinoFuncs
	f.head = func(p *plan) string { return trinoHead(Slim, p.location("_slim")) }
	return f.slim(p)
}

func (trino) create(p *plan, t facts.Table, q string) string {
	return trinoHead(factTable(t), p.location(t.String())) + q
}

func (trino) count(_ *plan, t facts.Table) string { return factTable(t) }
func (trino) ident(name string) string            { return `"` + name + `"` }
func (trino) str() string                         { return "varchar" }
func (trino) cleanup(*plan) []string              { return []string{"DROP TABLE " + Slim} }

func (trino) notes(p *plan) []string {
	return []string{
		"Trino with the Hive connector: run it with that catalog and a schema as the session's (trino --catalog C --schema S),",
		"and hive.non-managed-table-writes-enabled=true (CTAS with external_location). DROP TABLE " + Slim + " leaves its",
		"files in " + p.location("_slim") + ": delete them. Parquet compression is the catalog's hive.compression-codec.",
	}
}
