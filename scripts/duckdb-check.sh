#!/usr/bin/env bash
# duckdb-check.sh FILE.parquet...: print each file's parquet_schema() and
# row count with DuckDB, as an independent reader of keyaudit's Parquet
# output. Skipped (exit 0, message on stderr) when DuckDB is unavailable.
set -euo pipefail
. "$(dirname "$0")/duckdb-lib.sh"
if [ $# -eq 0 ]; then
	echo "usage: $0 FILE.parquet..." >&2
	exit 2
fi
if ! duckdb_available; then
	exit 0
fi
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "duckdb-check: $f: no such file" >&2
		exit 1
	fi
	q=${f//\'/\'\'}
	echo "== $f"
	duckdb_query "select name, type, converted_type, logical_type, repetition_type from parquet_schema('$q')"
	duckdb_query "select count(*) as rows from read_parquet('$q')"
done
