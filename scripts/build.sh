#!/usr/bin/env bash
# Builds one example variant into build/<example>.<alloc>.<build>/ (wasm-opt'd app.wasm, the
# bundled worker.js, workerd and wrangler configs) and prints that folder.
# Usage: scripts/build.sh EXAMPLE [ALLOC] BUILD [PORT]   (ALLOC may be "")
set -euo pipefail
example=$1 alloc=$2 build=$3 port=${4:-8787}
cd "$(dirname "$0")/.."
target=wasm32-unknown-unknown

# ALLOC: empty = the example's default (talc, or none for hello and counter); a backend
# the example has no feature for = none (counter links no allocator); `baseline` is
# allocbench's never-freeing arena.
manifest=examples/$example/Cargo.toml
features=()
if [ -z "$alloc" ]; then
  grep -q '^default = \["talc"\]' "$manifest" && alloc=talc || alloc=none
fi
if [ "$alloc" != none ] && grep -q "^$alloc = " "$manifest"; then
  features=(--no-default-features --features "$alloc")
elif grep -q '^default = \[\]' "$manifest" || ! grep -q '^talc = ' "$manifest"; then
  alloc=none
else
  echo "examples/$example needs an allocator: ALLOC=talc|dlmalloc|bump|wee_alloc" >&2; exit 2
fi

# NAMES=1: keep function names (an unstripped build in its own target dir, wasm-opt -g),
# for size-tests' per-function breakdown; the output goes to build/names/.
names=${NAMES:-0}
suffix=""
if [ "$names" = 1 ]; then
  export CARGO_PROFILE_RELEASE_STRIP=false
  suffix=-names
fi

case $build in
  abort)
    cargo build -q --release --locked --target $target -p "$example" "${features[@]}" \
      --target-dir "target/abort$suffix"
    wasm=target/abort$suffix/$target/release/$example.wasm
    ;;
  unwind)
    # A pinned nightly rebuilds core and alloc with panic=unwind and wasm exception handling.
    # RUSTFLAGS replaces .cargo/config.toml's flags, so the link args are repeated here.
    setting() { sed -n "s/^$1 *:= *//p" settings.mk; }
    nightly=$(setting NIGHTLY)
    case ${EH:-legacy} in
      legacy) eh=true ;;
      exnref) eh=false ;;
      *) echo "unknown EH=$EH (legacy | exnref)" >&2; exit 2 ;;
    esac
    # (Each encoding its own target dir: RUSTFLAGS that differ rebuild core, alloc and every
    # dependency, so sharing one would rebuild them at each switch.)
    dir=target/unwind$suffix
    [ "${EH:-legacy}" = legacy ] || dir=target/unwind-$EH$suffix
    RUSTFLAGS="$(setting UNWIND_RUSTFLAGS) -Cllvm-args=-wasm-use-legacy-eh=$eh $(setting LINK_ARGS)" \
      cargo "+$nightly" build -q --release --locked --target $target -p "$example" "${features[@]}" \
        -Zbuild-std=core,alloc --target-dir "$dir"
    wasm=$dir/$target/release/$example.wasm
    [ "${EH:-legacy}" = legacy ] || build=$build-$EH
    ;;
  *) echo "unknown BUILD=$build (abort | unwind)" >&2; exit 2 ;;
esac

# Keep the raw module per variant: the next build of the example overwrites it.
mkdir -p "target/raw$suffix/$example" && cp "$wasm" "target/raw$suffix/$example/$alloc.$build.wasm"
wasm=target/raw$suffix/$example/$alloc.$build.wasm
out=build/$example.$alloc.$build
keep=()
if [ "$names" = 1 ]; then out=build/names/$example.$alloc.$build keep=(--keep-names); fi
# The optimise step every tinyworker project uses (js/build.mjs: wasm-opt -Oz, without the
# __data_end and __heap_base exports rustc adds); then the Worker around the optimised module.
mkdir -p "target/opt$suffix/$example"
opt=target/opt$suffix/$example/$alloc.$build.wasm
node js/build.mjs optimize "$wasm" "$opt" ${keep[@]+"${keep[@]}"}
# SHIP=0: stop at the optimised module and print it and the folder it ships in (size-tests/run.mjs
# bundles every row in one process, which spares a Node start and esbuild's and terser's loading
# per row: 20 s of CPU over the matrix).
if [ "${SHIP:-1}" = 0 ]; then echo "$opt $out"; exit 0; fi
node scripts/bundle.mjs "$example" "$opt" "$port" "$out" >/dev/null
echo "$out"
