#!/usr/bin/env bash
# Logins and memory on every core, one server process, ratios in one run (the
# machines are shared and noisy; absolute figures mean little):
#   1. POST /api/v1/auth/login rate vs the raw argon2id rate of the same cores
#   2. /api/health p99 on one connection while a login flood runs
#   3. the server's peak memory (VmHWM) over the run
# (/me against /api/health is benches/session_check.sh, on one core.)
# Usage: benches/login_memory.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
secs=${1:-10}
need wrk curl python3
cargo build --release --quiet
cargo bench --quiet --bench argon2_rate --no-run >/dev/null 2>&1 || true

bench_work=$(mktemp -d /tmp/sekisho-bench.XXXXXX)
bench_pids=()
trap 'stop_servers; rm -rf "$bench_work"' EXIT
all_cpus="0-$(($(nproc) - 1))"
start_server login "sqlite://$bench_work/auth.db" "$all_cpus"
base=$server_url
signup_cookie "$base" "bench@example.com" >/dev/null

cores=$(nproc)
echo "== raw argon2id rate on $cores threads"
argon=$(cargo bench --quiet --bench argon2_rate -- "$cores" "$secs" | awk '{ print $NF }')
echo "argon2id: $argon verifications/s"

echo "== login flood (64 connections)"
login_out=$(load "$all_cpus" "$secs" 64 "$base/api/v1/auth/login" -s benches/login.lua)
login_rps=$(echo "$login_out" | rps)
echo "login: $login_rps req/s (non-2xx: $(echo "$login_out" | non2xx))"
echo "login/argon2 = $(percent "$login_rps" "$argon")"

echo "== /api/health on one connection while a login flood runs"
load "$all_cpus" "$secs" 64 "$base/api/v1/auth/login" -s benches/login.lua >/dev/null &
flood=$!
sleep 1
probe_out=$(load "$all_cpus" "$((secs - 2))" 1 "$base/api/health")
wait $flood
echo "/api/health during the flood: $(echo "$probe_out" | rps) req/s, p99 $(echo "$probe_out" | p99)"
peak_kib=$(awk '/VmHWM/ { print $2 }' "/proc/${bench_pids[0]}/status")
echo "peak memory of the server (VmHWM, whole run): $((peak_kib / 1024)) MiB"
