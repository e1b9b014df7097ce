#!/bin/sh
# vercmp.sh - comparisons per second of `patchwarden vercmp --batch` over
# the real Debian and Alpine vectors (replicated to a few million pairs),
# against the native tool's own per-call cost measured in the same run
# (`dpkg --compare-versions`, one process per comparison, as scripts use it).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
reps=${REPS:-100}

pairs() { # pairs <vector file>: "A B" lines
	grep -v '^#' "$1" | awk 'NF == 3 { print $1, $3 }'
}
echo "== vercmp --batch (comparisons per second)"
for scheme in deb:debian-versions-generated.txt apk:alpine-versions-generated.txt rpm:rpm-versions-grid.txt; do
	s=${scheme%%:*}
	f=$top/tests/data/versions/${scheme#*:}
	pairs "$f" >"$tmp/one"
	i=0
	: >"$tmp/all"
	while [ "$i" -lt "$reps" ]; do cat "$tmp/one" >>"$tmp/all"; i=$((i + 1)); done
	count=$(wc -l <"$tmp/all")
	ms=$(timeit 3 sh -c "\"$pw\" vercmp --scheme $s --batch <\"$tmp/all\"")
	printf '%-4s %9d pairs  %9.1f ms  %12.0f cmp/s\n' "$s" "$count" "$ms" \
		"$(awk -v c="$count" -v m="$ms" 'BEGIN { print c * 1000 / m }')"
done
# the native tool, one comparison per process
pairs "$top/tests/data/versions/debian-versions-generated.txt" | head -n 300 >"$tmp/native"
t0=$(date +%s%N)
while read -r a b; do dpkg --compare-versions "$a" lt "$b" || true; done <"$tmp/native"
t1=$(date +%s%N)
printf '%-4s %9d pairs  %9.1f ms  %12.0f cmp/s  (dpkg --compare-versions, one process each)\n' \
	deb 300 "$(awk -v d=$((t1 - t0)) 'BEGIN { print d / 1e6 }')" \
	"$(awk -v d=$((t1 - t0)) 'BEGIN { print 300 * 1e9 / d }')"
