# lib.sh - timing helpers for the benchmarks (sourced).
# timeit N CMD...: run CMD N times (output discarded), print the median
# wall time of one run in milliseconds (bench/runtime.c: no shell overhead).
timeit() {
	"${RUNTIME:-$top/build-bench/bench/runtime}" "$@"
}

# measure N CMD...: the same runs, printing "WALL_MS CPU_MS PEAK_KIB": the
# median wall and CPU (user + system) times and the greatest peak RSS
measure() {
	"${RUNTIME:-$top/build-bench/bench/runtime}" -a "$@"
}

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'
}

# mib KIB: KiB as MiB with one decimal
mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'
}
