# Helpers shared by the benchmark scripts (sourced, not run).
# Servers run from target/release with rate limits off and a fixed secret, each on the
# CPUs it is given (taskset), so that load generator and server do not share a core.

bench_secret="bench-secret-key-0123456789abcdef0123456789"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is not installed (apt-get install -y $tool)" >&2; exit 1; }
  done
}

# start_server NAME DATABASE_URL CPUS [ENV=VALUE...]: starts `sekisho serve` pinned to
# CPUS; sets $server_url and appends the pid to $bench_pids.
start_server() {
  local name=$1 url=$2 cpus=$3
  shift 3
  local port
  port=$(free_port)
  taskset -c "$cpus" env DATABASE_URL="$url" DATA_DIR="$bench_work/$name-data" \
    BIND="127.0.0.1:$port" SECRET_KEY="$bench_secret" RATE_LIMIT_ENABLED=false RUST_LOG=warn \
    "$@" "${SEKISHO_BIN:-./target/release/sekisho}" serve >"$bench_work/$name.log" 2>&1 &
  bench_pids+=("$!")
  server_url="http://127.0.0.1:$port"
  for _ in $(seq 100); do
    curl -sf "$server_url/api/health" >/dev/null && return 0
    sleep 0.2
  done
  echo "bench: $name did not start; its log:" >&2
  cat "$bench_work/$name.log" >&2
  exit 1
}

stop_servers() {
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bench_pids=()
}

# signup_cookie BASE EMAIL: signs a user up (or in, when it exists) and prints its
# session cookie's value.
signup_cookie() {
  local base=$1 email=$2 jar
  jar=$(mktemp "$bench_work/jar.XXXXXX")
  local body="{\"email\":\"$email\",\"password\":\"correct horse battery\"}"
  curl -sf -c "$jar" -H 'Content-Type: application/json' -d "$body" "$base/api/v1/auth/signup" >/dev/null \
    || curl -sf -c "$jar" -H 'Content-Type: application/json' -d "$body" "$base/api/v1/auth/login" >/dev/null
  awk '$6 == "access_token" { print $7 }' "$jar"
}

# load CPUS SECONDS CONNECTIONS URL [wrk args...]: wrk pinned to CPUS, its report on stdout.
load() {
  local cpus=$1 secs=$2 conns=$3 url=$4
  shift 4
  taskset -c "$cpus" wrk -t1 -c"$conns" -d"${secs}s" --latency "$@" "$url"
}

rps() { awk '/Requests\/sec/ { print $2 }'; }
p99() { awk '$1 == "99%" { print $2 }'; }
non2xx() { awk '/Non-2xx/ { n = $NF } END { print n + 0 }'; }

# ms DURATION: wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds.
ms() {
  python3 -c "
import sys
v = sys.argv[1]
for unit, f in (('us', 0.001), ('ms', 1), ('s', 1000)):
    if v.endswith(unit) and v[:-len(unit)].replace('.', '', 1).isdigit():
        print(float(v[:-len(unit)]) * f); break
" "$1"
}

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
percent() { python3 -c "print(f'{$1 / $2:.1%}')"; }

# start_postgres: a throwaway cluster (.ci/start-postgres) unless
# SEKISHO_BENCH_POSTGRES_URL names one; sets $pg_url. Its processes are pinned to
# $1 (the load generator's CPU), so that the server's core stays its own.
start_postgres() {
  local cpus=$1
  if [ -n "${SEKISHO_BENCH_POSTGRES_URL:-}" ]; then
    pg_url=$SEKISHO_BENCH_POSTGRES_URL
    return 0
  fi
  local dir
  dir=$(mktemp -d /tmp/sekisho-bench-pg.XXXXXX)
  pg_url=$(.ci/start-postgres "$dir" 2>"$bench_work/pg-start.log") \
    || { cat "$bench_work/pg-start.log" >&2; exit 1; }
  pg_dir=$dir
  taskset -a -cp "$cpus" "$(head -n 1 "$dir/data/postmaster.pid")" >/dev/null
}

stop_postgres() {
  [ -n "${pg_dir:-}" ] || return 0
  local ctl
  ctl=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/pg_ctl
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
  else
    "$ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pg_dir"
  pg_dir=
}

# fresh_pg_database NAME: an empty database on the cluster; prints its URL.
fresh_pg_database() {
  local name=$1
  psql -q "$pg_url" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  echo "${pg_url%/*}/$name"
}

# cpu_ticks NAME: CPU time (clock ticks, user + system) used so far by every live
# process whose command name is NAME (postgres counts all its backends).
cpu_ticks() {
  local name=$1
  python3 - "$name" <<'PY'
import os, sys
name, total = sys.argv[1], 0
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        stat = open(f'/proc/{pid}/stat').read()
    except OSError:
        continue
    comm = stat[stat.index('(') + 1:stat.rindex(')')]
    if comm == name or (name == 'postgres' and comm.startswith('postgres')):
        fields = stat[stat.rindex(')') + 2:].split()
        total += int(fields[11]) + int(fields[12])
print(total)
PY
}

# cpu_snapshot: CPU ticks used so far by the servers and by PostgreSQL.
cpu_snapshot() { echo "$(cpu_ticks sekisho) $(cpu_ticks postgres)"; }

# cpu_per_request BEFORE AFTER REQUESTS: the CPU the servers and PostgreSQL spent per
# request between two snapshots, as "servers N us, PostgreSQL M us".
cpu_per_request() {
  python3 - $1 $2 "$3" <<'PY'
import os, sys
s0, p0, s1, p1, requests = map(float, sys.argv[1:])
per = lambda ticks: round(ticks / os.sysconf('SC_CLK_TCK') * 1e6 / requests)
print(f"servers {per(s1 - s0)} us, PostgreSQL {per(p1 - p0)} us")
PY
}
