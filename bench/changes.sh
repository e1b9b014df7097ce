#!/bin/sh
# changes.sh - planning a change across HOSTS simulated hosts (default
# 10000) and dispatching its first ring, through the library calls the CLI
# and the server's check-in make (bench/changes.c, one process, a fresh
# store seeded as bench/fleet seeds one). Prints the time from approval to
# the first ring's jobs handed out (goal: under 1 s) and how many jobs,
# and a check-in's cost when no job waits (the fast path bench/checkin.sh
# measures over HTTP).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
changes=${CHANGES:-$top/build-bench/bench/changes}
hosts=${HOSTS:-10000}
pilot=${PILOT:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$changes" "$tmp/pw.db" "$hosts" "$pilot"
echo "  goal: approval -> first ring's jobs handed out under 1000 ms"
