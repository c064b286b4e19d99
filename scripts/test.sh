#!/usr/bin/env bash
# The whole test suite: JS and Rust format and lint, Rust tests, the release addon, then the package's
# tests (unit and end to end against the real SDK, CLI and collector).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== JS lint and format (Biome, check mode: npm run format fixes what it can)"
npm run lint
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== PostgreSQL (a throwaway server on 127.0.0.1 for the PostgreSQL half of the storage suite)"
SENTRIAL_TEST_DATABASE_URL="$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop' EXIT
export SENTRIAL_TEST_DATABASE_URL SENTRIAL_REQUIRE_POSTGRES=1
export SENTRIAL_TEST_PG_CA="${TMPDIR:-/tmp}/sentrial-pg-55432/ca.crt"
echo "== cargo test (the storage suite on SQLite and PostgreSQL)"
cargo test --workspace --locked
echo "== cargo test: the collector's HTTP, dashboard, security, fuzz, OTLP, key, load, memory, issue, score, alert, export, deletion, analytics and manual-session suites again, on PostgreSQL"
SENTRIAL_TEST_STORE=postgres cargo test -p sentrial-collector --locked \
  --test http --test dashboard --test security --test fuzz --test otlp --test keys --test load --test memory --test issues \
  --test issue_history --test scores --test alerts --test export --test deletion --test analytics --test manual \
  --test rollups
echo "== napi build (release)"
npm run build
echo "== node --test"
node --test --test-concurrency=1 __test__/
