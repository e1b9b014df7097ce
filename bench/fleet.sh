#!/bin/sh
# fleet.sh - a 10,000-host fleet from real package universes: Debian 11
# source packages at the versions of their DSA/DLA fixes, AlmaLinux 9
# packages at their OSV fixes, each with an older version for hosts that
# lag. Times the full assessment and the re-assessment after one advisory.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
fleet=${FLEET:-$top/build-bench/bench/fleet}
hosts=${HOSTS:-10000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$pw" feed import --db "$tmp/pw.db" "$top/data/feeds/debian/security-tracker/DSA-list" \
	"$top/data/feeds/debian/security-tracker/DLA-list" "$top/data/feeds/osv/AlmaLinux/all.zip" >/dev/null
# the universes: every package with a fix, its greatest fixed version, and
# for lagging hosts the fix before it (one advisory behind)
universe() { # universe <distro> <release>
	sqlite3 -separator '	' "$tmp/pw.db" "WITH f AS (SELECT DISTINCT package, fixed FROM affected
		WHERE distro = '$1' AND release = '$2' AND fixed IS NOT NULL),
		top AS (SELECT package, MAX(fixed) AS cur FROM f GROUP BY package)
		SELECT top.package, top.cur, COALESCE((SELECT MAX(fixed) FROM f
			WHERE f.package = top.package AND f.fixed < top.cur), top.cur || '~')
		FROM top"
}
universe debian 11 >"$tmp/deb.tsv"
universe almalinux 9 >"$tmp/alma.tsv"
echo "== fleet of $hosts hosts ($(wc -l <"$tmp/deb.tsv") Debian 11 and $(wc -l <"$tmp/alma.tsv") AlmaLinux 9 packages in the universes)"
"$fleet" "$tmp/pw.db" "$hosts" "$tmp/deb.tsv" "$tmp/alma.tsv"
