#!/usr/bin/env bash
# Builds one example variant into build/<example>.<alloc>.<build>/ (wasm-opt'd app.wasm,
# glue.js, worker entry, workerd config) and prints that folder.
# Usage: scripts/build.sh EXAMPLE ALLOC BUILD [PORT]
set -euo pipefail
example=$1 alloc=$2 build=$3 port=${4:-8787}
cd "$(dirname "$0")/.."
target=wasm32-unknown-unknown

features=()
if grep -q '^talc = ' "examples/$example/Cargo.toml"; then
  features=(--no-default-features --features "$alloc") # baseline: allocbench's null allocator
else
  alloc=none # this example links no allocator
fi

case $build in
  abort)
    cargo build -q --release --locked --target $target -p "$example" "${features[@]}"
    wasm=target/$target/release/$example.wasm
    # Keep the raw module per variant: the next build of the example overwrites it.
    mkdir -p "target/$example" && cp "$wasm" "target/$example/$alloc.wasm" && wasm=target/$example/$alloc.wasm
    ;;
  *) echo "unknown BUILD=$build (abort)" >&2; exit 2 ;;
esac

out=build/$example.$alloc.$build
node scripts/bundle.mjs "$example" "$wasm" "$port" "$out" >/dev/null
node_modules/.bin/wasm-opt -Oz --enable-exception-handling --enable-bulk-memory --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$wasm" -o "$out/app.wasm"
echo "$out"
