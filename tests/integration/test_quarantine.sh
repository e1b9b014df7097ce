#!/bin/sh
# test_quarantine.sh - enforcement end to end, with a real server on
# loopback, a real agent on a sandbox root and a webhook receiver: a host
# with an overdue P1 is quarantined, the nft/CSV/JSON exports hold its
# address (and `nft -c -f` accepts the script, when nft is here), the
# receiver gets correctly signed POSTs (the first refused, then retried, no
# duplicates), and a new inventory without the vulnerable version lifts the
# quarantine by itself; the policy over the API and the CLI; every response
# checked against the OpenAPI document.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
agent=${PATCHWARDEN_AGENT:-$(dirname "$pw")/agent/patchwarden-agent}
here=$src/tests/integration
tmp=$(mktemp -d)
rx_pid=
. "$here/server_lib.sh"
trap 'pw_server_cleanup; [ -n "$rx_pid" ] && kill "$rx_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
# wait_for <file>: up to 60 s (the webhook task runs every 5 s)
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ]
}

# nft_check <file> <what>: `nft -c -f` accepts it; a visible skip without nft
# or without the privilege its check mode needs
nft_check() {
	if ! command -v nft >/dev/null 2>&1; then
		echo "ok - # SKIP nft is not installed: $2 is not checked by nft itself"
	elif nft -c -f "$1" 2>"$tmp/nft.err"; then
		ok "nft -c -f accepts $2"
	elif grep -qi "permission\|operation not permitted" "$tmp/nft.err"; then
		echo "ok - # SKIP nft -c needs CAP_NET_ADMIN here: $(head -1 "$tmp/nft.err")"
	else
		not_ok "nft -c -f refuses $2: $(head -3 "$tmp/nft.err")"
	fi
}

# --- a Debian 11 root with a vulnerable openssl, and a feed that says so
root=$tmp/root
mkdir -p "$root/var/lib/dpkg" "$root/etc"
status_file() { # status_file <openssl version>
	for p in openssl libssl1.1; do
		printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nSource: openssl\nVersion: %s\nDescription: test\n\n' "$p" "$1"
	done >"$root/var/lib/dpkg/status"
}
status_file 1.1.1n-0+deb11u4
printf 'ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n' >"$root/etc/os-release"
echo 51a2f0e1c0de4b0b8d2e3f405060708a >"$root/etc/machine-id"
echo web-q1 >"$root/etc/hostname"
cat >"$tmp/tracker.json" <<'JSON'
{"openssl": {"CVE-2026-40001": {"scope": "remote", "description": "test vulnerability",
  "releases": {"bullseye": {"status": "resolved", "repositories": {"bullseye": "1.1.1w-0+deb11u2"},
                            "fixed_version": "1.1.1w-0+deb11u2", "urgency": "high"}}}}}
JSON
# every finding P1, due at once (sla_p1 = 0), quarantined at once
cat >"$tmp/risk.ini" <<'INI'
[priority]
p1 = 1
p2 = 1
p3 = 1
INI
cat >"$tmp/deploy.ini" <<'INI'
[default]
quarantine = report
[group quarantine-test]
sla_p1 = 0
quarantine = enforce
quarantine_after_days = 0
window = Sat 22:00-04:00
timezone = Europe/Berlin
INI
printf 'test-webhook-secret\n' >"$tmp/secret"

# --- the webhook receiver: refuses the first delivery, takes the rest
mkdir -p "$tmp/rx"
python3 "$here/webhook_receiver.py" "$tmp/rx" 503 &
rx_pid=$!
wait_for "$tmp/rx/port" || { not_ok "webhook receiver starts"; exit 1; }
rx_port=$(cat "$tmp/rx/port")

PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600
policy = $tmp/risk.ini
[deploy]
policy = $tmp/deploy.ini
enforce_interval = 3600
[webhook]
url = http://127.0.0.1:$rx_port/hook
secret_file = $tmp/secret
retry = 1"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"
admin=$("$pw" token create --name q-admin --role admin 2>"$tmp/err") ||
	{ not_ok "admin token: $(cat "$tmp/err")"; exit 1; }
auditor=$("$pw" token create --name q-aud --role auditor 2>/dev/null)
call() { # call <token> <method> <path>: body in $tmp/body; the status printed
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
		"$PW_URL$3")
	python3 "$here/openapi_check.py" "$doc" "$2" "$3" "$code" <"$tmp/body" 2>"$tmp/check" ||
		not_ok "$2 $3 ($code) does not match the document: $(head -c 300 "$tmp/check")"
	echo "$code"
}

"$pw" feed import "$tmp/tracker.json" >"$tmp/import.txt" 2>&1 &&
	ok "feed imported" || not_ok "feed import: $(tail -3 "$tmp/import.txt")"

# --- the policy over the API and the CLI
check "GET /api/v1/policy: 200 for an auditor" eq "$(call "$auditor" GET /api/v1/policy)" 200
check "... the group's effective policy: its zone, window, SLA, enforce" eq \
	"$(json '[(g["timezone"], g["windows"], g["sla_days"]["P1"], g["sla_days"]["P2"], g["quarantine"]) for g in d["groups"] if g["group"] == "quarantine-test"][0]' <"$tmp/body")" \
	"('Europe/Berlin', ['Sat 22:00-04:00'], 0, 30, 'enforce')"
"$pw" policy check "$tmp/deploy.ini" >"$tmp/out" 2>&1
check "policy check accepts the file" grep -q "valid: \[default\] and 1 group section" "$tmp/out"
printf '[group web]\nsla_p1 = 3\nreboot = sometimes\n' >"$tmp/bad.ini"
"$pw" policy check "$tmp/bad.ini" >"$tmp/out" 2>&1
st=$?
check "policy check refuses a bad value (exit 2)" eq "$st" 2
check "... naming file:line, section and key" grep -q "$tmp/bad.ini:3: \[group web\] reboot: 'sometimes'" "$tmp/out"
"$pw" policy show --config "$PW_CONFIG" --format json >"$tmp/show.json" 2>"$tmp/err"
check "policy show --format json reads the server's [deploy] policy" eq \
	"$(json 'd["path"]' <"$tmp/show.json")" "$tmp/deploy.ini"

# --- the agent enrolls into the group and uploads its inventory
token=$("$pw" enrollment create --group quarantine-test --expires 1h --uses 1 2>"$tmp/err")
"$agent" --state-dir "$tmp/state" --root "$root" enroll --server "$PW_URL" --token "$token" \
	>"$tmp/enroll.log" 2>&1 && ok "agent enrolled" || not_ok "agent enroll: $(tail -3 "$tmp/enroll.log")"
"$agent" --state-dir "$tmp/state" --root "$root" run --once >"$tmp/run1.log" 2>&1
check "the agent uploads its inventory" grep -q "inventory uploaded" "$tmp/run1.log"
check "assessment: 200" eq "$(call "$admin" POST /api/v1/assessments)" 200
"$pw" finding list --format json >"$tmp/findings.json" 2>"$tmp/err"
check "the host has an open P1 for openssl" eq \
	"$(json '[(f["vulnerability"], f["priority"]) for f in (d["items"] if isinstance(d, dict) else d)]' <"$tmp/findings.json")" "[('CVE-2026-40001', 'P1')]"

# --- enforcement: quarantined
check "POST /api/v1/quarantine/evaluate: 403 for an auditor" eq \
	"$(call "$auditor" POST /api/v1/quarantine/evaluate)" 403
check "POST /api/v1/quarantine/evaluate: 200 for an admin" eq \
	"$(call "$admin" POST /api/v1/quarantine/evaluate)" 200
check "... one host quarantined" eq "$(json '(d["added"], d["quarantined"])' <"$tmp/body")" "(1, 1)"
check "... and listed as not compliant" eq \
	"$(json '[(h["hostname"], h["group"], h["state"], h["reason"]) for h in d["items"]]' <"$tmp/body")" \
	"[('web-q1', 'quarantine-test', 'quarantined', 'overdue')]"
check "GET /api/v1/quarantine: 200" eq "$(call "$auditor" GET /api/v1/quarantine)" 200
check "... web-q1, overdue, from 127.0.0.1" eq \
	"$(json '[(q["hostname"], q["reason"], q["address"]) for q in d["items"]]' <"$tmp/body")" \
	"[('web-q1', 'overdue', '127.0.0.1')]"
check "a second run changes nothing" eq "$(call "$admin" POST /api/v1/quarantine/evaluate)" 200
check "... nothing added" eq "$(json 'd["added"]' <"$tmp/body")" 0

"$pw" quarantine export --format nft >"$tmp/q.nft" 2>"$tmp/err"
check "nft export: the v4 set holds the host's address" \
	grep -qx "add element inet patchwarden quarantine_v4 { 127.0.0.1 }" "$tmp/q.nft"
nft_check "$tmp/q.nft" "the script with the host"
"$pw" quarantine export --format csv >"$tmp/q.csv" 2>"$tmp/err"
check "csv export: a header and the host with its address" eq \
	"$(cut -d, -f2-4 "$tmp/q.csv" | tr '\n' ' ')" "hostname,address,reason web-q1,127.0.0.1,overdue "
"$pw" quarantine export --format json >"$tmp/q.json" 2>"$tmp/err"
check "json export: the host" eq "$(json '[q["address"] for q in d["quarantined"]]' <"$tmp/q.json")" "['127.0.0.1']"
"$pw" quarantine list >"$tmp/list.txt" 2>&1
check "quarantine list shows it" grep -q "web-q1 .*127.0.0.1 .*overdue" "$tmp/list.txt"
"$pw" audit list --format json >"$tmp/audit.json" 2>/dev/null
check "the quarantine is audited" eq \
	"$(json '[(a["actor"], a["object"]) for a in (d["items"] if isinstance(d, dict) else d) if a["action"] == "quarantine.add"]' <"$tmp/audit.json")" \
	"[('token:1:q-admin', 'host:1')]"

# --- the webhook: refused once, delivered on the retry, signed
check "the receiver refused the first attempt" wait_for "$tmp/rx/refused"
check "the retry is delivered" wait_for "$tmp/rx/1.json"
sig_ok() { # sig_ok <n>: the signature header is HMAC-SHA256 of the body under the secret
	python3 - "$tmp/rx/$1.headers" "$tmp/rx/$1.json" "$tmp/secret" <<'PY'
import hashlib, hmac, sys
headers = dict(l.rstrip("\n").split(": ", 1) for l in open(sys.argv[1]))
body = open(sys.argv[2], "rb").read()
key = open(sys.argv[3], "rb").read().rstrip(b"\n")
want = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
sys.exit(0 if hmac.compare_digest(headers.get("X-Patchwarden-Signature", ""), want) else 1)
PY
}
check "the POST is signed: X-Patchwarden-Signature is HMAC-SHA256 of the body" sig_ok 1
check "... and says the event: quarantine.add of web-q1, overdue" eq \
	"$(json '(d["event"], d["host"]["hostname"], d["reason"], d["group"])' <"$tmp/rx/1.json")" \
	"('quarantine.add', 'web-q1', 'overdue', 'quarantine-test')"
check "... with its key in X-Patchwarden-Event" grep -qx "X-Patchwarden-Event: quarantine.add:1" "$tmp/rx/1.headers"

# --- remediation: the patched version, a new inventory, lifted by itself
status_file 1.1.1w-0+deb11u2
"$agent" --state-dir "$tmp/state" --root "$root" run --once >"$tmp/run2.log" 2>&1
check "the agent uploads the patched inventory" grep -q "inventory uploaded" "$tmp/run2.log"
check "assessment after the upgrade: 200" eq "$(call "$admin" POST /api/v1/assessments)" 200
"$pw" quarantine evaluate --config "$PW_CONFIG" --format json >"$tmp/eval.json" 2>"$tmp/err"
check "quarantine evaluate (CLI) lifts it" eq "$(json '(d["lifted"], d["quarantined"])' <"$tmp/eval.json")" "(1, 0)"
check "GET /api/v1/quarantine: empty" eq "$(call "$auditor" GET /api/v1/quarantine)" 200
check "... no host" eq "$(json 'len(d["items"])' <"$tmp/body")" 0
"$pw" quarantine list --all --format json >"$tmp/all.json" 2>"$tmp/err"
check "the history keeps it, lifted as remediated" eq \
	"$(json '[q["lift_reason"] for q in d["items"]]' <"$tmp/all.json")" \
	"['remediated: a new inventory leaves no overdue finding']"
"$pw" quarantine export --format nft >"$tmp/q2.nft" 2>"$tmp/err"
check "the nft export no longer lists the address" sh -c "! grep -q 127.0.0.1 '$tmp/q2.nft'"
check "... but still flushes the sets" grep -qx "flush set inet patchwarden quarantine_v4" "$tmp/q2.nft"
nft_check "$tmp/q2.nft" "the script with empty sets"
check "the lift reaches the webhook" wait_for "$tmp/rx/2.json"
check "... signed" sig_ok 2
check "... as quarantine.lift" eq "$(json 'd["event"]' <"$tmp/rx/2.json")" quarantine.lift
check "each event was delivered once" eq "$(ls "$tmp/rx" | grep -c '\.json$')" 2

check "the server stops cleanly" pw_server_stop
[ "$fails" -eq 0 ]
