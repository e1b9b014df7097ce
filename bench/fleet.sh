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
# an older one (the least fixed version with '~', below every fix)
sqlite3 -separator '	' "$tmp/pw.db" "SELECT package, MAX(fixed), MIN(fixed) || '~' FROM affected
	WHERE distro = 'debian' AND release = '11' AND fixed IS NOT NULL GROUP BY package" >"$tmp/deb.tsv"
sqlite3 -separator '	' "$tmp/pw.db" "SELECT package, MAX(fixed), MIN(fixed) || '~' FROM affected
	WHERE distro = 'almalinux' AND release = '9' AND fixed IS NOT NULL GROUP BY package" >"$tmp/alma.tsv"
echo "== fleet of $hosts hosts ($(wc -l <"$tmp/deb.tsv") Debian 11 and $(wc -l <"$tmp/alma.tsv") AlmaLinux 9 packages in the universes)"
"$fleet" "$tmp/pw.db" "$hosts" "$tmp/deb.tsv" "$tmp/alma.tsv"
