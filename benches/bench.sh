#!/usr/bin/env bash
# Every benchmark behind docs/benchmarks.md's table, in one command (about 10 minutes with the
# default 10 s per run). Needs wrk and, for the PostgreSQL parts, PostgreSQL's server
# binaries (apt-get install -y wrk postgresql); as root it runs the cluster as the
# `postgres` user. Usage: benches/bench.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
date -u +"== %Y-%m-%d %H:%M UTC, $(nproc) CPUs, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
benches/session_check.sh "$secs" both
benches/instances.sh "$secs"
benches/login_memory.sh "$secs"
benches/login_fairness.sh "$secs"
benches/flood_memory.sh "$secs"
