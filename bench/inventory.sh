#!/bin/sh
# inventory.sh - how fast is an inventory, against the native tools on the
# same input, measured in the same run:
#   dpkg: `patchwarden scan --no-updates` vs `dpkg-query -W` (this host; the
#         823-package real status file under a root; 20 times that)
#   apt:  `patchwarden scan` (pending updates from the apt lists) vs
#         `apt list --upgradable` (this host; the bundled Debian 12 lists
#         under a root with the 823-package status file)
#   rpm:  `patchwarden scan --rpm-dbpath` vs `rpm --dbpath -qa` (a real
#         129-package sqlite rpm database)
# Whole commands are timed (process start included): median wall and CPU
# time of N runs, the greatest peak RSS; each row says how many packages
# (or pending updates) each side reported.
# shellcheck disable=SC2016,SC2046 # dpkg-query formats; figures split on purpose
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
n=${N:-21}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== inventory (median of $n runs; speedup = baseline / patchwarden)"
printf '%-40s %8s %8s %7s %8s %8s %7s %6s %6s\n' "" "wall ms" "base" "speedup" "cpu ms" "base" \
	"speedup" "MiB" "MiB"

# row <label> <work> <ours> <baseline>: the two "wall cpu peak" figures
row() {
	# shellcheck disable=SC2086
	set -- "$1" "$2" $3 $4
	printf '%-40s %8.1f %8.1f %6sx %8.1f %8.1f %6sx %6s %6s\n' "$1" "$3" "$6" "$(ratio "$6" "$3")" \
		"$4" "$7" "$(ratio "$7" "$4")" "$(mib "$5")" "$(mib "$8")"
	echo "  $2"
}
# packages <scan json>: how many packages a scan reported, how many with an update
packages() {
	python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["packages"]
print(len(p), sum(1 for x in p if x.get("update")))' "$1"
}
dq() { # dq <admindir or ""> : dpkg-query -W lines
	if [ -n "$1" ]; then dpkg-query --admindir="$1" -W -f='${binary:Package} ${Version}\n'
	else dpkg-query -W -f='${binary:Package} ${Version}\n'; fi | wc -l
}

# this host
"$pw" scan --no-updates --format json >"$tmp/host.json"
set -- $(packages "$tmp/host.json")
row "this host, scan --no-updates vs dpkg-query" "packages: patchwarden $1, dpkg-query $(dq "")" \
	"$(measure "$n" "$pw" scan --no-updates --format json)" \
	"$(measure "$n" dpkg-query -W -f='${binary:Package} ${Version}\n')"

# the real 823-package status file under a root
mkdir -p "$tmp/root/var/lib/dpkg" "$tmp/root/etc"
cp "$top/tests/data/inventory/dpkg/this-host-bookworm/status" "$tmp/root/var/lib/dpkg/status"
cp "$top/tests/data/inventory/dpkg/this-host-bookworm/os-release" "$tmp/root/etc/os-release"
"$pw" scan --root "$tmp/root" --no-updates --format json >"$tmp/root.json"
set -- $(packages "$tmp/root.json")
row "823-package fixture vs dpkg-query -W" \
	"packages: patchwarden $1, dpkg-query $(dq "$tmp/root/var/lib/dpkg")" \
	"$(measure "$n" "$pw" scan --root "$tmp/root" --no-updates --format json)" \
	"$(measure "$n" dpkg-query --admindir="$tmp/root/var/lib/dpkg" -W -f='${binary:Package} ${Version}\n')"

# a synthetic large status file: the fixture 20 times with renamed packages
mkdir -p "$tmp/big/var/lib/dpkg"
for c in $(seq 1 20); do
	sed "s/^Package: \(.*\)/Package: \1-c$c/" "$tmp/root/var/lib/dpkg/status"
	echo
done >"$tmp/big/var/lib/dpkg/status"
"$pw" scan --root "$tmp/big" --no-updates --format json >"$tmp/big.json"
set -- $(packages "$tmp/big.json")
row "16,460-package synthetic vs dpkg-query -W" \
	"packages: patchwarden $1, dpkg-query $(dq "$tmp/big/var/lib/dpkg")" \
	"$(measure "$n" "$pw" scan --root "$tmp/big" --no-updates --format json)" \
	"$(measure "$n" dpkg-query --admindir="$tmp/big/var/lib/dpkg" -W -f='${binary:Package} ${Version}\n')"

# pending updates: the default scan reads the apt lists as apt does
upgradable() { # upgradable <apt options...>: apt's pending updates
	apt list --upgradable "$@" 2>/dev/null | grep -c 'upgradable from' || true
}
if command -v apt >/dev/null 2>&1; then
	"$pw" scan --format json >"$tmp/host-u.json"
	upgradable >/dev/null
	set -- $(packages "$tmp/host-u.json")
	row "this host, scan vs apt list --upgradable" \
		"pending updates: patchwarden $2 (of $1 packages), apt $(upgradable)" \
		"$(measure "$n" "$pw" scan --format json)" "$(measure "$n" apt list --upgradable)"
	sb=$tmp/bookworm
	mkdir -p "$sb/var/lib/apt/lists" "$sb/var/lib/dpkg" "$sb/etc/apt/preferences.d" \
		"$sb/etc/apt/apt.conf.d" "$tmp/cache/archives/partial"
	cp "$top"/data/apt/bookworm/* "$sb/var/lib/apt/lists/"
	cp "$tmp/root/var/lib/dpkg/status" "$sb/var/lib/dpkg/status"
	cp "$tmp/root/etc/os-release" "$sb/etc/os-release"
	printf 'deb http://deb.debian.org/debian %s main\n' bookworm bookworm-updates >"$sb/etc/apt/sources.list"
	echo "deb http://deb.debian.org/debian-security bookworm-security main" >>"$sb/etc/apt/sources.list"
	set -- -o "Dir=$sb" -o "Dir::State::status=$sb/var/lib/dpkg/status" -o "Dir::Etc=$sb/etc/apt" \
		-o "Dir::Cache=$tmp/cache" -o "Dir::State::Lists=$sb/var/lib/apt/lists" \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Debug::NoLocking=1
	apt_u=$(upgradable "$@") # also builds apt's cache, which later runs reuse
	"$pw" scan --root "$sb" --format json >"$tmp/sb.json"
	set -- $(packages "$tmp/sb.json") "$@"
	w="pending updates: patchwarden $2 (of $1 packages), apt $apt_u"
	shift 2
	row "bundled lists, scan vs apt list --upgr." "$w" \
		"$(measure "$n" "$pw" scan --root "$sb" --format json)" \
		"$(measure "$n" apt list --upgradable "$@")"
fi

# the reader alone, in one process (no process start, no output)
inproc=${INVENTORY_INPROC:-$top/build-bench/bench/inventory_inproc}
for r in root big; do
	set -- $("$inproc" 200 "$tmp/$r")
	base=$(timeit "$n" dpkg-query --admindir="$tmp/$r/var/lib/dpkg" -W -f='${binary:Package} ${Version}\n')
	printf '%-40s %8.1f %8.1f %6sx  (wall; no process start on our side)\n' \
		"reader in-process, $2 packages" "$1" "$base" \
		"$(ratio "$base" "$1")"
done

# rpm
cp -r "$top/tests/data/inventory/rpm/cbl-mariner-2.0" "$tmp/rpmdb"
mkdir -p "$tmp/empty"
"$pw" scan --root "$tmp/empty" --rpm-dbpath "$tmp/rpmdb" --no-updates --format json >"$tmp/rpm.json"
set -- $(packages "$tmp/rpm.json")
row "129-package rpm db vs rpm -qa" "packages: patchwarden $1, rpm $(rpm --dbpath "$tmp/rpmdb" -qa | wc -l)" \
	"$(measure "$n" "$pw" scan --root "$tmp/empty" --rpm-dbpath "$tmp/rpmdb" --no-updates --format json)" \
	"$(measure "$n" rpm --dbpath "$tmp/rpmdb" -qa)"
# patchwarden asks rpm not to re-hash each header (src/collect/rpmdb.c):
# the same query without that difference
row "  vs rpm -qa --nodigest --nosignature" "(the same packages)" \
	"$(measure "$n" "$pw" scan --root "$tmp/empty" --rpm-dbpath "$tmp/rpmdb" --no-updates --format json)" \
	"$(measure "$n" rpm --dbpath "$tmp/rpmdb" -qa --nodigest --nosignature)"
