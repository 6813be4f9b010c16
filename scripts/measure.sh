#!/usr/bin/env bash
# Measure a release build of the app on a private Xvfb display: time from exec to
# "sidecar ready" and to the page's first request, then the PSS of every process of the app
# (app, WebKit, rclone) after 5 s idle; finally SIGTERM and an orphan check.
# With --installed, the installed package's /usr/bin/rcmd instead of a fresh release build.
#   usage: scripts/measure.sh [--installed] [runs]        (needs scripts/setup.sh --test)
# With MEASURE_DETAIL=1, also each process's largest mappings by PSS.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
if [ "${1:-}" = --installed ]; then
  shift
  app=/usr/bin/rcmd
  [ -x "$app" ] || { echo "$app not installed: apt-get install ./artifacts/packages/rcmd_*.deb" >&2; exit 1; }
else
  "$ROOT/scripts/build-ui.sh"
  cargo build -p rcmd --release --locked
  app=$CARGO_TARGET_DIR/release/rcmd
fi
runs=${1:-3}

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data/sub"; echo hello > "$work/data/hello.txt"
printf '[local]\ntype = alias\nremote = %s\n' "$work/data" > "$work/rclone.conf"
n=$((300 + RANDOM % 200))
Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.05; done

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
for run in $(seq "$runs"); do
  log=$work/app-$run.log
  t0=$(date +%s%N)
  DISPLAY=":$n" NO_AT_BRIDGE=1 NO_COLOR=1 RCLONE_CONFIG="$work/rclone.conf" \
    XDG_CONFIG_HOME="$work/cfg" XDG_DATA_HOME="$work/data-home" "$app" >"$log" 2>&1 & pid=$!
  ready=""; page=""
  for _ in $(seq 600); do
    [ -z "$ready" ] && grep -q 'state=Ready' "$log" && ready=$(ms "$t0")
    [ -z "$page" ] && grep -q 'page loaded' "$log" && page=$(ms "$t0")
    [ -n "$ready" ] && [ -n "$page" ] && break
    sleep 0.01
  done
  echo "run $run: exec -> sidecar ready ${ready:-?} ms; exec -> page loaded ${page:-?} ms;" \
       "supervisor start -> ready $(grep -o 'ready_after_ms: [0-9]*' "$log" | head -1 | cut -d' ' -f2) ms"
  if [ "$run" = "$runs" ]; then
    sleep 5
    total=0
    echo "PSS after 5 s idle (release build):"
    for p in $(tree $pid); do
      pss=$(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup 2>/dev/null || echo 0)
      printf '  %-24s %7d KiB\n' "$(cat /proc/$p/comm 2>/dev/null)" "$pss"
      total=$((total + pss))
    done
    printf '  %-24s %7d KiB\n' total "$total"
    if [ -n "${MEASURE_DETAIL:-}" ]; then
      # where each process's PSS is: its largest mappings (anonymous memory as [anon])
      for p in $(tree $pid); do
        echo "  $(cat /proc/$p/comm 2>/dev/null) ($p), largest mappings:"
        awk '/^[0-9a-f]+-[0-9a-f]+ /{name = ($6 == "" ? "[anon]" : $6)} /^Pss:/{pss[name] += $2}
             END {for (n in pss) printf "%d %s\n", pss[n], n}' /proc/$p/smaps 2>/dev/null |
          sort -rn | head -8 | awk '{printf "    %7d KiB  %s\n", $1, $2}'
      done
    fi
  fi
  rc=$(pgrep -P $pid rcmd-rclone || true)
  kill -TERM $pid; wait $pid || true
  if [ -n "$rc" ] && kill -0 "$rc" 2>/dev/null; then echo "ORPHAN rclone $rc"; exit 1; fi
done
