#!/bin/sh
# test_changes.sh - a change's life through the real server over loopback:
# simulated agents enroll and upload inventories by HTTP (curl), a change
# to an exact openssl version is created for their group with a pilot
# group, its requester is refused as approver, another change-manager
# approves, it starts; check-ins hand out the pilot ring's jobs once, the
# agents' reports pass its gates and the next ring goes out; a failed report
# halts that ring, which stays halted across check-ins until a resume; the
# pilot's results are the change's test evidence; the CLI reads the same.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
N=12 # agents: 2 pilot, 10 others (rings of 1, 2 and 7)
tmp=$(mktemp -d)
. "$src/tests/integration/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "$src/tests/integration/tap.sh"
# json <python expression on d> < document: a program, so that sh -c sees it too
mkdir -p "$tmp/bin"
cat >"$tmp/bin/json" <<'PY'
#!/usr/bin/env python3
import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))
PY
chmod +x "$tmp/bin/json"
PATH=$tmp/bin:$PATH
export PATH

PW_SERVER_CONFIG_EXTRA="[agent]
checkin_interval = 600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
"$pw" token create --name cm1 --role change-manager >"$tmp/cm1" 2>"$tmp/err" ||
	not_ok "change-manager token: $(cat "$tmp/err")"
"$pw" token create --name cm2 --role change-manager >"$tmp/cm2" 2>/dev/null
"$pw" token create --name op --role operator >"$tmp/op" 2>/dev/null
"$pw" token create --name aud --role auditor >"$tmp/aud" 2>/dev/null
api() { # api <token file> <method> <path> [body]: body on stdout, status in $tmp/status
	if [ $# -ge 4 ]; then
		curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(cat "$1")" \
			-H 'Content-Type: application/json' --data-binary "$4" "$PW_URL$3" >"$tmp/status"
	else
		curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(cat "$1")" \
			"$PW_URL$3" >"$tmp/status"
	fi
	cat "$tmp/body"
}
status() { cat "$tmp/status"; }
curl -s -o "$tmp/openapi.json" "$PW_URL/api/v1/openapi.json"
oa() { # oa <method> <path template> <status> <file>: the body matches the OpenAPI document
	python3 "$src/tests/integration/openapi_check.py" "$tmp/openapi.json" "$1" "$2" "$3" <"$4" 2>"$tmp/oa.err" ||
		{ sed 's/^/# /' "$tmp/oa.err"; return 1; }
}

# --- agents: enrolled and with an inventory holding openssl 3.0.11
mkdir -p "$tmp/root/var/lib/dpkg" "$tmp/root/etc"
cp "$src/tests/data/inventory/dpkg/this-host-bookworm/os-release" "$tmp/root/etc/os-release"
printf 'Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n' \
	>"$tmp/root/var/lib/dpkg/status"
"$pw" scan --root "$tmp/root" --format json >"$tmp/inventory.json" || not_ok "scan the fixture root"
etoken=$("$pw" enrollment create --group web --uses $N 2>/dev/null)
i=1
while [ $i -le $N ]; do
	mid=$(printf '%032x' $((0x5eed0000 + i)))
	curl -s -o "$tmp/enroll" -H 'Content-Type: application/json' \
		-d "{\"token\":\"$etoken\",\"machine_id\":\"$mid\",\"hostname\":\"web$i.test\"}" \
		"$PW_URL/api/v1/enroll"
	json 'd["credential"]' <"$tmp/enroll" >"$tmp/agent-$i"
	json 'd["host_id"]' <"$tmp/enroll" >"$tmp/host-$i"
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["host"]["machine_id"] = sys.argv[2]; d["host"]["hostname"] = sys.argv[3]
json.dump(d, open(sys.argv[4], "w"))' "$tmp/inventory.json" "$mid" "web$i.test" "$tmp/inv-$i.json"
	api "$tmp/agent-$i" PUT /api/v1/agent/inventory "$(cat "$tmp/inv-$i.json")" >/dev/null
	[ "$(status)" = 200 ] || echo "# upload $i: $(status) $(cat "$tmp/body")"
	i=$((i + 1))
done
check "$N agents enrolled into group web, each with its inventory" \
	sh -c "[ \$(sqlite3 '$PW_DB' 'SELECT count(*) FROM host_packages WHERE name = \"openssl\"') = $N ]"
"$pw" group create pilot >/dev/null 2>&1
"$pw" group add pilot "$(cat "$tmp/host-1")" "$(cat "$tmp/host-2")" >/dev/null 2>&1 ||
	not_ok "pilot group"

checkin() { # checkin <i>: the jobs' ids handed to agent i, one a line
	api "$tmp/agent-$1" POST /api/v1/agent/checkin '{"digest":""}' >"$tmp/checkin-$1"
	# without a python per check-in: the ids are all the reply's j-... ids
	grep -o '"id":"j-[0-9a-f]*"' "$tmp/checkin-$1" | cut -d'"' -f4
}
round() { # round: every agent checks in; "i job" lines for the jobs handed out
	i=1
	while [ $i -le $N ]; do
		for j in $(checkin $i); do echo "$i $j"; done
		i=$((i + 1))
	done
}

# --- creating: a dry run, then the change
CHANGE='{"title":"openssl DSA-5801","ticket":"CHG-42","packages":["openssl=3.0.15-1~deb12u1"],"group":"web","pilot_group":"pilot"}'
api "$tmp/cm1" POST /api/v1/changes "$(echo "$CHANGE" | sed 's/}$/,"dry_run":true}/')" >"$tmp/plan"
check "dry run: 200, a plan for every host, nothing stored" \
	sh -c "[ $(status) = 200 ] && [ \$(json 'len(d[\"hosts\"])' <'$tmp/plan') = $N ] && [ \$(sqlite3 '$PW_DB' 'SELECT count(*) FROM changes') = 0 ]"
check "the plan gives the exact version per host, the pilot as ring 0" \
	sh -c "json 'set((h[\"ring\"], p[\"version\"]) for h in d[\"hosts\"] for p in h[\"packages\"] if h[\"host_id\"] in ($(cat "$tmp/host-1"), $(cat "$tmp/host-2")))' <'$tmp/plan' | grep -qx \"{(0, '3.0.15-1~deb12u1')}\""
oa post /api/v1/changes 200 "$tmp/plan" && ok "the plan matches the OpenAPI document" || not_ok "plan schema"
api "$tmp/aud" POST /api/v1/changes "$CHANGE" >/dev/null
check "an auditor cannot create a change: 403" [ "$(status)" = 403 ]
api "$tmp/cm1" POST /api/v1/changes "$CHANGE" >"$tmp/change"
check "a change-manager creates it: 201, pending approval" \
	sh -c "[ $(status) = 201 ] && [ \$(json 'd[\"state\"]' <'$tmp/change') = pending_approval ]"
oa post /api/v1/changes 201 "$tmp/change" && ok "the change matches the OpenAPI document" || not_ok "change schema"
id=$(json 'd["id"]' <"$tmp/change")

# --- approvals
api "$tmp/cm1" POST "/api/v1/changes/$id/approve" >/dev/null
check "the requester cannot approve their own change: 403 self_approval" \
	sh -c "[ $(status) = 403 ] && grep -q self_approval '$tmp/body'"
api "$tmp/op" POST "/api/v1/changes/$id/approve" >/dev/null
check "an operator cannot approve: 403" [ "$(status)" = 403 ]
api "$tmp/cm2" POST "/api/v1/changes/$id/start" >/dev/null
check "not approved yet: start is 409" [ "$(status)" = 409 ]
api "$tmp/cm2" POST "/api/v1/changes/$id/approve" >"$tmp/change"
check "another change-manager approves: approved" \
	sh -c "[ $(status) = 200 ] && [ \$(json 'd[\"state\"]' <'$tmp/change') = approved ]"
check "approved, not started: check-ins hand out nothing" sh -c "[ -z \"\$(round)\" ]"
api "$tmp/cm2" POST "/api/v1/changes/$id/start" >"$tmp/change"
check "started: running" sh -c "[ $(status) = 200 ] && [ \$(json 'd[\"state\"]' <'$tmp/change') = running ]"

# --- the pilot ring
round >"$tmp/round1"
check "the first check-ins hand out the pilot ring's two jobs, to the pilot hosts" \
	sh -c "[ \$(wc -l <'$tmp/round1') = 2 ] && [ \"\$(cut -d' ' -f1 '$tmp/round1' | sort | tr '\n' ' ')\" = '1 2 ' ]"
oa post /api/v1/agent/checkin 200 "$tmp/checkin-1" && ok "the check-in with a job matches the OpenAPI document" ||
	not_ok "check-in schema"
check "a job carries the exact version, its change and action" \
	sh -c "json 'd[\"jobs\"][0][\"packages\"][0][\"version\"] + \" \" + d[\"jobs\"][0][\"action\"] + \" \" + d[\"jobs\"][0][\"change\"]' <'$tmp/checkin-1' | grep -qx '3.0.15-1~deb12u1 install $id'"
round >"$tmp/round2"
check "the next check-ins hand out nothing more (each job once)" [ ! -s "$tmp/round2" ]
OK='{"state":"succeeded","started_at":1,"finished_at":2,"verified":true,"health":"passed","reboot":"none","before":[{"name":"openssl","version":"3.0.11-1~deb12u2"}],"after":[{"name":"openssl","version":"3.0.15-1~deb12u1"}],"log":"ok"}'
FAILED='{"state":"failed","verified":false,"health":"skipped","error":"dpkg: error processing package openssl (--configure)"}'
j1=$(sed -n 1p "$tmp/round1" | cut -d' ' -f2)
a1=$(sed -n 1p "$tmp/round1" | cut -d' ' -f1)
j2=$(sed -n 2p "$tmp/round1" | cut -d' ' -f2)
a2=$(sed -n 2p "$tmp/round1" | cut -d' ' -f1)
api "$tmp/agent-5" POST "/api/v1/agent/jobs/$j1" "$OK" >/dev/null
check "another agent's report on the job: 409" [ "$(status)" = 409 ]
api "$tmp/agent-$a1" POST "/api/v1/agent/jobs/j-0000000000000000" "$OK" >/dev/null
check "a report on an unknown job: 404" [ "$(status)" = 404 ]
api "$tmp/cm1" POST "/api/v1/agent/jobs/$j1" "$OK" >/dev/null
check "a user's credential cannot report: 403" [ "$(status)" = 403 ]
api "$tmp/agent-$a1" POST "/api/v1/agent/jobs/$j1" '{"state":"running","started_at":1}' >/dev/null
check "a running report: 200" [ "$(status)" = 200 ]
api "$tmp/agent-$a1" POST "/api/v1/agent/jobs/$j1" "$OK" >"$tmp/report"
check "the final report: 200 {\"ok\":true}" sh -c "[ $(status) = 200 ] && grep -q '\"ok\":true' '$tmp/report'"
oa post "/api/v1/agent/jobs/{id}" 200 "$tmp/report" && ok "the report's answer matches the OpenAPI document" ||
	not_ok "report schema"
api "$tmp/agent-$a1" POST "/api/v1/agent/jobs/$j1" "$OK" >/dev/null
check "the same final report again: 200, ignored" [ "$(status)" = 200 ]
api "$tmp/agent-$a1" POST "/api/v1/agent/jobs/$j1" "$FAILED" >/dev/null
check "another final report on a finished job: 409" [ "$(status)" = 409 ]
api "$tmp/agent-$a2" POST "/api/v1/agent/jobs/$j2" "$OK" >/dev/null
api "$tmp/aud" GET "/api/v1/changes/$id" >"$tmp/change"
check "both pilot reports passed its gates: the pilot ring passed, ring 1 is active" \
	sh -c "[ \"\$(json 'd[\"rings\"][0][\"state\"] + \" \" + str(d[\"current_ring\"])' <'$tmp/change')\" = 'passed 1' ]"
check "the pilot's results are the change's test evidence" \
	sh -c "[ \$(json 'd[\"evidence\"][\"succeeded\"]' <'$tmp/change') = 2 ]"
oa get "/api/v1/changes/{id}" 200 "$tmp/change" && ok "the change document matches the OpenAPI document" ||
	not_ok "change document schema"

# --- ring 1 fails and halts
round >"$tmp/round3"
check "the next check-ins hand out ring 1's one job" [ "$(wc -l <"$tmp/round3")" = 1 ]
jf=$(cut -d' ' -f2 "$tmp/round3")
af=$(cut -d' ' -f1 "$tmp/round3")
api "$tmp/agent-$af" POST "/api/v1/agent/jobs/$jf" "$FAILED" >/dev/null
api "$tmp/aud" GET "/api/v1/changes/$id" >"$tmp/change"
check "a failed report halts the change, naming the gate" \
	sh -c "[ \$(json 'd[\"state\"]' <'$tmp/change') = halted ] && json 'd[\"halt_reason\"]' <'$tmp/change' | grep -q 'success gate'"
round >"$tmp/round4"
round >>"$tmp/round4"
api "$tmp/aud" GET "/api/v1/changes/$id" >"$tmp/change"
check "halted across check-ins: nothing handed out, still halted" \
	sh -c "[ ! -s '$tmp/round4' ] && [ \$(json 'd[\"state\"]' <'$tmp/change') = halted ]"
check "the halt is in the audit log, by the gates" \
	sh -c "sqlite3 '$PW_DB' \"SELECT actor FROM audit_log WHERE action = 'change.halt'\" | grep -qx system:gates"
api "$tmp/op" POST "/api/v1/changes/$id/resume" >/dev/null
check "an operator cannot resume: 403" [ "$(status)" = 403 ]
api "$tmp/cm1" POST "/api/v1/changes/$id/resume" >"$tmp/change"
check "a change-manager resumes: running, ring 1's failure acknowledged, ring 2 active" \
	sh -c "[ $(status) = 200 ] && [ \"\$(json 'd[\"state\"] + \" \" + str(d[\"current_ring\"])' <'$tmp/change')\" = 'running 2' ]"
round >"$tmp/round5"
check "then ring 2's two jobs go out" [ "$(wc -l <"$tmp/round5")" = 2 ]

# --- the CLI reads the same store
"$pw" change show "$id" --format json >"$tmp/show.json" 2>"$tmp/err"
check "change show --format json: the same change, its evidence" \
	sh -c "[ \$(json 'd[\"id\"] + \" \" + str(d[\"evidence\"][\"succeeded\"])' <'$tmp/show.json' | tr ' ' _) = ${id}_2 ]"
"$pw" change show "$id" >"$tmp/show.txt"
check "change show: the rings and the test evidence" \
	sh -c "grep -q 'test evidence (pilot ring' '$tmp/show.txt' && grep -q 'pilot  passed' '$tmp/show.txt'"
"$pw" change list --state running >"$tmp/list.txt"
check "change list --state running: it" grep -q "^$id " "$tmp/list.txt"
"$pw" change approve "$id" >/dev/null 2>&1
check "change approve of a running change: exit 1 (refused)" [ $? = 1 ]
"$pw" change show c-999 >/dev/null 2>&1
check "change show of an unknown change: exit 2" [ $? = 2 ]
"$pw" change create --title t --group web --install openssl=9 --dry-run --format json >"$tmp/cliplan" 2>"$tmp/err"
check "change create --dry-run: the plan, nothing stored" \
	sh -c "[ \$(json 'len(d[\"hosts\"])' <'$tmp/cliplan') = $N ] && [ \$(sqlite3 '$PW_DB' 'SELECT count(*) FROM changes') = 1 ]"
api "$tmp/cm1" POST "/api/v1/changes/$id/abort" >"$tmp/change"
check "abort: aborted, queued jobs cancelled" \
	sh -c "[ $(status) = 200 ] && [ \$(json 'd[\"state\"]' <'$tmp/change') = aborted ] && [ -z \"\$(round)\" ]"
pw_server_stop && ok "the server stops cleanly" || not_ok "server exited 0 on SIGTERM"
[ "$fails" -eq 0 ]
