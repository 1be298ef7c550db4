package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/report"
)

// loadBaseline reads --baseline FILE: findings as keyaudit audit -f json,
// ndjson or parquet writes them, told apart by content (Parquet's PAR1
// magic, else JSON: an array or one object a line). Every error is a usage
// error naming the file.
func loadBaseline(mem memory.Allocator, path string) ([]analyze.Finding, error) {
	fail := func(err error) error {
		if errors.Is(err, analyze.ErrNotFindings) {
			return usageErr("--baseline %s: %v: give the -f json, ndjson or parquet output of a previous keyaudit audit", path, err)
		}
		return usageErr("--baseline %s: %v", path, err) // a MissingColumnsError says which columns
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usageErr("--baseline %s: no such file", path)
		}
		return nil, usageErr("--baseline: %v", err)
	}
	if bytes.HasPrefix(data, []byte("PAR1")) {
		fs, err := findingsFromParquet(mem, data)
		if err != nil {
			return nil, fail(err)
		}
		return fs, nil
	}
	if strings.HasPrefix(string(data), analyze.FColRule+","+analyze.FColSeverity+",") {
		return nil, usageErr("--baseline %s: a CSV baseline is not read (its nulls and empty strings look alike): give the -f json, ndjson or parquet output of a previous keyaudit audit", path)
	}
	fs, err := analyze.FindingsFromJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fail(err)
	}
	return fs, nil
}

func findingsFromParquet(mem memory.Allocator, data []byte) ([]analyze.Finding, error) {
	tbl, err := report.ReadParquet(mem, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	var out []analyze.Finding
	for tr.Next() {
		fs, err := analyze.FindingsFromRecord(tr.RecordBatch())
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	if err := tr.Err(); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read parquet: %w", err)
	}
	return out, nil
}
