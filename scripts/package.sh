#!/usr/bin/env bash
# Build the release packages into artifacts/packages/:
#   rcmd_<v>_amd64.deb, rcmd-<v>-1.x86_64.rpm   the desktop app (Tauri bundler): the app, its pinned
#                                                rclone as /usr/bin/rcmd-rclone, rcmd-cli, desktop entry, icons
#   rproxy_<v>_amd64.deb                         the server: no GUI dependencies, systemd unit, system
#                                                user, /etc/rproxy/rproxy.toml
# then check them: lintian --fail-on error (both .deb), desktop-file-validate, rpm's file list.
#   usage: scripts/package.sh [--debug]
# --debug packages the debug build the tests already made (minutes instead of a ~15 min release
# build); scripts/test.sh uses it to test the packaging as installed. Releases use the default.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
profile=release; cargo_profile=(--release); bundle_flags=()
case "${1:-}" in
  --debug) profile=debug; cargo_profile=(); bundle_flags=(--debug) ;;
  "") ;;
  *) echo "usage: scripts/package.sh [--debug]" >&2; exit 2 ;;
esac
t0=$SECONDS
out=$ROOT/artifacts/packages
"$ROOT/scripts/setup.sh" --package
"$ROOT/scripts/build-ui.sh"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)

# ---- 1. binaries ----------------------------------------------------------------------------
# A release app embeds its UI (tauri's custom-protocol); the debug build is the one the e2e tests
# run. src-tauri/build.rs refuses an rclone whose sha256 is not pinned in bin/rclone.sha256.
stamp "cargo build ($profile): rcmd, rcmd-cli, rproxy"
if [ $profile = release ]; then
  cargo build --locked --release -p rcmd --features tauri/custom-protocol
  cargo build --locked --release -p rcmd-cli -p rproxy
else
  cargo build --locked -p rcmd -p rcmd-cli -p rproxy
fi
bins=$CARGO_TARGET_DIR/$profile

# ---- 2. the app: .deb and .rpm through the Tauri bundler -------------------------------------
stage=$ROOT/src-tauri/gen/package      # files the bundler config points at (gitignored)
rm -rf "$stage"; mkdir -p "$stage"
install -m 0755 "$bins/rcmd-cli" "$stage/rcmd-cli"
[ $profile = release ] && strip "$stage/rcmd-cli"
sed "s/@PACKAGE@/rcmd/" "$ROOT/scripts/packaging/changelog" > "$stage/changelog"
rm -rf "$bins/bundle"
stamp "tauri bundle: deb, rpm"
(cd "$ROOT/src-tauri" && "$TAURI_CLI_DIR/node_modules/.bin/tauri" bundle "${bundle_flags[@]}" --bundles deb,rpm --ci)

# ---- 3. the server: its own .deb -----------------------------------------------------------
stamp "rproxy .deb"
"$ROOT/scripts/packaging/rproxy-deb.sh" "$bins/rproxy" "$version" "$bins/bundle/deb"

# ---- 4. checks and results ------------------------------------------------------------------
rm -rf "$out"; mkdir -p "$out"
# Debian's file naming (<package>_<version>_<arch>.deb), whatever the bundler calls them
for deb in "$bins"/bundle/deb/*.deb; do
  cp "$deb" "$out/$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)_$(dpkg-deb -f "$deb" Architecture).deb"
done
cp "$bins"/bundle/rpm/*.rpm "$out/"
"$ROOT/scripts/packaging/check.sh" "$out"
(cd "$out" && sha256sum *.deb *.rpm > SHA256SUMS)
stamp "packages ($profile) in $((SECONDS - t0)) s:"
(cd "$out" && ls -l --block-size=K *.deb *.rpm | awk '{print "  " $5 "  " $9}' >&2)
