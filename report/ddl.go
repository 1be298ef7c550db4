package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// DDL engines accepted by WriteDDL.
const (
	DDLAthena = "athena"
	DDLTrino  = "trino"
	DDLSpark  = "spark"
)

// DDLEngines returns the engines WriteDDL writes for, sorted.
func DDLEngines() []string { return []string{DDLAthena, DDLSpark, DDLTrino} }

// DDLTable is one Parquet table of an export: its name, the schema of its
// files, where they are (a directory URI) and the Hive partition columns
// of its folder layout (key=value folders, all strings), if any.
type DDLTable struct {
	Name       string
	Schema     *arrow.Schema
	Location   string
	Partitions []string
}

// WriteDDL writes the statements that declare tables over the files in
// engine's SQL: Athena (Hive DDL), Spark SQL or Trino's Hive connector.
// Column types come from the Arrow schema as the Parquet writer stores
// them (timestamps as UTC milliseconds). Partitioned tables are followed
// by the statement that loads their partitions. database may be "".
func WriteDDL(w io.Writer, engine, database string, tables []DDLTable) error {
	if !slices.Contains(DDLEngines(), engine) {
		return fmt.Errorf("unknown DDL engine %q: use %s", engine, strings.Join(DDLEngines(), ", "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- keyaudit export tables for %s. Generated from the Parquet schemas; LOCATION is where the files are.\n", engine)
	for _, t := range tables {
		if err := writeTableDDL(&b, engine, database, t); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTableDDL(b *strings.Builder, engine, database string, t DDLTable) error {
	quote := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	if engine == DDLTrino {
		quote = func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	}
	name := quote(t.Name)
	if database != "" {
		name = quote(database) + "." + name
	}
	var cols []string
	for _, f := range t.Schema.Fields() {
		if slices.Contains(t.Partitions, f.Name) {
			return fmt.Errorf("table %s: partition column %s is also a data column", t.Name, f.Name)
		}
		typ, err := sqlType(engine, f.Type)
		if err != nil {
			return fmt.Errorf("table %s, column %s: %w", t.Name, f.Name, err)
		}
		cols = append(cols, "  "+quote(f.Name)+" "+typ)
	}
	// Engines escape quotes in string literals differently (Hive DDL
	// does not double them), so a location is refused rather than quoted.
	if strings.ContainsAny(t.Location, "'\\\n") {
		return fmt.Errorf("table %s: location %q holds a quote, backslash or newline", t.Name, t.Location)
	}
	loc := t.Location
	switch engine {
	case DDLAthena:
		fmt.Fprintf(b, "\nCREATE EXTERNAL TABLE IF NOT EXISTS %s (\n%s\n)\n", name, strings.Join(cols, ",\n"))
		if len(t.Partitions) > 0 {
			fmt.Fprintf(b, "PARTITIONED BY (%s)\n", partitionCols(t.Partitions, quote, "string"))
		}
		fmt.Fprintf(b, "STORED AS PARQUET\nLOCATION '%s';\n", loc)
		if len(t.Partitions) > 0 {
			fmt.Fprintf(b, "MSCK REPAIR TABLE %s;\n", name)
		}
	case DDLSpark:
		if len(t.Partitions) > 0 {
			for _, p := range t.Partitions {
				cols = append(cols, "  "+quote(p)+" string")
			}
		}
		fmt.Fprintf(b, "\nCREATE TABLE IF NOT EXISTS %s (\n%s\n)\nUSING parquet\n", name, strings.Join(cols, ",\n"))
		if len(t.Partitions) > 0 {
			fmt.Fprintf(b, "PARTITIONED BY (%s)\n", partitionCols(t.Partitions, quote, ""))
		}
		fmt.Fprintf(b, "LOCATION '%s';\n", loc)
		if len(t.Partitions) > 0 {
			fmt.Fprintf(b, "MSCK REPAIR TABLE %s;\n", name)
		}
	case DDLTrino:
		// Trino's Hive connector wants the partition columns last, in order.
		for _, p := range t.Partitions {
			cols = append(cols, "  "+quote(p)+" varchar")
		}
		props := []string{"external_location = '" + loc + "'", "format = 'PARQUET'"}
		if len(t.Partitions) > 0 {
			var ps []string
			for _, p := range t.Partitions {
				ps = append(ps, "'"+p+"'")
			}
			props = append(props, "partitioned_by = ARRAY["+strings.Join(ps, ", ")+"]")
		}
		fmt.Fprintf(b, "\nCREATE TABLE IF NOT EXISTS %s (\n%s\n)\nWITH (%s);\n", name, strings.Join(cols, ",\n"), strings.Join(props, ", "))
		if len(t.Partitions) > 0 {
			schema := database
			if schema == "" {
				schema = "default"
			}
			fmt.Fprintf(b, "CALL system.sync_partition_metadata('%s', '%s', 'ADD');\n", schema, t.Name)
		}
	}
	return nil
}

func partitionCols(ps []string, quote func(string) string, typ string) string {
	var out []string
	for _, p := range ps {
		if typ != "" {
			out = append(out, quote(p)+" "+typ)
		} else {
			out = append(out, quote(p))
		}
	}
	return strings.Join(out, ", ")
}

// sqlType maps the Arrow types keyaudit writes to engine's SQL types.
func sqlType(engine string, t arrow.DataType) (string, error) {
	trino := engine == DDLTrino
	switch t.ID() {
	case arrow.STRING:
		if trino {
			return "varchar", nil
		}
		return "string", nil
	case arrow.BOOL:
		return "boolean", nil
	case arrow.INT32:
		if trino {
			return "integer", nil
		}
		return "int", nil
	case arrow.INT64:
		return "bigint", nil
	case arrow.FLOAT64:
		return "double", nil
	case arrow.TIMESTAMP:
		// Parquet INT64 TIMESTAMP(MILLIS, UTC). Trino's Hive connector
		// reads it at the catalog's timestamp precision (milliseconds by
		// default).
		if trino {
			return "timestamp(3)", nil
		}
		return "timestamp", nil
	}
	return "", fmt.Errorf("%w: %s has no SQL mapping", ErrUnsupportedType, t)
}
