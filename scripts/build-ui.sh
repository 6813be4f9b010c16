#!/usr/bin/env bash
# Build the Leptos UI into ui/dist: Debian's rustc-web with -Z build-std for wasm32,
# then wasm-bindgen (--target web) and wasm-opt -Oz. Files in ui/dist are replaced only when
# their content changed, so an unchanged UI does not make cargo rebuild the app.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
stage=$RCMD_CACHE/ui-stage
rm -rf "$stage"; mkdir -p "$stage" "$ROOT/ui/dist"

(
  cd "$ROOT/ui"
  # Debian's cargo/rustc first (rustup's proxies in ~/.cargo/bin would win otherwise);
  # RUSTC_BOOTSTRAP only here: it lets the stable Debian cargo accept [unstable] build-std.
  export PATH="$SHIM:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO=/usr/bin/cargo
  export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$UI_TARGET_DIR
  unset RUSTFLAGS
  cargo build --release --quiet --locked
)
wasm=$UI_TARGET_DIR/wasm32-unknown-unknown/release/rcmd-ui.wasm
"$TOOLS/bin/wasm-bindgen" --target web --no-typescript --out-dir "$stage" --out-name rcmd-ui "$wasm"
"$SHIM/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue --enable-mutable-globals \
  "$stage/rcmd-ui_bg.wasm" -o "$stage/rcmd-ui_bg.wasm"
cp "$ROOT"/ui/static/* "$stage/"

changed=0
for f in "$stage"/*; do
  dest="$ROOT/ui/dist/$(basename "$f")"
  if ! cmp -s "$f" "$dest"; then cp "$f" "$dest"; changed=1; fi
done
for f in "$ROOT"/ui/dist/*; do [ -e "$stage/$(basename "$f")" ] || { rm -f "$f"; changed=1; }; done
stamp "UI built in $((SECONDS - t0)) s ($(du -k "$ROOT/ui/dist/rcmd-ui_bg.wasm" | cut -f1) KiB wasm$([ $changed = 1 ] && echo ', updated' || echo ', unchanged'))"
