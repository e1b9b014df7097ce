#!/bin/sh
# test_hostile_text.sh - strings from hosts and uploads are bounded and never
# reach a terminal raw: a 1 MiB package name and escape sequences in host
# names are refused with the field named, by the CLI import, the REST API
# and enrollment, and nothing is stored; strings a store holds from before
# (written here straight into its SQLite file) are printed escaped by
# `host list`, `host show` and `host history`, and stay exact in JSON.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
here=$src/tests/integration
check_doc=$here/openapi_check.py
for tool in curl python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is needed"; exit 77; }
done
python3 -c 'import jsonschema' 2>/dev/null || { echo "skip: python3-jsonschema is needed"; exit 77; }
. "$here/server_lib.sh"

tmp=$(mktemp -d)
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
# raw_controls FILE: 0 when FILE holds a raw control character (C0 but
# line feed and tab, DEL, or C1 in UTF-8)
raw_controls() {
	python3 -c 'import re, sys
b = open(sys.argv[1], "rb").read()
sys.exit(0 if re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b) else 1)' "$1"
}
no_raw() { ! raw_controls "$1"; }
# inv HOSTNAME MACHINE-ID [BIG]: an inventory of 18 packages; with BIG the
# name of packages[17] is 1 MiB
inv() {
	python3 - "$@" <<'PY'
import json, sys
host, mid = sys.argv[1], sys.argv[2]
pkgs = [{"family": "deb", "name": "pkg%02d" % i, "arch": "amd64", "version": "1.%d-1" % i,
         "state": "installed"} for i in range(18)]
if len(sys.argv) > 3:
    pkgs[17]["name"] = "a" * (1 << 20)
print(json.dumps({"schema_version": 1, "generator": "test", "scanned_at": "2026-12-01T00:00:00Z",
                  "root": "/", "host": {"machine_id": mid, "hostname": host,
                  "os": {"id": "debian", "version_id": "12", "codename": "bookworm"}},
                  "package_managers": ["dpkg"], "reboot": {"required": False, "reasons": [],
                  "packages": []}, "summary": {}, "packages": pkgs, "warnings": []}))
PY
}
nhosts() { "$pw" host list --format json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }

pw_server_start || { echo "Bail out! the server did not start"; exit 1; }
curl -s -o "$tmp/openapi.json" "$PW_URL/api/v1/openapi.json"
operator=$("$pw" token create --name text-op --role operator 2>/dev/null)
# api NAME TOKEN METHOD PATH [curl args]: the status; the body in $tmp/NAME.body
api() {
	n=$1 t=$2 m=$3 p=$4
	shift 4
	curl -s -o "$tmp/$n.body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" "$@" "$PW_URL$p"
}

# --- a 1 MiB package name
inv big1 0123456789abcdef0123456789abcd11 big >"$tmp/big.json"
"$pw" asset import-inventory "$tmp/big.json" >"$tmp/big.out" 2>"$tmp/big.err"
st=$?
check "asset import-inventory: a 1 MiB package name refused (exit 2), the field named" \
	sh -c "test $st -eq 2 && grep -q 'packages\[17\].name: 1048576 bytes, at most 256' '$tmp/big.err'"
st=$(api big "$operator" POST /api/v1/inventories -H 'Content-Type: application/json' \
	--data-binary "@$tmp/big.json")
check "POST /inventories: 400 naming packages[17].name, documented" sh -c \
	"test $st = 400 && grep -q 'packages\[17\].name: 1048576 bytes, at most 256' '$tmp/big.body' &&
	 '$check_doc' '$tmp/openapi.json' POST /api/v1/inventories 400 <'$tmp/big.body'"
check "nothing stored" test "$(nhosts)" = 0

# --- escape sequences in a host name: an OSC that retitles the terminal,
# a CSI that clears it
osc=$(printf 'web\033]0;pwned\007')
clear=$(printf 'web\033[2J')
inv "$osc" 0123456789abcdef0123456789abcd12 >"$tmp/osc.json"
inv "$clear" 0123456789abcdef0123456789abcd13 >"$tmp/clear.json"
"$pw" asset import-inventory "$tmp/osc.json" >"$tmp/osc.out" 2>"$tmp/osc.err"
st=$?
check "asset import-inventory: an OSC in the host name refused (exit 2), byte named" \
	sh -c "test $st -eq 2 && grep -q 'host.hostname: control character U+001B at byte 3' '$tmp/osc.err'"
check "  and the message itself holds no raw control character" no_raw "$tmp/osc.err"
st=$(api clear "$operator" POST /api/v1/inventories -H 'Content-Type: application/json' \
	--data-binary "@$tmp/clear.json")
check "POST /inventories: a CSI in the host name is 400, byte named" \
	sh -c "test $st = 400 && grep -q 'host.hostname: control character U+001B at byte 3' '$tmp/clear.body'"
etoken=$("$pw" enrollment create --expires 1h --uses 5 2>/dev/null)
python3 -c 'import json, sys; print(json.dumps({"token": sys.argv[1], "machine_id": "0123456789abcdef0123456789abcd14", "hostname": sys.argv[2]}))' \
	"$etoken" "$clear" >"$tmp/enroll.json"
st=$(curl -s -o "$tmp/enroll.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary "@$tmp/enroll.json" "$PW_URL/api/v1/enroll")
check "POST /enroll: a CSI in the host name is 400, documented" sh -c \
	"test $st = 400 && '$check_doc' '$tmp/openapi.json' POST /api/v1/enroll 400 <'$tmp/enroll.body'"
check "nothing stored" test "$(nhosts)" = 0
check "the server log holds no raw control character" no_raw "$PW_SERVER_LOG"

# --- strings stored before these checks existed, printed escaped
inv legacy1 0123456789abcdef0123456789abcd15 >"$tmp/legacy.json"
"$pw" asset import-inventory "$tmp/legacy.json" >/dev/null 2>&1
inv legacy1 0123456789abcdef0123456789abcd15 | sed 's/"1.0-1"/"1.0-2"/' >"$tmp/legacy2.json"
"$pw" asset import-inventory "$tmp/legacy2.json" >/dev/null 2>&1
python3 - "$PW_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE hosts SET hostname = ?, owner = ? WHERE hostname = 'legacy1'",
           ("legacy\x1b]0;pwned\x07\x1b[2J", "Team \x9b2J"))
db.execute("UPDATE host_packages SET name = ? WHERE name = 'pkg01'", ("pkg\x1b[31m01",))
db.execute("UPDATE package_history SET name = ? WHERE name = 'pkg00'", ("pkg\x1b[8m00",))
db.commit()
PY
id=$("$pw" host list --format json | python3 -c 'import json, sys
print([h["id"] for h in json.load(sys.stdin) if h["machine_id"] == "0123456789abcdef0123456789abcd15"][0])')
"$pw" host list >"$tmp/list.out" 2>&1
check "host list: no raw control character" no_raw "$tmp/list.out"
check "host list: the host name escaped, readable" \
	grep -qF 'legacy\x1b]0;pwned\x07\x1b[2J' "$tmp/list.out"
"$pw" host show "$id" >"$tmp/show.out" 2>&1
check "host show: name and owner escaped (C1 as \\u009b)" sh -c \
	"grep -qF 'legacy\\x1b]0;pwned\\x07\\x1b[2J' '$tmp/show.out' && grep -qF 'Team \\u009b2J' '$tmp/show.out'"
"$pw" host history "$id" >"$tmp/history.out" 2>&1
check "host history: the package name escaped" grep -qF 'pkg\x1b[8m00' "$tmp/history.out"
for f in show history; do
	check "host $f: no raw control character" no_raw "$tmp/$f.out"
done
"$pw" host show "$id" --format json >"$tmp/show.json"
check "host show --format json: valid JSON, the name exact" python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))
sys.exit(0 if h["hostname"] == "legacy\x1b]0;pwned\x07\x1b[2J" and h["owner"] == "Team \x9b2J" else 1)' "$tmp/show.json"
check "host show --format json: no raw control character" no_raw "$tmp/show.json"
reader=$("$pw" token create --name text-aud --role auditor 2>/dev/null)
st=$(api inv "$reader" GET "/api/v1/hosts/$id/inventory?limit=1000")
check "GET /hosts/{id}/inventory: JSON-escaped, exact once parsed" sh -c \
	"test $st = 200 && ! grep -q \"\$(printf '\\033')\" '$tmp/inv.body' &&
	 python3 -c 'import json, sys; sys.exit(0 if any(p[\"name\"] == \"pkg\\x1b[31m01\" for p in json.load(open(sys.argv[1]))[\"items\"]) else 1)' '$tmp/inv.body'"

# --- devices: a bad line's reason quotes the value, escaped
printf 'vendor,product,version,cpe,hostname\nCisco,IOS,15.2,cpe:2.3:o:cisco:ios:15.2:*:*:*:*:*:*:*,sw\033[2J1\n' >"$tmp/dev.csv"
"$pw" asset import-devices "$tmp/dev.csv" >"$tmp/dev.out" 2>"$tmp/dev.err"
st=$?
check "import-devices: a control character in a host name is a bad line (exit 2)" \
	sh -c "test $st -eq 2 && grep -q '^.*dev.csv:2:hostname:' '$tmp/dev.err'"
check "import-devices: the reason printed escaped ($(grep -o 'sw.*1' "$tmp/dev.err" | head -1))" \
	no_raw "$tmp/dev.err"

pw_server_stop || not_ok "server exit on SIGTERM"
[ $fails -eq 0 ] && echo "# all passed" || echo "# $fails failed"
[ $fails -eq 0 ]
