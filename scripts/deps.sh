#!/bin/sh
# deps.sh - install the Debian 12 packages patchwarden needs, if missing.
#   scripts/deps.sh build   what building and running needs
#   scripts/deps.sh test    that plus what the test suite needs
# Runs apt-get as root, or through sudo. Installs nothing that is present.
set -eu

build_pkgs="meson ninja-build pkg-config gcc libc6-dev libjansson-dev libarchive-dev libsqlite3-dev
	libcurl4-gnutls-dev libinih-dev zlib1g-dev liblzma-dev liblz4-dev libzstd-dev libbz2-dev
	libmicrohttpd-dev libsodium-dev"
# apt-utils (tests): apt-ftparchive indexes the agent apply test's repository.
# prometheus (tests): its promtool checks GET /metrics; the tests run no
# Prometheus server. nftables (tests): nft -c checks the quarantine export.
# rpm: reads rpm databases for inventories; apt/dpkg are on every Debian host.
# curl: the main job waits for the server it starts with it.
run_pkgs="rpm curl"
test_pkgs="clang libclang-rt-14-dev libcmocka-dev dpkg-dev apt-utils debsecan python3 sqlite3
	python3-jsonschema openssl curl prometheus nftables"

case "${1:-build}" in
build) want="$build_pkgs $run_pkgs" ;;
test) want="$build_pkgs $run_pkgs $test_pkgs" ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps.sh: need root or sudo to install:$missing" >&2
	exit 2
fi
echo "deps.sh: installing$missing" >&2
# apt's own messages go to stderr as they come; a failure also says which step
status=0
$sudo apt-get update -qq >&2 || status=$?
if [ "$status" -ne 0 ]; then
	echo "deps.sh: apt-get update failed (exit $status), so nothing was installed; needed:$missing" >&2
	exit 2
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2 ||
	status=$?
if [ "$status" -ne 0 ]; then
	echo "deps.sh: apt-get install failed (exit $status) for:$missing" >&2
	exit 2
fi
