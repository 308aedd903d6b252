#!/usr/bin/env bash
# Instructions the server spends on one GET /api/v1/auth/me (cookie) and one GET
# /api/health, counted by valgrind's callgrind rather than timed: the count does not
# move with what else the machine is doing, so two binaries compare to a few tenths
# of a percent where wrk's rates move by ten. Each binary serves N and then N+1000
# requests of each kind on one kept-alive connection (one worker, SQLite); the
# difference over 1000 is the cost of a request, start-up and warm-up excluded.
# Usage: benches/me_instructions.sh BINARY [BINARY...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "me_instructions.sh: needs valgrind" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: benches/me_instructions.sh BINARY [BINARY...]" >&2; exit 2; }
work=$(mktemp -d /tmp/sekisho-instructions.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Total instructions of one server run that answers `count` requests of `path`.
instructions() {
  local binary=$1 path=$2 count=$3 run=$work/run-$RANDOM
  mkdir -p "$run"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  env -i PATH="$PATH" DATABASE_URL="sqlite://$run/auth.db" DATA_DIR="$run" \
    BIND="127.0.0.1:$port" SECRET_KEY="instructions-secret-key-that-is-long-enough" \
    RATE_LIMIT_ENABLED=false RUST_LOG=warn WORKERS=1 HASHER_THREADS=1 \
    valgrind --tool=callgrind --callgrind-out-file="$run/out" "$binary" >"$run/log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do
    curl -fs "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  python3 - "$port" "$path" "$count" <<'PY'
import http.client, json, sys
port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
body = json.dumps({"email": "me@example.com", "password": "correct horse battery"})
conn.request("POST", "/api/v1/auth/signup", body, {"Content-Type": "application/json"})
answer = conn.getresponse()
answer.read()
cookie = answer.getheader("Set-Cookie").split(";")[0]
for _ in range(count):
    conn.request("GET", path, headers={"Cookie": cookie})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
PY
  kill -TERM "$pid"
  wait "$pid" || true
  awk '/^summary:|^totals:/ { print $2; exit }' "$run/out"
}

for binary in "$@"; do
  for path in /api/v1/auth/me /api/health; do
    low=$(instructions "$binary" "$path" 200)
    high=$(instructions "$binary" "$path" 1200)
    echo "$binary $path: $(( (high - low) / 1000 )) instructions a request"
  done
done
