#!/usr/bin/env bash
# How the admin panel's user list holds up with 100,000 users (SQLite): times the
# first page, a deep page, a search and a status filter, as an operator sees them.
# Usage: benches/admin_pages.sh [users]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
command -v sqlite3 >/dev/null || { echo "admin_pages.sh: sqlite3 is not installed" >&2; exit 1; }
cargo build --release --quiet
work=$(mktemp -d /tmp/sekisho-admin-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
env DATABASE_URL="sqlite://$work/auth.db" DATA_DIR="$work/data" BIND="127.0.0.1:$port" \
  SECRET_KEY="bench-secret-key-0123456789abcdef0123456789" RUST_LOG=warn \
  ADMIN_EMAIL=ops@example.com ADMIN_PASSWORD="operator password 1" \
  ./target/release/sekisho serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.2; done

sqlite3 "$work/auth.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO users (id, email, name, password_hash, email_verified, role, disabled_at, created_at, updated_at)
SELECT printf('00000000-0000-4000-8000-%012d', i), printf('user%06d@example.com', i), printf('User %d', i), '!', 0, 'user',
       CASE WHEN i % 50 = 0 THEN datetime('now') END,
       datetime('now', printf('-%d seconds', i)), datetime('now', printf('-%d seconds', i))
FROM n;
SQL

jar="$work/jar"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/admin/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=ops@example.com" \
  --data-urlencode "password=operator password 1" --data-urlencode "csrf_token=$csrf" "$base/admin/login"
time_page() {
  local best=999
  for _ in 1 2 3 4 5; do
    t=$(curl -s -o /dev/null -w '%{time_total}' -b "$jar" "$base$1")
    best=$(python3 -c "print(min($best, $t))")
  done
  printf '%-48s best of 5: %6.1f ms\n' "$1" "$(python3 -c "print($best * 1000)")"
}
echo "== admin pages with $count users"
time_page "/admin"
time_page "/admin/users"
time_page "/admin/users?page=2000"
time_page "/admin/users?q=user0999"
time_page "/admin/users?q=User%2099999"
time_page "/admin/users?status=disabled"
time_page "/admin/sessions"
time_page "/admin/audit"
