#!/usr/bin/env bash
# bench.sh: end-to-end benchmark of keyaudit on a synthetic CloudTrail
# corpus (see docs/BENCH.md). Every setting is an environment variable:
#
#   BENCH_DIR      cache and results           (/tmp/keyaudit-bench)
#   BENCH_EVENTS   records in the corpus       (1000000)
#   BENCH_FILES    log files                   (800)
#   BENCH_ACCOUNTS accounts                    (8)
#   BENCH_SEED     generator seed              (1)
#   BENCH_REPS     rounds of every measured step; the report shows each
#                  step's fastest round, as the least disturbed by other
#                  load on the machine (3)
#   BENCH_SCALE    N>1: also run keys/sessions on an N-times larger corpus
#                  and compare peak RSS        (unset)
#   BENCH_DUCKDB   0: skip the DuckDB baselines (1)
#   BENCH_DUCKDB_FORMS  which of them (union infer typed copy; empty: none)
#   BENCH_DUCKDB_FACTS  rounds (the first N) that also run DuckDB over
#                  the fact script of 'keyaudit sql --engine duckdb' (issue
#                  11's peer, and issue 12's "DuckDB re-reads everything");
#                  slow, minutes per million events (1); 0 skips
#   BENCH_DUCKDB_MEMORY memory_limit of that run (4GB; spills to BENCH_DIR)
#   BENCH_EXPORT   0: skip the export steps (issue 16) (1)
#   BENCH_FACTS    0: skip 'keyaudit facts' and 'audit --facts' (1)
#   BENCH_CACHE    0: skip the fact cache runs (audit --cache: cold, warm
#                  after new files, warm with nothing new) (1)
#   BENCH_CACHE_NEW  percent of the CloudTrail files (the newest) held back
#                  from the cold cache run and added before the warm one (1)
#   BENCH_BASE     a second keyaudit binary (e.g. a build from before a
#                  change): its audit runs in every round as audit-base
#                  (unset)
#   BENCH_GOTEST   1: run the Go ingest benchmarks (default: only when not
#                  run from make, whose bench target runs them itself)
#   KEYAUDIT       keyaudit binary             (./bin/keyaudit)
#
# The corpus is generated once per (events, files, accounts, seed,
# generator build) and reused from BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-/tmp/keyaudit-bench}
EVENTS=${BENCH_EVENTS:-1000000}
FILES=${BENCH_FILES:-800}
ACCOUNTS=${BENCH_ACCOUNTS:-8}
SEED=${BENCH_SEED:-1}
SCALE=${BENCH_SCALE:-1}
REPS=${BENCH_REPS:-3}
KEYAUDIT=${KEYAUDIT:-./bin/keyaudit}
GO=${GO:-go}

mkdir -p "$BENCH_DIR/tools" "$BENCH_DIR/out"
TOOLS=$BENCH_DIR/tools
"$GO" build -o "$TOOLS/ctgen" ./cmd/ctgen
"$GO" build -o "$TOOLS/rss" ./cmd/rss
"$GO" build -o "$TOOLS/factrows" scripts/factrows.go
RSS=$TOOLS/rss
GENID=$(sha256sum "$TOOLS/ctgen" | cut -c1-12)
RESULTS=$BENCH_DIR/results.txt
: >"$RESULTS"
rm -f "$BENCH_DIR"/out/*.csv "$BENCH_DIR"/out/*.tsv "$BENCH_DIR"/out/*.txt "$BENCH_DIR/gobench.txt"
rm -rf "$BENCH_DIR/facts" "$BENCH_DIR/facts-duckdb" "$BENCH_DIR/cache" # outputs of an earlier run

log() { printf 'bench: %s\n' "$*" >&2; }

# corpus EVENTS FILES: print the directory of a complete corpus, generating
# it (and measuring the generator) when it is not cached.
corpus() {
	local ev=$1 nf=$2 sfx=${3:-}
	local name=corpus-e$ev-f$nf-a$ACCOUNTS-s$SEED-g$GENID
	local dir=$BENCH_DIR/$name
	# Metadata lives beside the corpus, never inside it, so that keyaudit
	# does not mistake the truth CSVs for credential reports.
	if [ ! -f "$dir.meta/complete" ]; then
		# Drop corpora of the same shape made by another generator build.
		rm -rf "$BENCH_DIR"/corpus-e"$ev"-f"$nf"-a"$ACCOUNTS"-s"$SEED"-g*
		mkdir -p "$dir.meta"
		log "generating $ev events in $nf files under $dir"
		"$RSS" -label "ctgen$sfx|$ev|0" -o "$RESULTS" -- "$TOOLS/ctgen" -q -out "$dir" -events "$ev" -files "$nf" \
			-accounts "$ACCOUNTS" -seed "$SEED" -stats "$dir.meta/stats" -truth "$dir.meta/truth.csv" \
			-truth-keys "$dir.meta/truth-keys.csv" >&2
		touch "$dir.meta/complete"
	else
		log "reusing $dir"
	fi
	printf '%s\n' "$dir"
}

stat_of() { sed -n "s/^$2=//p" "$1.meta/stats"; }

# measure LABEL EVENTS BYTES CMD...: run CMD under rss, stdout discarded.
measure() {
	local label=$1 ev=$2 by=$3
	shift 3
	log "running $label"
	"$RSS" -label "$label|$ev|$by" -o "$RESULTS" -- "$@" >/dev/null || log "$label exited with status $?"
}

has_cmd() { [ -x "$KEYAUDIT" ] && "$KEYAUDIT" "$1" --help >/dev/null 2>&1; }

run_suite() { # DIR SUFFIX
	local dir=$1 sfx=$2
	local ev by list n half
	ev=$(stat_of "$dir" events)
	by=$(stat_of "$dir" json_bytes)
	list=$BENCH_DIR/files$sfx.txt
	find "$dir/AWSLogs" -path '*/CloudTrail/*' -name '*.json.gz' | LC_ALL=C sort >"$list"
	n=$(wc -l <"$list")
	half=$(((n + 1) / 2))
	# Warm the page cache so every run reads from memory.
	xargs cat <"$list" >/dev/null
	if [ -z "$sfx" ]; then
		measure "zcat-1" "$ev" "$by" sh -c 'xargs zcat <"$1"' sh "$list"
		measure "zcat-2" "$ev" "$by" sh -c 'xargs -P2 -n "$2" zcat <"$1"' sh "$list" "$half"
	fi
	if has_cmd keys; then
		# keys' ages (age_days, unused_days) are not checked: no --as-of needed.
		measure "keys$sfx" "$ev" "$by" "$KEYAUDIT" keys -f csv -q -o "$BENCH_DIR/out/keys$sfx.csv" "$dir"
	else
		log "$KEYAUDIT has no 'keys' command (or is missing); skipping keys"
	fi
	if has_cmd sessions; then
		measure "sessions$sfx" "$ev" "$by" "$KEYAUDIT" sessions -f csv -q -o "$BENCH_DIR/out/sessions$sfx.csv" "$dir"
	else
		log "$KEYAUDIT has no 'sessions' command (or is missing); skipping sessions"
	fi
	if has_cmd audit; then
		# The base of issue 16's export ratios and of issues 11 and 12's
		# facts and cache ratios (same tree, same round). Since issue 11
		# it goes through facts internally (the Projector).
		measure "audit$sfx" "$ev" "$by" "$KEYAUDIT" audit -q --as-of 2026-11-01 -f csv -o "$BENCH_DIR/out/audit$sfx.csv" "$dir"
		if [ -n "${BENCH_BASE:-}" ] && [ -z "$sfx" ]; then
			measure "audit-base" "$ev" "$by" "$BENCH_BASE" audit -q --as-of 2026-11-01 -f csv -o "$BENCH_DIR/out/audit-base.csv" "$dir"
		fi
	else
		log "$KEYAUDIT has no 'audit' command (or is missing); skipping audit"
	fi
	if [ "${BENCH_EXPORT:-1}" = 0 ]; then
		log "export skipped: BENCH_EXPORT=0"
	elif has_cmd export; then
		# Issue 16's targets are ratios to audit over the same tree, in
		# the same round: export <= 1.5x, --partition <= 1.8x, zstd <= 2x.
		measure "export$sfx" "$ev" "$by" "$KEYAUDIT" export -q --as-of 2026-11-01 -o "$BENCH_DIR/export$sfx" "$dir"
		measure "export-part$sfx" "$ev" "$by" "$KEYAUDIT" export -q --partition --as-of 2026-11-01 -o "$BENCH_DIR/export-part$sfx" "$dir"
		measure "export-zstd$sfx" "$ev" "$by" "$KEYAUDIT" export -q --compression zstd --as-of 2026-11-01 -o "$BENCH_DIR/export-zstd$sfx" "$dir"
	else
		log "$KEYAUDIT has no 'export' command (or is missing); skipping export"
	fi
	if [ -z "$sfx" ]; then
		facts_suite "$dir" "$ev" "$by"
		cache_suite "$ev" "$by"
	fi
}

# facts_suite DIR EVENTS BYTES (issue 11): the fact set of the corpus, and
# an audit from it alone (no CloudTrail read).
facts_suite() {
	[ "${BENCH_FACTS:-1}" = 0 ] && return 0
	if ! has_cmd facts; then
		log "$KEYAUDIT has no 'facts' command (or is missing); skipping facts"
		return 0
	fi
	measure "facts" "$2" "$3" "$KEYAUDIT" facts -q -o "$BENCH_DIR/facts" "$1"
	measure "audit-facts" "$2" "$3" "$KEYAUDIT" audit -q --as-of 2026-11-01 --facts "$BENCH_DIR/facts" \
		-f csv -o "$BENCH_DIR/out/audit-facts.csv"
}

# The fact cache (issue 12) runs over CACHE_TREE, a hard-linked copy of the
# corpus whose newest BENCH_CACHE_NEW % CloudTrail files can be moved aside
# (to CACHE_HELD) and back: a cold run over the rest with an empty cache,
# then the held files added (a day's new deliveries) and a warm run, then
# a warm run with nothing new. cache-none is audit without a cache over the
# same reduced tree in the same round, the base of the cold ratio; the warm
# runs read the whole corpus again, so their base is audit.
CACHE_TREE=$BENCH_DIR/cache-tree
CACHE_HELD=$BENCH_DIR/cache-held
CACHE_DIR=$BENCH_DIR/cache
cache_ready=
cache_setup() { # CORPUS
	local src=$1 k
	rm -rf "$CACHE_TREE" "$CACHE_HELD" "$CACHE_DIR"
	cp -al "$src" "$CACHE_TREE"
	# The newest files by the delivery time in their names.
	find "$CACHE_TREE/AWSLogs" -path '*/CloudTrail/*' -name '*.json.gz' |
		sed -E 's/^.*_([0-9]{8}T[0-9]{4}Z)_[^/]*$/\1 &/' | LC_ALL=C sort | cut -d' ' -f2- >"$BENCH_DIR/cache-files.txt"
	k=$((($(wc -l <"$BENCH_DIR/cache-files.txt") * ${BENCH_CACHE_NEW:-1} + 99) / 100))
	tail -n "$k" "$BENCH_DIR/cache-files.txt" | sed "s|^$CACHE_TREE/||" >"$BENCH_DIR/cache-new.txt"
	CACHE_NEW_FILES=$k
	CACHE_NEW_EVENTS=$(sed "s|^|$CACHE_TREE/|" "$BENCH_DIR/cache-new.txt" | xargs zcat | grep -o '"eventID":' | wc -l)
	CACHE_NEW_BYTES=$(sed "s|^|$CACHE_TREE/|" "$BENCH_DIR/cache-new.txt" | xargs zcat | wc -c)
	cache_ready=1
}
cache_move() { # FROM TO: move the held-back files
	local rel
	while read -r rel; do
		[ -f "$1/$rel" ] || continue
		mkdir -p "$2/$(dirname "$rel")"
		mv "$1/$rel" "$2/$rel"
	done <"$BENCH_DIR/cache-new.txt"
}
cache_suite() { # EVENTS BYTES
	[ "${BENCH_CACHE:-1}" = 0 ] && return 0
	if ! has_cmd audit || ! "$KEYAUDIT" audit --help 2>&1 | grep -q -- '--cache'; then
		log "$KEYAUDIT has no 'audit --cache' (or is missing); skipping the fact cache"
		return 0
	fi
	[ -n "$cache_ready" ] || cache_setup "$CORPUS"
	local ev=$1 by=$2 ev99 by99
	ev99=$((ev - CACHE_NEW_EVENTS))
	by99=$((by - CACHE_NEW_BYTES))
	local audit=("$KEYAUDIT" audit -q --as-of 2026-11-01 -f csv)
	cache_move "$CACHE_TREE" "$CACHE_HELD"
	rm -rf "$CACHE_DIR"
	measure "cache-none" "$ev99" "$by99" "${audit[@]}" -o "$BENCH_DIR/out/cache-none.csv" "$CACHE_TREE"
	measure "cache-cold" "$ev99" "$by99" "${audit[@]}" --cache "$CACHE_DIR" -o "$BENCH_DIR/out/cache-cold.csv" "$CACHE_TREE"
	cache_move "$CACHE_HELD" "$CACHE_TREE"
	measure "cache-warm-new" "$ev" "$by" "${audit[@]}" --cache "$CACHE_DIR" -o "$BENCH_DIR/out/cache-warm-new.csv" "$CACHE_TREE"
	measure "cache-warm" "$ev" "$by" "${audit[@]}" --cache "$CACHE_DIR" -o "$BENCH_DIR/out/cache-warm.csv" "$CACHE_TREE"
}

# duckdb_facts: DuckDB runs keyaudit's own fact script over the raw files
# of the corpus: issue 11's peer of 'keyaudit facts', and what a daily
# re-audit costs with DuckDB, which reads every file each time (issue 12).
# The script's statements end at a line ending in ';' (its header says
# so) and are given to DuckDB one by one: the script as one text does not
# parse (a statement's ';' follows a '--' comment on its line).
duckdb_facts() {
	local out=$BENCH_DIR/facts-duckdb sql=$BENCH_DIR/out/facts-duckdb.sql stmts
	rm -rf "$out" "$BENCH_DIR/duckdb-tmp"
	mkdir -p "$out"
	"$KEYAUDIT" sql --engine duckdb --source "$CORPUS/AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz" \
		--out-location "$out" -o "$sql" || { log "keyaudit sql --engine duckdb failed; skipping duckdb-facts"; return 0; }
	mapfile -d '' stmts < <(awk '{ buf = buf $0 "\n" } /;$/ { printf "%s%c", buf, 0; buf = "" }
		END { if (buf ~ /[^[:space:]]/) printf "%s%c", buf, 0 }' "$sql")
	measure "duckdb-facts" "$(stat_of "$CORPUS" events)" "$(stat_of "$CORPUS" json_bytes)" \
		env DUCKDB_THREADS=2 node scripts/duckdb-query.cjs "SET memory_limit = '${BENCH_DUCKDB_MEMORY:-4GB}'" \
		"SET temp_directory = '$BENCH_DIR/duckdb-tmp'" "${stmts[@]}"
	rm -rf "$BENCH_DIR/duckdb-tmp"
}

CORPUS=$(corpus "$EVENTS" "$FILES")

# DuckDB baselines: group every event by userIdentity.accessKeyId, 2
# threads, in three forms. Plain read_json fails on real CloudTrail (the
# schema sampled from the first records meets a key it lacks, e.g. in a
# console sign-in's additionalEventData), so a user without a hand-written
# schema reaches for one of the first two.
#   duckdb-union: union_by_name = true, every file's schema inferred and
#     merged; reads every field of every record.
#   duckdb-infer: the inferred depth capped at 3 (deeper values stay JSON).
#   duckdb-typed: only the two columns the query needs, typed by hand;
#     DuckDB's best case.
duckdb_suite() {
	if [ "${BENCH_DUCKDB:-1}" = 0 ]; then
		log "DUCKDB PEER SKIPPED: BENCH_DUCKDB=0"
	elif ! duckdb_available; then
		log "DUCKDB PEER SKIPPED: DuckDB could not be run here (the reason is above); no DuckDB figures below"
	else
		glob="$CORPUS/AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz"
		agg="select count(*) as keys, sum(n) as events from (
		  select r.userIdentity.accessKeyId as k, count(*) as n, min(r.eventTime) as first, max(r.eventTime) as last
		  from (select unnest(Records) as r from %s) group by k)"
		# shellcheck disable=SC2059
		union=$(printf "$agg" "read_json('$glob', maximum_object_size = 536870912, union_by_name = true)")
		# shellcheck disable=SC2059
		infer=$(printf "$agg" "read_json('$glob', maximum_object_size = 536870912, maximum_depth = 3)")
		# shellcheck disable=SC2059
		typed=$(printf "$agg" "read_json('$glob', format = 'auto', maximum_object_size = 536870912,
		        columns = {Records: 'STRUCT(eventTime VARCHAR, userIdentity STRUCT(accessKeyId VARCHAR))[]'})")
		# duckdb-copy: the export peer, every event to one Snappy Parquet
		# file in the order keyaudit writes (time, then eventID), columns
		# inferred to depth 3 as in duckdb-infer (no dedup).
		copy="COPY (SELECT unnest(r) FROM (SELECT unnest(Records) AS r FROM read_json('$glob',
		      maximum_object_size = 536870912, maximum_depth = 3)) ORDER BY r.eventTime, r.eventID)
		      TO '$BENCH_DIR/out/duckdb-copy.parquet' (FORMAT parquet, COMPRESSION snappy)"
		[ "$rep" -le "${BENCH_DUCKDB_FACTS:-1}" ] && has_cmd sql && duckdb_facts
		for form in ${BENCH_DUCKDB_FORMS-union infer typed copy}; do
			sql=${!form}
			measure "duckdb-$form" "$(stat_of "$CORPUS" events)" "$(stat_of "$CORPUS" json_bytes)" \
				env DUCKDB_THREADS=2 node scripts/duckdb-query.cjs "$sql"
			[ "$form" = copy ] || [ -f "$BENCH_DIR/out/duckdb-$form.tsv" ] ||
				DUCKDB_THREADS=2 node scripts/duckdb-query.cjs "$sql" >"$BENCH_DIR/out/duckdb-$form.tsv" 2>&1 || true
		done
	fi
}

[ "${BENCH_DUCKDB:-1}" != 0 ] && . scripts/duckdb-lib.sh
for rep in $(seq "$REPS"); do
	log "round $rep of $REPS"
	run_suite "$CORPUS" ""
	duckdb_suite
done

if [ "$SCALE" -gt 1 ] 2>/dev/null; then
	BIG=$(corpus $((EVENTS * SCALE)) $((FILES * SCALE)) "-x$SCALE")
	run_suite "$BIG" "-x$SCALE"
fi

if [ "${BENCH_GOTEST:-}" = 1 ] || { [ -z "${MAKELEVEL:-}" ] && [ "${BENCH_GOTEST:-}" != 0 ]; }; then
	if ls ingest/*/*_test.go >/dev/null 2>&1 && grep -qs '^func Benchmark' ingest/*/*_test.go ingest/*_test.go; then
		log "running go test -bench ./ingest/..."
		"$GO" test -run '^$' -bench . -benchtime 3x ./ingest/... >"$BENCH_DIR/gobench.txt" 2>&1 || log "go test -bench failed (see $BENCH_DIR/gobench.txt)"
	fi
fi

# Report.
echo
echo "corpus: $CORPUS"
printf '  %s events in %s files, %.1f MB JSON, %.1f MB gzip, %s temporary keys\n' \
	"$(stat_of "$CORPUS" events)" "$(stat_of "$CORPUS" files)" \
	"$(awk "BEGIN{print $(stat_of "$CORPUS" json_bytes)/1e6}")" "$(awk "BEGIN{print $(stat_of "$CORPUS" gzip_bytes)/1e6}")" \
	"$(stat_of "$CORPUS" temporary_keys)"
if [ -n "${BIG:-}" ]; then
	echo "scaled corpus: $BIG"
	printf '  %s events in %s files, %.1f MB JSON, %.1f MB gzip, %s temporary keys\n' \
		"$(stat_of "$BIG" events)" "$(stat_of "$BIG" files)" \
		"$(awk "BEGIN{print $(stat_of "$BIG" json_bytes)/1e6}")" "$(awk "BEGIN{print $(stat_of "$BIG" gzip_bytes)/1e6}")" \
		"$(stat_of "$BIG" temporary_keys)"
fi
echo
awk '
# speedup(BASE, S, W): how many times faster step S (wall W) is than BASE,
# per event; "-" for the generator and DuckDB steps.
function speedup(base, s, w) {
	if (s ~ /^(ctgen|duckdb|zcat)/ || !(wall[base] > 0) || !(w > 0) || !(evs[s] > 0)) return "-"
	return sprintf("%.2f", (wall[base] / evs[base]) / (w / evs[s]))
}
{
	split($1, l, "|"); name = l[1]; ev = l[2]; by = l[3]
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	rounds[name]++
	if (name in wall && wall[name] + 0 <= v["wall_s"] + 0) next # keep the fastest round
	if (!(name in wall)) names[++n] = name
	wall[name] = v["wall_s"]; cpu[name] = v["user_s"] + v["sys_s"]
	rss[name] = v["maxrss_kb"] / 1024; evs[name] = ev; bys[name] = by; ex[name] = v["exit"]
}
END {
	printf "%-16s %9s %9s %6s %12s %9s %9s %9s %9s %9s %9s %9s %5s\n", "step", "wall_s", "cpu_s", "cpu%", "events/s", "MB/s", "rss_MB", "x_zcat1", "x_zcat2", "vs_union", "vs_infer", "vs_typed", "exit"
	for (i = 1; i <= n; i++) {
		s = names[i]; w = wall[s] + 0
		eps = (w > 0 && evs[s] > 0) ? sprintf("%.0f", evs[s] / w) : "-"
		mbs = (w > 0 && bys[s] > 0) ? sprintf("%.1f", bys[s] / 1e6 / w) : "-"
		# Ratios per event, so that a scaled corpus compares with zcat of the
		# base corpus times the scale.
		r1 = (s !~ /^ctgen/ && wall["zcat-1"] > 0 && evs[s] > 0) ? sprintf("%.2f", (w / evs[s]) / (wall["zcat-1"] / evs["zcat-1"])) : "-"
		r2 = (s !~ /^ctgen/ && wall["zcat-2"] > 0 && evs[s] > 0) ? sprintf("%.2f", (w / evs[s]) / (wall["zcat-2"] / evs["zcat-2"])) : "-"
		d0 = speedup("duckdb-union", s, w); d1 = speedup("duckdb-infer", s, w); d2 = speedup("duckdb-typed", s, w)
		printf "%-16s %9.2f %9.2f %6.0f %12s %9s %9.1f %9s %9s %9s %9s %9s %5s\n", s, w, cpu[s], (w > 0 ? 100 * cpu[s] / w : 0), eps, mbs, rss[s], r1, r2, d0, d1, d2, ex[s]
	}
	if (wall["audit"] > 0 && (wall["export"] > 0 || wall["duckdb-copy"] > 0)) {
		print ""
		print "export against audit on the same corpus (issue 16 targets: export <= 1.5, export-part <= 1.8, export-zstd <= 2.0):"
		split("export export-part export-zstd duckdb-copy", ex16, " ")
		for (i = 1; i <= 4; i++) if (wall[ex16[i]] > 0) printf "  %-12s %5.2f x audit wall, %6.1f MB peak RSS\n", ex16[i], wall[ex16[i]] / wall["audit"], rss[ex16[i]]
	}
}' "$RESULTS"
echo
echo "x_zcat1 / x_zcat2: wall time per event relative to decompressing the base corpus with 1 / 2 zcat processes (lower is better)."
echo "Each step shows its fastest of $REPS rounds (BENCH_REPS); every round of every step is in $RESULTS."
echo "vs_union / vs_infer / vs_typed: how many times faster than DuckDB with a merged inferred / a depth-capped inferred / a hand-typed schema (higher is better)."
for f in "$BENCH_DIR"/out/*.csv; do
	[ -f "$f" ] && printf '%s: %s rows\n' "$(basename "$f")" "$(($(wc -l <"$f") - 1))"
done
[ -f "$CORPUS.meta/truth.csv" ] && printf 'truth: %s temporary keys (%s)\n' "$(($(wc -l <"$CORPUS.meta/truth.csv") - 1))" "$CORPUS.meta/truth.csv"
# compare_outputs META SUFFIX: check keyaudit's outputs against the truth.
compare_outputs() {
	local meta=$1 sfx=$2
	if [ -f "$BENCH_DIR/out/keys$sfx.csv" ]; then
		echo "keys$sfx vs truth:"
		"$TOOLS/ctgen" compare -truth-keys "$meta/truth-keys.csv" "$BENCH_DIR/out/keys$sfx.csv" || true
	fi
	if [ -f "$BENCH_DIR/out/sessions$sfx.csv" ]; then
		echo "sessions$sfx vs truth:"
		"$TOOLS/ctgen" compare -truth "$meta/truth.csv" "$BENCH_DIR/out/sessions$sfx.csv" || true
	fi
}
compare_outputs "$CORPUS.meta" ""

# Issues 11 and 12: each step against a base measured in the same rounds
# (interleaved), by wall time and by CPU time (user+sys, steadier than wall
# on a loaded machine). "best" divides the fastest rounds (the least
# disturbed); "rounds" is the range of the ratio within each round where
# both ran every round. Peak RSS is the highest of any round.
if grep -qE '^(facts|audit-facts|cache-|duckdb-facts|audit-base)' "$RESULTS"; then
	echo
	echo "facts (issue 11) and the fact cache (issue 12), against a base run in the same rounds:"
	awk '
	{
		split($1, l, "|"); s = l[1]
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = ++n[s]; W[s, k] = v["wall_s"] + 0; C[s, k] = v["user_s"] + v["sys_s"]
		if (!(s in bw) || W[s, k] < bw[s]) bw[s] = W[s, k]
		if (!(s in bc) || C[s, k] < bc[s]) bc[s] = C[s, k]
		if (v["maxrss_kb"] / 1024 > rss[s]) rss[s] = v["maxrss_kb"] / 1024
	}
	# row(S, BASE, TARGET, LIMIT, RSSLIMIT): the target is met when the
	# best wall ratio is at most LIMIT and the peak RSS (MB) under
	# RSSLIMIT; empty limits are not checked.
	function row(s, b, target, limit, rsslimit,   i, lo, hi, r, rr, met) {
		if (!(bw[s] > 0) || !(bw[b] > 0)) return
		rr = "-"
		if (n[s] == n[b] && n[s] > 1) {
			for (i = 1; i <= n[s]; i++) { r = W[s, i] / W[b, i]; if (i == 1 || r < lo) lo = r; if (i == 1 || r > hi) hi = r }
			rr = sprintf("%.3f-%.3f", lo, hi)
		}
		met = ""
		if (limit != "") met = (bw[s] / bw[b] <= limit) ? "wall met" : "wall NOT met"
		if (rsslimit != "") met = met ((rss[s] < rsslimit) ? ", RSS met" : ", RSS NOT met")
		printf "  %-22s %-14s %8.2f %8.2f %7.3f %13s %8.3f %8.1f  %s %s\n", s, b, bw[s], bc[s], bw[s] / bw[b], rr, (bc[b] > 0 ? bc[s] / bc[b] : 0), rss[s], target, met
	}
	END {
		printf "  %-22s %-14s %8s %8s %7s %13s %8s %8s  %s\n", "step", "base", "wall_s", "cpu_s", "x_wall", "x_wall_rounds", "x_cpu", "rss_MB", "target"
		row("audit", "zcat-2", "issue 11: <= 1.3 (2M events / 2,500 files), RSS < 150 MB", 1.3, 150)
		row("audit", "audit-base", "issue 11: not slower than before", 1.0, "")
		row("facts", "audit", "", "", "")
		row("audit-facts", "audit", "issue 11: < 0.10", 0.1, "")
		row("duckdb-facts", "facts", "(DuckDB: the same facts from the raw files)", "", "")
		row("cache-cold", "cache-none", "issue 12: <= 1.1", 1.1, "")
		row("cache-warm-new", "audit", "issue 12: <= 0.1, RSS < 150 MB", 0.1, 150)
		row("cache-warm", "audit", "issue 12: <= 0.05", 0.05, "")
		if (bw["duckdb-facts"] > 0) {
			print ""
			print "  a daily re-audit: DuckDB re-runs the fact script over every file, then keyaudit audit --facts reads its output:"
			d = bw["duckdb-facts"] + bw["audit-facts"]
			printf "    duckdb-facts + audit-facts %.2f s wall (%.2f + %.2f)\n", d, bw["duckdb-facts"], bw["audit-facts"]
			if (bw["cache-warm-new"] > 0) printf "    keyaudit audit --cache, 1%% new files: %.2f s, %.0f times faster\n", bw["cache-warm-new"], d / bw["cache-warm-new"]
			if (bw["cache-warm"] > 0) printf "    keyaudit audit --cache, nothing new:   %.2f s, %.0f times faster\n", bw["cache-warm"], d / bw["cache-warm"]
			if (bw["audit"] > 0) printf "    keyaudit audit, no cache (cold):        %.2f s, %.1f times faster\n", bw["audit"], d / bw["audit"]
		}
	}' "$RESULTS"
	ev=$(stat_of "$CORPUS" events)
	for set in facts facts-duckdb; do
		[ -f "$BENCH_DIR/$set/manifest.parquet" ] || continue
		echo
		echo "fact set $BENCH_DIR/$set (rows and bytes per table; per million events of the corpus):"
		"$TOOLS/factrows" "$BENCH_DIR/$set" | awk -v ev="$ev" '{ printf "  %-16s %10d rows %12d bytes   %10.0f rows/M %12.0f bytes/M\n", $1, $2, $3, $2 * 1e6 / ev, $3 * 1e6 / ev }' || true
	done
	if [ -n "$cache_ready" ] && [ -d "$CACHE_DIR" ]; then
		echo
		echo "fact cache $CACHE_DIR after the warm runs (the whole corpus):"
		"$KEYAUDIT" cache info "$CACHE_DIR" | sed 's/^/  /' || true
		cb=$(du -sb "$CACHE_DIR" | cut -f1)
		printf '  on disk: %s bytes, %.1f MB per million events; gzip input %s bytes\n' "$cb" "$(awk "BEGIN{print $cb / 1e6 * 1e6 / $ev}")" "$(stat_of "$CORPUS" gzip_bytes)"
		printf '  held back and added before cache-warm-new: %s files, %s events\n' "$CACHE_NEW_FILES" "$CACHE_NEW_EVENTS"
	fi
	echo
	echo "findings against audit's (out/audit.csv):"
	if [ -f "$BENCH_DIR/facts-duckdb/manifest.parquet" ]; then
		"$KEYAUDIT" audit -q --as-of 2026-11-01 --facts "$BENCH_DIR/facts-duckdb" -f csv -o "$BENCH_DIR/out/audit-duckdb-facts.csv" || true
	fi
	for f in audit-base audit-facts audit-duckdb-facts cache-warm-new cache-warm; do
		[ -f "$BENCH_DIR/out/$f.csv" ] || continue
		if cmp -s "$BENCH_DIR/out/audit.csv" "$BENCH_DIR/out/$f.csv"; then
			echo "  $f: identical"
		else
			echo "  $f: DIFFERENT ($(diff "$BENCH_DIR/out/audit.csv" "$BENCH_DIR/out/$f.csv" | grep -c '^[<>]') lines differ)"
		fi
	done
	if [ -f "$BENCH_DIR/out/cache-cold.csv" ]; then
		cmp -s "$BENCH_DIR/out/cache-none.csv" "$BENCH_DIR/out/cache-cold.csv" && echo "  cache-cold: identical to cache-none" ||
			echo "  cache-cold: DIFFERENT from cache-none"
	fi
fi
if [ "${BENCH_DUCKDB:-1}" != 0 ] && [ "${BENCH_DUCKDB_FACTS:-1}" != 0 ] && ! grep -q '^duckdb-facts' "$RESULTS"; then
	echo
	echo "DUCKDB FACTS NOT MEASURED: DuckDB could not be run here or 'keyaudit sql' is missing (see the log above)."
fi
if [ -n "${BIG:-}" ]; then
	compare_outputs "$BIG.meta" "-x$SCALE"
fi
for form in union infer typed; do
	[ -f "$BENCH_DIR/out/duckdb-$form.tsv" ] && { echo "duckdb-$form:"; cat "$BENCH_DIR/out/duckdb-$form.tsv"; }
done
[ -f "$BENCH_DIR/gobench.txt" ] && { echo "go benchmarks:"; grep -E '^(Benchmark|ok|FAIL|---)' "$BENCH_DIR/gobench.txt" || true; }
echo "raw measurements: $RESULTS"
# The cache tree is hard links to the corpus: no space, but not a corpus.
rm -rf "$CACHE_TREE" "$CACHE_HELD"
