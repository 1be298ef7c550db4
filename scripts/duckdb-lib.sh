# shellcheck shell=bash
# Sourced by bench.sh and duckdb-check.sh: locate (and optionally install)
# DuckDB from the npm package @duckdb/node-api, which ships the native
# library for linux-x64 inside the package. Nothing is installed in the
# repository: the package goes to DUCKDB_NODE_DIR (default
# /tmp/keyaudit-duckdb). Set DUCKDB_INSTALL=0 to never install.
DUCKDB_NODE_DIR=${DUCKDB_NODE_DIR:-/tmp/keyaudit-duckdb}
DUCKDB_NPM_VERSION=${DUCKDB_NPM_VERSION:-1.5.6-r.1}
DUCKDB_QUERY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/duckdb-query.cjs"
export DUCKDB_NODE_DIR

# duckdb_available: 0 when DuckDB can run; prints why not on stderr.
duckdb_available() {
	if ! command -v node >/dev/null 2>&1; then
		echo "duckdb: node is not installed; skipping DuckDB" >&2
		return 1
	fi
	if [ ! -d "$DUCKDB_NODE_DIR/node_modules/@duckdb/node-api" ]; then
		if [ "${DUCKDB_INSTALL:-1}" = 0 ] || ! command -v npm >/dev/null 2>&1; then
			echo "duckdb: @duckdb/node-api not found under $DUCKDB_NODE_DIR (DUCKDB_INSTALL=0 or no npm); skipping DuckDB" >&2
			return 1
		fi
		echo "duckdb: installing @duckdb/node-api@$DUCKDB_NPM_VERSION under $DUCKDB_NODE_DIR" >&2
		mkdir -p "$DUCKDB_NODE_DIR"
		if ! (cd "$DUCKDB_NODE_DIR" && npm install --no-audit --no-fund --silent "@duckdb/node-api@$DUCKDB_NPM_VERSION" >/dev/null 2>&1); then
			echo "duckdb: npm install failed; skipping DuckDB" >&2
			return 1
		fi
	fi
	if ! node "$DUCKDB_QUERY" "select 1" >/dev/null 2>&1; then
		echo "duckdb: @duckdb/node-api does not load on this machine; skipping DuckDB" >&2
		return 1
	fi
	return 0
}

# duckdb_query SQL...: runs the statements, prints the last result as TSV.
duckdb_query() {
	node "$DUCKDB_QUERY" "$@"
}
