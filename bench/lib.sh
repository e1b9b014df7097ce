# lib.sh - timing helpers for the benchmarks (sourced).
# timeit N CMD...: run CMD N times (output discarded), print the median
# wall time of one run in milliseconds with three decimals.
timeit() {
	n=$1
	shift
	i=0
	: >"${TMPDIR:-/tmp}/pw-bench-times.$$"
	while [ "$i" -lt "$n" ]; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"${TMPDIR:-/tmp}/pw-bench-times.$$"
		i=$((i + 1))
	done
	sort -n "${TMPDIR:-/tmp}/pw-bench-times.$$" | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1000}'
	rm -f "${TMPDIR:-/tmp}/pw-bench-times.$$"
}

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'
}
