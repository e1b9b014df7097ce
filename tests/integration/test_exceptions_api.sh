#!/bin/sh
# test_exceptions_api.sh - exceptions (risk acceptance) through the real
# server on loopback: a small fleet assessed against a two-advisory feed,
# an exception requested by one user, refused to the same person (through
# another of her tokens) and to an operator, approved by a security
# analyst; the findings it covers listed as accepted risk (never hidden),
# the others not; a forced expiry check at a later time reopens them,
# audited and notified; a rejected one cannot be approved; bad values are
# 400 naming the field. Every response checked against the OpenAPI
# document the server serves. One pinned clock, no sleeps.
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

PATCHWARDEN_NOW=$(date +%s)
export PATCHWARDEN_NOW
now=$PATCHWARDEN_NOW
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"

# --- people: alice asks (security analyst, two tokens), bob decides,
# carol operates
for u in alice:security-analyst bob:security-analyst carol:operator; do
	echo "pw-$u-secret-1" | "$pw" user add "${u%%:*}" --role "${u#*:}" >/dev/null 2>&1 ||
		not_ok "user add $u"
done
alice=$("$pw" token create --name alice-1 --role security-analyst --owner alice 2>/dev/null)
alice2=$("$pw" token create --name alice-2 --role security-analyst --owner alice 2>/dev/null)
bob=$("$pw" token create --name bob-1 --role security-analyst --owner bob 2>/dev/null)
carol=$("$pw" token create --name carol-1 --role operator --owner carol 2>/dev/null)
auditor=$("$pw" token create --name aud --role auditor 2>/dev/null)
[ -n "$alice" ] && [ -n "$bob" ] && [ -n "$carol" ] && ok "users and their tokens" ||
	not_ok "tokens: '$alice' '$bob' '$carol'"

# call <token> <method> <path-template> <url-path> [want-status] [body]
call() {
	if [ -n "${6:-}" ]; then
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
			-H 'Content-Type: application/json' --data "$6" "$PW_URL$4")
	else
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
			"$PW_URL$4")
	fi
	if ! python3 "$here/openapi_check.py" "$doc" "$2" "$3" "$code" <"$tmp/body" 2>"$tmp/check"; then
		not_ok "$2 $4 ($code) does not match the document: $(head -c 300 "$tmp/check")"
	fi
	[ "$code" = "${5:-200}" ] || { echo "# $2 $4: $code, want ${5:-200}: $(head -c 300 "$tmp/body")"; return 1; }
}

# --- a feed of two advisories, three Debian 11 hosts (web1 and web2 in
# group web), assessed
mkdir -p "$tmp/osv"
cat >"$tmp/osv/CVE-2099-0001.json" <<'J'
{"id": "CVE-2099-0001", "summary": "curl overflow", "published": "2026-10-01T00:00:00Z",
 "modified": "2026-10-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.74.0-1.3+deb11u9"}]}]}]}
J
cat >"$tmp/osv/CVE-2099-0002.json" <<'J'
{"id": "CVE-2099-0002", "summary": "zlib bug", "published": "2026-10-15T00:00:00Z",
 "modified": "2026-10-15T00:00:00Z",
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.2.11.dfsg-2+deb11u2"}]}]}]}
J
"$pw" feed import "$tmp/osv/CVE-2099-0001.json" "$tmp/osv/CVE-2099-0002.json" >"$tmp/out" 2>&1 ||
	not_ok "feed import: $(tail -3 "$tmp/out")"
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
def pkg(n, src, v):
    return {"family": "deb", "name": n, "version": v, "state": "installed", "arch": "amd64",
            "source_name": src, "source_version": v}
for name in ["web1", "web2", "db1"]:
    pk = [pkg("curl", "curl", "7.74.0-1.3+deb11u1"), pkg("libcurl4", "curl", "7.74.0-1.3+deb11u1"),
          pkg("zlib1g", "zlib", "1:1.2.11.dfsg-2")]
    json.dump({"schema_version": 1, "root": "/",
               "host": {"machine_id": "m-" + name, "hostname": name,
                        "os": {"id": "debian", "version_id": "11", "codename": "bullseye"}},
               "packages": pk}, open(f"{tmp}/{name}.json", "w"))
PY
"$pw" asset import-inventory --group web "$tmp/web1.json" "$tmp/web2.json" >"$tmp/out" 2>&1 &&
	"$pw" asset import-inventory "$tmp/db1.json" >>"$tmp/out" 2>&1 &&
	"$pw" finding assess >>"$tmp/out" 2>&1 && ok "three hosts imported and assessed" ||
	not_ok "import and assess: $(cat "$tmp/out")"
hid() { "$pw" host list --format json 2>/dev/null | json "[h['id'] for h in (d['items'] if isinstance(d, dict) else d) if h['hostname'] == '$1'][0]"; }
web1=$(hid web1); db1=$(hid db1)
call "$auditor" GET /api/v1/findings "/api/v1/findings?limit=1000" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = 6 ] &&
	json 'not any(f["accepted_risk"] for f in d["items"])' <"$tmp/body" | grep -q True &&
	ok "six open findings, none accepted" || not_ok "findings before: $(head -c 300 "$tmp/body")"

# --- request
req='{"vulnerability": "CVE-2099-0001", "group": "web", "package": "curl",
 "reason": "the vulnerable code path needs a proxy these hosts do not use",
 "compensating_control": "egress proxy disabled by policy", "expires": "30d"}'
call "$alice" POST /api/v1/exceptions /api/v1/exceptions 201 "$req" &&
	[ "$(json 'd["state"] + " " + d["requester"] + " " + d["scope"]' <"$tmp/body")" = "requested token:1:alice-1 group" ] &&
	ok "alice requests an exception for CVE-2099-0001 on group web" ||
	not_ok "request: $(head -c 300 "$tmp/body")"
x1=$(json 'd["id"]' <"$tmp/body")
call "$auditor" POST /api/v1/exceptions /api/v1/exceptions 403 "$req" &&
	ok "an auditor may not request" || not_ok "auditor request"
for bad in '"expires": "400d"' '"expires": "yesterday"' '"expires": "2020-01-01"' '"reason": ""' \
	'"vulnerability": "a b"' '"group": "no-such-group"' '"host_id": 1, "group": "web"' '"colour": "red"'; do
	body=$(python3 -c 'import json, sys
d = json.loads(sys.argv[1]); d.update(json.loads("{" + sys.argv[2] + "}")); print(json.dumps(d))' "$req" "$bad")
	call "$alice" POST /api/v1/exceptions /api/v1/exceptions 400 "$body" &&
		ok "request with $bad: 400 ($(json 'd["error"]["message"]' <"$tmp/body"))" ||
		not_ok "request with $bad: $(head -c 200 "$tmp/body")"
done
call "$alice" POST /api/v1/exceptions /api/v1/exceptions 201 \
	'{"vulnerability": "CVE-2099-0002", "host_id": '"$db1"', "reason": "r", "compensating_control": "c", "expires": "2h"}' ||
	not_ok "second request"
x2=$(json 'd["id"]' <"$tmp/body")

# --- decisions: never the requester, never an operator
call "$alice" POST /api/v1/exceptions/{id}/approve "/api/v1/exceptions/$x1/approve" 403 &&
	ok "the requester may not approve her own request" || not_ok "self-approval allowed"
call "$alice2" POST /api/v1/exceptions/{id}/approve "/api/v1/exceptions/$x1/approve" 403 &&
	ok "nor through another of her tokens" || not_ok "self-approval through a second token"
call "$carol" POST /api/v1/exceptions/{id}/approve "/api/v1/exceptions/$x1/approve" 403 &&
	ok "an operator may not approve" || not_ok "operator approval"
call "$bob" POST /api/v1/exceptions/{id}/approve "/api/v1/exceptions/$x1/approve" 200 '{"note": "ok for 30 days"}' &&
	[ "$(json 'd["state"] + " " + d["approver"]' <"$tmp/body")" = "approved token:3:bob-1" ] &&
	ok "a security analyst (bob) approves" || not_ok "bob approves: $(head -c 300 "$tmp/body")"
call "$bob" POST /api/v1/exceptions/{id}/approve "/api/v1/exceptions/$x1/approve" 409 &&
	ok "approving twice: 409" || not_ok "second approval"
call "$bob" POST /api/v1/exceptions/{id}/approve "/api/v1/exceptions/$x2/approve" 200 ||
	not_ok "approve the db1 exception"

# --- accepted risk: listed, marked, counted apart
call "$auditor" GET /api/v1/findings "/api/v1/findings?limit=1000" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = 6 ] && ok "still six findings listed: none hidden" ||
	not_ok "findings after approval: $(head -c 300 "$tmp/body")"
[ "$(json 'sorted((f["hostname"], f["vulnerability"], f["exception_id"]) for f in d["items"] if f["accepted_risk"])' <"$tmp/body")" = \
  "[('db1', 'CVE-2099-0002', $x2), ('web1', 'CVE-2099-0001', $x1), ('web2', 'CVE-2099-0001', $x1)]" ] &&
	ok "accepted_risk with the exception id on exactly the covered findings" ||
	not_ok "accepted: $(json '[(f["hostname"], f["vulnerability"], f["exception_id"]) for f in d["items"] if f["accepted_risk"]]' <"$tmp/body")"
"$pw" finding list >"$tmp/out" 2>&1 && grep -q "6 findings, 3 of them accepted risk" "$tmp/out" &&
	[ "$(grep -c ACCEPTED "$tmp/out")" = 3 ] && ok "finding list counts accepted risk apart" ||
	not_ok "finding list: $(tail -2 "$tmp/out")"
"$pw" finding list --format csv >"$tmp/csv" 2>&1 &&
	python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 6 and sum(r["accepted_risk"] == "yes" for r in rows) == 3' "$tmp/csv" &&
	ok "CSV: accepted_risk column" || not_ok "CSV: $(head -3 "$tmp/csv")"

# --- list, show, filters
call "$auditor" GET /api/v1/exceptions "/api/v1/exceptions?state=approved" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = 2 ] && ok "?state=approved lists both" || not_ok "list approved"
call "$auditor" GET /api/v1/exceptions "/api/v1/exceptions?since=1d&until=2030-01-01" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = 2 ] && ok "?since=1d&until=2030-01-01" || not_ok "list since/until"
call "$auditor" GET /api/v1/exceptions "/api/v1/exceptions?until=1d" &&
	[ "$(json 'len(d["items"])' <"$tmp/body")" = 0 ] && ok "?until=1d: none requested before yesterday" ||
	not_ok "list until=1d"
for bad in state=open since=30x until=2026-13-01 colour=red; do
	call "$auditor" GET /api/v1/exceptions "/api/v1/exceptions?$bad" 400 &&
		json 'd["error"]["message"] + d["error"].get("parameter", "")' <"$tmp/body" | grep -q "${bad%%=*}" &&
		ok "?$bad: 400 naming ${bad%%=*}" || not_ok "?$bad: $(head -c 200 "$tmp/body")"
done
call "$auditor" GET /api/v1/exceptions/{id} "/api/v1/exceptions/$x1" &&
	[ "$(json 'd["note"]' <"$tmp/body")" = "ok for 30 days" ] && ok "GET one exception" || not_ok "GET $x1"
call "$auditor" GET /api/v1/exceptions/{id} /api/v1/exceptions/999 404 && ok "unknown id: 404" || not_ok "GET 999"

# --- expiry on read, then a forced check at a later time
later=$((now + 3 * 3600))
PATCHWARDEN_NOW=$later "$pw" exception list --state expired --format json >"$tmp/out" 2>&1 &&
	[ "$(json '[x["id"] for x in d]' <"$tmp/out")" = "[$x2]" ] &&
	ok "three hours on, the 2h exception reads expired before any check" ||
	not_ok "expired on read: $(cat "$tmp/out")"
PATCHWARDEN_NOW=$later "$pw" exception check >"$tmp/out" 2>"$tmp/err" &&
	grep -q "^1 exception expired" "$tmp/out" && grep -q "exception $x2 expired" "$tmp/err" &&
	ok "the forced check expires it and calls the notification hook" ||
	not_ok "check: $(cat "$tmp/out" "$tmp/err")"
call "$auditor" GET /api/v1/findings "/api/v1/findings?host=$db1&cve=CVE-2099-0002" &&
	[ "$(json '[(f["state"], f["accepted_risk"]) for f in d["items"]]' <"$tmp/body")" = "[('open', False)]" ] &&
	ok "its finding is open again, no longer accepted" || not_ok "reopened: $(head -c 300 "$tmp/body")"
"$pw" audit list --format json >"$tmp/audit" 2>&1
for a in exception.request exception.approve exception.expire; do
	grep -q "\"$a\"" "$tmp/audit" && ok "audited: $a" || not_ok "no $a in the audit log"
done
PATCHWARDEN_NOW=$later "$pw" exception check >"$tmp/out" 2>&1 && grep -q "^0 exceptions expired" "$tmp/out" &&
	ok "a second check expires nothing" || not_ok "second check: $(cat "$tmp/out")"

# --- reject and revoke
call "$alice" POST /api/v1/exceptions /api/v1/exceptions 201 \
	'{"vulnerability": "CVE-2099-0002", "host_id": '"$web1"', "reason": "r", "compensating_control": "c", "expires": "7d"}' ||
	not_ok "third request"
x3=$(json 'd["id"]' <"$tmp/body")
call "$bob" POST /api/v1/exceptions/{id}/reject "/api/v1/exceptions/$x3/reject" 200 '{"note": "patch it"}' &&
	[ "$(json 'd["state"]' <"$tmp/body")" = rejected ] && ok "bob rejects one" || not_ok "reject"
call "$bob" POST /api/v1/exceptions/{id}/approve "/api/v1/exceptions/$x3/approve" 409 &&
	ok "a rejected exception cannot be approved: 409" || not_ok "approve after reject"
call "$bob" POST /api/v1/exceptions/{id}/revoke "/api/v1/exceptions/$x1/revoke" 200 &&
	[ "$(json 'd["state"]' <"$tmp/body")" = revoked ] && ok "bob revokes the group exception" || not_ok "revoke"
call "$auditor" GET /api/v1/findings "/api/v1/findings?limit=1000" &&
	[ "$(json 'sum(f["accepted_risk"] for f in d["items"])' <"$tmp/body")" = 0 ] &&
	ok "no finding accepted any more" || not_ok "after revoke: $(head -c 300 "$tmp/body")"

# --- the CLI: its own rules are the same
"$pw" exception request --cve CVE-2099-0001 --host db1 --reason r --control c --expires 10d >"$tmp/out" 2>&1 ||
	not_ok "CLI request: $(cat "$tmp/out")"
x4=$(sed -n 's/^exception \([0-9]*\) requested.*/\1/p' "$tmp/out")
"$pw" exception approve "$x4" >"$tmp/out" 2>&1 && not_ok "the CLI's requester approved her own request" ||
	{ grep -q "cannot approve" "$tmp/out" && ok "CLI: the requester may not approve her own request"; } ||
	not_ok "CLI self-approval: $(cat "$tmp/out")"
"$pw" exception show "$x4" --format json >"$tmp/out" 2>&1 && [ "$(json 'd["state"]' <"$tmp/out")" = requested ] &&
	ok "exception show --format json" || not_ok "show: $(cat "$tmp/out")"
"$pw" exception --help | grep -q "approve|reject|revoke" && ok "exception --help" || not_ok "--help"

pw_server_stop && ok "server stopped" || not_ok "server stop"
[ "$fails" -eq 0 ]
