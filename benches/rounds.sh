#!/usr/bin/env bash
# Interleaved rounds: the side-by-side method of docs/performance.md as one
# command, so that a table can be measured again exactly as it was.
#
#   cargo build -p looplet-bench --release --examples   # from the repository root, first
#   bash benches/rounds.sh                      # ten rounds of the five core workloads
#   bash benches/rounds.sh 10 spawn_one yield_many   # any workloads of scaling or peer_suites
#   bash benches/rounds.sh --table raw.txt      # the table of raw lines kept from a run
#
# In each round every workload runs on every runtime, one process each
# (`scaling` or `peer_suites`, 100,000 elements, 11 runs; 5 for
# timers_fire), the runtimes' order rotated from round to round. The raw
# lines go to stderr as they come; the table on stdout gives, per
# workload, each runtime's median over the rounds, and looplet's ratio to
# tokio and to the best peer taken *inside each round* (looplet's median
# over the peer's, same round), their median first and each round's after.
# Plain bash and POSIX awk: nothing to install.
set -euo pipefail

table() {
  awk '
function median(list,   v, n, i, j, t) {
  n = split(list, v, " ")
  for (i = 2; i <= n; i++)            # insertion sort: ten values or so
    for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
  return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function rounded(list,   v, n, i, out) {   # "0.25, 0.26, ...": the rounds as printed
  n = split(list, v, " ")
  for (i = 1; i <= n; i++) out = out (i > 1 ? ", " : "") sprintf("%.2f", v[i])
  return out
}
NF >= 6 { ns[$2, $3, $1] = $5; all[$2, $3] = all[$2, $3] " " $5
  if (!(($2) in seen)) { seen[$2] = 1; order[++nw] = $2 }
  if ($1 + 0 > last) last = $1 + 0 }
END {
  print "| workload | looplet | tokio | async-executor | futures | looplet / tokio (median; each round) | looplet / best peer (median; each round) |"
  print "|---|---:|---:|---:|---:|---|---|"
  split("tokio async-executor futures", peer, " ")
  for (i = 1; i <= nw; i++) {
    w = order[i]; best = ""
    for (p = 1; p <= 3; p++) {
      m[peer[p]] = median(all[w, peer[p]])
      if (best == "" || m[peer[p]] < m[best]) best = peer[p]
    }
    tok = ""; bp = ""                     # the ratio of each round, unrounded
    for (r = 1; r <= last; r++) {
      tok = tok " " ns[w, "looplet", r] / ns[w, "tokio", r]
      bp = bp " " ns[w, "looplet", r] / ns[w, best, r]
    }
    printf "| %s | %.0f | %.0f | %.0f | %.0f | **%.2f** (%s) | **%.2f** (%s; %s) |\n", w,
      median(all[w, "looplet"]), m["tokio"], m["async-executor"], m["futures"],
      median(tok), rounded(tok), median(bp), rounded(bp), best
  }
}' "$1"
}

if [ "${1:-}" = --table ]; then
  table "$2"
  exit
fi

rounds=${1:-10}
shift || true
workloads=("$@")
if [ ${#workloads[@]} -eq 0 ]; then
  workloads=(spawn_join event_fanout ping_pong timers_fire timers_cancel)
fi
bin=${CARGO_TARGET_DIR:-target}/release/examples
runtimes=(looplet tokio async-executor futures)

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for round in $(seq "$rounds"); do
  for w in "${workloads[@]}"; do
    case $w in
      spawn_one | spawn_many_local | spawn_recursively | yield_many) exe=$bin/peer_suites ;;
      *) exe=$bin/scaling ;;
    esac
    runs=11
    [ "$w" = timers_fire ] && runs=5
    for k in 0 1 2 3; do
      rt=${runtimes[$(((k + round) % 4))]}
      # "WORKLOAD RUNTIME N MEDIAN MIN", prefixed with the round; a run
      # that fails (say, the binaries not built) stops the script here
      line=$("$exe" "$w" "$rt" 100000 "$runs")
      echo "$round $line" | tee -a "$raw" >&2
    done
  done
done

table "$raw"
