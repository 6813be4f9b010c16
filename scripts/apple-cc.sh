#!/usr/bin/env bash
# The C compiler `scripts/cross.sh macos` gives Apple targets: Debian's clang for the target,
# with no Apple SDK (not installable here) and so no system headers. Code that needs only the
# compiler's own freestanding headers compiles (ring, told so by RING_CORE_NOSTDLIBINC, plus the
# three macros of <TargetConditionals.h> it reads, in scripts/apple-include/); code that
# includes the C library fails here, loudly. The objects are never linked (cargo check).
set -euo pipefail
target=${TARGET:?cargo sets TARGET for build scripts}
case "$target" in
  aarch64-apple-darwin) triple=arm64-apple-macosx11.0.0 ;;
  x86_64-apple-darwin) triple=x86_64-apple-macosx10.12.0 ;;
  *) echo "apple-cc.sh: not an Apple target: $target" >&2; exit 2 ;;
esac
# Objective-C (mac-notification-sys's notify.m) imports Cocoa, which only the SDK has: it
# becomes an empty object, so the crate's Rust side is still checked (docs/platforms.md)
for a in "$@"; do
  if [[ "$a" == *.m ]]; then
    out=""; prev=""
    for b in "$@"; do [ "$prev" = -o ] && out=$b; prev=$b; done
    echo "apple-cc.sh: $a needs Apple's SDK: compiled as an empty object" >&2
    exec clang --target="$triple" -c -x c /dev/null -o "${out:?no -o}"
  fi
done
exec clang --target="$triple" -ffreestanding -nostdlibinc -isystem "$(dirname "$0")/apple-include" \
  -DRING_CORE_NOSTDLIBINC=1 "$@"
