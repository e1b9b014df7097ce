#!/bin/sh
# run.sh - every benchmark, each printing figures against a baseline measured
# in the same run. Builds a release binary first. Not a test: no timing is
# asserted anywhere; machines are shared and noisy. Each script takes its
# own settings from the environment (N runs, FLEET_HOSTS, HOSTS, UPLOADS...).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh build
[ -f build-bench/build.ninja ] || meson setup build-bench --buildtype=release -Dstatic_cli=true >/dev/null
ninja -C build-bench >/dev/null
export PATCHWARDEN="$top/build-bench/src/patchwarden"
export RUNTIME="$top/build-bench/bench/runtime"
export INVENTORY_INPROC="$top/build-bench/bench/inventory_inproc"
export FLEET="$top/build-bench/bench/fleet"
export CHECKIN="$top/build-bench/bench/checkin"
export PATCHWARDEN_AGENT_APPLY="$top/build-bench/src/agent/patchwarden-agent-apply"
export CHANGES="$top/build-bench/bench/changes"
for b in bench/inventory.sh bench/vercmp.sh bench/feeds.sh bench/debsecan.sh bench/fleet.sh bench/checkin.sh bench/apply.sh bench/changes.sh; do
	sh "$b"
	echo
done
