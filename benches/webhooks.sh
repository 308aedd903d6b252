#!/usr/bin/env bash
# Webhooks, one run on SQLite (or PostgreSQL with `postgres` as the first argument):
#  1. Delivery: wrk PATCHes a user through the management API (each call commits a
#     user.updated event) for SECONDS while a local receiver (benches/webhook_receiver.py)
#     answers 204; prints events committed per second, events delivered per second (first
#     to last arrival), and commit-to-delivery latency p50/p99 (the body's timestamp to
#     its arrival).
#  2. Login with an endpoint subscribed to session.created against none: the same binary
#     in both, taking turns; prints the median ratio (with / without).
# The server runs on CPU 0 (one worker, one hashing thread); wrk, the receiver and
# PostgreSQL on CPU 1.
# Usage: benches/webhooks.sh [sqlite|postgres] [seconds] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
backend=${1:-sqlite}
secs=${2:-10}
rounds=${3:-3}
need wrk taskset curl python3
bench_work=$(mktemp -d /tmp/sekisho-webhooks.XXXXXX)
bench_pids=()
receiver_pid=
trap 'stop_servers; [ -z "$receiver_pid" ] || kill "$receiver_pid" 2>/dev/null; stop_postgres; rm -rf "$bench_work"' EXIT
bin=${SEKISHO_BIN:-./target/release/sekisho}
[ "$backend" = postgres ] && start_postgres 1

database() {
  case $backend in
    sqlite) echo "sqlite://$bench_work/$1.db" ;;
    postgres) fresh_pg_database "$1" ;;
  esac
}

# key NAME DATABASE_URL: a management key with every scope the bench needs.
key() {
  DATABASE_URL=$2 SECRET_KEY=$bench_secret DATA_DIR="$bench_work/$1-data" \
    "$bin" management-key create "$1" --scopes webhooks:write,users:write 2>/dev/null
}

# subscribe BASE KEY URL EVENTS_JSON
subscribe() {
  curl -sf -H "authorization: Bearer $2" -H 'content-type: application/json' \
    -d "{\"url\":\"$3\",\"events\":$4}" "$1/api/v1/admin/webhooks" >/dev/null
}

start_receiver() {
  receiver_port=$(free_port)
  taskset -c 1 python3 benches/webhook_receiver.py "$receiver_port" "$1" &
  receiver_pid=$!
  sleep 0.5
}

stop_receiver() {
  kill -TERM "$receiver_pid"
  wait "$receiver_pid" || true
  receiver_pid=
}

# 1. Delivery.
db=$(database delivery)
start_server delivery "$db" 0 WORKERS=1 HASHER_THREADS=1
bench_key=$(key delivery "$db")
user_json=$(curl -sf -H "authorization: Bearer $bench_key" -H 'content-type: application/json' \
  -d '{"email":"patched@example.com","password":"correct horse battery"}' "$server_url/api/v1/admin/users")
bench_user=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["user"]["id"])' "$user_json")
start_receiver "$bench_work/latencies"
subscribe "$server_url" "$bench_key" "http://127.0.0.1:$receiver_port/hook" '["user.updated"]'
out=$(BENCH_KEY=$bench_key BENCH_USER=$bench_user taskset -c 1 wrk -t1 -c4 -d"${secs}s" \
  -s benches/patch_user.lua "$server_url")
[ "$(echo "$out" | non2xx)" = 0 ] || { echo "webhooks.sh: non-2xx answers:" >&2; echo "$out" >&2; exit 1; }
# Let the backlog drain: until every delivery has settled.
pending_deliveries() {
  case $backend in
    sqlite) python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM webhook_deliveries WHERE status <> '"'"'delivered'"'"'").fetchone()[0])' "${db#sqlite://}" ;;
    postgres) psql -qtA "$db" -c "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered'" ;;
  esac
}
for _ in $(seq 240); do
  [ "$(pending_deliveries)" = 0 ] && break
  sleep 0.5
done
[ "$(pending_deliveries)" = 0 ] || echo "webhooks.sh: $(pending_deliveries) deliveries not delivered after 2 minutes" >&2
# Two calls racing to the same name change nothing the second time: count the events.
case $backend in
  sqlite) committed=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0])' "${db#sqlite://}") ;;
  postgres) committed=$(psql -qtA "$db" -c "SELECT COUNT(*) FROM webhook_events") ;;
esac
stop_receiver
stop_servers
python3 - "$bench_work/latencies" "$committed" "$secs" <<'PY'
import statistics, sys
lines = open(sys.argv[1]).read().split("\n")
count, span = lines[0][2:].split()
ms = sorted(float(x) for x in lines[1:] if x)
committed, secs = int(sys.argv[2]), float(sys.argv[3])
q = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
print(f"delivery: {committed} events committed in {secs:.0f} s ({committed / secs:.0f}/s); "
      f"{len(ms)} delivered, {len(ms) / float(span):.0f}/s first to last arrival; "
      f"commit to delivery p50 {q(0.50):.1f} ms, p99 {q(0.99):.1f} ms")
assert len(ms) == committed, f"{committed} committed, {len(ms)} delivered"
PY

# 2. Login with and without a subscription to session.created.
results=$bench_work/login
for round in $(seq "$rounds"); do
  for which in without with; do
    db=$(database "login_${which}_$round")
    start_server "login-$which-$round" "$db" 0 WORKERS=1 HASHER_THREADS=1
    signup_cookie "$server_url" "bench@example.com" >/dev/null
    if [ "$which" = with ]; then
      start_receiver "$bench_work/login-latencies-$round"
      subscribe "$server_url" "$(key "login-$round" "$db")" \
        "http://127.0.0.1:$receiver_port/hook" '["session.created"]'
    fi
    out=$(taskset -c 1 wrk -t1 -c2 -d"${secs}s" -s benches/login.lua "$server_url/api/v1/auth/login")
    stop_servers
    [ "$which" = with ] && stop_receiver
    [ "$(echo "$out" | non2xx)" = 0 ] || { echo "webhooks.sh: non-2xx answers:" >&2; echo "$out" >&2; exit 1; }
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
ratios = [v["with"] / v["without"] for v in by.values()]
print(f"login with a session.created subscription / without: median {statistics.median(ratios):.3f} "
      f"(rounds: {', '.join(f'{x:.3f}' for x in ratios)})")
PY
