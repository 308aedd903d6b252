#!/usr/bin/env bash
# /me before and after a change, in one run: two server binaries take turns (A B A B
# …), each measured by session_check.sh on SQLite (server on CPU 0, wrk on CPU 1), so
# the machine's drift falls on both alike. Prints each round's /me and /api/health
# rates and the median of new/old for /me and for me/health.
# Build the old one from a worktree, e.g.:
#   git worktree add /tmp/before <commit> && (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release)
# Usage: benches/compare_me.sh OLD_BINARY NEW_BINARY [seconds-per-run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?old binary}
new=${2:?new binary}
secs=${3:-5}
rounds=${4:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq "$rounds"); do
  for which in old new; do
    bin=$old
    [ "$which" = new ] && bin=$new
    SEKISHO_BIN=$bin benches/session_check.sh "$secs" sqlite >"$out.run" 2>&1 \
      || { cat "$out.run" >&2; exit 1; }
    me=$(awk '/GET \/api\/v1\/auth\/me \(cookie\)/ { print $(NF-3) }' "$out.run")
    health=$(awk '/GET \/api\/health/ { print $(NF-3) }' "$out.run")
    echo "round $round $which: /me $me req/s, /api/health $health req/s"
    echo "$round $which $me $health" >>"$out"
  done
done
python3 - "$out" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
by = {}
for r, which, me, health in rows:
    by.setdefault(r, {})[which] = (float(me), float(health))
me_ratio = [v["new"][0] / v["old"][0] for v in by.values()]
rel_ratio = [(v["new"][0] / v["new"][1]) / (v["old"][0] / v["old"][1]) for v in by.values()]
print(f"new/old /me: median {statistics.median(me_ratio):.3f} (rounds: {', '.join(f'{x:.3f}' for x in me_ratio)})")
print(f"new/old me/health: median {statistics.median(rel_ratio):.3f}")
PY
