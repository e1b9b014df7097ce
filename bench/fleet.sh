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
# the universes: every (package, fixed version) of each release; fleet.c
# puts hosts at a package's greatest fix or, lagging, at the fix before it
universe() { # universe <distro> <release>
	sqlite3 -separator '	' "$tmp/pw.db" "SELECT DISTINCT package, fixed FROM affected
		WHERE distro = '$1' AND release = '$2' AND fixed IS NOT NULL ORDER BY package"
}
universe debian 11 >"$tmp/deb.tsv"
universe almalinux 9 >"$tmp/alma.tsv"
echo "== fleet of $hosts hosts (Debian 11 and AlmaLinux 9 package universes from the DSA/DLA and OSV fixes)"
"$fleet" "$tmp/pw.db" "$hosts" "$tmp/deb.tsv" "$tmp/alma.tsv"
