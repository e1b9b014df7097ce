#!/bin/sh
# test.sh - set up and run the whole test suite on a fresh Debian 12 machine:
#   1. unit and integration tests, built with -Werror (gcc);
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. every libFuzzer target for a short time over its corpus (clang).
# Prints a last line "tests: N passed, N failed". Exit status 0 only if all passed.
#   FUZZ_SECONDS=N   seconds per fuzz target (default 15; 0 skips fuzzing)
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test

passed=0
failed=0
count() { # count <meson build dir>: add its test results to the totals
	# testlog.json has one JSON object per test
	p=$(grep -c '"result": "OK"' "$1/meson-logs/testlog.json" || true)
	f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$1/meson-logs/testlog.json" || true)
	passed=$((passed + p))
	failed=$((failed + f))
}
run_suite() { # run_suite <dir> <meson setup args...>
	dir=$1
	shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
	ninja -C "$dir" >/dev/null
	meson test -C "$dir" --print-errorlogs --num-processes 2 || true
	count "$dir"
}

echo "== tests (gcc, -Werror)"
run_suite build-test --werror -Dstatic_cli=true
echo "== tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suite build-asan --werror -Db_sanitize=address,undefined -Db_lundef=false

if [ "${FUZZ_SECONDS:-15}" -gt 0 ]; then
	echo "== fuzzing, ${FUZZ_SECONDS:-15}s per target"
	if scripts/fuzz.sh "${FUZZ_SECONDS:-15}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
