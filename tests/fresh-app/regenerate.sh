#!/usr/bin/env bash
# Remakes my-app/: what `create-next-app` generates with its defaults, at the pinned
# version, kept as generated (only node_modules/ and .next/ are dropped). The
# fresh-app test (run.mjs) starts from a copy of it, so CI needs no create-next-app
# run and its lockfile pins what `npm ci` installs.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf my-app
NEXT_TELEMETRY_DISABLED=1 npx -y create-next-app@16.4.3 my-app --yes --use-npm --disable-git
rm -rf my-app/node_modules my-app/.next
