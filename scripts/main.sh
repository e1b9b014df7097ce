#!/bin/sh
# main.sh - set up patchwarden on a fresh Debian 12 machine and run the main
# job: install what is missing, build, inventory this host, import the
# bundled feed snapshot into the embedded store, and assess this host.
#   PATCHWARDEN_DB=path scripts/main.sh      to use another store file
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
[ -f build/build.ninja ] || meson setup build --buildtype=release -Dstatic_cli=true >/dev/null
ninja -C build >/dev/null
pw=build/src/patchwarden
: "${PATCHWARDEN_DB:=$PWD/var/patchwarden.db}"
export PATCHWARDEN_DB

echo "== inventory of this host"
$pw scan --updates-only
echo
echo "== importing the bundled feed snapshot into $PATCHWARDEN_DB"
$pw feed import data/feeds/debian/security-tracker/DSA-list \
	data/feeds/debian/security-tracker/DLA-list data/feeds/debian/tracker-json \
	data/feeds/osv/AlmaLinux/all.zip data/feeds/osv/samples data/feeds/alpine/secdb \
	data/feeds/alpine/secdb-json data/feeds/nvd \
	data/feeds/kev/known_exploited_vulnerabilities.json \
	data/feeds/epss/epss_scores-2026-08-16.csv.gz
echo
echo "== assessment of this host"
status=0
$pw assess || status=$?
# 1 means findings were reported, which is a result, not a failure
[ "$status" -le 1 ]
