#!/bin/bash
# An A/B of gateway specs on one cell of bench/run.ts, repeated: bench/ab.sh MODE CONCURRENCY RUNS SPEC...
# e.g. bench/ab.sh stream 16 4 "lean+node=" "lean"   (without and with the Node flags of npm start)
# Each run starts every gateway, warms it with one 3 s cell, then measures a second; the order of the specs
# alternates between runs, so a slow spell of this shared machine does not always fall on the same spec.
# Prints, per spec, the gateway CPU ms per request and RSS MiB of every run.
set -euo pipefail
mode=$1; c=$2; runs=$3; shift 3
for r in $(seq 1 $runs); do
  if (( r % 2 )); then specs=$(IFS=,; echo "$*"); else specs=$(printf '%s\n' "$@" | tac | paste -sd,); fi
  BENCH_PEER=none BENCH_SWEEP_DELTAS= BENCH_SECONDS=3 BENCH_ROUNDS=1 BENCH_CONCURRENCY=$c,$c BENCH_MODES=$mode BENCH_TRANSPORTS="$specs" npx tsx bench/run.ts 2>/dev/null | grep -E "^\| [a-z].* \| aegis" | tail -n $#
done | awk -F'|' '{gsub(/^ +| +$/,"",$4); cpu[$4]=cpu[$4]" "$9; rss[$4]=rss[$4]" "$10} END {for (k in cpu) print k, "| cpu:", cpu[k], "| rss:", rss[k]}'
