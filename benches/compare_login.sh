#!/usr/bin/env bash
# Successful password logins per second before and after a change, in one run: two
# server binaries take turns (A B A B …), each on CPU 0 with one worker and one
# hashing thread, wrk on CPU 1 with 2 connections (below the hashing queue's bound,
# so every answer is a 200, not a shed 503). Prints each round and the median of
# new/old. A login is argon2id's time and little else: this shows whether a change
# added work around it.
# Usage: benches/compare_login.sh OLD_BINARY NEW_BINARY [seconds-per-run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
old=${1:?old binary}
new=${2:?new binary}
secs=${3:-8}
rounds=${4:-3}
need wrk taskset curl python3
bench_work=$(mktemp -d /tmp/sekisho-login.XXXXXX)
bench_pids=()
trap 'stop_servers; rm -rf "$bench_work"' EXIT
results=$bench_work/results
for round in $(seq "$rounds"); do
  for which in old new; do
    bin=$old
    [ "$which" = new ] && bin=$new
    SEKISHO_BIN=$bin start_server "$which-$round" "sqlite://$bench_work/$which-$round.db" 0 \
      WORKERS=1 HASHER_THREADS=1
    signup_cookie "$server_url" "bench@example.com" >/dev/null
    out=$(taskset -c 1 wrk -t1 -c2 -d"${secs}s" -s benches/login.lua "$server_url/api/v1/auth/login")
    stop_servers
    bench_pids=()
    [ "$(echo "$out" | non2xx)" = 0 ] || { echo "compare_login.sh: non-2xx answers:" >&2; echo "$out" >&2; exit 1; }
    rate=$(echo "$out" | rps)
    echo "round $round $which: $rate logins/s"
    echo "$round $which $rate" >>"$results"
  done
done
python3 - "$results" <<'PY'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    r, which, rate = line.split()
    by.setdefault(r, {})[which] = float(rate)
ratios = [v["new"] / v["old"] for v in by.values()]
print(f"new/old logins: median {statistics.median(ratios):.3f} (rounds: {', '.join(f'{x:.3f}' for x in ratios)})")
PY
