#!/usr/bin/env bash
# Sekisho's throughput benchmarks, all on one server process in one run, reported as
# ratios (the machines are shared and noisy; absolute figures mean little):
#   1. GET /api/v1/auth/me with a valid cookie vs GET /api/health (64 connections)
#   2. POST /api/v1/auth/login rate vs the raw argon2id rate of the same cores
#   3. the server's peak memory (VmHWM) under a login flood
#   4. /api/health p99 while the login flood runs
# Needs wrk (apt-get install wrk). Usage: benches/login_memory.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "bench.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

cargo build --release --quiet
cargo bench --quiet --bench argon2_rate --no-run >/dev/null 2>&1 || true

work=$(mktemp -d /tmp/sekisho-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
DATABASE_URL="sqlite://$work/auth.db" DATA_DIR="$work/data" BIND="127.0.0.1:$port" \
  SECRET_KEY="bench-secret-key-0123456789abcdef0123456789" RATE_LIMIT_ENABLED=false RUST_LOG=warn \
  ./target/release/sekisho serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.2; done

curl -sf -c "$work/jar" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"correct horse battery"}' \
  "$base/api/v1/auth/signup" >/dev/null
cookie=$(awk '$6 == "access_token" { print $7 }' "$work/jar")

rps() { awk '/Requests\/sec/ { print $2 }'; }
p99() { awk '$1 == "99%" { print $2 }'; }

echo "== GET /api/health vs GET /api/v1/auth/me, 64 connections, ${secs}s each"
health_out=$(wrk -t2 -c64 -d"${secs}s" --latency "$base/api/health")
me_out=$(wrk -t2 -c64 -d"${secs}s" --latency -H "Cookie: access_token=$cookie" "$base/api/v1/auth/me")
health_rps=$(echo "$health_out" | rps); me_rps=$(echo "$me_out" | rps)
echo "health: $health_rps req/s, p99 $(echo "$health_out" | p99)"
echo "me:     $me_rps req/s, p99 $(echo "$me_out" | p99)"
grep -q " 200 " <(curl -s -o /dev/null -w " %{http_code} " -H "Cookie: access_token=$cookie" "$base/api/v1/auth/me") \
  || { echo "the cookie did not authenticate /me" >&2; exit 1; }
echo "me/health = $(python3 -c "print(f'{$me_rps / $health_rps:.1%}')")"

cores=$(nproc)
echo "== raw argon2id rate on $cores threads"
argon=$(cargo bench --quiet --bench argon2_rate -- "$cores" "$secs" | awk '{ print $NF }')
echo "argon2id: $argon verifications/s"

echo "== login flood (64 connections)"
wrk -t1 -c64 -d"${secs}s" -s benches/login.lua "$base/api/v1/auth/login" >"$work/login.txt"
login_rps=$(rps <"$work/login.txt")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/login.txt")
echo "login: $login_rps req/s (non-2xx: ${non2xx:-0})"
echo "login/argon2 = $(python3 -c "print(f'{$login_rps / $argon:.1%}')")"

echo "== /api/health on one connection while a login flood runs"
wrk -t1 -c64 -d"${secs}s" -s benches/login.lua "$base/api/v1/auth/login" >/dev/null &
flood=$!
sleep 1
probe_out=$(wrk -t1 -c1 -d"$((secs - 2))s" --latency "$base/api/health")
wait $flood
echo "/api/health during the flood: $(echo "$probe_out" | rps) req/s, p99 $(echo "$probe_out" | p99)"
peak_kib=$(awk '/VmHWM/ { print $2 }' "/proc/$server/status")
echo "peak memory of the server (VmHWM, whole run): $((peak_kib / 1024)) MiB"
