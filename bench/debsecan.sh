#!/bin/sh
# debsecan.sh - assessment of the real 823-package host against the same
# Debian data (the DSA and DLA lists' bullseye fixes), by debsecan and by
# patchwarden, timed in the same run; the two answers are compared too.
# The host's os-release says bullseye so that both match that suite.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
n=${N:-11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lists="$top/data/feeds/debian/security-tracker/DSA-list $top/data/feeds/debian/security-tracker/DLA-list"
mkdir -p "$tmp/data" "$tmp/root/var/lib/dpkg" "$tmp/root/etc"
# shellcheck disable=SC2086
python3 "$top/bench/debsecan_data.py" bullseye "$tmp/data" $lists
cp "$top/tests/data/inventory/dpkg/this-host-bookworm/status" "$tmp/root/var/lib/dpkg/status"
printf 'ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\n' >"$tmp/root/etc/os-release"
# shellcheck disable=SC2086
"$pw" feed import --db "$tmp/pw.db" $lists >/dev/null

echo "== assessment of the 823-package host against the DSA/DLA data (median of $n runs, ms)"
ours=$(timeit "$n" "$pw" assess --db "$tmp/pw.db" --root "$tmp/root" --format json)
base=$(timeit "$n" debsecan --suite bullseye --source "file://$tmp/data/" \
	--status "$tmp/root/var/lib/dpkg/status" --format detail)
printf '%-44s %10s %10s %7sx\n' "patchwarden assess vs debsecan" "$ours" "$base" "$(ratio "$base" "$ours")"

# the same assessment from a store holding every bundled feed (OSV
# AlmaLinux, Alpine, NVD, KEV, EPSS beside the Debian lists): only the
# host's release is loaded, so the rest costs little
cp "$tmp/pw.db" "$tmp/all.db"
f=$top/data/feeds
"$pw" feed import --db "$tmp/all.db" "$f/osv/AlmaLinux/all.zip" "$f/alpine/secdb" "$f/nvd" \
	"$f/kev/known_exploited_vulnerabilities.json" "$f/epss/epss_scores-2026-08-16.csv.gz" >/dev/null
ours=$(timeit "$n" "$pw" assess --db "$tmp/all.db" --root "$tmp/root" --format json)
printf '%-44s %10s %10s %7sx\n' "  the same, store with every bundled feed" "$ours" "$base" \
	"$(ratio "$base" "$ours")"

# the same answer? (package, vulnerability) pairs with a fix
"$pw" assess --db "$tmp/pw.db" --root "$tmp/root" --format json --only-fixable --kind vulnerability |
	python3 -c 'import json,sys
for f in json.load(sys.stdin)["findings"]: print(f["source_package"], f["vulnerability"])' |
	sort -u >"$tmp/ours.txt" || true
debsecan --suite bullseye --source "file://$tmp/data/" --status "$tmp/root/var/lib/dpkg/status" \
	--only-fixed --format detail 2>/dev/null | grep -c '^[A-Z][A-Z]*-' >"$tmp/theirs.n" || true
echo "findings with a fix: patchwarden $(wc -l <"$tmp/ours.txt"), debsecan $(cat "$tmp/theirs.n")"
