# keyaudit — see README.md. Every target works from a fresh clone with Go installed.
GO        ?= go
BIN       := bin/keyaudit
ASOF      := 2026-11-01
FUZZTIME  ?= 2m
PKGS      := ./...

.PHONY: all build demo test bench fuzz lint interop clean

all: build

# -buildvcs=auto stamps the commit into `keyaudit --version` even where
# GOFLAGS says -buildvcs=false, and still builds from a tarball.
build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/keyaudit

## demo: audit the synthetic three-account organization in testdata/demo
demo: build
	./$(BIN) audit --as-of $(ASOF) testdata/demo

## test: the whole suite with the race detector
test:
	$(GO) test -race -count=1 $(PKGS)
	@$(GO) run ./internal/datasets/check

## bench: Go benchmarks plus the end-to-end corpus benchmark (scripts/bench.sh)
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./ingest/... ./analyze/...
	KEYAUDIT=./$(BIN) bash scripts/bench.sh

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@bash scripts/fuzz.sh $(FUZZTIME)

## interop: the DuckDB interop module (cgo, its own go.mod): keyaudit sql's duckdb script vs the native facts
interop:
	cd interop && $(GO) test -count=1 ./...

## lint: go vet and gofmt
lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin
