#!/usr/bin/env bash
# The cost of the session check, on one core: the server pinned to CPU 0 with one
# worker and one hashing thread, wrk (and PostgreSQL) on CPU 1, 64 connections.
# Compares, in one run per backend:
#   GET /api/v1/greeting without a cookie (no database),
#   GET /api/health (a pool checkout and a ping),
#   GET /api/v1/auth/me with a valid cookie (JWT + the session lookup), 64 sessions in
#   turn (benches/me_many.lua),
#   GET /api/v1/auth/me with a bearer token.
# Targets: /me >= 50 % of /api/health and >= 25 % of /greeting; /me p99 <= 3x health p99.
# It prints the CPU the server (and PostgreSQL) spend per /me (see docs/benchmarks.md).
# Usage: benches/session_check.sh [seconds-per-run] [sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
secs=${1:-10}
backends=${2:-both}
need wrk taskset curl python3
[ "$(nproc)" -ge 2 ] || { echo "session_check.sh: needs 2 CPUs" >&2; exit 1; }
cargo build --release --quiet

bench_work=$(mktemp -d /tmp/sekisho-bench.XXXXXX)
bench_pids=()
trap 'stop_servers; stop_postgres; rm -rf "$bench_work"' EXIT

run_backend() {
  local backend=$1 url=$2
  shift 2
  start_server "$backend" "$url" 0 WORKERS=1 HASHER_THREADS=1 "$@"
  local base=$server_url cookie token
  cookie=$(signup_cookie "$base" "bench@example.com")
  token=$(curl -sf -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"correct horse battery"}' \
    "$base/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -sf -o /dev/null -H "Cookie: access_token=$cookie" "$base/api/v1/auth/me" \
    || { echo "session_check.sh: the cookie does not authenticate /me" >&2; exit 1; }
  # 64 sessions of 64 users, so that the load is many sessions' checks, not one's.
  local cookies=$bench_work/$backend-cookies
  : >"$cookies"
  for i in $(seq 0 63); do signup_cookie "$base" "me$i@example.com" >>"$cookies"; done

  # A short warm-up fills the pool and every connection's statement cache.
  SESSION_COOKIES=$cookies load 1 2 64 "$base/api/v1/auth/me" -s benches/me_many.lua >/dev/null
  local greeting health me bearer
  greeting=$(load 1 "$secs" 64 "$base/api/v1/greeting")
  health=$(load 1 "$secs" 64 "$base/api/health")
  local before cpu
  before=$(cpu_snapshot)
  me=$(SESSION_COOKIES=$cookies load 1 "$secs" 64 "$base/api/v1/auth/me" -s benches/me_many.lua)
  local me_requests
  me_requests=$(python3 -c "print($(echo "$me" | rps) * $secs)")
  cpu=$(cpu_per_request "$before" "$(cpu_snapshot)" "$me_requests")
  bearer=$(load 1 "$secs" 64 "$base/api/v1/auth/me" -H "Authorization: Bearer $token")
  for out in "$greeting" "$health" "$me" "$bearer"; do
    [ "$(echo "$out" | non2xx)" = 0 ] || { echo "session_check.sh: non-2xx answers:" >&2; echo "$out" >&2; exit 1; }
  done
  local g h m b
  g=$(echo "$greeting" | rps); h=$(echo "$health" | rps); m=$(echo "$me" | rps); b=$(echo "$bearer" | rps)
  local hp mp
  hp=$(ms "$(echo "$health" | p99)"); mp=$(ms "$(echo "$me" | p99)")
  echo "== $backend${*:+ ($*)}, one core, 64 connections, ${secs}s each"
  printf '%-34s %10s req/s  p99 %s\n' "GET /api/v1/greeting (no cookie)" "$g" "$(echo "$greeting" | p99)"
  printf '%-34s %10s req/s  p99 %s\n' "GET /api/health" "$h" "$(echo "$health" | p99)"
  printf '%-34s %10s req/s  p99 %s\n' "GET /api/v1/auth/me (cookie)" "$m" "$(echo "$me" | p99)"
  printf '%-34s %10s req/s  p99 %s\n' "GET /api/v1/auth/me (bearer)" "$b" "$(echo "$bearer" | p99)"
  echo "$backend: me/health $(percent "$m" "$h")  me/greeting $(percent "$m" "$g")  me p99/health p99 $(ratio "$mp" "$hp")x"
  [ "$backend" = postgres ] || cpu=${cpu%%, PostgreSQL*}
  echo "$backend: CPU per /me (cookie): $cpu"
  local peak
  peak=$(awk '/VmHWM/ { print $2 }' "/proc/${bench_pids[-1]}/status")
  echo "$backend: server peak memory $((peak / 1024)) MiB"
  stop_servers
}

if [ "$backends" != postgres ]; then
  run_backend sqlite "sqlite://$bench_work/auth.db"
fi
if [ "$backends" != sqlite ]; then
  start_postgres 1
  run_backend postgres "$(fresh_pg_database sekisho_bench_check)"
fi
