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
    ;;
  unwind)
    # A pinned nightly rebuilds core and alloc with panic=unwind and wasm exception handling.
    # RUSTFLAGS replaces .cargo/config.toml's flags, so the link args are repeated here.
    nightly=$(sed -n 's/^NIGHTLY *:= *//p' Makefile)
    case ${EH:-legacy} in
      legacy) eh=true ;;
      exnref) eh=false ;;
      *) echo "unknown EH=$EH (legacy | exnref)" >&2; exit 2 ;;
    esac
    RUSTFLAGS="-Cpanic=unwind -Ctarget-feature=+exception-handling -Cllvm-args=-wasm-use-legacy-eh=$eh \
-Clink-arg=--export=__stack_pointer -Clink-arg=-zstack-size=65536" \
      cargo "+$nightly" build -q --release --locked --target $target -p "$example" "${features[@]}" \
        -Zbuild-std=core,alloc --target-dir target/unwind
    wasm=target/unwind/$target/release/$example.wasm
    [ "${EH:-legacy}" = legacy ] || build=$build-$EH
    ;;
  *) echo "unknown BUILD=$build (abort | unwind)" >&2; exit 2 ;;
esac

# Keep the raw module per variant: the next build of the example overwrites it.
mkdir -p "target/raw/$example" && cp "$wasm" "target/raw/$example/$alloc.$build.wasm"
wasm=target/raw/$example/$alloc.$build.wasm
out=build/$example.$alloc.$build
node scripts/bundle.mjs "$example" "$wasm" "$port" "$out" >/dev/null
node_modules/.bin/wasm-opt -Oz --enable-exception-handling --enable-bulk-memory --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$wasm" -o "$out/app.wasm"
echo "$out"
