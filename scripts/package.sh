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
# The same cargo invocation as scripts/test.sh (a subset of packages would resolve features
# differently and rebuild half the tree). A release app embeds its UI (tauri's
# custom-protocol). src-tauri/build.rs refuses an rclone whose sha256 is not in bin/rclone.sha256.
stamp "cargo build ($profile)"
if [ $profile = release ]; then
  cargo build --locked --release --workspace --exclude rcmd-e2e --features tauri/custom-protocol
else
  cargo build --locked --workspace --all-targets
fi
bins=$CARGO_TARGET_DIR/$profile

# ---- 2. the app: .deb and .rpm through the Tauri bundler -------------------------------------
# The bundler takes the app from "<target dir>/<profile>/" and patches it in place: give it a
# stripped copy in a staging target dir, so the build tree keeps its symbols.
stage=$RCMD_CACHE/package-stage
rm -rf "$stage"; mkdir -p "$stage/$profile"
install -m 0755 "$bins/rcmd" "$stage/$profile/rcmd"
files=$ROOT/src-tauri/gen/package      # files the bundler config points at (gitignored)
rm -rf "$files"; mkdir -p "$files"
install -m 0755 "$bins/rcmd-cli" "$files/rcmd-cli"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/$profile/rcmd" "$files/rcmd-cli"
sed "s/@PACKAGE@/rcmd/" "$ROOT/scripts/packaging/changelog" | gzip -9n > "$files/changelog.gz"
for m in rcmd rcmd-cli rcmd-rclone; do gzip -9n < "$ROOT/scripts/packaging/man/$m.1" > "$files/$m.1.gz"; done
# Depends as Debian computes them from the binaries' shared libraries, plus the tray library
# that is loaded at run time (dlopen: invisible to dpkg-shlibdeps)
mkdir -p "$files/debian"; printf 'Source: rcmd\n\nPackage: rcmd\nArchitecture: any\n' > "$files/debian/control"
shlibs=$(cd "$files" && dpkg-shlibdeps -O "$stage/$profile/rcmd" rcmd-cli 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
depends=$(printf '%s' "$shlibs, libayatana-appindicator3-1" | python3 -c 'import json,sys; print(json.dumps([d.strip() for d in sys.stdin.read().split(",")]))')
rm -rf "$stage/$profile/bundle"
stamp "tauri bundle: deb, rpm"
(cd "$ROOT/src-tauri" && CARGO_TARGET_DIR=$stage "$TAURI_CLI_DIR/node_modules/.bin/tauri" bundle "${bundle_flags[@]}" \
   --bundles deb,rpm --ci --config "{\"bundle\":{\"linux\":{\"deb\":{\"depends\":$depends}}}}")
bundles=$stage/$profile/bundle

# ---- 3. the server: its own .deb -----------------------------------------------------------
stamp "rproxy .deb"
"$ROOT/scripts/packaging/rproxy-deb.sh" "$bins/rproxy" "$version" "$bundles/deb"

# ---- 4. checks and results ------------------------------------------------------------------
rm -rf "$out"; mkdir -p "$out"
# Debian's file naming (<package>_<version>_<arch>.deb), whatever the bundler calls them
for deb in "$bundles"/deb/*.deb; do
  cp "$deb" "$out/$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)_$(dpkg-deb -f "$deb" Architecture).deb"
done
cp "$bundles"/rpm/*.rpm "$out/"
"$ROOT/scripts/packaging/check.sh" "$out"
(cd "$out" && sha256sum *.deb *.rpm > SHA256SUMS)
stamp "packages ($profile) in $((SECONDS - t0)) s:"
(cd "$out" && ls -l --block-size=K *.deb *.rpm | awk '{print "  " $5 "  " $9}' >&2)
