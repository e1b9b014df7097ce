#!/bin/sh
# test_findings_api.sh - the server's findings through the real server on
# loopback, with the real Debian feeds in its SQLite store and hosts
# imported agentless: assessments run over the API (admins and security
# analysts only), findings listed with every filter and paged, a finding
# fixed by an upgrade and reopened by a downgrade, one new advisory
# re-evaluating exactly the hosts that have its package, the fully patched
# Debian 12 host without a fixable finding, vulnerabilities and feed
# freshness, bad parameters answered 400 with the JSON error; every
# response checked against the OpenAPI document the server serves.
set -u
pw=${PATCHWARDEN:?}
data=${PW_TEST_DATA:?}
src=${PW_SOURCE_ROOT:?}
feeds=$src/data/feeds
here=$src/tests/integration
tmp=$(mktemp -d)
. "$here/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

# one pinned time for the server and the CLI: a run across midnight would
# otherwise rescore everything (a new day)
PATCHWARDEN_NOW=$(date +%s)
export PATCHWARDEN_NOW
# the assessor's own task runs at start, then hourly: the test asks for runs
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"

admin=$("$pw" token create --name findings-admin --role admin 2>"$tmp/err") ||
	{ not_ok "admin token: $(cat "$tmp/err")"; exit 1; }
security=$("$pw" token create --name findings-sec --role security-analyst 2>/dev/null)
auditor=$("$pw" token create --name findings-aud --role auditor 2>/dev/null)
operator=$("$pw" token create --name findings-op --role operator 2>/dev/null)

# call <token> <method> <path-template> <url-path> [want-status]: the body in
# $tmp/body, checked against the document; 0 when the status is the one wanted
call() {
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
		"$PW_URL$4")
	if ! python3 "$here/openapi_check.py" "$doc" "$2" "$3" "$code" <"$tmp/body" 2>"$tmp/check"; then
		not_ok "$2 $4 ($code) does not match the document: $(head -c 300 "$tmp/check")"
	fi
	[ "$code" = "${5:-200}" ] || { echo "# $2 $4: $code, want ${5:-200}: $(head -c 300 "$tmp/body")"; return 1; }
}

# --- feeds: every Debian feed, NVD, KEV, EPSS
"$pw" feed import "$feeds/debian/security-tracker/DSA-list" "$feeds/debian/security-tracker/DLA-list" \
	"$feeds/debian/tracker-json/osvdev-tracker-mock.json" "$feeds/debian/tracker-json/vunnel-debian.json" \
	"$feeds/nvd" "$feeds/kev/known_exploited_vulnerabilities.json" \
	"$feeds/epss/epss_scores-2026-08-16.csv.gz" >"$tmp/import.txt" 2>&1 &&
	ok "feeds imported into the server's store" || not_ok "feed import: $(tail -3 "$tmp/import.txt")"

# --- hosts: two Debian 11 hosts, and the real Debian 12 host raised to the
# newest versions of its repositories (fully patched)
inv() { # inv <machine-id> <hostname> <curl version> <with sudo: 0|1>
	python3 - "$1" "$2" "$3" "$4" <<'PY'
import json, sys
mid, name, curl, sudo = sys.argv[1:]
def pkg(n, src, v):
    return {"family": "deb", "name": n, "version": v, "state": "installed", "arch": "amd64",
            "source_name": src, "source_version": v}
pk = [pkg("curl", "curl", curl), pkg("libcurl4", "curl", curl), pkg("zlib1g", "zlib", "1:1.2.11.dfsg-2")]
if sudo == "1":
    pk.append(pkg("sudo", "sudo", "1.9.5p2-3"))
print(json.dumps({"schema_version": 1, "root": "/",
                  "host": {"machine_id": mid, "hostname": name,
                           "os": {"id": "debian", "version_id": "11", "codename": "bullseye"}},
                  "packages": pk}))
PY
}
inv m-web1 web1 7.74.0-1.3+deb11u1 1 >"$tmp/web1.json"
inv m-web2 web2 7.74.0-1.3+deb11u1 1 >"$tmp/web2.json"
inv m-db1 db1 7.74.0-1.3+deb11u1 0 >"$tmp/db1.json"
sb=$tmp/sandbox
mkdir -p "$sb/var/lib/apt/lists" "$sb/var/lib/dpkg" "$sb/etc"
cp "$data/inventory/dpkg/this-host-bookworm/status" "$sb/var/lib/dpkg/status"
cp "$data/inventory/dpkg/this-host-bookworm/os-release" "$sb/etc/os-release"
cp "$src"/data/apt/bookworm/* "$sb/var/lib/apt/lists/"
echo 0123456789abcdef0123456789abcdef >"$sb/etc/machine-id"
echo bookworm1 >"$sb/etc/hostname"
"$pw" scan --root "$sb" --format json >"$tmp/bookworm.json" 2>/dev/null
python3 - "$tmp" <<'PY'
import json, re, sys
tmp = sys.argv[1]
d = json.load(open(f"{tmp}/bookworm.json"))
for p in d["packages"]:
    u = p.get("update")
    if u:
        p["version"] = u["version"]
        p["source_version"] = re.sub(r"\+b[0-9]+$", "", u["version"])
        del p["update"]
json.dump(d, open(f"{tmp}/bookworm-patched.json", "w"))
PY
"$pw" asset import-inventory --group web "$tmp/web1.json" "$tmp/web2.json" >"$tmp/out" 2>&1 &&
	"$pw" asset import-inventory "$tmp/db1.json" "$tmp/bookworm-patched.json" >>"$tmp/out" 2>&1 &&
	ok "four hosts imported" || not_ok "asset import-inventory: $(cat "$tmp/out")"
hid() { # the host id of a hostname
	"$pw" host list --format json 2>/dev/null | json "[h['id'] for h in (d['items'] if isinstance(d, dict) else d) if h['hostname'] == '$1'][0]"
}
web1=$(hid web1); web2=$(hid web2); db1=$(hid db1); bw=$(hid bookworm1)
[ -n "$web1" ] && [ -n "$bw" ] && ok "host ids: web1 $web1, web2 $web2, db1 $db1, bookworm1 $bw" ||
	not_ok "host ids from 'host list': '$web1' '$bw'"

# --- who may run an assessment
call "$auditor" POST /api/v1/assessments /api/v1/assessments 403 && ok "an auditor may not run the assessor" ||
	not_ok "auditor POST /api/v1/assessments"
call "$operator" POST /api/v1/assessments /api/v1/assessments 403 && ok "an operator may not run the assessor" ||
	not_ok "operator POST /api/v1/assessments"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$PW_URL/api/v1/assessments")
[ "$code" = 401 ] && ok "no credentials: 401" || not_ok "anonymous POST /api/v1/assessments: $code"
if call "$admin" POST /api/v1/assessments /api/v1/assessments; then
	cp "$tmp/body" "$tmp/run1.json"
	n=$(json 'd["changed_inventories"]' <"$tmp/run1.json")
	[ "$n" = 4 ] && ok "the first run assessed the four changed inventories" ||
		not_ok "first run: $(cat "$tmp/run1.json")"
else
	not_ok "admin POST /api/v1/assessments"
fi
call "$security" POST /api/v1/assessments /api/v1/assessments &&
	[ "$(json 'd["hosts"]' <"$tmp/body")" = 0 ] && ok "a security analyst runs it; nothing changed, nothing written" ||
	not_ok "second run: $(cat "$tmp/body")"

# --- reading: every role
for t in "$auditor" "$operator" "$security" "$admin"; do
	call "$t" GET /api/v1/findings "/api/v1/findings?limit=1000" || not_ok "GET /api/v1/findings for a role"
done
total=$(json 'len(d["items"])' <"$tmp/body")
[ "$total" -gt 10 ] && ok "$total findings in the fleet" || not_ok "findings: $total"
json 'all(d["items"][i]["priority"] <= d["items"][i+1]["priority"] for i in range(len(d["items"])-1))' <"$tmp/body" |
	grep -q True && ok "most urgent first" || not_ok "findings not sorted by priority"
json 'any(isinstance(v, float) for f in d["items"] for v in f.values())' <"$tmp/body" | grep -q True &&
	! grep -Eq '[0-9]\.[0-9]{15}' "$tmp/body" && grep -q '"cvss":[0-9]*\.[0-9],' "$tmp/body" &&
	ok "reals in their shortest form (\"cvss\":8.8, not 8.8000000000000007)" ||
	not_ok "reals with 17 digits: $(grep -Eo '"[a-z_]+":[0-9]+\.[0-9]{15,}' "$tmp/body" | head -3)"
# a filter the API does not have is refused, not ignored
call "$auditor" GET /api/v1/findings "/api/v1/findings?colour=red" 400 &&
	[ "$(json 'd["error"]["code"] + " " + d["error"]["parameter"]' <"$tmp/body")" = "unknown_parameter colour" ] &&
	ok "?colour=red: 400 unknown_parameter naming it" || not_ok "?colour=red: $(cat "$tmp/body")"
# first seen in a range: every finding is from this run (the pinned clock)
call "$auditor" GET /api/v1/findings "/api/v1/findings?since=1d&limit=1000" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = "$total" ] && ok "?since=1d: every finding" ||
	not_ok "?since=1d: $(head -c 200 "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?until=1d&limit=1000" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = 0 ] && ok "?until=1d: none first seen before yesterday" ||
	not_ok "?until=1d: $(head -c 200 "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?since=30x" 400 &&
	json 'd["error"]["message"]' <"$tmp/body" | grep -q "^since" && ok "?since=30x: 400 naming since" ||
	not_ok "?since=30x: $(cat "$tmp/body")"
# CSV: ?format=csv and Accept: text/csv, RFC 4180, formula-safe
code=$(curl -s -o "$tmp/f.csv" -D "$tmp/h" -w '%{http_code}' -H "Authorization: Bearer $auditor" \
	"$PW_URL/api/v1/findings?format=csv&limit=1000")
[ "$code" = 200 ] && grep -qi '^content-type: text/csv' "$tmp/h" &&
	python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == int(sys.argv[2]), len(rows)
assert all(r["vulnerability"] and r["priority"][0] == "P" for r in rows)' "$tmp/f.csv" "$total" &&
	ok "?format=csv: $total rows with a header, text/csv" || not_ok "findings CSV: $code $(head -c 300 "$tmp/f.csv")"
code=$(curl -s -o "$tmp/f2.csv" -D "$tmp/h" -w '%{http_code}' -H "Authorization: Bearer $auditor" \
	-H 'Accept: text/csv' "$PW_URL/api/v1/findings?limit=5")
[ "$code" = 200 ] && [ "$(wc -l <"$tmp/f2.csv")" = 6 ] && grep -qi '^x-next-cursor: ' "$tmp/h" &&
	ok "Accept: text/csv, a page of 5 with X-Next-Cursor" || not_ok "Accept text/csv: $code $(cat "$tmp/h")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?format=xml" 400 && ok "?format=xml: 400" ||
	not_ok "?format=xml"
call "$auditor" GET /api/v1/hosts/{id}/findings "/api/v1/hosts/$web1/findings?host=1" 400 &&
	ok "a parameter of another operation (host on a host's findings) is unknown there too" ||
	not_ok "host's findings ?host=1: $(cat "$tmp/body")"

# pages of 7 hold every finding once
cursor=
seen=$tmp/seen
: >"$seen"
pages=0
while :; do
	q="limit=7"
	[ -n "$cursor" ] && q="$q&cursor=$cursor"
	call "$auditor" GET /api/v1/findings "/api/v1/findings?$q" || { not_ok "page $pages"; break; }
	json '"\n".join(str(i["id"]) for i in d["items"])' <"$tmp/body" | sed '/^$/d' >>"$seen"
	cursor=$(json 'd["next_cursor"] or ""' <"$tmp/body")
	pages=$((pages + 1))
	[ -z "$cursor" ] || [ $pages -gt 1000 ] && break
done
[ "$(sort -u "$seen" | wc -l)" = "$total" ] && [ "$(wc -l <"$seen")" = "$total" ] &&
	ok "$pages pages of 7 give each of the $total findings once" ||
	not_ok "paging: $(wc -l <"$seen") seen, $(sort -u "$seen" | wc -l) distinct, want $total"

# filters
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$web1&package=curl&limit=1000" &&
	json 'len(d["items"]) > 0 and all(i["host_id"] == '"$web1"' and i["package"] == "curl" and i["binaries"] == ["curl", "libcurl4"] for i in d["items"])' <"$tmp/body" |
	grep -q True && ok "host and package filters; one finding per source package with its binaries" ||
	not_ok "host+package filter: $(head -c 300 "$tmp/body")"
curl_web1=$(json 'len(d["items"])' <"$tmp/body")
call "$auditor" GET /api/v1/findings "/api/v1/findings?package=libcurl4&host=$web1&limit=1000" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = "$curl_web1" ] && ok "a binary's name finds its source's findings" ||
	not_ok "package=libcurl4"
call "$auditor" GET /api/v1/findings "/api/v1/findings?group=web&limit=1000" &&
	json 'len(d["items"]) > 0 and {i["hostname"] for i in d["items"]} == {"web1", "web2"}' <"$tmp/body" |
	grep -q True && ok "group filter: the group's hosts only" || not_ok "group filter: $(head -c 300 "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?priority=P3&limit=1000" &&
	json 'all(i["priority"] in ("P1", "P2", "P3") for i in d["items"])' <"$tmp/body" | grep -q True &&
	ok "priority filter: at or above" || not_ok "priority filter"
call "$auditor" GET /api/v1/findings "/api/v1/findings?kev=true&limit=1000" &&
	json 'all(i["kev"] for i in d["items"])' <"$tmp/body" | grep -q True &&
	ok "kev filter" || not_ok "kev filter"
call "$auditor" GET /api/v1/findings "/api/v1/findings?cve=CVE-2021-22898&limit=1000" &&
	json 'len(d["items"]) == 3 and all(i["vulnerability"] == "CVE-2021-22898" for i in d["items"])' <"$tmp/body" |
	grep -q True && ok "cve filter: the three hosts with curl" || not_ok "cve filter: $(head -c 300 "$tmp/body")"
for bad in "priority=P9" "status=closed" "kev=maybe" "host=abc" "host=0" "cursor=zz" "limit=0" "group=no%20such"; do
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $auditor" "$PW_URL/api/v1/findings?$bad")
	case $code in
	400|404) python3 "$here/openapi_check.py" "$doc" GET /api/v1/findings "$code" <"$tmp/body" 2>"$tmp/check" &&
		ok "?$bad: $code with the JSON error" || not_ok "?$bad: $(cat "$tmp/check")" ;;
	*) not_ok "?$bad: $code $(head -c 200 "$tmp/body")" ;;
	esac
done

# --- the fully patched Debian 12 host: no fixable finding, and findings
# with no fix (so zero is a result)
call "$auditor" GET "/api/v1/hosts/{id}/findings" "/api/v1/hosts/$bw/findings?fixable=true" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = 0 ] && ok "fully patched Debian 12: zero fixable findings" ||
	not_ok "fully patched Debian 12: $(head -c 400 "$tmp/body")"
call "$auditor" GET "/api/v1/hosts/{id}/findings" "/api/v1/hosts/$bw/findings" &&
	json 'any(i["vulnerability"] == "CVE-2016-1585" and i["status"] == "no_fix" for i in d["items"])' <"$tmp/body" |
	grep -q True && ok "... and its no-fix finding (CVE-2016-1585 in apparmor)" || not_ok "bookworm no-fix finding"
call "$auditor" GET "/api/v1/hosts/{id}/findings" "/api/v1/hosts/999999/findings" 404 &&
	ok "an unknown host: 404" || not_ok "unknown host findings"

# --- vulnerabilities and feeds
call "$auditor" GET "/api/v1/vulnerabilities/{id}" /api/v1/vulnerabilities/CVE-2021-22898 &&
	[ "$(json 'd["affected_hosts"]' <"$tmp/body")" = 3 ] && ok "vulnerability: 3 hosts affected" ||
	not_ok "vulnerability: $(head -c 300 "$tmp/body")"
call "$auditor" GET "/api/v1/vulnerabilities/{id}" /api/v1/vulnerabilities/CVE-1999-99999 404 &&
	ok "an unknown vulnerability: 404" || not_ok "unknown vulnerability"
call "$operator" GET /api/v1/feeds /api/v1/feeds &&
	json '{"kev", "epss"} <= {f["feed"] for f in d["items"]} and all(f["records"] > 0 for f in d["items"])' <"$tmp/body" |
	grep -q True && ok "feed freshness lists every imported feed" || not_ok "feeds: $(head -c 300 "$tmp/body")"

# --- a finding's life: web1 upgrades curl past every fix, then downgrades
inv m-web1 web1 7.74.0-1.3+deb11u99 1 >"$tmp/web1-up.json"
"$pw" asset import-inventory "$tmp/web1-up.json" >/dev/null 2>&1
call "$admin" POST /api/v1/assessments /api/v1/assessments &&
	[ "$(json 'd["findings_fixed"]' <"$tmp/body")" = "$curl_web1" ] && ok "upgrade: $curl_web1 curl findings fixed" ||
	not_ok "upgrade run: $(cat "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$web1&package=curl&status=fixed&limit=1000" &&
	json 'len(d["items"]) == '"$curl_web1"' and all(i["fixed_at"] and i["state"] == "fixed" for i in d["items"])' <"$tmp/body" |
	grep -q True && ok "fixed findings kept, with fixed_at" || not_ok "fixed findings: $(head -c 300 "$tmp/body")"
# the CLI lists the open ones by default: fixed findings are evidence, not work
n=$("$pw" finding list --host "$web1" --status all --format json 2>/dev/null | json 'len(d)')
"$pw" finding list --host "$web1" --format json >"$tmp/open.json" 2>"$tmp/err"
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$web1&status=open&limit=1000"
nopen=$(json 'len(d["items"])' <"$tmp/body")
[ "$(json 'len(d)' <"$tmp/open.json")" = "$nopen" ] &&
	[ "$(json 'sorted(set(i["state"] for i in d))' <"$tmp/open.json")" = "['open']" ] &&
	[ "$nopen" -lt "$n" ] && ok "finding list: open findings by default ($nopen of $n)" ||
	not_ok "finding list default: $(head -c 300 "$tmp/open.json") $(cat "$tmp/err")"
"$pw" finding list --host "$web1" --status fixed --format json 2>/dev/null |
	json 'len(d) > 0 and all(i["state"] == "fixed" for i in d)' | grep -q True &&
	ok "finding list --status fixed: the fixed ones" || not_ok "finding list --status fixed"
"$pw" asset import-inventory "$tmp/web1.json" >/dev/null 2>&1
call "$admin" POST /api/v1/assessments /api/v1/assessments &&
	[ "$(json 'd["findings_reopened"]' <"$tmp/body")" = "$curl_web1" ] && ok "downgrade: reopened" ||
	not_ok "downgrade run: $(cat "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$web1&package=curl&status=open&limit=1000" &&
	json 'all(i["reopened_count"] == 1 and i["fixed_at"] is None for i in d["items"])' <"$tmp/body" |
	grep -q True && ok "reopened findings: count 1, fixed_at cleared" || not_ok "reopened: $(head -c 300 "$tmp/body")"

# --- one new advisory for sudo: only web1 and web2 (which have sudo) are
# evaluated again
cat >"$tmp/DSA-9999-1.json" <<'EOF'
{"schema_version": "1.6.0", "id": "DSA-9999-1", "modified": "2026-11-01T00:00:00Z",
 "aliases": ["CVE-2099-0001"], "summary": "sudo: a test advisory",
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "sudo"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.9.5p2-3+deb11u9"}]}]}]}
EOF
"$pw" feed import "$tmp/DSA-9999-1.json" >"$tmp/out" 2>&1 || not_ok "new advisory import: $(cat "$tmp/out")"
call "$admin" POST /api/v1/assessments /api/v1/assessments &&
	json 'd["touched_by_advisories"] == 2 and d["hosts"] == 2 and d["advisory_keys"] == 1 and d["findings_opened"] == 2' <"$tmp/body" |
	grep -q True && ok "one new advisory: exactly the 2 hosts with sudo re-evaluated ($(json 'd["summary"]' <"$tmp/body"))" ||
	not_ok "incremental run: $(cat "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?cve=CVE-2099-0001" &&
	json 'sorted(i["hostname"] for i in d["items"]) == ["web1", "web2"]' <"$tmp/body" | grep -q True &&
	ok "its findings on web1 and web2" || not_ok "new advisory findings: $(head -c 300 "$tmp/body")"

# --- pending security updates no advisory covers: bookworm1 as scanned,
# before its updates, has them as findings of kind update; installed, they
# are fixed
"$pw" asset import-inventory "$tmp/bookworm.json" >/dev/null 2>&1
# the server has one finding per source package (its binaries listed)
want=$(json 'len({p.get("source_name") or p["name"] for p in d["packages"] if p.get("update", {}).get("security") and p["state"] == "installed"})' <"$tmp/bookworm.json")
call "$admin" POST /api/v1/assessments /api/v1/assessments || not_ok "assessment of bookworm1 before its updates"
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$bw&kind=update&status=open&limit=1000" &&
	nupd=$(json 'len(d["items"]) if all(i["kind"] == "update" and i["class"] == "security" and i["vulnerability"] == "security-update" and "-security" in i["repository"] and i["fixed_version"] and i["patch_available"] == "yes" and "no advisory" in i["reasons"] for i in d["items"]) else -1' <"$tmp/body") &&
	[ "$nupd" -ge 30 ] && [ "$nupd" -le "$want" ] &&
	ok "bookworm1 before its updates: $nupd open findings of kind update ($want source packages with pending security updates), repository as evidence" ||
	not_ok "kind=update findings: '$nupd' of $want: $(head -c 400 "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$bw&kind=vulnerability&limit=1000" &&
	json 'all(i["kind"] == "vulnerability" and i["repository"] is None for i in d["items"])' <"$tmp/body" | grep -q True &&
	ok "kind=vulnerability: advisory findings only" || not_ok "kind=vulnerability: $(head -c 300 "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?kind=patch" 400 &&
	grep -q "kind must be vulnerability or update" "$tmp/body" && ok "kind=patch: 400, named" ||
	not_ok "kind=patch: $(head -c 300 "$tmp/body")"
n=$("$pw" finding list --host "$bw" --kind update --status open --format json 2>/dev/null | json 'len(d)')
[ "$n" = "$nupd" ] && ok "finding list --kind update agrees with the API ($n)" || not_ok "finding list --kind update: $n"
"$pw" asset import-inventory "$tmp/bookworm-patched.json" >/dev/null 2>&1
call "$admin" POST /api/v1/assessments /api/v1/assessments &&
	[ "$(json 'd["findings_fixed"]' <"$tmp/body")" = "$nupd" ] && ok "the updates installed: $nupd update findings fixed" ||
	not_ok "updates installed: $(cat "$tmp/body")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$bw&kind=update&limit=1000" &&
	json 'len(d["items"]) == '"$nupd"' and all(i["state"] == "fixed" and i["fixed_at"] for i in d["items"])' <"$tmp/body" |
	grep -q True && ok "... kept as fixed, with fixed_at" || not_ok "fixed update findings: $(head -c 300 "$tmp/body")"

# --- the CLI reads the same store
n=$("$pw" finding list --host "$web1" --status all --format json 2>/dev/null | json 'len(d)')
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$web1&limit=1000"
[ "$n" = "$(json 'len(d["items"])' <"$tmp/body")" ] && ok "finding list --host --status all agrees with the API ($n)" ||
	not_ok "finding list --host --status all: $n"
# --host takes a name as `host show` does
"$pw" finding list --host "$web1" --format json >"$tmp/byid.json" 2>/dev/null
"$pw" finding list --host web1 --format json >"$tmp/byname.json" 2>"$tmp/err" &&
	cmp -s "$tmp/byname.json" "$tmp/byid.json" && ok "finding list --host web1 (a name) lists the host's findings" ||
	not_ok "finding list --host web1: $(cat "$tmp/err")"
for unknown in no-such-host 999999; do
	"$pw" finding list --host "$unknown" >"$tmp/out" 2>"$tmp/err"
	[ $? = 2 ] && grep -q "no host with id or name '$unknown'" "$tmp/err" && [ ! -s "$tmp/out" ] &&
		ok "finding list --host $unknown: exit 2, no host named so" ||
		not_ok "finding list --host $unknown: $(cat "$tmp/out" "$tmp/err")"
done
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=999999" 404 &&
	json 'd["error"]["code"]' <"$tmp/body" | grep -q not_found &&
	ok "GET /findings?host=999999: 404 not_found, not an empty page" ||
	not_ok "/findings?host=999999: $(head -c 300 "$tmp/body")"
"$pw" finding list --status closed >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "open, fixed or all" "$tmp/err" && ok "finding list --status closed: exit 2, says why" ||
	not_ok "finding list --status closed: $(cat "$tmp/err")"
"$pw" finding assess >"$tmp/out" 2>&1 && grep -q "^assessed 0 hosts" "$tmp/out" &&
	ok "finding assess: $(head -1 "$tmp/out")" || not_ok "finding assess: $(cat "$tmp/out")"
"$pw" audit list --format json 2>/dev/null | grep -q assessment.run &&
	ok "assessment runs are in the audit log" || not_ok "no assessment.run in the audit log"

# the server kept serving, and stops cleanly
code=$(curl -s -o /dev/null -w '%{http_code}' "$PW_URL/api/v1/health")
[ "$code" = 200 ] && ok "still serving" || not_ok "health after the test: $code"
grep -q "info: assessed" "$PW_SERVER_LOG" && ok "the assess task logged its start-up run" ||
	not_ok "no assessed line in the server log"
pw_server_stop && ok "SIGTERM: exit 0" || not_ok "server exit on SIGTERM"

# --- restarted with the task every second: it finds what changed on its own
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 1"
if pw_server_start; then
	inv m-db1 db1 7.74.0-1.3+deb11u99 0 >"$tmp/db1-up.json"
	"$pw" asset import-inventory "$tmp/db1-up.json" >/dev/null 2>&1
	i=0
	while [ $i -lt 300 ]; do
		call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$db1&package=curl&status=open" >/dev/null
		[ "$(json 'len(d["items"])' <"$tmp/body")" = 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 300 ] && ok "the background task assessed the upgraded host by itself" ||
		not_ok "the task did not assess db1 within 30 s"
	grep -q "info: assessed 1 host (1 changed inventory)" "$PW_SERVER_LOG" &&
		ok "it logged what it did: $(grep -o 'assessed 1 host (1 changed inventory).*' "$PW_SERVER_LOG" | head -1)" ||
		not_ok "task log: $(grep assess "$PW_SERVER_LOG" | tail -3)"
	grep -q "info: assessed [0-9]* hosts* (.*at start" "$PW_SERVER_LOG" &&
		not_ok "the restart rewrote hosts although the feeds had not moved" ||
		ok "the restart wrote nothing it had written before"
	pw_server_stop || not_ok "second server exit on SIGTERM"
else
	not_ok "the server restarts on the same store"
fi

[ $fails -eq 0 ] && echo "# all passed" || echo "# $fails failed"
[ $fails -eq 0 ]
