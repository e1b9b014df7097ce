#!/bin/sh
# fuzz.sh - build the libFuzzer targets with clang and run each for N seconds
# (default 60) over its corpus in fuzz/corpus/<target>. The corpus holds seeds
# and every crashing input once fixed, so each run replays them as regression
# tests. A crash leaves its input in fuzz/crashes/ and fails the run.
set -eu
cd "$(dirname "$0")/.."
. scripts/step.sh
seconds=${1:-60}
dir=build-fuzz
# quiet when it builds, its errors shown when it does not
[ -f "$dir/build.ninja" ] || step "meson setup $dir" env CC=clang meson setup "$dir" -Dfuzz=true \
	-Dtests=disabled -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fsanitize=fuzzer-no-link
step "building $dir" ninja -C "$dir"
mkdir -p fuzz/crashes
status=0
for exe in "$dir"/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe" | sed 's/^fuzz_//')
	work=$(mktemp -d)
	# seeds are read from the corpus; new inputs go to a scratch dir
	if "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=fuzz/crashes/"$name"- "$work" "fuzz/corpus/$name" \
		>"$work.log" 2>&1; then
		echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | awk '{print $2}') runs)"
	else
		echo "fuzz $name: FAILED, see fuzz/crashes/$name-*"
		tail -n 30 "$work.log"
		status=1
	fi
	rm -rf "$work" "$work.log"
done
exit $status
