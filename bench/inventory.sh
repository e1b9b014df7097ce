#!/bin/sh
# inventory.sh - how fast is an inventory, against the native tools on the
# same input, measured in the same run:
#   dpkg: `patchwarden scan` vs `dpkg-query -W` (this host; the 823-package
#         real status fixture under a root)
#   rpm:  `patchwarden scan --rpm-dbpath` vs `rpm --dbpath -qa` (a real
#         129-package sqlite rpm database)
# Whole commands are timed (process start included), median of N runs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
n=${N:-30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== inventory (median of $n runs, ms per run)"
printf '%-44s %10s %10s %8s\n' "input" "patchwarden" "baseline" "speedup"

row() { # row <label> <ours ms> <baseline ms>
	printf '%-44s %10s %10s %7sx\n' "$1" "$2" "$3" "$(ratio "$3" "$2")"
}

# this host
ours=$(timeit "$n" "$pw" scan --no-updates --format json)
base=$(timeit "$n" dpkg-query -W -f='${binary:Package} ${Version}\n')
row "this host ($(dpkg-query -W | wc -l) deb) vs dpkg-query -W" "$ours" "$base"

# the real 823-package status file under a root
mkdir -p "$tmp/root/var/lib/dpkg" "$tmp/root/etc"
cp "$top/tests/data/inventory/dpkg/this-host-bookworm/status" "$tmp/root/var/lib/dpkg/status"
cp "$top/tests/data/inventory/dpkg/this-host-bookworm/os-release" "$tmp/root/etc/os-release"
ours=$(timeit "$n" "$pw" scan --root "$tmp/root" --no-updates --format json)
base=$(timeit "$n" dpkg-query --admindir="$tmp/root/var/lib/dpkg" -W -f='${binary:Package} ${Version}\n')
row "823-package fixture vs dpkg-query -W" "$ours" "$base"

# a synthetic large status file: the fixture 20 times with renamed packages
mkdir -p "$tmp/big/var/lib/dpkg"
for c in $(seq 1 20); do
	sed "s/^Package: \(.*\)/Package: \1-c$c/" "$tmp/root/var/lib/dpkg/status"
	echo
done >"$tmp/big/var/lib/dpkg/status"
ours=$(timeit "$n" "$pw" scan --root "$tmp/big" --no-updates --format json)
base=$(timeit "$n" dpkg-query --admindir="$tmp/big/var/lib/dpkg" -W -f='${binary:Package} ${Version}\n')
row "16,460-package synthetic vs dpkg-query -W" "$ours" "$base"

# the reader alone, in one process (no process start, no output)
inproc=${INVENTORY_INPROC:-$top/build-bench/bench/inventory_inproc}
for r in root big; do
	set -- $("$inproc" 200 "$tmp/$r")
	base=$(timeit "$n" dpkg-query --admindir="$tmp/$r/var/lib/dpkg" -W -f='${binary:Package} ${Version}\n')
	row "reader in-process, $2 packages vs dpkg-query" "$1" "$base"
done

# rpm
cp -r "$top/tests/data/inventory/rpm/cbl-mariner-2.0" "$tmp/rpmdb"
mkdir -p "$tmp/empty"
ours=$(timeit "$n" "$pw" scan --root "$tmp/empty" --rpm-dbpath "$tmp/rpmdb" --no-updates --format json)
base=$(timeit "$n" rpm --dbpath "$tmp/rpmdb" -qa)
printf '%-44s %10s %10s %7s%%\n' "129-package rpm db vs rpm -qa (overhead)" "$ours" "$base" \
	"$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')"
# patchwarden asks rpm not to re-hash each header (src/collect/rpmdb.c):
# the same query without that difference
base=$(timeit "$n" rpm --dbpath "$tmp/rpmdb" -qa --nodigest --nosignature)
printf '%-44s %10s %10s %7s%%\n' "  vs rpm -qa --nodigest --nosignature" "$ours" "$base" \
	"$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')"
