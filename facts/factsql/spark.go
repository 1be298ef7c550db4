package factsql

import (
	"fmt"

	"github.com/keyaudit/keyaudit/facts"
)

// spark: CACHE TABLE for the intermediate (no files), then
// CREATE TABLE ... USING parquet LOCATION ... AS for each fact table.
type spark struct{}

var sparkFuncs = tableFuncs{
	str: "string",
	millis: func(x string) string {
		return fmt.Sprintf("CASE WHEN %s RLIKE '%s' THEN unix_millis(try_cast(regexp_replace(%s, '([.][0-9]{3})[0-9]+', '$1') AS timestamp)) END", x, isoPattern, x)
	},
	json: func(obj, path string) string { return fmt.Sprintf("get_json_object(%s, '%s')", obj, path) },
	day: func(ms string) string {
		return fmt.Sprintf("date_from_unix_date(CAST(floor(%s / 86400000) AS int))", ms)
	},
	head: func(*plan) string { return "CACHE TABLE " + Slim + " AS\n" },
}

func (spark) preamble(*plan) []string { return nil }
func (spark) slim(p *plan) string     { return sparkFuncs.slim(p) }

func (spark) create(p *plan, t facts.Table, q string) string {
	return fmt.Sprintf("CREATE TABLE %s USING parquet OPTIONS (compression 'zstd') LOCATION %s AS\n%s", factTable(t), lit(p.location(t.String())), q)
}

func (spark) count(_ *plan, t facts.Table) string { return factTable(t) }
func (spark) ident(name string) string            { return "`" + name + "`" }
func (spark) str() string                         { return "string" }

func (spark) cleanup(*plan) []string {
	return []string{"UNCACHE TABLE " + Slim, "DROP VIEW " + Slim}
}

func (spark) notes(*plan) []string {
	return []string{
		"Spark SQL 3.4 or later (unix_millis, try_cast, date_from_unix_date), in one session (spark-sql -f FILE):",
		ka + " is a cached temporary view. A LOCATION must be empty: delete OUT/ and DROP the keyaudit_facts_* tables to re-run.",
	}
}

const ka = Slim
