#!/usr/bin/env bash
# Install everything RCMD needs on Debian 12, idempotently (fast when already present):
#   * Tauri 2's Linux build packages (WebKitGTK 4.1 ...)
#   * Debian's rustc-web/cargo-web + rust-web-src + the matching lld, to build the wasm UI
#     with -Z build-std (no rustup target downloads on these machines)
#   * wasm-bindgen-cli (pinned to the crate version) and wasm-opt (npm binaryen)
#   * the rclone sidecar (scripts/fetch-rclone.sh)
# With --test, also what the tests need: Xvfb, WebKitWebDriver, tauri-driver, ImageMagick, axe-core,
# and for the Windows/macOS builds (scripts/cross.sh) MinGW-w64, Wine, clang and llvm-ar.
# With --package, what scripts/package.sh needs: the Tauri CLI (npm's prebuilt binary), lintian,
# rpm, desktop-file-utils.
#   usage: scripts/setup.sh [--test] [--package]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
want_test=0; want_package=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    --package) want_package=1 ;;
    *) echo "usage: scripts/setup.sh [--test] [--package]" >&2; exit 2 ;;
  esac
done
t0=$SECONDS

command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }

# ---- 1. Debian packages -----------------------------------------------------------------
pkgs=(libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
      libayatana-appindicator3-dev librsvg2-dev pkg-config fonts-noto-cjk fuse3
      rustc-web cargo-web rust-web-src rust-web-llvm)
[ $want_test = 1 ] && pkgs+=(xvfb xauth x11-utils imagemagick webkit2gtk-driver dbus-x11 dbus at-spi2-core procps
                             postgresql
                             gcc-mingw-w64-x86-64 wine wine64 clang llvm)  # scripts/cross.sh
[ $want_package = 1 ] && pkgs+=(lintian rpm desktop-file-utils fakeroot)
# node/npm (for wasm-opt) and pip may come from elsewhere (e.g. nodesource): only install if missing.
command -v npm >/dev/null || pkgs+=(nodejs npm)
python3 -m pip --version >/dev/null 2>&1 || pkgs+=(python3-pip)
apt_install "${pkgs[@]}"
# /usr/bin/rust-lld points at the lld of rustc-web's LLVM (lld-22 today): install that one.
apt_install "$(readlink /usr/bin/rust-lld)"
[ "$(dpkg-query -W -f='${Version}' rustc-web)" = "$(dpkg-query -W -f='${Version}' rust-web-src)" ] \
  || { echo "rustc-web and rust-web-src versions differ; build-std needs the exact same source" >&2; exit 1; }

# ---- 2. shim: Debian's cargo/rustc for the wasm build, wasm-opt from npm -------------------
mkdir -p "$SHIM" "$TOOLS" "$NPM_DIR"
ln -sf /usr/bin/cargo "$SHIM/cargo"; ln -sf /usr/bin/rustc "$SHIM/rustc"; ln -sf /usr/bin/rustdoc "$SHIM/rustdoc"
printf '#!/bin/sh\nexec node "%s/node_modules/binaryen/bin/wasm-opt" "$@"\n' "$NPM_DIR" > "$SHIM/wasm-opt"
chmod +x "$SHIM/wasm-opt"
want_opt="wasm-opt version ${BINARYEN_NPM_VERSION%%.*} (version_${BINARYEN_NPM_VERSION%%.*})"
if [ "$("$SHIM/wasm-opt" --version 2>/dev/null || true)" != "$want_opt" ]; then
  stamp "npm install binaryen@$BINARYEN_NPM_VERSION"
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_NPM_VERSION"
fi

# ---- 3. host tools from crates.io (rustup's stable cargo) ---------------------------------
if [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  stamp "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (4-6 min)"
  # not --locked: its lockfile pins a webpki-roots version this registry lacks
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS"
fi
# axe-core: the accessibility rules the e2e tests inject into the window (WCAG 2 A/AA)
if [ $want_test = 1 ] && ! grep -qs "\"version\": \"$AXE_CORE_NPM_VERSION\"" "$AXE_DIR/node_modules/axe-core/package.json"; then
  stamp "npm install axe-core@$AXE_CORE_NPM_VERSION"
  npm install --prefix "$AXE_DIR" --no-audit --no-fund --loglevel=error "axe-core@$AXE_CORE_NPM_VERSION"
fi
if [ $want_test = 1 ] && [ ! -x "$TOOLS/bin/tauri-driver" ]; then
  stamp "cargo install tauri-driver (2-3 min)"
  cargo install -q tauri-driver --version "$TAURI_DRIVER_VERSION" --locked --root "$TOOLS"
fi

# the Tauri CLI bundles the packages: npm's prebuilt binary (seconds) instead of cargo install (~20 CPU-min)
if [ $want_package = 1 ] && [ "$("$TAURI_CLI_DIR/node_modules/.bin/tauri" --version 2>/dev/null || true)" != "tauri-cli $TAURI_CLI_NPM_VERSION" ]; then
  stamp "npm install @tauri-apps/cli@$TAURI_CLI_NPM_VERSION"
  npm install --prefix "$TAURI_CLI_DIR" --no-audit --no-fund --loglevel=error "@tauri-apps/cli@$TAURI_CLI_NPM_VERSION"
fi

# ---- 4. the rclone sidecar ----------------------------------------------------------------
"$ROOT/scripts/fetch-rclone.sh"

stamp "setup done in $((SECONDS - t0)) s"
