#!/bin/sh
# test_inventory_trust.sh - findings a user can rely on, through the real
# server on loopback with the real Debian feeds and KEV: an inventory that
# lost every package (an empty --root scanned, uploaded agentless over the
# API, imported with the CLI, and sent by a real agent) is held for review,
# not applied: the host's findings, KEV ones included, stay open; the hold
# is shown on the host, audited, accepted by an admin only, or superseded
# by the next good inventory. `assess --root` of an empty root fails.
# Changing a host's exposure, criticality or environment re-scores its
# findings at once (API and CLI), and a server started with another policy
# re-scores them all. Every response checked against the OpenAPI document.
set -u
pw=${PATCHWARDEN:?}
data=${PW_TEST_DATA:?}
src=${PW_SOURCE_ROOT:?}
feeds=$src/data/feeds
here=$src/tests/integration
agent=${PATCHWARDEN_AGENT:-$(dirname "$pw")/agent/patchwarden-agent}
for tool in curl python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is needed"; exit 77; }
done
python3 -c 'import jsonschema' 2>/dev/null || { echo "skip: python3-jsonschema is needed"; exit 77; }
tmp=$(mktemp -d)
. "$here/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

# --- roots: a Debian 11 host with policykit-1 (CVE-2021-4034, in KEV),
# curl and sudo; the same host with its package database gone
mkroot() { # mkroot <dir> <with packages: 0|1>
	mkdir -p "$1/etc" "$1/var/lib/dpkg"
	printf 'ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n' \
		>"$1/etc/os-release"
	echo "0123456789abcdef0123456789abcd77" >"$1/etc/machine-id"
	echo "kev1.example" >"$1/etc/hostname"
	[ "$2" = 1 ] || { rmdir "$1/var/lib/dpkg"; return; }
	for p in "policykit-1 0.105-31" "curl 7.74.0-1.3+deb11u1" "libcurl4 7.74.0-1.3+deb11u1:curl" \
		"sudo 1.9.5p2-3"; do
		set -- "$1" $p
		name=$2 ver=${3%%:*} srcpkg=$name
		case $3 in *:*) srcpkg=${3#*:} ;; esac
		printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nSource: %s\nVersion: %s\nDescription: x\n\n' \
			"$name" "$srcpkg" "$ver" >>"$1/var/lib/dpkg/status"
	done
}
mkroot "$tmp/full" 1
mkroot "$tmp/empty" 0

# --- the scan says so, and assess refuses to call the host clean
"$pw" scan --root "$tmp/empty" --format json >"$tmp/empty.json" 2>"$tmp/err"
check "scan of a root without a package database: the document says so" \
	eq "$(json 'd.get("database_errors", [""])[0][:22]' <"$tmp/empty.json")" "no package database (d"
"$pw" assess --root "$tmp/empty" --feed "$feeds/debian/tracker-json/vunnel-debian.json" >"$tmp/out" 2>"$tmp/err"
st=$?
check "assess --root of an empty root: exit 2, not a clean host" \
	sh -c "test $st -eq 2 && grep -q 'no package database' '$tmp/err' && ! grep -q '0 findings' '$tmp/out'"
"$pw" scan --root "$tmp/full" --format json >"$tmp/full.json" 2>/dev/null
check "the full root: 4 packages" eq "$(json 'len(d["packages"])' <"$tmp/full.json")" 4

# --- the server, with the assessor run on demand
PATCHWARDEN_NOW=$(date +%s)
export PATCHWARDEN_NOW
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600
max_package_loss = 50%"
pw_server_start || { echo "Bail out! the server did not start"; exit 1; }
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"
"$pw" feed import "$feeds/debian/security-tracker/DSA-list" "$feeds/debian/security-tracker/DLA-list" \
	"$feeds/kev/known_exploited_vulnerabilities.json" >"$tmp/import.txt" 2>&1 ||
	not_ok "feed import: $(tail -3 "$tmp/import.txt")"
admin=$("$pw" token create --name trust-admin --role admin 2>/dev/null)
operator=$("$pw" token create --name trust-op --role operator 2>/dev/null)
# call <token> <method> <path-template> <url-path> <want-status> [curl args]: body in $tmp/body
call() {
	tok=$1 m=$2 tpl=$3 path=$4 want=$5
	shift 5
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $tok" "$@" \
		"$PW_URL$path")
	python3 "$here/openapi_check.py" "$doc" "$m" "$tpl" "$code" <"$tmp/body" 2>"$tmp/check" ||
		not_ok "$m $path ($code) does not match the document: $(head -c 300 "$tmp/check")"
	[ "$code" = "$want" ] || { echo "# $m $path: $code, want $want: $(head -c 300 "$tmp/body")"; return 1; }
}
assess() { call "$admin" POST /api/v1/assessments /api/v1/assessments 200; }
open_findings() { # open_findings <host id>: "<open> <open KEV>"
	call "$admin" GET /api/v1/findings "/api/v1/findings?host=$1&status=open&limit=500" 200 &&
		json '"%d %d" % (len(d["items"]), sum(1 for f in d["items"] if f["kev"]))' <"$tmp/body"
}
up() { # up <file> <want-status>: POST /api/v1/inventories
	call "$admin" POST /api/v1/inventories /api/v1/inventories "$2" \
		-H 'Content-Type: application/json' --data-binary "@$1"
}

up "$tmp/full.json" 201 && ok "the host uploaded agentless" || not_ok "first upload"
host=$(json 'd["host_id"]' <"$tmp/body")
assess
before=$(open_findings "$host")
check "the host has open findings, KEV ones among them ($before)" \
	sh -c "test '${before#* }' -ge 1 && test '${before% *}' -ge 3"

# --- an empty inventory over the API: held, the findings stay open
up "$tmp/empty.json" 202 && ok "an inventory without packages: 202" || not_ok "empty upload"
check "the answer says held, and why" \
	eq "$(json '(d["status"], "package database" in d["reason"])' <"$tmp/body")" "('held', True)"
assess
check "after an assessment every finding is still open, KEV included" eq "$(open_findings "$host")" "$before"
call "$admin" GET /api/v1/hosts/{id} "/api/v1/hosts/$host" 200
check "the host shows the held inventory (reason, time) and its 4 packages" \
	eq "$(json '(d["packages"], "package database" in d["inventory_held"]["reason"], "at" in d["inventory_held"])' <"$tmp/body")" \
	"(4, True, True)"
grep -q 'held for review' "$PW_SERVER_LOG" && ok "the server logged a warning" || not_ok "no warning in the log"

# an inventory that lost 3 of its 4 packages: held too (max_package_loss = 50%)
python3 - "$tmp/full.json" "$tmp/one.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["packages"] = [p for p in d["packages"] if p["name"] == "sudo"]
json.dump(d, open(sys.argv[2], "w"))
PY
up "$tmp/one.json" 202 && ok "75% of the packages lost at once: held" || not_ok "one-package upload"
check "the reason names the loss" sh -c "grep -q '75% fewer than the 4 stored' '$tmp/body'"

# --- the CLI import of the empty root's scan: held, exit 1
"$pw" asset import-inventory "$tmp/empty.json" >"$tmp/out" 2>"$tmp/err"
st=$?
check "asset import-inventory: exit 1, held for review, named" \
	sh -c "test $st -eq 1 && grep -q 'empty.json: host $host (kev1.example): held for review' '$tmp/err'"
"$pw" asset import-inventory --format json "$tmp/empty.json" >"$tmp/out" 2>/dev/null
check "... and its JSON says held" eq "$(json 'd[0]["status"]' <"$tmp/out")" held
"$pw" host show "$host" >"$tmp/show" 2>&1
check "host show: the held inventory and how to accept it" \
	sh -c "grep -q 'inventory held for review' '$tmp/show' && grep -q 'accept-inventory $host' '$tmp/show'"
"$pw" host show "$host" --format json >"$tmp/show.json" 2>&1
check "host show --format json: inventory_held" \
	eq "$(json '"inventory_held" in d' <"$tmp/show.json")" True
assess
check "still open after the CLI import" eq "$(open_findings "$host")" "$before"

# --- a real agent whose host lost its package database
"$pw" enrollment create >"$tmp/enroll-token" 2>/dev/null
cp -r "$tmp/full" "$tmp/agent-root"
echo "0123456789abcdef0123456789abcd78" >"$tmp/agent-root/etc/machine-id"
echo "kev2.example" >"$tmp/agent-root/etc/hostname"
"$agent" --state-dir "$tmp/state" --root "$tmp/agent-root" enroll --server "$PW_URL" \
	--token-file "$tmp/enroll-token" >"$tmp/agent.log" 2>&1 || not_ok "agent enroll: $(cat "$tmp/agent.log")"
"$agent" --state-dir "$tmp/state" --root "$tmp/agent-root" run --once >>"$tmp/agent.log" 2>&1 ||
	not_ok "agent check-in: $(tail -3 "$tmp/agent.log")"
ahost=$("$pw" host list --format json | json '[h["id"] for h in d if h["origin"] == "agent"][0]')
assess
abefore=$(open_findings "$ahost")
check "the agent's host has the same findings ($abefore)" eq "$abefore" "$before"
rm -rf "$tmp/agent-root/var/lib/dpkg"
"$agent" --state-dir "$tmp/state" --root "$tmp/agent-root" run --once >"$tmp/agent2.log" 2>&1
st=$?
check "the agent uploads the broken scan; the server holds it, the agent says so" \
	sh -c "test $st -eq 0 && grep -q 'held by the server for review' '$tmp/agent2.log'"
assess
check "the agent's host keeps its findings open" eq "$(open_findings "$ahost")" "$abefore"
"$agent" --state-dir "$tmp/state" --root "$tmp/agent-root" run --once >"$tmp/agent3.log" 2>&1
check "the same broken inventory is not asked for again" \
	sh -c "! grep -q 'held by the server' '$tmp/agent3.log'"
# the package database comes back: the good inventory supersedes the hold
cp -r "$tmp/full/var/lib/dpkg" "$tmp/agent-root/var/lib/"
printf 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.11.dfsg-2\nDescription: x\n\n' \
	>>"$tmp/agent-root/var/lib/dpkg/status"
"$agent" --state-dir "$tmp/state" --root "$tmp/agent-root" run --once >"$tmp/agent4.log" 2>&1
call "$admin" GET /api/v1/hosts/{id} "/api/v1/hosts/$ahost" 200
check "a good inventory supersedes the held one" \
	eq "$(json '("inventory_held" in d, d["packages"])' <"$tmp/body")" "(False, 5)"

# --- accepting is an admin's decision, audited
call "$operator" POST /api/v1/hosts/{id}/inventory/accept "/api/v1/hosts/$host/inventory/accept" 403 &&
	ok "an operator may not accept a held inventory" || not_ok "operator accept"
call "$admin" POST /api/v1/hosts/{id}/inventory/accept "/api/v1/hosts/$host/inventory/accept" 200 &&
	ok "an admin accepts it" || not_ok "admin accept"
check "the accepted inventory is applied (the empty one, imported last)" \
	eq "$(json '(d["status"], d["removed"])' <"$tmp/body")" "('applied', 4)"
call "$admin" POST /api/v1/hosts/{id}/inventory/accept "/api/v1/hosts/$host/inventory/accept" 409 &&
	ok "nothing held any more: 409" || not_ok "accept twice"
assess
check "only now are the host's findings fixed" eq "$(open_findings "$host")" "0 0"
"$pw" asset import-inventory "$tmp/full.json" >/dev/null 2>&1
"$pw" asset import-inventory "$tmp/empty.json" >/dev/null 2>&1
"$pw" host accept-inventory kev1.example >"$tmp/out" 2>&1
check "host accept-inventory HOST (the CLI)" grep -q 'held inventory applied: 0 added, 4 removed' "$tmp/out"
"$pw" audit list --format json >"$tmp/audit.json" 2>/dev/null
check "audited: held, superseded, accepted" \
	eq "$(json 'sorted({a["action"] for a in (d["items"] if isinstance(d, dict) else d)} & {"host.inventory_held", "host.held_inventory_superseded", "host.accept_inventory"})' <"$tmp/audit.json")" \
	"['host.accept_inventory', 'host.held_inventory_superseded', 'host.inventory_held']"

# --- the risk follows the host's attributes at once
"$pw" asset import-inventory "$tmp/full.json" >/dev/null 2>&1
assess
scores() { # scores <host id>: "id:score:priority ..." of its open findings, by id
	call "$admin" GET /api/v1/findings "/api/v1/findings?host=$1&status=open&limit=500" 200 &&
		json '" ".join("%d:%d:%s" % (f["id"], f["score"], f["priority"]) for f in sorted(d["items"], key=lambda f: f["id"]))' <"$tmp/body"
}
s0=$(scores "$host")
call "$admin" PATCH /api/v1/hosts/{id} "/api/v1/hosts/$host" 200 -H 'Content-Type: application/json' \
	--data-binary '{"exposure":"internet","criticality":5,"environment":"production"}' ||
	not_ok "PATCH /hosts/{id}"
s1=$(scores "$host")
check "PATCH exposure/criticality/environment: /findings re-scored at once (no assessment run)" \
	python3 -c 'import sys
a = dict((x.split(":")[0], int(x.split(":")[1])) for x in sys.argv[1].split())
b = dict((x.split(":")[0], int(x.split(":")[1])) for x in sys.argv[2].split())
sys.exit(not (a.keys() == b.keys() and a and all(b[k] == min(100, a[k] + 19) for k in a)))' "$s0" "$s1"
call "$admin" GET /api/v1/hosts/{id} "/api/v1/hosts/$host" 200
check "... and the host is marked for the assessor" eq "$(json 'd["needs_assessment"]' <"$tmp/body")" True
assess
check "the assessor's run agrees with the immediate scores" eq "$(scores "$host")" "$s1"
"$pw" host set "$host" --exposure isolated --criticality 1 --environment staging >/dev/null
"$pw" finding list --host "$host" --format json >"$tmp/fl.json" 2>"$tmp/err"
s2=$(json '" ".join("%d:%d:%s" % (f["id"], f["score"], f["priority"]) for f in sorted((d["items"] if isinstance(d, dict) else d), key=lambda f: f["id"]) if f["state"] == "open")' <"$tmp/fl.json")
check "host set: finding list shows the lower scores at once" \
	python3 -c 'import sys
a = dict((x.split(":")[0], int(x.split(":")[1])) for x in sys.argv[1].split())
b = dict((x.split(":")[0], int(x.split(":")[1])) for x in sys.argv[2].split())
sys.exit(not (a.keys() == b.keys() and a and all(b[k] < a[k] for k in a)))' "$s0" "$s2"

# --- a server started with another policy re-scores every finding
pw_server_stop || not_ok "the server stops"
printf '[weights]\ninternal = 20\ninternet_facing = 20\nisolated = 15\n' >"$tmp/policy.ini"
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600
policy = $tmp/policy.ini"
pw_server_start || { echo "Bail out! the server did not start again"; exit 1; }
assess # waits for the run at start, or is the first run itself
s3=$(scores "$host")
check "its first run re-scored the findings with the new weights (isolated: -5 -> +15)" \
	python3 -c 'import sys
a = dict((x.split(":")[0], int(x.split(":")[1])) for x in sys.argv[1].split())
b = dict((x.split(":")[0], int(x.split(":")[1])) for x in sys.argv[2].split())
sys.exit(not (a.keys() == b.keys() and a and all(b[k] == min(100, a[k] + 20) for k in a)))' "$s2" "$s3"

check "audit verify: the chain is intact" sh -c "'$pw' audit verify >/dev/null"
check "the server stops cleanly" pw_server_stop
echo "inventory_trust: $fails failed"
[ "$fails" -eq 0 ]
