#!/usr/bin/env bash
# The test command: installs what the tests need, checks formatting and lints, builds the
# workspace once and runs every test (unit, integration against the real oned binary, pyone).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo build --workspace --locked
export ONE_TEST_PYTHON="$PWD/.venv/bin/python"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
    cargo test --workspace --locked --doc
else
    cargo test --workspace --locked --no-fail-fast
fi
