#!/usr/bin/env bash
# The release wheel (not part of the test command): a release build of the binary, tagged
# manylinux_2_X for the newest glibc symbol version it needs (it links only libc, libm and
# libgcc_s, which manylinux allows), into target/wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin dbkernel
BINARY=target/release/dbkernel
if command -v objdump >/dev/null 2>&1; then
  GLIBC=$(objdump -T "$BINARY" | grep -o 'GLIBC_2\.[0-9]*' | sort -t. -k2 -n | tail -1 | cut -d_ -f2)
  export DBKERNEL_WHEEL_PLATFORM="manylinux_${GLIBC//./_}_$(uname -m)"
fi
bash scripts/build_wheel.sh "$BINARY"
