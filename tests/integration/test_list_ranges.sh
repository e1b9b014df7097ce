#!/bin/sh
# test_list_ranges.sh - --since/--until and ?since=&until= on the lists that
# have times (hosts by last seen, audit entries, findings by first seen,
# exceptions by request) through the real server and the CLI, at pinned
# times; bad values 400 naming the parameter; CSV of the host and finding
# lists (?format=csv, Accept: text/csv, --format csv): RFC 4180 quoting, a
# hostile hostname's formula defused with a leading '.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
here=$src/tests/integration
tmp=$(mktemp -d)
. "$here/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "$here/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
T=1800000000 # 2027-01-15T08:00:00Z
DAY=86400
PW_SERVER_DIR=$tmp/server
mkdir -p "$PW_SERVER_DIR"
PATCHWARDEN_DB=$PW_SERVER_DIR/pw.db
export PATCHWARDEN_DB

inv() { # inv <machine-id> <hostname>
	python3 - "$tmp" "$1" "$2" <<'PY'
import json, sys
tmp, mid, name = sys.argv[1:]
json.dump({"schema_version": 1, "root": "/",
           "host": {"machine_id": mid, "hostname": name,
                    "os": {"id": "debian", "version_id": "11", "codename": "bullseye"}},
           "packages": [{"family": "deb", "name": "curl", "version": "7.74.0-1.3+deb11u1",
                         "state": "installed", "arch": "amd64", "source_name": "curl",
                         "source_version": "7.74.0-1.3+deb11u1"}]}, open(f"{tmp}/{mid}.json", "w"))
PY
}
cat >"$tmp/osv.json" <<'J'
{"id": "CVE-2099-0001", "summary": "curl", "published": "2027-01-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.74.0-1.3+deb11u9"}]}]}]}
J
# old1 seen at T, new1 and the hostile one at T+10d
inv m-old old1
inv m-new new1
inv m-evil '=HYPERLINK("http://x/","a,b")'
PATCHWARDEN_NOW=$T "$pw" feed import "$tmp/osv.json" >/dev/null 2>&1 &&
	PATCHWARDEN_NOW=$T "$pw" asset import-inventory "$tmp/m-old.json" >/dev/null 2>&1 &&
	PATCHWARDEN_NOW=$T "$pw" finding assess >/dev/null 2>&1 &&
	PATCHWARDEN_NOW=$((T + 10 * DAY)) "$pw" asset import-inventory "$tmp/m-new.json" "$tmp/m-evil.json" >/dev/null 2>&1 &&
	PATCHWARDEN_NOW=$((T + 10 * DAY)) "$pw" finding assess >/dev/null 2>&1 &&
	ok "three hosts, two of them ten days later" || not_ok "seeding"

PATCHWARDEN_NOW=$((T + 12 * DAY))
export PATCHWARDEN_NOW
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server at $PW_URL, its clock at T+12d"
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"
aud=$("$pw" token create --name ranges --role auditor 2>/dev/null)
call() { # call <path-template> <url-path> [want]
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $aud" "$PW_URL$2")
	if ! python3 "$here/openapi_check.py" "$doc" GET "$1" "$code" <"$tmp/body" 2>"$tmp/check"; then
		not_ok "GET $2 ($code) does not match the document: $(head -c 300 "$tmp/check")"
	fi
	[ "$code" = "${3:-200}" ] || { echo "# $2: $code, want ${3:-200}: $(head -c 300 "$tmp/body")"; return 1; }
}
names() { json 'sorted(h["hostname"] for h in d["items"])' <"$tmp/body"; }

# --- hosts by last seen
call /api/v1/hosts "/api/v1/hosts?since=5d" && check "hosts ?since=5d: the two seen at T+10d" eq "$(names)" \
	"['=HYPERLINK(\"http://x/\",\"a,b\")', 'new1']"
call /api/v1/hosts "/api/v1/hosts?until=2027-01-20" && check "hosts ?until=2027-01-20: old1" eq "$(names)" "['old1']"
call /api/v1/hosts "/api/v1/hosts?since=2027-01-15T08:00:00Z&until=2027-01-15T08:00:01Z" &&
	check "hosts in one second, RFC 3339: old1" eq "$(names)" "['old1']"
"$pw" host list --since 5d --format json >"$tmp/out" 2>&1 &&
	check "host list --since 5d" eq "$(json 'len(d)' <"$tmp/out")" 2

# --- audit entries by time
call /api/v1/audit "/api/v1/audit?until=2027-01-16&limit=1000" && n_early=$(json 'len(d["items"])' <"$tmp/body")
call /api/v1/audit "/api/v1/audit?since=2027-01-16&limit=1000" && n_late=$(json 'len(d["items"])' <"$tmp/body")
call /api/v1/audit "/api/v1/audit?limit=1000" && n_all=$(json 'len(d["items"])' <"$tmp/body")
check "audit: entries before and after 2027-01-16 make the whole log ($n_early + $n_late = $n_all)" \
	eq "$((n_early + n_late))" "$n_all"
check "audit: both sides have entries" sh -c "[ $n_early -gt 0 ] && [ $n_late -gt 0 ]"
"$pw" audit list --since 2027-01-16 --format json >"$tmp/out" 2>&1 &&
	check "audit list --since: the API's count" eq "$(json 'len(d)' <"$tmp/out")" "$n_late"

# --- findings by first seen
call /api/v1/findings "/api/v1/findings?since=5d" &&
	check "findings ?since=5d: the two hosts assessed at T+10d" eq \
		"$(json 'sorted(f["hostname"] for f in d["items"])' <"$tmp/body")" \
		"['=HYPERLINK(\"http://x/\",\"a,b\")', 'new1']"

# --- bad values: 400 naming the parameter, on every list
for path in /api/v1/hosts /api/v1/audit /api/v1/findings /api/v1/exceptions; do
	for bad in since=30x until=2027-02-30T25:00:00Z since=0d until=tomorrow; do
		call "$path" "$path?$bad" 400 && json 'd["error"]["message"]' <"$tmp/body" | grep -q "^${bad%%=*}" &&
			ok "$path?$bad: 400 naming ${bad%%=*}" || not_ok "$path?$bad: $(head -c 200 "$tmp/body")"
	done
done
"$pw" host list --until never >/dev/null 2>&1; check "host list --until never: exit 2" eq $? 2

# --- CSV
code=$(curl -s -o "$tmp/h.csv" -D "$tmp/hdr" -w '%{http_code}' -H "Authorization: Bearer $aud" \
	"$PW_URL/api/v1/hosts?format=csv")
check "hosts ?format=csv: 200 text/csv" sh -c "[ $code = 200 ] && grep -qi '^content-type: text/csv' '$tmp/hdr'"
check "CRLF line ends (RFC 4180)" sh -c "[ \$(grep -c \$(printf '\\r')\$ '$tmp/h.csv') = 4 ]"
python3 - "$tmp/h.csv" >"$tmp/out" 2>&1 <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
names = sorted(r["hostname"] for r in rows)
assert names == ["'=HYPERLINK(\"http://x/\",\"a,b\")", "new1", "old1"], names
assert all(r["os"] == "debian" and r["release"] == "11" for r in rows)
print("ok")
PY
check "the CSV parses; the hostile hostname reads as text, its quotes and comma intact" grep -q '^ok$' "$tmp/out"
code=$(curl -s -o "$tmp/f.csv" -w '%{http_code}' -H "Authorization: Bearer $aud" -H 'Accept: text/csv' \
	"$PW_URL/api/v1/findings")
python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 3 and {r["vulnerability"] for r in rows} == {"CVE-2099-0001"}
assert any(r["hostname"].startswith("'"'"'=") for r in rows)' "$tmp/f.csv" 2>"$tmp/err"
check "findings with Accept: text/csv: three rows, the formula defused" eq "$code $(cat "$tmp/err")" "200 "
"$pw" host list --format csv >"$tmp/cli.csv" 2>&1
check "host list --format csv: the API's rows (LF ends)" eq \
	"$(tr -d '\r' <"$tmp/h.csv" | sed 1d | sort | md5sum)" "$(sed 1d "$tmp/cli.csv" | sort | md5sum)"
call /api/v1/hosts "/api/v1/hosts?format=xml" 400 && ok "?format=xml: 400" || not_ok "?format=xml"

pw_server_stop && ok "server stopped" || not_ok "server stop"
[ "$fails" -eq 0 ]
