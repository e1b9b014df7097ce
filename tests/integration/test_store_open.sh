#!/bin/sh
# test_store_open.sh - which commands make a store where none is.
#
# A command that only reads (finding list, host list/show, feed status,
# audit list/verify, user/token/enrollment/group list, assess) refuses a
# store that does not exist: exit 2, the path named, and no file or
# directory left behind. Commands that start a store (db migrate, feed
# import, user add) still create it.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
feeds=$src/data/feeds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"

# the store would be in a directory that does not exist either
none=$tmp/nodir/none.db
# refuses "command words...": exit 2, the path named, nothing made
refuses() {
	status=0
	"$pw" "$@" --db "$none" >"$tmp/out" 2>"$tmp/err" </dev/null || status=$?
	if [ "$status" -eq 2 ] && grep -q "no store at $none" "$tmp/err" && [ ! -e "$tmp/nodir" ]; then
		ok "$*: refused, the path named, nothing created"
	else
		not_ok "$*: exit $status, $(ls -A "$tmp/nodir" 2>/dev/null | tr '\n' ' ')left behind; said: $(cat "$tmp/err")"
	fi
	rm -rf "$tmp/nodir"
}
refuses finding list
refuses finding assess
refuses host list
refuses host show web1
refuses feed status
refuses feed status --format json
refuses audit verify
refuses audit list
refuses user list
refuses token list
refuses enrollment list
refuses group list
# a root with a package database, so only the store can be what is missing
root=$tmp/root
mkdir -p "$root/etc" "$root/var/lib/dpkg"
cp "$src/tests/data/inventory/hosts/debian12/usr/lib/os-release" "$root/etc/os-release"
cp "$src/tests/data/inventory/dpkg/this-host-bookworm/status" "$root/var/lib/dpkg/status"
refuses assess --root "$root"

# the default store ($PATCHWARDEN_DB) is refused the same way
status=0
PATCHWARDEN_DB=$none "$pw" host list >/dev/null 2>"$tmp/err" || status=$?
[ "$status" -eq 2 ] && grep -q "no store at $none" "$tmp/err" && [ ! -e "$tmp/nodir" ] &&
	ok "\$PATCHWARDEN_DB not there: refused" || not_ok "\$PATCHWARDEN_DB not there: exit $status"

# writers create it, and then the readers read it
db=$tmp/w1/pw.db
mkdir -p "$tmp/w1" "$tmp/w2" "$tmp/w3"
"$pw" db migrate --db "$db" >/dev/null 2>&1 && [ -s "$db" ] &&
	"$pw" host list --db "$db" >/dev/null 2>&1 && "$pw" audit verify --db "$db" >/dev/null 2>&1 &&
	ok "db migrate creates the store, which host list and audit verify then read" ||
	not_ok "db migrate creates the store"
"$pw" feed import --db "$tmp/w2/pw.db" "$feeds/kev/known_exploited_vulnerabilities.json" \
	>/dev/null 2>&1 && "$pw" feed status --db "$tmp/w2/pw.db" --max-age never >/dev/null 2>&1 &&
	ok "feed import creates the store" || not_ok "feed import creates the store"
printf 'a long enough password\n' >"$tmp/pass"
"$pw" user add alice --role auditor --password-file "$tmp/pass" --db "$tmp/w3/pw.db" >/dev/null 2>&1 &&
	"$pw" user list --db "$tmp/w3/pw.db" | grep -q alice &&
	ok "user add creates the store" || not_ok "user add creates the store"
[ "$fails" -eq 0 ]
