#!/usr/bin/env bash
# One instance vs two on one PostgreSQL database: GET /api/v1/auth/me (cookies of 64
# sessions in turn, benches/me_many.lua) and POST /api/v1/auth/login (64 accounts in turn), same total connections (64 for /me,
# 32 for login), one wrk
# per instance for two. Each instance has one worker and one hashing thread. It
# prints the CPU the servers and PostgreSQL spend per request (a cost that rises with
# the second instance is contention) and samples PostgreSQL's sessions during /me.
# CPUs: with 4 or more, instances on CPUs 0 and 1 and wrk + PostgreSQL on the rest;
# with 2 (these machines), both instances share CPU 0 with nothing else and wrk +
# PostgreSQL share CPU 1, so the ratio shows what a second process on the same core
# costs, not scaling (see docs/benchmarks.md).
# Usage: benches/instances.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
secs=${1:-10}
need wrk taskset curl python3 psql
cargo build --release --quiet
cpus=$(nproc)
if [ "$cpus" -ge 4 ]; then
  first_cpu=0 second_cpu=1 rest="2-$((cpus - 1))"
else
  first_cpu=0 second_cpu=0 rest=1
fi

bench_work=$(mktemp -d /tmp/sekisho-bench.XXXXXX)
bench_pids=()
trap 'stop_servers; stop_postgres; rm -rf "$bench_work"' EXIT
start_postgres "$rest"
url=$(fresh_pg_database sekisho_bench_instances)

# load_split SECONDS TOTAL_CONNECTIONS PATH ARGS... over $bases; prints total req/s.
load_split() {
  local secs=$1 total=$2 path=$3
  shift 3
  local n=${#bases[@]} outs=() loaders=() i=0
  for base in "${bases[@]}"; do
    load "$rest" "$secs" $((total / n)) "$base$path" "$@" >"$bench_work/wrk.$i" &
    loaders+=("$!")
    outs+=("$bench_work/wrk.$i"); i=$((i + 1))
  done
  wait "${loaders[@]}"
  local sum=0
  for out in "${outs[@]}"; do
    [ "$(non2xx <"$out")" = 0 ] || { echo "instances.sh: non-2xx answers:" >&2; cat "$out" >&2; exit 1; }
    sum=$(python3 -c "print($sum + $(rps <"$out"))")
  done
  echo "$sum"
}

# cpu_report LABEL BEFORE AFTER RATE: the CPU each party spent per request, the
# evidence of where a run's time goes (a cost that rises with the second instance is
# contention: locks, connections, writes).
cpu_report() {
  echo "  $1 CPU per request: $(cpu_per_request "$2" "$3" "$(python3 -c "print($4 * $secs)")")"
}

# pg_waits SECONDS: samples what PostgreSQL's sessions on the database are doing,
# ten times a second, and prints the counts (lock waits would show as Lock:...; a
# session waiting for its client is Client:ClientRead:idle).
pg_waits() {
  local n=$(($1 * 10))
  for _ in $(seq "$n"); do
    psql -qAt "$url" -c "SELECT coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, '-') || ':' || state
      FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    sleep 0.1
  done | sort | uniq -c | sort -rn | head -n 5 | awk '{ printf "%s %s; ", $2, $1 } END { print "" }'
}

measure() {
  local label=$1
  local before
  export SESSION_COOKIES=$bench_work/cookies
  load_split 2 64 /api/v1/auth/me -s benches/me_many.lua >/dev/null
  before=$(cpu_snapshot)
  (sleep 1; pg_waits $((secs / 2))) >"$bench_work/waits" &
  me=$(load_split "$secs" 64 /api/v1/auth/me -s benches/me_many.lua)
  local me_cpu
  me_cpu=$(cpu_report /me "$before" "$(cpu_snapshot)" "$me")
  wait $!
  before=$(cpu_snapshot)
  login=$(load_split "$secs" 32 /api/v1/auth/login -s benches/login_many.lua)
  echo "$label: /me $me req/s, login $login req/s"
  echo "$me_cpu"
  echo "  /me PostgreSQL sessions sampled (state: samples): $(cat "$bench_work/waits")"
  cpu_report login "$before" "$(cpu_snapshot)" "$login"
}

start_server one "$url" "$first_cpu" WORKERS=1 HASHER_THREADS=1
bases=("$server_url")
# The login load's accounts (benches/login_many.lua), made once; their sign-ups'
# sessions are the /me load's.
for i in $(seq 0 63); do
  signup_cookie "$server_url" "load$i@example.com"
done >"$bench_work/cookies"
measure "1 instance "
me1=$me login1=$login
start_server two "$url" "$second_cpu" WORKERS=1 HASHER_THREADS=1
bases+=("$server_url")
measure "2 instances"
echo "2 vs 1 instance: /me $(ratio "$me" "$me1")x, login $(ratio "$login" "$login1")x (CPUs: instances $first_cpu,$second_cpu; wrk and PostgreSQL $rest)"
