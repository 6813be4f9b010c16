#!/usr/bin/env bash
# Build the rproxy server's .deb by hand (dpkg-deb): the server must not pull in the desktop's
# GUI libraries, which the Tauri bundler would add.
#   usage: scripts/packaging/rproxy-deb.sh <rproxy binary> <version> <output folder>
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
bin=$1 version=$2 outdir=$3
here=$ROOT/scripts/packaging
arch=$(dpkg --print-architecture)
triple=$(rustc -vV | sed -n 's/^host: //p')
rclone=$ROOT/bin/rcmd-rclone-$triple
# the same pin src-tauri/build.rs checks: never package an untested rclone
is_pinned_rclone "$rclone" "rcmd-rclone-$triple" || { echo "rclone sidecar does not match bin/rclone.sha256" >&2; exit 1; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root=$tmp/rproxy
install -D -m 0755 "$bin" "$root/usr/bin/rproxy"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/rproxy"
install -D -m 0755 "$rclone" "$root/usr/lib/rproxy/rcmd-rclone"
install -D -m 0644 "$here/rproxy.toml" "$root/etc/rproxy/rproxy.toml"
install -D -m 0644 "$here/rproxy.service" "$root/lib/systemd/system/rproxy.service"
install -D -m 0644 "$here/copyright" "$root/usr/share/doc/rproxy/copyright"
sed "s/@PACKAGE@/rproxy/" "$here/changelog" | gzip -9n > "$tmp/changelog.gz"
install -D -m 0644 "$tmp/changelog.gz" "$root/usr/share/doc/rproxy/changelog.gz"
install -D -m 0644 "$here/rproxy.lintian-overrides" "$root/usr/share/lintian/overrides/rproxy"
mkdir -p "$root/usr/share/man/man1"
gzip -9n < "$here/man/rproxy.1" > "$root/usr/share/man/man1/rproxy.1.gz"
chmod 0644 "$root/usr/share/man/man1/rproxy.1.gz"
for s in postinst prerm postrm; do install -D -m 0755 "$here/rproxy.$s" "$root/DEBIAN/$s"; done
echo /etc/rproxy/rproxy.toml > "$root/DEBIAN/conffiles"

# shared-library dependencies as Debian computes them (dpkg-shlibdeps wants a debian/control)
mkdir -p "$tmp/debian"; printf 'Source: rproxy\n\nPackage: rproxy\nArchitecture: any\n' > "$tmp/debian/control"
shlibs=$(cd "$tmp" && dpkg-shlibdeps -O "rproxy/usr/bin/rproxy" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: rproxy
Version: $version
Architecture: $arch
Maintainer: RCMD maintainers <maintainers@rcmd.dev>
Installed-Size: $size
Depends: $shlibs, adduser
Section: net
Priority: optional
Homepage: https://rcmd.dev/
Description: authenticated rclone RC server for RCMD
 rproxy speaks the rclone remote-control API exactly (a plain "rclone rc --url"
 client works against it) and adds users, tokens and roles, durable job ids,
 a queue for per-file calls, an event stream and server-side batches. It runs
 its own pinned rclone (/usr/lib/rproxy/rcmd-rclone) and keeps its state in
 /var/lib/rproxy (SQLite) or a shared PostgreSQL. No GUI libraries needed.
CONTROL
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
mkdir -p "$outdir"
dpkg-deb --root-owner-group -Zxz -b "$root" "$outdir/rproxy_${version}_$arch.deb" >/dev/null
stamp "built $outdir/rproxy_${version}_$arch.deb"
