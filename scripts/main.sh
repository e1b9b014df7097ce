#!/bin/sh
# main.sh - set up patchwarden on a fresh Debian 12 machine and run the main job:
# install what is missing, build, and inventory this host.
#   scripts/main.sh [scan options...]     e.g. --format json
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
exec build/src/patchwarden scan "$@"
