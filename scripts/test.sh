#!/bin/sh
# test.sh - set up and run the whole test suite on a fresh Debian 12 machine:
#   1. unit and integration tests, built with -Werror (gcc);
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. every libFuzzer target for a short time over its corpus (clang).
# Prints a last line "tests: N passed, N failed, N skipped" (a suite that does
# not build counts as one failure, its output shown), each skipped test named
# above it with its build directory and reason. Exit status 0 only if none
# failed.
#   FUZZ_SECONDS=N   seconds per fuzz target (default 15; 0 skips fuzzing)
set -eu
cd "$(dirname "$0")/.."
. scripts/step.sh
if ! scripts/deps.sh test; then
	echo "test.sh: installing the test packages failed (see above)" >&2
	echo "tests: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

passed=0
failed=0
skipped=0
skips=
count() { # count <meson build dir>: add its test results to the totals
	log=$1/meson-logs/testlog.json
	if [ ! -s "$log" ]; then
		echo "test.sh: meson test wrote no results ($log)" >&2
		failed=$((failed + 1))
		return
	fi
	# testlog.json has one JSON object per test
	p=$(grep -c '"result": "OK"' "$log" || true)
	f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
	s=$(grep -c '"result": "SKIP"' "$log" || true)
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	# a skip is a test that did not run: name it, with the reason it printed
	skips="$skips$(grep '"result": "SKIP"' "$log" | python3 -c '
import json, sys
for line in sys.stdin:
    t = json.loads(line)
    why = [l for l in t.get("stdout", "").splitlines() if l.startswith("skip")]
    print("skipped (%s): %s%s" % (sys.argv[1], t["name"], ": " + why[-1] if why else ""))
' "$1")
"
}
run_suite() { # run_suite <dir> <meson setup args...>
	dir=$1
	shift
	# the suite needs cmocka: -Dtests=enabled makes its absence an error
	# (also in a directory configured before, perhaps with tests=auto)
	if [ -f "$dir/build.ninja" ]; then
		set -- configure "$dir" -Dtests=enabled
	else
		set -- setup "$dir" -Dtests=enabled "$@"
	fi
	if ! step "meson $1 $dir" meson "$@" || ! step "building $dir" ninja -C "$dir"; then
		failed=$((failed + 1))
		return
	fi
	rm -f "$dir/meson-logs/testlog.json"
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
		echo "test.sh: fuzzing failed (see above)" >&2
		failed=$((failed + 1))
	fi
fi

printf '%s' "$skips" | grep . || true
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
