#!/usr/bin/env bash
# Build and run every test: setup (idempotent), the UI, the app, clippy, unit and integration
# tests against a real rclone (rproxy's also on PostgreSQL), and the end-to-end tests of the real window under Xvfb.
#   usage: scripts/test.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
t0=$SECONDS
"$ROOT/scripts/setup.sh" --test
"$ROOT/scripts/build-ui.sh"

stamp "cargo build (app + tests)"
cargo build --workspace --all-targets --locked
stamp "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
stamp "unit and integration tests (real rclone)"
cargo test --workspace --locked
stamp "rproxy's suite again with its store on PostgreSQL (a throwaway cluster per test)"
RPROXY_TEST_DB=postgres cargo test -p rproxy --locked
stamp "end-to-end tests (real app window under Xvfb, WebDriver)"
cargo test -p rcmd-e2e --locked -- --ignored --test-threads=1
stamp "all tests passed in $((SECONDS - t0)) s; screenshots in artifacts/e2e/"
