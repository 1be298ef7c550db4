package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/report"
)

// ddlCompatible says which Arrow type each SQL type of the DDL reads.
var ddlCompatible = map[string]arrow.Type{
	"string": arrow.STRING, "varchar": arrow.STRING, "boolean": arrow.BOOL, "int": arrow.INT32, "integer": arrow.INT32,
	"bigint": arrow.INT64, "double": arrow.FLOAT64, "timestamp": arrow.TIMESTAMP, "timestamp(3)": arrow.TIMESTAMP,
}

var (
	ddlCreate = regexp.MustCompile("^CREATE (?:EXTERNAL )?TABLE IF NOT EXISTS (?:[`\"][^`\"]+[`\"]\\.)?[`\"](keyaudit_[a-z]+)[`\"] \\($")
	ddlColumn = regexp.MustCompile("^  [`\"]([a-z0-9_]+)[`\"] ([A-Za-z0-9()]+),?$")
)

// TestExportDDL: for every engine, every column the DDL declares exists in
// the exported Parquet file of its table with a compatible type, every
// Parquet column is declared, and the partition columns are the folders of
// the partitioned events.
func TestExportDDL(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := runCLI(t, "", "export", "-q", "--partition", "--as-of", "2026-11-01", "-o", out, demo); code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	parts, _ := filepath.Glob(filepath.Join(out, "events", "account_id=*", "date=*", "part-0.parquet"))
	if len(parts) == 0 {
		t.Fatal("no partitions")
	}
	files := map[string]string{"keyaudit_events": parts[0]}
	for _, n := range []string{"credentials", "keys", "rotation", "sessions", "findings"} {
		files["keyaudit_"+n] = filepath.Join(out, n+".parquet")
	}
	for _, engine := range report.DDLEngines() {
		t.Run(engine, func(t *testing.T) {
			code, ddl, stderr := runCLI(t, "", "export", "--ddl", engine, "--partition", "--location", "s3://b/p", "--database", "sec")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			tables := map[string]map[string]string{}
			var cur string
			for _, line := range strings.Split(ddl, "\n") {
				if m := ddlCreate.FindStringSubmatch(line); m != nil {
					cur = m[1]
					tables[cur] = map[string]string{}
					continue
				}
				if m := ddlColumn.FindStringSubmatch(line); m != nil && cur != "" {
					tables[cur][m[1]] = strings.ToLower(m[2])
					continue
				}
				if strings.HasPrefix(line, ")") {
					cur = ""
				}
			}
			if len(tables) != len(files) {
				t.Fatalf("DDL declares %d tables, want %d:\n%s", len(tables), len(files), ddl)
			}
			if !strings.Contains(ddl, "s3://b/p/events/") {
				t.Errorf("DDL does not use --location:\n%s", ddl)
			}
			for table, cols := range tables {
				schema := parquetSchema(t, files[table])
				declared := 0
				for name, typ := range cols {
					if table == "keyaudit_events" && (name == "account_id" || name == "date") {
						continue // partition folders, declared as data columns by Spark and Trino
					}
					declared++
					idx := schema.FieldIndices(name)
					if len(idx) != 1 {
						t.Errorf("%s.%s is not a column of %s", table, name, files[table])
						continue
					}
					if want, ok := ddlCompatible[typ]; !ok || schema.Field(idx[0]).Type.ID() != want {
						t.Errorf("%s.%s is declared %s, the Parquet column is %s", table, name, typ, schema.Field(idx[0]).Type)
					}
				}
				if declared != schema.NumFields() {
					t.Errorf("%s declares %d columns, the Parquet file has %d", table, declared, schema.NumFields())
				}
			}
			if !strings.Contains(ddl, "account_id") || !strings.Contains(ddl, "date") {
				t.Errorf("partition columns missing:\n%s", ddl)
			}
		})
	}
	if code, _, stderr := runCLI(t, "", "export", "--ddl", "oracle"); code != exitUsage || !strings.Contains(stderr, `unknown --ddl "oracle"`) {
		t.Errorf("unknown engine: exit %d: %s", code, stderr)
	}
}

func parquetSchema(t *testing.T, path string) (schema *arrow.Schema) {
	t.Helper()
	withParquetTable(t, path, func(tbl arrow.Table) { schema = tbl.Schema() })
	return schema
}
