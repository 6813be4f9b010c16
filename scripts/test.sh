#!/usr/bin/env bash
# Build and run every test: setup (idempotent), the UI, the app, clippy, unit and integration
# tests against a real rclone (rproxy's also on PostgreSQL), and the end-to-end tests of the real window under Xvfb.
# Then the packages as installed (scripts/package.sh --debug, tests/e2e/installed.rs) when the
# packaging changed since the last passing run on this machine (so always on a fresh one).
#   usage: scripts/test.sh [--packages]      (--packages: test the packages in any case)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
t0=$SECONDS
force_packages=0
case "${1:-}" in
  --packages) force_packages=1 ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--packages]" >&2; exit 2 ;;
esac
# A test phase that hangs must fail with its name and what was running, not eat CI's whole
# budget: each phase runs in its own process group with a limit; at the limit the process
# tree is printed and the whole group (test processes included) is stopped.
guard() {
  local limit=$1; shift
  setsid "$@" &
  local pid=$! end=$((SECONDS + limit))
  trap 'kill -TERM -- -'"$pid"' 2>/dev/null; exit 130' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= end )); then
      echo "test phase stopped after its limit of $limit s: $*; what was running:" >&2
      ps -eo pid,ppid,pgid,stat,wchan:24,etime,args --forest >&2 || true
      kill -TERM -- "-$pid" 2>/dev/null || true
      sleep 10
      kill -KILL -- "-$pid" 2>/dev/null || true
      wait "$pid" || true
      trap - INT TERM
      return 124
    fi
    sleep 1
  done
  trap - INT TERM
  wait "$pid"
}
"$ROOT/scripts/setup.sh" --test
# Formatting first: seconds, and a failure here needs no build to explain (rustfmt.toml at the root
# covers the UI crate too).
stamp "format (cargo fmt --check)"
cargo fmt --version >/dev/null 2>&1 || { echo "rustfmt not found: install the rustfmt component of stable Rust" >&2; exit 1; }
cargo fmt --all --check
(cd "$ROOT/ui" && cargo fmt --check)
"$ROOT/scripts/build-ui.sh"
# The UI's pure logic (sorting, selection, keyboard map, chart, paths) is tested on the host,
# and clippy covers the UI crate too (it is outside the workspace: own lockfile, wasm build).
stamp "UI: clippy and unit tests (host target)"
host=$(rustc -vV | sed -n 's/^host: //p')
(cd "$ROOT/ui" && export CARGO_TARGET_DIR=$RCMD_CACHE/target-ui-host \
  && cargo clippy --locked --target "$host" --all-targets -- -D warnings \
  && cargo test --locked --target "$host")

stamp "cargo build (app + tests)"
cargo build --workspace --all-targets --locked
stamp "clippy"
cargo clippy --workspace --all-targets --locked --features rcmd-e2e/installed -- -D warnings
stamp "unit and integration tests (real rclone)"
guard 1800 cargo test --workspace --locked
stamp "rproxy's suite again with its store on PostgreSQL (a throwaway cluster per test)"
RPROXY_TEST_DB=postgres guard 900 cargo test -p rproxy --locked
stamp "end-to-end tests (real app window under Xvfb, WebDriver)"
guard 1800 cargo test -p rcmd-e2e --locked -- --ignored --test-threads=1
# Windows (built, its CLI and server tested under Wine, the app linked) and macOS (every crate
# type-checked for both CPUs): docs/platforms.md. After the Linux tests, not beside them: run
# beside them at idle priority the builds slowed the tests by a quarter and more (and a test
# with a 2 s token expired before it connected) for little time won overall.
stamp "Windows and macOS (scripts/cross.sh all)"
guard 2400 "$ROOT/scripts/cross.sh" all

# Everything that goes into a package; a change re-runs the installed-package tests.
packaging_inputs() {
  local files=(scripts/package.sh scripts/packaging src-tauri/tauri.conf.json src-tauri/Cargo.toml
               src-tauri/build.rs bin/rclone.sha256 icons tests/e2e/installed.rs)
  { git ls-files -s "${files[@]}"; git diff HEAD -- "${files[@]}"; } | sha256sum | cut -c1-16
}
stamp_file=$RCMD_CACHE/packages-tested
if [ $force_packages = 1 ] || [ "$(cat "$stamp_file" 2>/dev/null)" != "$(packaging_inputs)" ]; then
  stamp "packages: build (debug), lint, install, run, purge"
  guard 1200 "$ROOT/scripts/package.sh" --debug
  guard 900 cargo test -p rcmd-e2e --locked --features installed --test installed -- --test-threads=1
  packaging_inputs > "$stamp_file"
else
  stamp "packages: unchanged since they last passed on this machine (scripts/test.sh --packages tests them anyway)"
fi
stamp "all tests passed in $((SECONDS - t0)) s; screenshots in artifacts/e2e/"
