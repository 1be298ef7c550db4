#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given time each (default 2m).
set -euo pipefail
fuzztime=${1:-2m}
cd "$(dirname "$0")/.."
total=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $target ($fuzztime)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s
    total=$((total + 1))
  done
done
echo "fuzz: ran $total targets for $fuzztime each"
