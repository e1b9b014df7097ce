#!/bin/sh
# aptlists_vs_apt.sh - pending updates from `patchwarden scan` against apt's
# own answer (`apt list --upgradable`) on the same files:
#   1. this host (/var/lib/apt/lists, /var/lib/dpkg/status, /etc/apt);
#   2. a sandbox: the bundled Debian 12 lists (data/apt/bookworm, 2026-11-21)
#      and a real 823-package Debian 12 status file;
#   3. tests/data/apt/pins: every kind of apt_preferences pin, every list
#      compression, NotAutomatic and ButAutomaticUpgrades suites, multiarch.
# Compared per package: name, arch, candidate version and the suites that
# ship it (as a set: apt prints them in sources.list order, patchwarden in
# list file order), and the security flag against the suites' names.
# Then damaged lists: warnings naming file:line, never a crash.
# Exits 77 (skipped) where apt is not installed: apt is the ground truth.
set -u
pw=${PATCHWARDEN:?}
data=${PW_TEST_DATA:?}
src=${PW_SOURCE_ROOT:?}
if ! command -v apt >/dev/null 2>&1; then
	echo "skip: apt is not installed"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"

# "name arch version suites security" lines, suites sorted, from apt list
# --upgradable ("name/s1,s2 version arch [upgradable from: v]"); security
# when a suite is named *-security.
apt_lines() {
	apt list --upgradable "$@" 2>/dev/null | awk '/\[upgradable from: / {
		split($1, ns, "/"); n = split(ns[2], s, ",")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
		out = s[1]; sec = (s[1] ~ /-security$/)
		for (i = 2; i <= n; i++) { out = out "," s[i]; if (s[i] ~ /-security$/) sec = 1 }
		print ns[1], $3, $2, out, (sec ? "security" : "-") }' | LC_ALL=C sort
}
# the same lines from a scan JSON document
our_lines() {
	python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    u = p.get("update")
    if p["family"] == "deb" and u:
        print(p["name"], p["arch"], u["version"], ",".join(sorted(u["origin"].split(","))),
              "security" if u["security"] else "-")
' | LC_ALL=C sort
}
# compare <label> <root or ""> <apt options...>
compare() {
	label=$1
	root=$2
	shift 2
	if [ -n "$root" ]; then
		"$pw" scan --root "$root" --format json >"$tmp/$label.json" 2>"$tmp/$label.err"
	else
		"$pw" scan --format json >"$tmp/$label.json" 2>"$tmp/$label.err"
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$label: scan failed (rc=$rc): $(head -3 "$tmp/$label.err")"
		return
	fi
	our_lines <"$tmp/$label.json" >"$tmp/$label.ours"
	apt_lines "$@" >"$tmp/$label.apt"
	n=$(wc -l <"$tmp/$label.apt")
	if cmp -s "$tmp/$label.ours" "$tmp/$label.apt"; then
		ok "$label: the same $n pending updates as apt list --upgradable"
	else
		not_ok "$label: pending updates differ from apt list --upgradable (< apt, > patchwarden)"
		diff "$tmp/$label.apt" "$tmp/$label.ours" | head -20
	fi
}
# apt options that make it read only the root: its state, its etc/apt, a
# scratch cache (the root may be read-only), no lock
apt_opts() {
	echo "-o Dir=$1 -o Dir::State::status=$1/var/lib/dpkg/status -o Dir::Etc=$1/etc/apt" \
		"-o Dir::Cache=$tmp/cache -o Dir::State::Lists=$1/var/lib/apt/lists" \
		"-o APT::Architecture=amd64 -o APT::Architectures::=amd64" \
		"-o APT::Architectures::=i386 -o Debug::NoLocking=1"
}
mkdir -p "$tmp/cache/archives/partial"

# --- 1. this host
compare host ""
[ -s "$tmp/host.apt" ] || echo "# note: this host has no pending update: the comparison is of two empty lists"

# --- 2. the bundled Debian 12 lists and a real status file. apt needs no
# partial/ directory and no apt-get update: it reads the InRelease files as
# they are (their signatures were checked when they were fetched)
sb="$tmp/bookworm"
mkdir -p "$sb/var/lib/apt/lists" "$sb/var/lib/dpkg" "$sb/etc/apt/preferences.d" "$sb/etc/apt/apt.conf.d"
cp "$src"/data/apt/bookworm/* "$sb/var/lib/apt/lists/"
cp "$data/inventory/dpkg/this-host-bookworm/status" "$sb/var/lib/dpkg/status"
cat >"$sb/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
# shellcheck disable=SC2046 # the options are words on purpose
compare bookworm "$sb" $(apt_opts "$sb")
n=$(wc -l <"$tmp/bookworm.apt")
if [ "$n" -gt 100 ] && grep -q ' security$' "$tmp/bookworm.apt"; then
	ok "bookworm: apt sees the lists ($n updates, security ones among them)"
else
	not_ok "bookworm: apt saw only $n updates: the sandbox is not what apt reads"
fi

# --- 3. pins, compressions, suites
cp -r "$data/apt/pins" "$tmp/pins"
# shellcheck disable=SC2046
compare pins "$tmp/pins" $(apt_opts "$tmp/pins")
if cmp -s "$tmp/pins.apt" /dev/null; then
	not_ok "pins: apt listed nothing: the fixture is not what apt reads"
fi

# --- 4. damaged lists and preferences: warnings, no crash, the good index counts
cp -r "$data/apt/broken" "$tmp/broken"
"$pw" scan --root "$tmp/broken" --format json >"$tmp/broken.json" 2>"$tmp/broken.err"
rc=$?
if [ $rc -eq 0 ]; then ok "damaged lists: scan exits 0"; else not_ok "damaged lists: rc=$rc"; fi
for w in 'good_main_binary-amd64_Packages:7: stanza without Package' \
	'good_main_binary-amd64_Packages:10: package noversion: stanza without Version' \
	'garbage_main_binary-amd64_Packages.lz4: lz4' \
	'cut_main_binary-amd64_Packages.gz: gzip: truncated' \
	'short_main_binary-amd64_Packages:6: the file ends inside a line' \
	'orphan_main_binary-amd64_Packages: no Release file' \
	'preferences:4: pin type'; do
	if grep -qF "$w" "$tmp/broken.err"; then ok "damaged lists: warns '$w'"; else not_ok "damaged lists: no warning '$w'"; fi
done
if our_lines <"$tmp/broken.json" | grep -qx 'good amd64 2.0 good -'; then
	ok "damaged lists: the good index still counts"
else
	not_ok "damaged lists: the good index was lost"
fi

echo "aptlists_vs_apt: $fails failed"
[ "$fails" -eq 0 ]
