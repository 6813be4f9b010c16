#!/usr/bin/env bash
# Check built packages: lintian --fail-on error on every .deb (suppressions: see lintian-overrides
# in docs/packaging.md), desktop-file-validate on the app's desktop entry, the
# pinned rclone inside each package, and what the .rpm holds.
#   usage: scripts/packaging/check.sh <folder with the .deb and .rpm files>
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
dir=$1
triple=$(rustc -vV | sed -n 's/^host: //p')
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for deb in "$dir"/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  stamp "lintian $name"
  # --allow-root: the CI machine runs as root; lintian only reads the archive
  lintian --allow-root --fail-on error --tag-display-limit 0 "$deb" | tee "$tmp/$name.lintian" >&2
  dpkg-deb -x "$deb" "$tmp/$name"
done

stamp "desktop-file-validate"
desktop=$(find "$tmp/rcmd/usr/share/applications" -name '*.desktop')
[ -n "$desktop" ] || { echo "no desktop entry in the rcmd package" >&2; exit 1; }
desktop-file-validate $desktop

stamp "package contents"
check_pin() { is_pinned_rclone "$1" "rcmd-rclone-$triple" || { echo "$1 is not the pinned rclone" >&2; exit 1; }; }
check_pin "$tmp/rcmd/usr/bin/rcmd-rclone"
check_pin "$tmp/rproxy/usr/lib/rproxy/rcmd-rclone"
for f in usr/bin/rcmd usr/bin/rcmd-cli usr/share/doc/rcmd/copyright usr/share/icons/hicolor/512x512/apps/rcmd.png; do
  [ -e "$tmp/rcmd/$f" ] || { echo "rcmd package lacks /$f" >&2; exit 1; }
done
if dpkg-deb -f "$dir"/rproxy_*.deb Depends | grep -Eq 'webkit|gtk|appindicator'; then
  echo "rproxy must not depend on GUI libraries: $(dpkg-deb -f "$dir"/rproxy_*.deb Depends)" >&2; exit 1
fi
rpm=$(ls "$dir"/*.rpm)
rpm -qpl "$rpm" 2>/dev/null > "$tmp/rpm.list"
for f in /usr/bin/rcmd /usr/bin/rcmd-rclone /usr/bin/rcmd-cli; do
  grep -qx "$f" "$tmp/rpm.list" || { echo "$rpm lacks $f" >&2; exit 1; }
done
stamp "packages check out: lintian (no errors), desktop entry, pinned rclone, rpm contents"
