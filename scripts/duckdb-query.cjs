// Runs SQL statements with DuckDB from the npm package @duckdb/node-api,
// installed outside the repository (DUCKDB_NODE_DIR, default
// /tmp/keyaudit-duckdb). Usage: node duckdb-query.cjs 'SQL' ['SQL'...]
// Prints the rows of the last statement as tab-separated lines with a header.
'use strict';
const path = require('path');
const dir = process.env.DUCKDB_NODE_DIR || '/tmp/keyaudit-duckdb';
let duckdb;
try {
  duckdb = require(path.join(dir, 'node_modules', '@duckdb', 'node-api'));
} catch (e) {
  console.error(`duckdb: @duckdb/node-api not installed under ${dir}`);
  process.exit(3);
}
(async () => {
  const db = await duckdb.DuckDBInstance.create(':memory:', { threads: process.env.DUCKDB_THREADS || '2' });
  const con = await db.connect();
  let res = null;
  for (const sql of process.argv.slice(2)) {
    res = await con.runAndReadAll(sql);
  }
  if (res) {
    const cols = res.columnNames();
    console.log(cols.join('\t'));
    for (const row of res.getRowsJson()) {
      console.log(row.map((v) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))).join('\t'));
    }
  }
})().catch((e) => {
  console.error('duckdb: ' + String(e.message || e).slice(0, 500));
  process.exit(1);
});
