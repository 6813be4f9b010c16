#!/usr/bin/env bash
# Windows and macOS from this Linux machine (docs/platforms.md):
#   windows  cross-build rcmd-cli.exe and rproxy.exe for x86_64-pc-windows-gnu (MinGW-w64),
#            run their Windows tests under Wine against the Windows rclone.exe, build the
#            app (rcmd.exe, WebView2 through wry) and test the single-instance pipe.
#   macos    cargo check every crate, the app included, for aarch64- and x86_64-apple-darwin.
#   build    every compile of the two above, nothing run (scripts/test.sh starts it early, in
#            the background at idle priority, while the Linux tests mostly wait)
#   test     the Windows tests under Wine (after `build`)
# The standard library for these targets is built from Debian's rust-web-src (-Z build-std with
# Debian's rustc-web, as the wasm UI is); target dirs and the Wine prefix live in the cache.
#   usage: scripts/cross.sh windows|macos|build|test|all
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

what=${1:-all}
case "$what" in windows|macos|build|test|all) ;; *) echo "usage: scripts/cross.sh windows|macos|build|test|all" >&2; exit 2 ;; esac

# Debian's cargo and rustc (rustup's cargo has no std for these targets and cannot fetch one)
export PATH="$SHIM:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO=/usr/bin/cargo
export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$RCMD_CACHE/target-cross
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
# no debug info: these builds are compiled, linked and run once per change, never debugged
# here; it makes them faster and the .exe files a fraction of the size
export CARGO_PROFILE_DEV_DEBUG=0
unset RUSTFLAGS
# the UI is embedded in the app: the cross builds use the same ui/dist as the Linux one
[ -f "$ROOT/ui/dist/index.html" ] || "$ROOT/scripts/build-ui.sh"

win=x86_64-pc-windows-gnu
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$ROOT/scripts/wine-run.sh"
export WINEPREFIX=$RCMD_CACHE/wine

# the Windows tests: the CLI's and the server's, and the core's unit tests (its platform code)
win_tests=(-p rcmd-cli --test windows -p rproxy --test windows -p rcmd-core --lib)

# Prints each Windows test program's path, "PATH core" for the core's: one `cargo test --no-run`
# with the build's own selection (another selection would unify other features and compile
# the dependencies again).
windows_test_programs() {
  cargo test --locked --target "$win" --no-run "${win_tests[@]}" --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or not m.get("executable"):
        continue
    kind = m["target"]["kind"]
    if "test" in kind:
        print(m["executable"])
    elif m["target"]["name"] == "rcmd_core" and m["profile"]["test"]:
        print(m["executable"], "core")'
}

windows_build() {
  local t=$win t0=$SECONDS
  "$ROOT/scripts/fetch-rclone.sh" "$t"
  # one build for the programs and their tests (a separate `cargo build` would compile the
  # dependencies a second time, with other features)
  stamp "Windows: build rcmd-cli.exe, rproxy.exe and their Windows tests ($t)"
  cargo test --locked --target "$t" --no-run "${win_tests[@]}"
  stamp "Windows: build the app (rcmd.exe)"
  cargo build --locked --target "$t" -p rcmd
  stamp "Windows builds done in $((SECONDS - t0)) s"
}

windows_test() {
  local t=$win t0=$SECONDS
  "$ROOT/scripts/fetch-rclone.sh" "$t"
  stamp "Windows: tests under Wine ($(/usr/lib/wine/wine64 --version))"
  "$ROOT/scripts/wine-run.sh" --prepare
  local rc=0 programs exe kind
  programs=$(windows_test_programs)
  [ "$(wc -l <<<"$programs")" = 3 ] || { echo "expected 3 Windows test programs, found: $programs" >&2; return 1; }
  while read -r exe kind; do
    echo "     Running $exe" >&2
    if [ "$kind" = core ]; then
      # the core's platform code as Windows code: the single-instance pipe, drive-letter
      # paths, the Run key
      "$ROOT/scripts/wine-run.sh" "$exe" --test-threads=1 single_instance remote_path autostart || rc=$?
    else
      "$ROOT/scripts/wine-run.sh" "$exe" --test-threads=1 || rc=$?
    fi
  done <<<"$programs"
  wineserver -k 2>/dev/null || true
  [ $rc = 0 ] || return $rc
  stamp "Windows tests done in $((SECONDS - t0)) s"
}

macos() {
  local t0=$SECONDS
  for t in aarch64-apple-darwin x86_64-apple-darwin; do
    "$ROOT/scripts/fetch-rclone.sh" "$t"
    stamp "macOS: cargo check every crate for $t"
    # C for Apple targets needs Apple's SDK (headers), which is not here: see docs/platforms.md
    # for what is compiled (ring, with clang and no system headers) and what is skipped.
    local cc_var="CC_${t//-/_}"
    # SQLite: a system library instead of the bundled C (only what would be linked changes)
    # the e2e crate (tests/) drives the Linux window under Xvfb: not a macOS program
    env "$cc_var=$ROOT/scripts/apple-cc.sh" "AR_${t//-/_}=llvm-ar" SDKROOT=/nonexistent \
      LIBSQLITE3_SYS_USE_PKG_CONFIG=1 SQLITE3_LIB_DIR=/nonexistent SQLITE3_STATIC=1 \
      cargo check --locked --target "$t" --workspace --exclude rcmd-e2e --lib --bins --tests
  done
  stamp "macOS done in $((SECONDS - t0)) s"
}

case "$what" in
  windows) windows_build; windows_test ;;
  macos) macos ;;
  build) windows_build; macos ;;
  test) windows_test ;;
  all) windows_build; macos; windows_test ;;
esac
