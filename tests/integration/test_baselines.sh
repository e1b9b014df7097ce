#!/bin/sh
# test_baselines.sh - known-good baselines and drift through the real
# server on loopback and the CLI on the same store: a host's packages
# saved as a baseline; three hosts compared with it (one identical, one
# with a newer, an older, a missing and an extra package, one in another
# group), by group, by host and fleet-wide; the counts and each difference
# checked; operators may save, auditors may not; bad names, unknown hosts
# and duplicate names refused naming the field; delete audited; every
# response checked against the OpenAPI document the server serves; the
# CLI's exit status 1 when a host drifted, 0 when none did.
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

PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"
op=$("$pw" token create --name ops --role operator 2>/dev/null)
aud=$("$pw" token create --name aud --role auditor 2>/dev/null)
[ -n "$op" ] && [ -n "$aud" ] && ok "operator and auditor tokens" || not_ok "tokens"

# call <token> <method> <path-template> <url-path> [want-status|any] [body]
call() {
	if [ -n "${6:-}" ]; then
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
			-H 'Content-Type: application/json' --data "$6" "$PW_URL$4")
	else
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
			"$PW_URL$4")
	fi
	if [ "$code" != 204 ] &&
		! python3 "$here/openapi_check.py" "$doc" "$2" "$3" "$code" <"$tmp/body" 2>"$tmp/check"; then
		not_ok "$2 $4 ($code) does not match the document: $(head -c 300 "$tmp/check")"
	fi
	[ "${5:-}" = any ] || [ "$code" = "${5:-200}" ] || { echo "# $2 $4: $code, want ${5:-200}: $(head -c 300 "$tmp/body")"; return 1; }
}

# --- four hosts: gold (the reference), same (identical), drift (newer
# curl, older zlib1g, no tzdata, an extra nano) in group web with same,
# other outside the group with one change
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
def pkg(n, v, arch="amd64"):
    return {"family": "deb", "name": n, "version": v, "state": "installed", "arch": arch,
            "source_name": n, "source_version": v}
base = {"curl": "7.88.1-10+deb12u5", "zlib1g": "1:1.2.13.dfsg-1", "tzdata": "2024a-0+deb12u1",
        "base-files": "12.4+deb12u5"}
hosts = {
    "gold": dict(base),
    "same": dict(base),
    "drift": dict(base, curl="7.88.1-10+deb12u8", zlib1g="1:1.2.11.dfsg-2", nano="7.2-1"),
    "other": dict(base, **{"base-files": "12.4+deb12u6"}),
}
del hosts["drift"]["tzdata"]
for name, pk in hosts.items():
    json.dump({"schema_version": 1, "root": "/",
               "host": {"machine_id": "m-" + name, "hostname": name,
                        "os": {"id": "debian", "version_id": "12", "codename": "bookworm"}},
               "packages": [pkg(n, v, "all" if n == "tzdata" else "amd64")
                            for n, v in sorted(pk.items())]},
              open(f"{tmp}/{name}.json", "w"))
PY
"$pw" asset import-inventory "$tmp/gold.json" "$tmp/other.json" >"$tmp/out" 2>&1 &&
	"$pw" asset import-inventory --group web "$tmp/same.json" "$tmp/drift.json" >>"$tmp/out" 2>&1 &&
	ok "four hosts imported, two in group web" || not_ok "import: $(cat "$tmp/out")"
hid() { "$pw" host list --format json 2>/dev/null | json "[h['id'] for h in (d['items'] if isinstance(d, dict) else d) if h['hostname'] == '$1'][0]"; }
gold=$(hid gold); drift=$(hid drift)

# --- saving
call "$aud" POST /api/v1/baselines /api/v1/baselines 403 '{"name": "gold-12", "host": '"$gold"'}' &&
	ok "an auditor may not save a baseline" || not_ok "auditor saved a baseline"
call "$op" POST /api/v1/baselines /api/v1/baselines 201 \
	'{"name": "gold-12", "host": '"$gold"', "description": "pilot-tested bookworm"}' &&
	[ "$(json '"%s %s %s" % (d["name"], d["packages"], d["source_hostname"])' <"$tmp/body")" = "gold-12 4 gold" ] &&
	ok "an operator saves gold's four packages as gold-12" || not_ok "save: $(head -c 300 "$tmp/body")"
bl=$(json 'd["id"]' <"$tmp/body")
for bad in '{"name": "gold-12", "host": '"$gold"'}' '{"name": "a b", "host": '"$gold"'}' \
	'{"name": "x", "host": 99999}' '{"name": "x"}' '{"name": "x", "host": 1, "colour": "red"}'; do
	call "$op" POST /api/v1/baselines /api/v1/baselines any "$bad"
	case $code in
	400 | 404) ok "save $bad: $code ($(json 'd["error"]["message"]' <"$tmp/body"))" ;;
	*) not_ok "save $bad: $code $(head -c 200 "$tmp/body")" ;;
	esac
done
call "$aud" GET /api/v1/baselines/{id} "/api/v1/baselines/$bl" &&
	[ "$(json '" ".join(p["name"] + "=" + p["version"] for p in d["package_list"])' <"$tmp/body")" = \
		"base-files=12.4+deb12u5 curl=7.88.1-10+deb12u5 tzdata=2024a-0+deb12u1 zlib1g=1:1.2.13.dfsg-1" ] &&
	ok "the baseline's packages, exact versions" || not_ok "show: $(head -c 400 "$tmp/body")"

# --- drift
call "$aud" GET /api/v1/baselines/{id}/drift "/api/v1/baselines/$bl/drift?group=web&details=true" &&
	[ "$(json '" ".join("%s:%d/%d/%d" % (h["hostname"], h["missing"], h["changed"], h["extra"]) for h in d["hosts"])' <"$tmp/body")" = \
		"same:0/0/0 drift:1/2/1" ] &&
	[ "$(json '"%(hosts)d %(drifted)d %(in_line)d" % d["summary"]' <"$tmp/body")" = "2 1 1" ] &&
	ok "group web: same is in line, drift has 1 missing, 2 changed, 1 extra" ||
	not_ok "drift web: $(head -c 600 "$tmp/body")"
[ "$(json '" ".join("%s:%s:%s>%s:%s" % (x["kind"], x["name"], x["baseline_version"], x["host_version"], x.get("direction", "-")) for x in d["hosts"][1]["differences"])' <"$tmp/body")" = \
	"changed:curl:7.88.1-10+deb12u5>7.88.1-10+deb12u8:newer missing:tzdata:2024a-0+deb12u1>None:- changed:zlib1g:1:1.2.13.dfsg-1>1:1.2.11.dfsg-2:older extra:nano:None>7.2-1:-" ] &&
	ok "each difference with both versions and the direction (by Debian's version order)" ||
	not_ok "differences: $(json 'd["hosts"][1]["differences"]' <"$tmp/body")"
call "$aud" GET /api/v1/baselines/{id}/drift "/api/v1/baselines/$bl/drift" &&
	[ "$(json '"%(hosts)d %(drifted)d %(changed)d" % d["summary"]' <"$tmp/body")" = "4 2 3" ] &&
	json '"differences" in d["hosts"][0]' <"$tmp/body" | grep -q False &&
	ok "fleet-wide: 4 hosts, 2 drifted, counts without details by default" ||
	not_ok "drift all: $(head -c 400 "$tmp/body")"
call "$aud" GET /api/v1/baselines/{id}/drift "/api/v1/baselines/$bl/drift?host=$drift&details=true&max_details=1" &&
	[ "$(json 'len(d["hosts"][0]["differences"]), d["hosts"][0]["changed"]' <"$tmp/body")" = "(1, 2)" ] &&
	ok "one host, differences capped by max_details, counts whole" || not_ok "drift host: $(head -c 300 "$tmp/body")"
for q in "group=web&host=1" "host=abc" "details=yes" "max_details=-1"; do
	call "$aud" GET /api/v1/baselines/{id}/drift "/api/v1/baselines/$bl/drift?$q" 400 &&
		ok "drift ?$q: 400" || not_ok "drift ?$q: $code"
done
call "$aud" GET /api/v1/baselines/{id}/drift "/api/v1/baselines/$bl/drift?group=nope" 404 &&
	ok "an unknown group: 404" || not_ok "unknown group: $code"

# --- the CLI on the same store, the same report
"$pw" baseline drift gold-12 --group web --format json >"$tmp/cli.json" 2>"$tmp/err"
st=$?
check "CLI drift --group web: exit 1 (a host drifted)" eq "$st" 1
call "$aud" GET /api/v1/baselines/{id}/drift "/api/v1/baselines/$bl/drift?group=web&max_details=0"
[ "$(json 'd["summary"]' <"$tmp/cli.json")" = "$(json 'd["summary"]' <"$tmp/body")" ] &&
	ok "the CLI's report equals the API's" || not_ok "CLI $(cat "$tmp/cli.json" | head -c 200)"
"$pw" baseline drift gold-12 --host same >"$tmp/out" 2>&1
st=$?
check "CLI drift --host same: exit 0 (in line)" eq "$st" 0
grep -q "1 host: 1 in line with the baseline, 0 drifted" "$tmp/out" && ok "CLI table summary" ||
	not_ok "CLI table: $(cat "$tmp/out")"
"$pw" baseline save gold-12 --host gold >"$tmp/out" 2>&1
st=$?
check "CLI save of a name in use: exit 2" eq "$st" 2
grep -q "exists already" "$tmp/out" && ok "and says so" || not_ok "duplicate: $(cat "$tmp/out")"
"$pw" baseline --help | grep -q "drift NAME" && ok "baseline --help" || not_ok "--help"

# --- deleting, audited
call "$aud" DELETE /api/v1/baselines/{id} "/api/v1/baselines/$bl" 403 && ok "an auditor may not delete" ||
	not_ok "auditor delete: $code"
call "$op" DELETE /api/v1/baselines/{id} "/api/v1/baselines/$bl" 204 && ok "an operator deletes it" ||
	not_ok "delete: $code"
call "$aud" GET /api/v1/baselines/{id} "/api/v1/baselines/$bl" 404 && ok "gone: 404" || not_ok "after delete: $code"
"$pw" audit list --format json >"$tmp/audit.json" 2>/dev/null
[ "$(json '" ".join(x["action"] for x in (d["items"] if isinstance(d, dict) else d) if x["action"].startswith("baseline."))' <"$tmp/audit.json")" = \
	"baseline.create baseline.delete" ] && ok "create and delete in the audit log" ||
	not_ok "audit: $(head -c 300 "$tmp/audit.json")"

pw_server_stop && ok "server stopped" || not_ok "server stop"
[ "$fails" -eq 0 ]
