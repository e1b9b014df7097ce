#!/bin/sh
# test_scan_cli.sh - drive `patchwarden scan` as a user would and compare its
# inventory with the native tools' own answers on the same input:
#   dpkg-query -W (this host, and real status files under a --root),
#   expected-packages.tsv read with rpm 4.18 (two real rpm databases),
#   apk fixtures, and the command-line contract (--help, errors, exit codes).
set -u
pw=${PATCHWARDEN:?}
data=${PW_TEST_DATA:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"

native=$(dpkg --print-architecture)

# dpkg's ${binary:Package} ${Version} lines from a scan JSON document:
# arch-qualified when Multi-Arch: same, or when the arch is foreign.
binary_packages() {
	python3 -c '
import json, sys
native = sys.argv[1]
doc = json.load(sys.stdin)
for p in doc["packages"]:
    if p["family"] != "deb":
        continue
    name = p["name"]
    arch = p.get("arch", "")
    if arch and (p.get("multi_arch") == "same" or arch not in (native, "all")):
        name += ":" + arch
    print(name, p["version"])
' "$native" | LC_ALL=C sort
}

# --- the live host against dpkg-query -W
if "$pw" scan --format json --no-updates >"$tmp/host.json" 2>"$tmp/host.err"; then
	binary_packages <"$tmp/host.json" >"$tmp/host.ours"
	dpkg-query -W -f='${binary:Package} ${Version}\n' | LC_ALL=C sort >"$tmp/host.dpkg"
	check "live host: same packages as dpkg-query -W ($(wc -l <"$tmp/host.dpkg"))" \
		cmp -s "$tmp/host.ours" "$tmp/host.dpkg"
	cmp -s "$tmp/host.ours" "$tmp/host.dpkg" || diff "$tmp/host.dpkg" "$tmp/host.ours" | head -20
	check "live host: os-release read" grep -q "\"id\": \"$(. /etc/os-release; echo "$ID")\"" "$tmp/host.json"
	check "live host: running kernel" grep -q "\"release\": \"$(uname -r)\"" "$tmp/host.json"
else
	not_ok "live host scan: $(cat "$tmp/host.err")"
fi

# --- a root built from a real Debian 12 host's status file
mkroot_dpkg() { # mkroot_dpkg <dir> <status file> [os-release]
	mkdir -p "$1/var/lib/dpkg" "$1/etc"
	cp "$2" "$1/var/lib/dpkg/status"
	[ -n "${3:-}" ] && cp "$3" "$1/etc/os-release"
	return 0
}
for fixture in this-host-bookworm trivy; do
	r="$tmp/root-$fixture"
	mkroot_dpkg "$r" "$data/inventory/dpkg/$fixture/status" \
		"$( [ -f "$data/inventory/dpkg/$fixture/os-release" ] && echo "$data/inventory/dpkg/$fixture/os-release")"
	if "$pw" scan --root "$r" --format json >"$tmp/$fixture.json" 2>"$tmp/$fixture.err"; then
		binary_packages <"$tmp/$fixture.json" >"$tmp/$fixture.ours"
		dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${binary:Package} ${Version}\n' |
			LC_ALL=C sort >"$tmp/$fixture.dpkg"
		check "$fixture: same packages as dpkg-query -W ($(wc -l <"$tmp/$fixture.dpkg"))" \
			cmp -s "$tmp/$fixture.ours" "$tmp/$fixture.dpkg"
		cmp -s "$tmp/$fixture.ours" "$tmp/$fixture.dpkg" || diff "$tmp/$fixture.dpkg" "$tmp/$fixture.ours" | head -20
	else
		not_ok "$fixture scan: $(cat "$tmp/$fixture.err")"
	fi
done
check "bookworm fixture: codename from os-release" \
	grep -q '"codename": "bookworm"' "$tmp/this-host-bookworm.json"
check "bookworm fixture: 823 packages" \
	test "$(wc -l <"$tmp/this-host-bookworm.dpkg")" -eq 823

# --- real rpm databases against rpm 4.18's own reading
for db in cbl-mariner-2.0 libuuid-bdb; do
	cp -r "$data/inventory/rpm/$db" "$tmp/rpmdb-$db"
	mkdir -p "$tmp/empty-root"
	if "$pw" scan --root "$tmp/empty-root" --rpm-dbpath "$tmp/rpmdb-$db" --format json \
		>"$tmp/$db.json" 2>"$tmp/$db.err"; then
		python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["family"] != "rpm":
        continue
    r = p["rpm"]
    print("\t".join([p["name"], r.get("epoch") or "0", r["version"], r["release"], p["arch"], r.get("sourcerpm", "")]))
' <"$tmp/$db.json" | LC_ALL=C sort >"$tmp/$db.ours"
		LC_ALL=C sort "$data/inventory/rpm/$db/expected-packages.tsv" >"$tmp/$db.expected"
		check "rpm $db: same packages as expected-packages.tsv ($(wc -l <"$tmp/$db.expected"))" \
			cmp -s "$tmp/$db.ours" "$tmp/$db.expected"
		cmp -s "$tmp/$db.ours" "$tmp/$db.expected" || diff "$tmp/$db.expected" "$tmp/$db.ours" | head -10
	else
		not_ok "rpm $db scan: $(cat "$tmp/$db.err")"
	fi
done

# --- an Alpine root
r="$tmp/root-alpine"
mkdir -p "$r/lib/apk/db"
cp "$data/inventory/apk/osv-scalibr/installed" "$r/lib/apk/db/installed"
if "$pw" scan --root "$r" --format json >"$tmp/alpine.json" 2>"$tmp/alpine.err"; then
	n=$(python3 -c 'import json,sys; print(sum(1 for p in json.load(sys.stdin)["packages"] if p["family"]=="apk"))' <"$tmp/alpine.json")
	check "alpine root: 15 apk packages (got $n)" test "$n" -eq 15
else
	not_ok "alpine scan: $(cat "$tmp/alpine.err")"
fi

# --- pending updates against apt's own answer
# "name version suite,suite" lines, suites sorted, from apt list --upgradable
apt_upgradable() {
	apt list --upgradable "$@" 2>/dev/null | awk -F'[/ ]' 'NF > 3 && /upgradable from/ {
		n = split($2, s, ","); out = ""
		for (i = 1; i <= n; i++) a[i] = s[i]
		# sort suites
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		for (i = 1; i <= n; i++) out = out (i > 1 ? "," : "") a[i]
		print $1, $3, out }' | LC_ALL=C sort -u
}
our_updates() {
	python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    u = p.get("update")
    if u:
        print(p["name"], u["version"], ",".join(sorted(u["origin"].split(","))))
' | LC_ALL=C sort -u
}
if "$pw" scan --format json >"$tmp/upd.json" 2>/dev/null; then
	our_updates <"$tmp/upd.json" >"$tmp/upd.ours"
	apt_upgradable >"$tmp/upd.apt"
	check "live host: pending updates equal apt list --upgradable ($(wc -l <"$tmp/upd.apt"))" \
		cmp -s "$tmp/upd.ours" "$tmp/upd.apt"
	cmp -s "$tmp/upd.ours" "$tmp/upd.apt" || diff "$tmp/upd.apt" "$tmp/upd.ours" | head -10
else
	not_ok "live host scan with updates"
fi

# a sandbox: the real 823-package status file and the bundled Debian 12
# lists (2026-11-21); apt itself answers from the same files
sb="$tmp/sandbox"
mkdir -p "$sb/etc/apt/apt.conf.d" "$sb/etc/apt/preferences.d" "$sb/etc/apt/sources.list.d" \
	"$sb/var/lib/apt/lists/partial" "$sb/var/lib/dpkg" "$sb/var/cache/apt/archives/partial" "$sb/etc"
cp "$data/inventory/dpkg/this-host-bookworm/status" "$sb/var/lib/dpkg/status"
cp "$data/inventory/dpkg/this-host-bookworm/os-release" "$sb/etc/os-release"
cp "${PW_SOURCE_ROOT:?}"/data/apt/bookworm/* "$sb/var/lib/apt/lists/"
cat >"$sb/etc/apt/sources.list" <<'SRC'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
if "$pw" scan --root "$sb" --format json >"$tmp/sb.json" 2>"$tmp/sb.err"; then
	our_updates <"$tmp/sb.json" >"$tmp/sb.ours"
	apt_upgradable -o Dir="$sb" -o Dir::State::status="$sb/var/lib/dpkg/status" \
		-o Dir::Etc="$sb/etc/apt" -o Dir::Cache="$sb/var/cache/apt" \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Debug::NoLocking=1 \
		>"$tmp/sb.apt"
	n=$(wc -l <"$tmp/sb.apt")
	check "sandbox: pending updates equal apt's on the bundled lists ($n)" \
		sh -c "[ $n -gt 100 ] && cmp -s '$tmp/sb.ours' '$tmp/sb.apt'"
	cmp -s "$tmp/sb.ours" "$tmp/sb.apt" || diff "$tmp/sb.apt" "$tmp/sb.ours" | head -10
	check "sandbox: security updates are marked" grep -q '"security": true' "$tmp/sb.json"
else
	not_ok "sandbox scan: $(cat "$tmp/sb.err")"
fi

# --- the table for people
"$pw" scan --root "$tmp/root-this-host-bookworm" >"$tmp/table.txt" 2>&1
check "table: header and a known package" grep -q '^NAME  *ARCH  *VERSION  *STATE' "$tmp/table.txt"
check "table: names the OS" grep -q 'Debian GNU/Linux 12 (bookworm)' "$tmp/table.txt"

# --- the command-line contract
"$pw" scan --help >"$tmp/help.txt" 2>&1
check "--help exits 0 and documents --root" grep -q -- '--root' "$tmp/help.txt"
"$pw" scan --format yaml >/dev/null 2>"$tmp/err.txt"
check "unknown --format exits 2" test $? -eq 2
check "unknown --format is named" grep -q "yaml" "$tmp/err.txt"
"$pw" scan --root "$tmp/does-not-exist" >/dev/null 2>"$tmp/err.txt"
check "missing root exits 2" test $? -eq 2
check "missing root is named" grep -q "does-not-exist" "$tmp/err.txt"
# a malformed status file: parsed with warnings naming file:line, never a crash
r="$tmp/root-bad"
mkroot_dpkg "$r" "$data/inventory/dpkg/osv-scalibr/noversion"
"$pw" scan --root "$r" --format json >"$tmp/bad.json" 2>"$tmp/bad.err"
rc=$?
check "malformed status: exit 0 or 2, not a crash (rc=$rc)" test $rc -eq 0 -o $rc -eq 2
check "malformed status: warning names file:line" grep -q 'status:[0-9]' "$tmp/bad.err"

echo "scan_cli: $fails failed"
[ "$fails" -eq 0 ]
