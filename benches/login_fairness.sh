#!/usr/bin/env bash
# Other users' logins while one account is flooded, limits on, ratios in one run:
#   1. p99 of twenty other users' logins (2 connections) with the server idle
#   2. the same while wrong passwords for one account arrive from ever-new addresses
#      (each address stays far under its own limits: only the account-wide turns and
#      the hashing lanes can protect anyone)
# The server is pinned to CPU 0 with one worker and one hashing thread, wrk to CPU 1.
# Target: p99 during the flood within 2x the idle p99.
# Usage: benches/login_fairness.sh [seconds-per-run] [flood connections] [ms between a
# connection's requests]; SEKISHO_BIN runs another build (to compare with an older one).
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
secs=${1:-10}
flood_conns=${2:-16}
export FLOOD_DELAY_MS=${3:-100}
need wrk curl python3
if [ -z "${SEKISHO_BIN:-}" ]; then
  cargo build --release --quiet
fi

metrics_token=bench-metrics-token-0123456789
bench_work=$(mktemp -d /tmp/sekisho-bench.XXXXXX)
bench_pids=()
trap 'stop_servers; rm -rf "$bench_work"' EXIT
start_server fairness "sqlite://$bench_work/auth.db" 0 \
  RATE_LIMIT_ENABLED=true TRUSTED_PROXIES=127.0.0.1 WORKERS=1 HASHER_THREADS=1 \
  METRICS_TOKEN="$metrics_token"
base=$server_url

# Sign-ups from distinct addresses: one address may sign up ten accounts an hour.
for n in $(seq 0 19) victim; do
  email=$([ "$n" = victim ] && echo victim || echo "user$n")@example.com
  curl -sf -o /dev/null -H 'Content-Type: application/json' -H "X-Forwarded-For: 10.0.0.$((RANDOM % 250 + 1))" \
    -d "{\"email\":\"$email\",\"password\":\"correct horse battery\"}" "$base/api/v1/auth/signup"
done

login_probe() {
  load 1 "$1" 2 "$base/api/v1/auth/login" -s benches/login_others.lua
}

echo "== other users' logins, server idle"
idle=$(login_probe "$secs")
echo "logins: $(echo "$idle" | rps) per s, p99 $(echo "$idle" | p99), non-2xx $(echo "$idle" | non2xx)"

echo "== the same while one account is flooded ($flood_conns connections, one request each per ${FLOOD_DELAY_MS} ms)"
load 1 "$((secs + 2))" "$flood_conns" "$base/api/v1/auth/login" -s benches/login_victim.lua >"$bench_work/flood.txt" &
flood=$!
sleep 1
busy=$(login_probe "$secs")
wait $flood
echo "logins: $(echo "$busy" | rps) per s, p99 $(echo "$busy" | p99), non-2xx $(echo "$busy" | non2xx)"
flood_out=$(cat "$bench_work/flood.txt")
echo "flood: $(echo "$flood_out" | awk '/requests in/ { print $1 }') guesses, $(echo "$flood_out" | non2xx) answered non-2xx"
hashed=$(curl -sf -H "Authorization: Bearer $metrics_token" "$base/metrics" | awk '/^sekisho_login_failures_total/ { print $2 }')
echo "wrong passwords hashed (the flood's, all told): $hashed"
echo "p99 during the flood / idle p99 = $(ratio "$(ms "$(echo "$busy" | p99)")" "$(ms "$(echo "$idle" | p99)")")x (target <= 2x)"
