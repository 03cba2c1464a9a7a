#!/usr/bin/env bash
# Every check Lookout has, as CI runs it: install, build, typecheck, lint, unit, integration
# (real PostgreSQL, Redis and Prometheus) and end-to-end (Debian's Chromium) suites.
set -euo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export CI="${CI:-}"

step() { printf '\n=== %s\n' "$*"; }

step "setup: servers and browser"
bash scripts/setup.sh --browser

step "corpus: PostgreSQL's regression outputs (EXPLAIN corpus test)"
# A failure here is not fatal: the corpus test then fails and says what is missing.
bash scripts/fetch-pg-regress.sh || echo "fetch-pg-regress failed: test/integration/explain-corpus.test.ts will fail" >&2

step "npm ci"
npm ci --no-audit --no-fund

step "build"
npm run -s build

step "typecheck"
npm run -s typecheck

step "lint"
npm run -s lint

mkdir -p test-results
status=0
for suite in unit integration e2e; do
  step "tests: $suite"
  npx vitest run --project "$suite" --reporter=default --reporter=json --outputFile="test-results/$suite.json" || status=1
done

# One closing line over every suite, in the plain form CI reads.
node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const suite of ["unit", "integration", "e2e"]) {
    try { const r = JSON.parse(fs.readFileSync(`test-results/${suite}.json`, "utf8")); p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + (r.numTodoTests || 0);
      // A file that failed without a failed test did not load: count it, or it would hide.
      for (const file of r.testResults || []) if (file.status === "failed" && !(file.assertionResults || []).some((a) => a.status === "failed")) f += 1 }
    catch { f += 1; console.log(`${suite}: no report (the suite did not run)`) }
  }
  console.log(`tests: ${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""))
'
exit $status
