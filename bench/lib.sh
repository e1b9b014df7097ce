# lib.sh - timing helpers for the benchmarks (sourced).
# timeit N CMD...: run CMD N times (output discarded), print the median
# wall time of one run in milliseconds (bench/runtime.c: no shell overhead).
timeit() {
	"${RUNTIME:?build bench/runtime first}" "$@"
}

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'
}
