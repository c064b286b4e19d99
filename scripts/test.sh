#!/usr/bin/env bash
# The whole test suite: Rust format and lint, Rust tests, the release addon, then the package's
# tests (unit and end to end against the real SDK, CLI and collector).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== napi build (release)"
npm run build
echo "== node --test"
node --test --test-concurrency=1 __test__/
