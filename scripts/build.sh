#!/bin/sh
# Configures and builds the release build (build/) and, with --asan, the
# AddressSanitizer + UBSan build used by the tests (build-asan/).
set -eu
cd "$(dirname "$0")/.."
# Open vSwitch's library for src/ovs (a no-op once built).
scripts/build-ovs.sh
[ -d build ] || meson setup build --werror
ninja -C build
if [ "${1:-}" = --asan ]; then
    [ -d build-asan ] || meson setup build-asan --werror \
        -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
    ninja -C build-asan
fi
