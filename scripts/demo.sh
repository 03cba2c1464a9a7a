#!/usr/bin/env bash
# `npm run demo`: installs the demo's servers if missing, builds, and starts `lookout demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run -s build
exec node bin/lookout.js demo "$@"
