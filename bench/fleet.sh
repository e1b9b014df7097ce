#!/bin/sh
# fleet.sh - a fleet of FLEET_HOSTS hosts (default 10000) from real package
# universes: Debian 11 source packages at the versions of their DSA/DLA
# fixes, AlmaLinux 9 packages at their OSV fixes, each with an older
# version for hosts that lag. Times the full assessment and the
# re-assessment after one new advisory; prints the findings and the peak
# RSS. The prepared store is only read (bench/fleet.c imports the advisory
# into a private copy), so each run does the same work: RUNS runs (default
# 1) of each size. Several sizes, FLEET_HOSTS="10000 50000 100000", end
# with the figures per host, to see whether the cost grows linearly.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
fleet=${FLEET:-$top/build-bench/bench/fleet}
sizes=${FLEET_HOSTS:-${HOSTS:-10000}}
runs=${RUNS:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$pw" feed import --db "$tmp/pw.db" "$top/data/feeds/debian/security-tracker/DSA-list" \
	"$top/data/feeds/debian/security-tracker/DLA-list" "$top/data/feeds/osv/AlmaLinux/all.zip" >/dev/null
# the universes: every (package, fixed version) of each release; fleet.c
# puts hosts at a package's greatest fix or, lagging, at the fix before it
universe() { # universe <distro> <release>
	sqlite3 -separator '	' "$tmp/pw.db" "SELECT DISTINCT package, fixed FROM affected
		WHERE distro = '$1' AND release = '$2' AND fixed IS NOT NULL ORDER BY package"
}
universe debian 11 >"$tmp/deb.tsv"
universe almalinux 9 >"$tmp/alma.tsv"
before=$(sha256sum <"$tmp/pw.db")
for hosts in $sizes; do
	echo "== fleet of $hosts hosts (Debian 11 and AlmaLinux 9 package universes from the DSA/DLA and OSV fixes)"
	r=0
	while [ "$r" -lt "$runs" ]; do
		TMPDIR=$tmp "$fleet" "$tmp/pw.db" "$hosts" "$tmp/deb.tsv" "$tmp/alma.tsv" | tee "$tmp/out"
		grep '^summary:' "$tmp/out" >>"$tmp/summaries"
		r=$((r + 1))
	done
done
[ "$(sha256sum <"$tmp/pw.db")" = "$before" ] || echo "  the prepared store changed: runs did not do the same work"
# per host, the median run of each size
echo "== per host (median of $runs run(s) per size): the same figures at every size mean linear cost"
printf '%8s %9s %9s %8s %9s %8s %9s %9s %9s\n' hosts findings "cpu ms" "us/host" "peak MiB" \
	"KiB/host" "fleet KiB" "advis. ms" "catch-up"
printf '%8s %9s %9s %8s %9s %8s %9s %9s %9s\n' "" "" "" "" "" "" "a host" "" "ms"
awk '{ for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
	print v["hosts"], v["findings"], v["cpu_ms"], v["peak_mib"], v["fleet_mib"], v["advisory_ms"],
		v["catchup_ms"] }' "$tmp/summaries" |
	sort -n -k1,1 -k3,3 | awk -v runs="$runs" '
	{ n[$1]++; if (n[$1] == int((runs + 1) / 2)) row[$1] = $0 }
	END { for (h in row) print row[h] }' | sort -n | while read -r h f c m fm a u; do
	printf '%8d %9d %9.0f %8.1f %9.1f %8.1f %9.1f %9.1f %9.1f\n' "$h" "$f" "$c" \
		"$(awk -v c="$c" -v h="$h" 'BEGIN { print c * 1000 / h }')" "$m" \
		"$(awk -v m="$m" -v h="$h" 'BEGIN { print m * 1024 / h }')" \
		"$(awk -v m="$fm" -v h="$h" 'BEGIN { print m * 1024 / h }')" "$a" "$u"
done
