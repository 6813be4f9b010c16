#!/usr/bin/env bash
# Runs a Windows program under Wine in RCMD's own prefix: cargo's runner for the
# x86_64-pc-windows-gnu tests (scripts/cross.sh).
#   usage: scripts/wine-run.sh PROGRAM.exe [ARGS...]
#          scripts/wine-run.sh --prepare      (make the prefix; done by the first run anyway)
# Debian 12's Wine (8.0) has no ProcessPrng in bcryptprimitives.dll, which Rust's standard
# library (1.78 and later) imports for its random numbers: programs would not even load. The
# prefix gets a one-function bcryptprimitives.dll (scripts/wine/bcryptprimitives.c, built
# here with MinGW) that answers ProcessPrng with RtlGenRandom, the call Rust used before.
# Windows itself has had ProcessPrng since Windows 8; the shim is only for this Wine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export WINEPREFIX=${WINEPREFIX:-$RCMD_CACHE/wine} WINEDEBUG=${WINEDEBUG:--all}
# tests that change per-user Windows settings (the Run key) run only where this is set
export RCMD_WINE_PREFIX=$WINEPREFIX
# no Mono/Gecko installers (not reachable, not needed for console programs)
export WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n,b"

shim_src=$ROOT/scripts/wine/bcryptprimitives.c
shim=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
stamp_file=$WINEPREFIX/.rcmd-shim.sha256

prepare() {
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    stamp "making the Wine prefix $WINEPREFIX"
    mkdir -p "$WINEPREFIX"
    /usr/lib/wine/wine64 wineboot -i >/dev/null 2>&1
    wineserver -w
  fi
  local want
  want=$(sha256sum "$shim_src" | cut -c1-64)
  if [ "$(cat "$stamp_file" 2>/dev/null)" != "$want" ] || [ ! -f "$shim" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -o "$shim.tmp" "$shim_src" -ladvapi32
    mv "$shim.tmp" "$shim"
    echo "$want" > "$stamp_file"
  fi
}

if [ "${1:-}" = --prepare ]; then prepare; exit 0; fi
[ $# -ge 1 ] || { echo "usage: scripts/wine-run.sh PROGRAM.exe [ARGS...]" >&2; exit 2; }
# one prepare at a time: cargo may start several test programs at once
exec 9>"$RCMD_CACHE/wine.lock"; flock 9; prepare; flock -u 9; exec 9>&-
# wine64 itself: the `wine` wrapper prints a hint about 32-bit Wine on every run
exec /usr/lib/wine/wine64 "$@"
