#!/usr/bin/env bash
# Runs every benchmark program in BENCH_DIR (corio's and the peers'), alternating them
# repetition by repetition as bench-spec.md asks, then prints per workload and worker count
# the median of each runtime and its ratio to corio (peer / corio: > 1 means corio is
# faster for time metrics).
#   bash bench/run_all.sh BENCH_DIR [REPS]
set -euo pipefail
dir=${1:?usage: run_all.sh BENCH_DIR [REPS]}
reps=${2:-5}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

programs=$(cd "$dir" && ls b[0-9][0-9]_* 2>/dev/null | sort)
workloads=$(echo "$programs" | grep -oE '^b[0-9]+' | sort -u)
for w in $workloads; do
  for ((r = 1; r <= reps; r++)); do
    for p in $(echo "$programs" | grep "^${w}_"); do
      "$dir/$p" --reps 1 | tee -a "$results"
    done
  done
done

echo
echo "Medians of $reps runs (ratio = runtime's median / corio's median of the same metric):"
awk '
  $1 == "RESULT" {
    key = $2 " " $4; runtime = $3
    metric = $7; split(metric, kv, "=")
    name[key] = kv[1]; vals[key, runtime] = vals[key, runtime] " " kv[2]
    runtimes[key] = runtimes[key] (index(runtimes[key], " " runtime " ") ? "" : " " runtime " ")
  }
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    for (key in name) {
      base = median(vals[key, "corio"])
      n = split(runtimes[key], rs, " ")
      for (i = 1; i <= n; i++) {
        if (rs[i] == "") continue
        m = median(vals[key, rs[i]])
        printf "%-32s %-6s %s=%-12.3f ratio=%.2f\n", key, rs[i], name[key], m, (base > 0 ? m / base : 0)
      }
    }
  }' "$results" | sort
