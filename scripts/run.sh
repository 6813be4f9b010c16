#!/usr/bin/env bash
# Set up (idempotent), build the UI and the app, and run RCMD.
#   usage: scripts/run.sh [--release]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build-ui.sh"
profile=(); [ "${1:-}" = --release ] && profile=(--release)
if [ ${#profile[@]} -gt 0 ]; then
  cargo build -p rcmd --locked --release
else
  # exactly scripts/test.sh's build: the app alone unifies dependency features differently
  # (no rproxy, no test features), so building only it after the tests rebuilt core and the
  # app (~2.5 min); this way each command reuses what the other built
  cargo build --workspace --all-targets --locked
fi
app="$CARGO_TARGET_DIR/$([ ${#profile[@]} -gt 0 ] && echo release || echo debug)/rcmd"
if [ "$(uname)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  stamp "no display found (DISPLAY/WAYLAND_DISPLAY unset): running under a virtual X server"
  apt_install xvfb xauth
  exec xvfb-run -a "$app"
fi
exec "$app"
