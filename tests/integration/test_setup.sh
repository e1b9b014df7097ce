#!/bin/sh
# test_setup.sh - the set-up scripts on a machine without the test packages.
#
# 1. The tree configures with cmocka hidden (as on a fresh machine, where
#    only the test set-up installs it): -Dtests=disabled and -Dtests=auto
#    succeed, -Dtests=enabled fails naming cmocka. cmocka is hidden from
#    meson alone, in a private mount namespace (tmpfs over its cmake folder,
#    /dev/null over its .pc file and headers): needs root and unshare,
#    skipped otherwise.
# 2. A failing step of the scripts says what failed, its exit status, and
#    what it printed (scripts/step.sh).
set -u
src=${PW_SOURCE_ROOT:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
has() { grep -q -- "$2" "$1" || { echo "#   no '$2' in:" >&2; sed 's/^/#   /' "$1" >&2; return 1; }; }

# ---- 2. a failing step prints its output ----
cat >"$tmp/fail.sh" <<SH
set -eu
. "$src/scripts/step.sh"
step "quiet step" sh -c 'echo all is well'
step "building the thing" sh -c 'echo "cc: error: foo.c: no such file" >&2; exit 3'
echo "not reached"
SH
status=0
sh "$tmp/fail.sh" >"$tmp/fail.out" 2>&1 || status=$?
if [ "$status" -eq 3 ] && has "$tmp/fail.out" "building the thing failed (exit 3)" &&
	has "$tmp/fail.out" "cc: error: foo.c: no such file" &&
	! grep -q "all is well\|not reached" "$tmp/fail.out"; then
	ok "a failing step names itself, its status and its output; a passing one stays quiet"
else
	not_ok "a failing step names itself, its status and its output (exit $status)"
fi

# deps.sh: apt failing is named, with apt's own message (stand-ins for
# dpkg-query and apt-get: nothing is installed)
mkdir "$tmp/bin"
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/dpkg-query"
printf '#!/bin/sh\necho "E: Could not get lock /var/lib/apt/lists/lock" >&2\nexit 100\n' >"$tmp/bin/apt-get"
printf '#!/bin/sh\n"$@"\n' >"$tmp/bin/sudo"
chmod +x "$tmp/bin/dpkg-query" "$tmp/bin/apt-get" "$tmp/bin/sudo"
status=0
PATH=$tmp/bin:$PATH sh "$src/scripts/deps.sh" build >"$tmp/deps.out" 2>&1 || status=$?
if [ "$status" -eq 2 ] && has "$tmp/deps.out" "apt-get update failed (exit 100)" &&
	has "$tmp/deps.out" "E: Could not get lock"; then
	ok "deps.sh: a failing apt-get is named with its status and its message"
else
	not_ok "deps.sh: a failing apt-get is named with its status and its message (exit $status)"
fi

# ---- 1. configuring without cmocka ----
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
pc=/usr/lib/$multiarch/pkgconfig/cmocka.pc
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 || ! command -v meson >/dev/null 2>&1; then
	echo "skip: hiding cmocka needs root, unshare and meson"
	[ "$fails" -eq 0 ] || exit 1
	exit 77
fi
# without_cmocka CMD...: CMD in a mount namespace where cmocka is not installed
without_cmocka() {
	unshare -m sh -c '
		pc=$1; shift
		cm=${pc%/pkgconfig/cmocka.pc}/cmake/cmocka
		[ ! -d "$cm" ] || mount -t tmpfs none "$cm" || exit 125
		for f in "$pc" /usr/include/cmocka.h /usr/include/cmocka_pbc.h; do
			[ ! -e "$f" ] || mount --bind /dev/null "$f" || exit 125
		done
		exec "$@"' sh "$pc" "$@"
}
# configure DIR OPTION: meson setup of the tree, without cmocka, into $tmp/DIR
configure() {
	without_cmocka meson setup "$tmp/$1" "$src" "$2" >"$tmp/$1.out" 2>&1
}
if without_cmocka sh -c 'pkg-config --exists cmocka || [ -s /usr/include/cmocka.h ]'; then
	not_ok "cmocka hidden (pkg-config or the header still finds it)"
fi
for opt in disabled auto; do
	if configure "tests-$opt" "-Dtests=$opt" && [ -f "$tmp/tests-$opt/build.ninja" ]; then
		ok "meson setup -Dtests=$opt without cmocka"
	else
		not_ok "meson setup -Dtests=$opt without cmocka"
		sed 's/^/#   /' "$tmp/tests-$opt.out" | tail -n 20 >&2
	fi
done
# auto: the integration tests are there, the unit tests are not
if has "$tmp/tests-auto.out" "unit tests are not built" &&
	meson introspect --tests "$tmp/tests-auto" >"$tmp/tests.json" &&
	has "$tmp/tests.json" '"name": "feed_cli"' && ! grep -q '"name": "version"' "$tmp/tests.json"; then
	ok "-Dtests=auto without cmocka: integration tests only, and it says so"
else
	not_ok "-Dtests=auto without cmocka: integration tests only, and it says so"
fi
if configure tests-enabled -Dtests=enabled; then
	not_ok "meson setup -Dtests=enabled without cmocka fails"
elif has "$tmp/tests-enabled.out" cmocka; then
	ok "meson setup -Dtests=enabled without cmocka fails, naming cmocka"
else
	not_ok "meson setup -Dtests=enabled without cmocka names cmocka"
fi
# the main job configures its build without the test suite
if has "$src/scripts/main.sh" "-Dtests=disabled"; then
	ok "scripts/main.sh builds without the tests"
else
	not_ok "scripts/main.sh builds without the tests"
fi
[ "$fails" -eq 0 ]
