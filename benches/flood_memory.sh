#!/usr/bin/env bash
# Whether memory goes back after floods, with glibc's malloc as configured by default
# and with its arenas limited (GLIBC_TUNABLES=glibc.malloc.arena_max=2), in one run:
# the server's RSS at rest, at its peak, and 10 s after each flood ends
#   1. 5,000 connections with unfinished chunked bodies (benches/socket_flood.py)
#   2. a 64-connection login flood (wrk, limits off)
# Usage: benches/flood_memory.sh [seconds-per-login-flood]
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
secs=${1:-10}
need wrk curl python3
if [ -z "${SEKISHO_BIN:-}" ]; then
  cargo build --release --quiet
fi
bench_work=$(mktemp -d /tmp/sekisho-bench.XXXXXX)
bench_pids=()
trap 'stop_servers; rm -rf "$bench_work"' EXIT

rss_mib() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
peak_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

for malloc in default arena_max=2; do
  if [ "$malloc" = default ]; then tunables=; else tunables="glibc.malloc.$malloc"; fi
  start_server "mem-${malloc%%=*}" "sqlite://$bench_work/${malloc%%=*}.db" 0 \
    BODY_TIMEOUT_SECONDS=1 GLIBC_TUNABLES="$tunables"
  pid=${bench_pids[-1]}
  signup_cookie "$server_url" "bench@example.com" >/dev/null
  rest=$(rss_mib "$pid")
  port=${server_url##*:}
  flood=$(taskset -c 1 python3 benches/socket_flood.py 127.0.0.1 "$port" 5000)
  sleep 10
  after_sockets=$(rss_mib "$pid")
  load 1 "$secs" 64 "$server_url/api/v1/auth/login" -s benches/login.lua >/dev/null
  sleep 10
  after_logins=$(rss_mib "$pid")
  echo "malloc $malloc: at rest $rest MiB; $flood; 10 s after it $after_sockets MiB;" \
    "10 s after a ${secs} s login flood $after_logins MiB; peak $(peak_mib "$pid") MiB"
done
