#!/bin/sh
# debsecan.sh - assessment of a lagging Debian 11 host by patchwarden and by
# debsecan, both on data prepared beforehand from the same DSA and DLA lists
# (patchwarden: a store the lists were imported into; debsecan: its own data
# file, read through --source file://), timed in the same run.
#
# The host (bench/lagging_host.py, from the real 823-package status file):
# LAG_PACKAGES packages (default 160), every one whose source package has a
# bullseye fix put back at its release version, so that both tools have many
# findings to report. Both count the same thing, a (vulnerability, binary
# package) pair, and the two sets are compared pair by pair.
# shellcheck disable=SC2016,SC2046 # dpkg-query formats; figures split on purpose
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
n=${N:-11}
count=${LAG_PACKAGES:-160}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lists="$top/data/feeds/debian/security-tracker/DSA-list $top/data/feeds/debian/security-tracker/DLA-list"
status=$top/tests/data/inventory/dpkg/this-host-bookworm/status
mkdir -p "$tmp/data" "$tmp/lag/var/lib/dpkg" "$tmp/lag/etc" "$tmp/new/var/lib/dpkg" "$tmp/new/etc"
# shellcheck disable=SC2086
python3 "$top/bench/debsecan_data.py" bullseye "$tmp/data" $lists 2>/dev/null
# shellcheck disable=SC2086
lagging=$(python3 "$top/bench/lagging_host.py" bullseye "$count" "$status" \
	"$tmp/lag/var/lib/dpkg/status" $lists 2>&1)
cp "$status" "$tmp/new/var/lib/dpkg/status"
for r in lag new; do
	printf 'ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\n' >"$tmp/$r/etc/os-release"
done
# shellcheck disable=SC2086
"$pw" feed import --db "$tmp/pw.db" $lists >/dev/null

# findings of each tool on one root, as sorted "vulnerability package" lines
ours() { # ours <root> <store>
	"$pw" assess --db "$2" --root "$1" --format json --kind vulnerability | python3 -c 'import json, sys
for f in json.load(sys.stdin)["findings"]: print(f["vulnerability"], f["package"])' | sort -u
}
theirs() { # theirs <root>
	debsecan --suite bullseye --source "file://$tmp/data/" --status "$1/var/lib/dpkg/status" \
		--format simple | sort -u
}
compare() { # compare <label> <root>
	ours "$tmp/$2" "$tmp/pw.db" >"$tmp/ours.txt" || true
	theirs "$tmp/$2" >"$tmp/theirs.txt"
	a=$(wc -l <"$tmp/ours.txt")
	b=$(wc -l <"$tmp/theirs.txt")
	d=$(comm -3 "$tmp/ours.txt" "$tmp/theirs.txt" | wc -l)
	if [ "$d" -eq 0 ]; then same="the same pairs"; else same="$d pairs differ"; fi
	printf '  %s findings (vulnerability x binary package): patchwarden %d, debsecan %d, %s\n' \
		"$1" "$a" "$b" "$same"
	[ "$d" -eq 0 ] || comm -3 "$tmp/ours.txt" "$tmp/theirs.txt" | head -5 | sed 's/^/    /'
}
row() { # row <label> <root> <store>: median wall and CPU ms of both, ratios
	set -- "$1" "$tmp/$2" "$tmp/$3"
	set -- "$1" $(measure "$n" "$pw" assess --db "$3" --root "$2" --format json) \
		$(measure "$n" debsecan --suite bullseye --source "file://$tmp/data/" \
			--status "$2/var/lib/dpkg/status" --format detail)
	printf '%-40s %9.1f %9.1f %7sx %9.1f %9.1f %7sx %6s %6s\n' "$1" "$2" "$5" "$(ratio "$5" "$2")" \
		"$3" "$6" "$(ratio "$6" "$3")" "$(mib "$4")" "$(mib "$7")"
}

echo "== assessment against the DSA/DLA data, patchwarden assess vs debsecan (median of $n runs)"
echo "  host: $lagging"
compare "lagging host:" lag
compare "up-to-date 823-package host:" new
printf '%-40s %9s %9s %8s %9s %9s %8s %6s %6s\n' "" "wall ms" "debsecan" "speedup" "cpu ms" \
	"debsecan" "speedup" "MiB" "MiB"
row "lagging host ($count packages)" lag pw.db
# the same from a store holding every bundled feed (OSV AlmaLinux, Alpine,
# NVD, KEV, EPSS beside the Debian lists): only the host's release is
# loaded, so the rest should cost little
cp "$tmp/pw.db" "$tmp/all.db"
f=$top/data/feeds
"$pw" feed import --db "$tmp/all.db" "$f/osv/AlmaLinux/all.zip" "$f/alpine/secdb" "$f/nvd" \
	"$f/kev/known_exploited_vulnerabilities.json" "$f/epss/epss_scores-2026-08-16.csv.gz" >/dev/null
row "  the same, store with every feed" lag all.db
row "up-to-date host (823 packages, 0 found)" new pw.db
