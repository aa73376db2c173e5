#!/usr/bin/env bash
# A pinned Rust tool, `cargo install`ed once per machine into a cache keyed by crate and version,
# then copied into this checkout. Usage: scripts/cached-install.sh CACHE CRATE VERSION BIN DEST
# (LOCKED=1 adds --locked: wasm-bindgen-cli's own lock file names a webpki-roots release the
# registry mirror of this machine lacks, so it resolves its dependencies as the Makefile always did.)
set -euo pipefail
cache=$1 crate=$2 version=$3 bin=$4 dest=$5
root=$cache/$crate-$version
if [ ! -x "$root/bin/$bin" ]; then
  # Installed beside the cache and renamed into it, so two checkouts installing at once never
  # see (or leave) a half-written tool.
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.$crate-$version.XXXXXX") && chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  cargo install ${LOCKED:+--locked} --quiet "$crate" --version "$version" --root "$tmp"
  mv -T "$tmp" "$root" 2>/dev/null || [ -x "$root/bin/$bin" ]
fi
mkdir -p "$dest"
cp "$root/bin/$bin" "$dest/$bin"
