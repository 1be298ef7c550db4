// Package duckdb runs the SQL that keyaudit sql renders in DuckDB (through
// github.com/duckdb/duckdb-go, cgo) and compares the facts it produces with
// the native producer's, facts.Aggregator. It lives in its own module so
// that cgo and DuckDB's static library never enter keyaudit's: run it with
// make interop (cd interop && go test -count=1 ./...).
//
// The package has no non-test code; see facts_test.go.
package duckdb
