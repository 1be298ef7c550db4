package main

import (
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/facts/factsql"
)

// sqlOptions are the flags of keyaudit sql.
type sqlOptions struct {
	opts     factsql.Options
	accounts string
	output   string
}

func newSQLCmd(e *env) *cobra.Command {
	var o sqlOptions
	c := &cobra.Command{
		Use:   "sql --engine athena|trino|spark|duckdb --out-location URI [flags]",
		Short: "Print the SQL that reduces a CloudTrail trail to keyaudit facts in Athena, Trino, Spark or DuckDB",
		Long: `keyaudit sql prints one script that turns a CloudTrail trail into keyaudit's
facts (facts_version 1: key_use, session_use, sts_issue, key_lifecycle,
principals, event_accounts and the manifest) in your warehouse, as Parquet
under --out-location. Download that folder and give it to keyaudit with
--facts DIR: the audit then runs offline on a few megabytes instead of the
whole trail.

The script deduplicates events on eventID, rejects events whose eventTime
does not parse (as ingest does), keeps only --accounts (recipient accounts)
and the half-open UTC range [--from, --to), and writes the scope into the
manifest. athena, trino and spark read a CloudTrail table (--table; --ddl
also prints one over the raw bucket at --trail-location, with partition
projection on Athena); duckdb reads the S3 delivery files (--source, a path
or glob of {"Records":[...]} .json/.json.gz files; repeatable).

Nothing runs: keyaudit only prints text. Every flag value that lands in the
SQL is validated (names, 12-digit accounts, YYYY-MM-DD dates, URIs without
quotes or control characters).`,
		Example: `  # Athena, over the table --ddl declares for an organization trail
  keyaudit sql --engine athena --ddl --trail-location s3://trail-bucket/AWSLogs/o-abc123defg/ \
      --accounts 111122223333,444455556666 --from 2026-10-01 --to 2026-11-01 \
      --out-location s3://audit-bucket/keyaudit/facts/ -o facts-athena.sql

  # Trino (Hive connector), over an existing table
  keyaudit sql --engine trino --table hive.logs.cloudtrail_logs --out-location s3://audit-bucket/facts/

  # Spark SQL, then: spark-sql -f facts-spark.sql
  keyaudit sql --engine spark --table cloudtrail_logs --out-location s3a://audit-bucket/facts/ -o facts-spark.sql

  # DuckDB over a local copy of the bucket, then: duckdb -c ".read facts.sql"
  keyaudit sql --engine duckdb --source 'AWSLogs/*/*/CloudTrail/*/*/*/*/*.json.gz' --out-location facts/ -o facts.sql`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runSQL(e, c, &o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.opts.Engine, "engine", "", "athena, trino, spark or duckdb (required)")
	f.StringVar(&o.opts.Table, "table", "", "the CloudTrail table athena, trino and spark read: NAME, SCHEMA.NAME or CATALOG.SCHEMA.NAME (default "+factsql.DefaultTable+")")
	f.StringArrayVar(&o.opts.Sources, "source", nil, "duckdb: a path or glob of S3 delivery files (.json, .json.gz), local or s3://; repeatable")
	f.StringVar(&o.opts.From, "from", "", "keep events at or after this UTC date, YYYY-MM-DD")
	f.StringVar(&o.opts.To, "to", "", "keep events before this UTC date, YYYY-MM-DD (exclusive)")
	f.StringVar(&o.accounts, "accounts", "", "keep events logged by these recipient accounts: 12-digit IDs, comma-separated")
	f.StringVar(&o.opts.OutLocation, "out-location", "", "the folder the fact tables are written under (required): s3://BUCKET/PREFIX/ (athena, trino, spark), a local folder or URI (duckdb)")
	f.BoolVar(&o.opts.DDL, "ddl", false, "athena, trino, spark: first declare --table over the raw trail at --trail-location")
	f.StringVar(&o.opts.TrailLocation, "trail-location", "", "with --ddl: s3://BUCKET/AWSLogs/ (account trail) or s3://BUCKET/AWSLogs/o-ORGID/ (organization trail)")
	f.StringVar(&o.opts.DatePartition, "date-partition", "", "a partition column of --table holding the delivery date as YYYY/MM/DD (with --ddl on athena: delivery_date)")
	f.StringVar(&o.opts.AccountPartition, "account-partition", "", "a partition column of --table holding the account folder (with --ddl on athena: account_id)")
	f.StringArrayVar(&o.opts.Without, "without", nil, "a column --table lacks, rendered NULL and named in manifest.missing: "+strings.Join(factsql.Withoutable(), " or ")+"; repeatable")
	f.StringVarP(&o.output, "output", "o", "", "write the script to this file (atomically) instead of stdout")
	return c
}

func runSQL(e *env, c *cobra.Command, o *sqlOptions) error {
	if o.opts.Engine == "" {
		return usageErr("keyaudit sql needs --engine: %s (see 'keyaudit sql --help')", strings.Join(factsql.Engines(), ", "))
	}
	if o.accounts != "" {
		for _, a := range strings.Split(o.accounts, ",") {
			o.opts.Accounts = append(o.opts.Accounts, strings.TrimSpace(a))
		}
	}
	o.opts.Producer = "keyaudit " + strings.Fields(productVersion())[0] + " sql:" + o.opts.Engine
	// Render first, so that a refused option leaves no file behind.
	var b strings.Builder
	if err := factsql.Render(&b, o.opts); err != nil {
		if errors.Is(err, factsql.ErrInvalid) {
			return usageErr("%v (see 'keyaudit sql --help')", flagNames(err))
		}
		return err
	}
	return writeText(e, o.output, nil, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// flagNames rewrites the option names of a factsql error as the flags
// that set them.
func flagNames(err error) string {
	msg := strings.TrimPrefix(err.Error(), factsql.ErrInvalid.Error()+": ")
	for _, r := range [][2]string{
		{"out location", "--out-location"}, {"trail location", "--trail-location"}, {"date partition", "--date-partition"},
		{"account partition", "--account-partition"}, {"give sources", "give --source"}, {"at least one source", "at least one --source"},
		{"give a table name", "give --table"}, {"sources are for duckdb", "--source is for duckdb"}, {"the DDL", "--ddl"},
		{"give the accounts", "give --accounts"},
	} {
		msg = strings.Replace(msg, r[0], r[1], 1)
	}
	for _, p := range [][2]string{{"from ", "--from "}, {"to ", "--to "}, {"account ", "--accounts "}, {"table ", "--table "},
		{"source ", "--source "}, {"without ", "--without "}} {
		if strings.HasPrefix(msg, p[0]) {
			msg = p[1] + strings.TrimPrefix(msg, p[0])
			break
		}
	}
	msg = strings.Replace(msg, "unknown engine", "unknown --engine", 1)
	return msg
}
