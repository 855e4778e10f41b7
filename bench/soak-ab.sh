#!/bin/bash
# bench/soak.ts for several gateway specs, repeated: bench/soak-ab.sh RUNS SPEC...
# e.g. bench/soak-ab.sh 5 "lean+main=/tmp/base/main.js" "lean"   (another build against this one)
# Each run soaks every spec once (one gateway each, both dialects), in an order that alternates between runs, so
# a busy spell of this shared machine does not always fall on the same spec. Prints, per spec and dialect, the
# max RSS (MiB) of every run, their median, and how many runs had every stream complete and in order.
set -uo pipefail
runs=$1; shift
for r in $(seq 1 "$runs"); do
  if (( r % 2 )); then specs=("$@"); else mapfile -t specs < <(printf '%s\n' "$@" | tac); fi
  for spec in "${specs[@]}"; do
    SOAK_GATEWAY="$spec" npx tsx bench/soak.ts 2>/dev/null |
      awk -v spec="$spec" -v streams="${SOAK_STREAMS:-1000}" -F'|' '/^\| (openai|anthropic) / {
        gsub(/ /, "", $2); gsub(/ /, "", $4); gsub(/ /, "", $7); print spec "\t" $2 "\t" $7 "\t" ($4 == streams) }'
  done
done | awk -F'\t' '
  { key = $1 " | " $2; rss[key] = rss[key] " " $3; n[key]++; ok[key] += $4 }
  END {
    for (key in rss) {
      count = split(substr(rss[key], 2), values, " ")
      for (i = 2; i <= count; i++) for (j = i; j > 1 && values[j - 1] + 0 > values[j] + 0; j--) {
        swap = values[j]; values[j] = values[j - 1]; values[j - 1] = swap
      }
      median = count % 2 ? values[(count + 1) / 2] : (values[count / 2] + values[count / 2 + 1]) / 2
      printf "%s | max RSS MiB:%s | median %s | all streams ok in %d of %d runs\n", key, rss[key], median, ok[key], n[key]
    }
  }' | sort
