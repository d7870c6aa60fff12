#!/bin/sh
# Builds kure as one static executable (no program interpreter, no shared libraries) and
# copies it to OUT. The Dockerfile builds its image's binary with this script, and
# tests/packaging.rs runs it on this machine. On a glibc host the C runtime is linked in
# (`crt-static`); on a musl host (Alpine) that is already the default. `--target` is given
# so the flag reaches kure and its dependencies but not build scripts.
set -eu
out="${1:?usage: scripts/build-static.sh OUT}"
cd "$(dirname "$0")/.."
target="$(rustc -vV | sed -n 's/^host: //p')"
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --release --locked --target "$target" --bin kure
mkdir -p "$(dirname "$out")"
cp "${CARGO_TARGET_DIR:-target}/$target/release/kure" "$out"
