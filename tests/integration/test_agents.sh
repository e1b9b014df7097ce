#!/bin/sh
# test_agents.sh - a real server and 50 real patchwarden-agent processes on
# loopback, each scanning its own root (Debian, Alpine and rpm fixtures with
# machine-ids of their own): enrollment with one token and its use limit,
# check-ins that upload only when the digest changed, revocation, replayed
# and refused tokens, credential files, an agent that tries to write
# another host's inventory, and a second enrollment for an enrolled machine
# id that waits for an admin's approval instead of taking the host over.
set -u
pw=${PATCHWARDEN:?}
data=${PW_TEST_DATA:?}
src=${PW_SOURCE_ROOT:?}
agent=${PATCHWARDEN_AGENT:-$(dirname "$pw")/agent/patchwarden-agent}
N=${PW_TEST_AGENTS:-50}
tmp=$(mktemp -d)
. "$src/tests/integration/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

# --- roots: deb (the real 823-package status file, or trivy's), alpine, rpm
mkroot() { # mkroot <i>
	r=$tmp/root-$1
	mkdir -p "$r/etc"
	case $(($1 % 3)) in
	0)
		mkdir -p "$r/var/lib/dpkg"
		if [ $(($1 % 2)) -eq 0 ]; then
			cp "$data/inventory/dpkg/this-host-bookworm/status" "$r/var/lib/dpkg/status"
		else
			cp "$data/inventory/dpkg/trivy/status" "$r/var/lib/dpkg/status"
		fi
		cp "$data/inventory/hosts/debian12/usr/lib/os-release" "$r/etc/os-release" ;;
	1)
		mkdir -p "$r/lib/apk/db"
		cp "$data/inventory/apk/osv-scalibr/installed" "$r/lib/apk/db/installed"
		cp "$data/inventory/hosts/alpine/etc/os-release" "$r/etc/os-release" ;;
	2)
		mkdir -p "$r/var/lib/rpm"
		cp "$data/inventory/rpm/cbl-mariner-2.0/"rpmdb.sqlite* "$r/var/lib/rpm/"
		cp "$data/inventory/hosts/alma9/usr/lib/os-release" "$r/etc/os-release" ;;
	esac
	printf '%032x\n' $((0x5eed0000 + $1)) >"$r/etc/machine-id"
	echo "agent-$1.test" >"$r/etc/hostname"
}
i=1
while [ $i -le $((N + 1)) ]; do mkroot $i; i=$((i + 1)); done

PW_SERVER_CONFIG_EXTRA="[agent]
checkin_interval = 600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
admin=$("$pw" token create --name agents-test --role admin 2>"$tmp/err") ||
	not_ok "admin API token: $(cat "$tmp/err")"
operator=$("$pw" token create --name agents-op --role operator 2>/dev/null)
auditor=$("$pw" token create --name agents-aud --role auditor 2>/dev/null)
api() { # api <token> <method> <path> [body]: body on stdout, status in $tmp/status
	if [ $# -ge 4 ]; then
		curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
			-H 'Content-Type: application/json' --data-binary "$4" "$PW_URL$3" >"$tmp/status"
	else
		curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
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

# --- an enrollment token for N agents
token=$("$pw" enrollment create --group fleet-test --expires 1h --uses "$N" 2>"$tmp/err")
check "enrollment create prints a pwe_ token" sh -c "echo '$token' | grep -Eq '^pwe_[A-Za-z0-9_-]{43}\$'"
"$pw" enrollment list --format json >"$tmp/tokens.json"
check "enrollment list shows it active with $N uses" \
	test "$(json '[(t["state"], t["max_uses"], t["group"]) for t in d][-1]' <"$tmp/tokens.json")" = "('active', $N, 'fleet-test')"
check "the token itself is not stored or listed" sh -c "! grep -q '$token' '$tmp/tokens.json' && ! grep -aq '$token' '$PW_DB'"

# --- N agents enroll at once
# (wait names the agents: a bare wait would wait for the server too)
pids=
i=1
while [ $i -le "$N" ]; do
	"$agent" --state-dir "$tmp/state-$i" --root "$tmp/root-$i" enroll --server "$PW_URL" \
		--token "$token" >"$tmp/enroll-$i.log" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
enrolled=0
i=1
while [ $i -le "$N" ]; do
	[ -s "$tmp/state-$i/credential" ] && enrolled=$((enrolled + 1))
	i=$((i + 1))
done
check "$N agents enrolled with one token ($enrolled)" test "$enrolled" -eq "$N"
[ "$enrolled" -eq "$N" ] || cat "$tmp"/enroll-*.log | sort | uniq -c | head -5
ids=$(cat "$tmp"/state-*/agent.json | python3 -c '
import json, sys
docs = sys.stdin.read().replace("}\n{", "}\x00{").split("\x00")
print(len({json.loads(x)["agent_id"] for x in docs if x.strip()}), len({json.loads(x)["host_id"] for x in docs if x.strip()}))')
check "$N distinct agents and hosts ($ids)" test "$ids" = "$N $N"
check "credential file is 0600" test "$(stat -c %a "$tmp/state-1/credential")" = 600
check "agent.json is 0600" test "$(stat -c %a "$tmp/state-1/agent.json")" = 600
check "state directory is 0700" test "$(stat -c %a "$tmp/state-1")" = 700

# the use limit: the next enrollment with the same token fails
"$agent" --state-dir "$tmp/state-extra" --root "$tmp/root-$((N + 1))" enroll --server "$PW_URL" \
	--token "$token" >"$tmp/enroll-extra.log" 2>&1
check "enrollment $((N + 1)) with a $N-use token fails (exit 2)" test $? -eq 2
check "... saying the token is used up" grep -q "no uses left" "$tmp/enroll-extra.log"
check "... and writes no credential" test ! -e "$tmp/state-extra/credential"
# a replay of the token by hand
body=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
	-d "{\"token\":\"$token\",\"machine_id\":\"0123456789abcdef0123456789abcdef\"}" "$PW_URL/api/v1/enroll")
check "a replayed enrollment token gets 403 token_used_up" sh -c "echo '$body' | grep -q '\"token_used_up\".* 403\$'"
curl -s -o "$tmp/replay.json" -H 'Content-Type: application/json' \
	-d "{\"token\":\"$token\",\"machine_id\":\"0123456789abcdef0123456789abcdef\"}" "$PW_URL/api/v1/enroll"
check "... as the OpenAPI document says" oa POST /api/v1/enroll 403 "$tmp/replay.json"
"$pw" enrollment list --format json >"$tmp/tokens.json"
check "the token counts $N uses" test "$(json 'd[-1]["uses"]' <"$tmp/tokens.json")" -eq "$N"

# revoked and expired tokens
tok2=$("$pw" enrollment create --uses 5 --format json 2>/dev/null)
tok2_id=$(echo "$tok2" | json 'd["id"]')
tok2=$(echo "$tok2" | json 'd["token"]')
"$pw" enrollment revoke "$tok2_id" 2>/dev/null
body=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
	-d "{\"token\":\"$tok2\",\"machine_id\":\"0123456789abcdef0123456789abcdef\"}" "$PW_URL/api/v1/enroll")
check "a revoked enrollment token gets 403 token_revoked" sh -c "echo '$body' | grep -q '\"token_revoked\".* 403\$'"
# created "an hour ago" for a minute: expired by the server's clock
tok3=$(PATCHWARDEN_NOW=$(($(date +%s) - 3600)) "$pw" enrollment create --expires 60 2>/dev/null)
body=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
	-d "{\"token\":\"$tok3\",\"machine_id\":\"0123456789abcdef0123456789abcdef\"}" "$PW_URL/api/v1/enroll")
check "an expired enrollment token gets 403 token_expired" sh -c "echo '$body' | grep -q '\"token_expired\".* 403\$'"
body=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
	-d '{"token":"pwe_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","machine_id":"x"}' "$PW_URL/api/v1/enroll")
check "an unknown enrollment token gets 401" sh -c "echo '$body' | grep -q '\"invalid_token\".* 401\$'"
body=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -d '{"token":' "$PW_URL/api/v1/enroll")
check "invalid JSON to /enroll gets 400 JSON" sh -c "echo '$body' | grep -q '\"error\".* 400\$'"

# --- every agent checks in: the first time each uploads its inventory
run_all() { # run_all <tag>: run --once in every state dir at once; prints failures
	pids=
	i=1
	while [ $i -le "$N" ]; do
		( "$agent" --state-dir "$tmp/state-$i" --root "$tmp/root-$i" run --once \
			>"$tmp/run-$1-$i.log" 2>&1; echo $? >"$tmp/run-$1-$i.rc" ) &
		pids="$pids $!"
		i=$((i + 1))
	done
	wait $pids
	cat "$tmp"/run-"$1"-*.rc | grep -cv '^0$'
}
uploads_of() { grep -l "inventory uploaded" "$tmp"/run-"$1"-*.log 2>/dev/null | wc -l; }
bad=$(run_all first)
check "first check-in: all $N agents exit 0 (failures: $bad)" test "$bad" -eq 0
[ "$bad" -eq 0 ] || grep -h error "$tmp"/run-first-*.log | head -5
check "first check-in: all $N upload their inventory ($(uploads_of first))" test "$(uploads_of first)" -eq "$N"
check "deb root uploads 823 packages" grep -q "inventory uploaded: 823 packages" "$tmp/run-first-6.log"

bad=$(run_all second)
check "second check-in: all exit 0 (failures: $bad)" test "$bad" -eq 0
check "second check-in: no agent uploads ($(uploads_of second))" test "$(uploads_of second)" -eq 0
check "second check-in: agents report the inventory unchanged" \
	test "$(grep -l 'inventory unchanged' "$tmp"/run-second-*.log | wc -l)" -eq "$N"

api "$admin" GET "/api/v1/agents?limit=1000" >"$tmp/agents.json"
check "GET /api/v1/agents matches the OpenAPI document" oa GET /api/v1/agents 200 "$tmp/agents.json"
check "GET /api/v1/agents: 200 with $N agents" \
	test "$(status) $(json 'len(d["items"])' <"$tmp/agents.json")" = "200 $N"
check "the server counts exactly one upload per agent" \
	test "$(json 'sorted({a["uploads"] for a in d["items"]})' <"$tmp/agents.json")" = "[1]"
check "every host has a stored inventory digest" \
	test "$(json 'sum(1 for a in d["items"] if a.get("inventory_digest"))' <"$tmp/agents.json")" -eq "$N"

# check-in times are written in batches (every 5 s): wait for them, up to 30 s
i=0
while [ $i -lt 60 ]; do
	seen=$(api "$admin" GET "/api/v1/agents?limit=1000" | json 'sum(1 for a in d["items"] if a["last_seen"])')
	[ "$seen" -eq "$N" ] && break
	sleep 0.5
	i=$((i + 1))
done
check "every agent's last_seen is recorded ($seen)" test "$seen" -eq "$N"

# --- one package changes in one root: only that agent uploads
changed=6
sed -i '0,/^Version: /s/^Version: \(.*\)$/Version: \1+local1/' "$tmp/root-$changed/var/lib/dpkg/status"
bad=$(run_all third)
check "third check-in: all exit 0 (failures: $bad)" test "$bad" -eq 0
check "third check-in: only the changed agent uploads" \
	test "$(grep -l 'inventory uploaded' "$tmp"/run-third-*.log | tr '\n' ' ')" = "$tmp/run-third-$changed.log "
check "... one package changed" grep -q "0 added, 0 removed, 1 changed" "$tmp/run-third-$changed.log"
api "$admin" GET "/api/v1/agents?limit=1000" >"$tmp/agents2.json"
aid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agent_id"])' "$tmp/state-$changed/agent.json")
check "the server counts 2 uploads for agent $aid, 1 for the others" \
	test "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sorted((a["id"] == int(sys.argv[2]), a["uploads"]) for a in d["items"])[-1], sum(a["uploads"] for a in d["items"]))' "$tmp/agents2.json" "$aid")" = "(True, 2) $((N + 1))"

# --- an agent cannot write another host's inventory
cred_a=$(cat "$tmp/state-1/credential")
host_a=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host_id"])' "$tmp/state-1/agent.json")
host_b=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host_id"])' "$tmp/state-2/agent.json")
digests() { api "$admin" GET "/api/v1/agents?limit=1000" | python3 -c '
import json, sys
print(" ".join(str(a.get("inventory_digest")) for a in json.load(sys.stdin)["items"]))'; }
before=$(digests)
"$pw" scan --root "$tmp/root-2" --format json >"$tmp/inv-b.json"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $cred_a" \
	-H 'Content-Type: application/json' --data-binary @"$tmp/inv-b.json" "$PW_URL/api/v1/agent/inventory")
check "agent 1 PUTting host 2's inventory gets 403" test "$code" = 403
check "... as a JSON error" grep -q '"error"' "$tmp/body"
check "PUT /api/v1/agent/inventory 403 matches the OpenAPI document" oa PUT /api/v1/agent/inventory 403 "$tmp/body"
check "... and no host's inventory changed" test "$(digests)" = "$before"
# the same document without a machine-id lands on agent 1's own host only
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["host"]["machine_id"]; json.dump(d, open(sys.argv[2], "w"))' \
	"$tmp/inv-b.json" "$tmp/inv-b-anon.json"
api "$cred_a" PUT /api/v1/agent/inventory "$(cat "$tmp/inv-b-anon.json")" >"$tmp/put.json"
check "an anonymous document is stored for the agent's own host ($host_a)" \
	test "$(status) $(json 'd["host_id"]' <"$tmp/put.json")" = "200 $host_a"
check "PUT /api/v1/agent/inventory 200 matches the OpenAPI document" oa PUT /api/v1/agent/inventory 200 "$tmp/put.json"
api "$cred_a" POST /api/v1/agent/checkin '{"digest":""}' >"$tmp/checkin.json"
check "POST /api/v1/agent/checkin: 200, inventory wanted for an empty digest" \
	test "$(status) $(json 'd["inventory_wanted"], d["interval_s"], d["jobs"]' <"$tmp/checkin.json")" = "200 (True, 600, [])"
check "... matching the OpenAPI document" oa POST /api/v1/agent/checkin 200 "$tmp/checkin.json"
after=$(digests)
check "... and only that host's digest changed" test "$(python3 -c '
import sys
a, b = sys.argv[1].split(), sys.argv[2].split()
print(sum(x != y for x, y in zip(a, b)))' "$before" "$after")" -eq 1
[ "$host_a" != "$host_b" ] || not_ok "distinct hosts"

# --- hostile check-ins
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $cred_a" \
	-H 'Content-Type: application/json' -d '{"digest":"../../etc/passwd"}' "$PW_URL/api/v1/agent/checkin")
check "a malformed digest gets 400 JSON" sh -c "test $code = 400 && grep -q '\"error\"' '$tmp/body'"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"digest":""}' "$PW_URL/api/v1/agent/checkin")
check "a check-in without a credential gets 401" test "$code" = 401
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${cred_a}x" \
	-H 'Content-Type: application/json' -d '{"digest":""}' "$PW_URL/api/v1/agent/checkin")
check "a forged credential gets 401" test "$code" = 401
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $cred_a" \
	-H 'Content-Type: application/json' -d '{"schema_version":1,"packages":[{"family":"deb"}]}' \
	"$PW_URL/api/v1/agent/inventory")
check "an invalid inventory gets 400 naming the field" sh -c "test $code = 400 && grep -q 'packages\[0\]' '$tmp/body'"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $cred_a" "$PW_URL/api/v1/agents")
check "an agent cannot list agents (403)" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $cred_a" -X POST \
	-H 'Content-Type: application/json' -d '{}' "$PW_URL/api/v1/enrollment-tokens")
check "an agent cannot create enrollment tokens (403)" test "$code" = 403

head -c 20000000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $cred_a" \
	-H 'Content-Type: application/json' --data-binary @"$tmp/big.json" "$PW_URL/api/v1/agent/inventory")
check "a 20 MB inventory upload gets 413 JSON" sh -c "test $code = 413 && grep -q '\"error\"' '$tmp/body'"
rm -f "$tmp/big.json"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $cred_a" \
	-H 'Content-Type: text/plain' --data-binary @"$tmp/inv-b-anon.json" "$PW_URL/api/v1/agent/inventory")
check "an upload that is not application/json gets 415" test "$code" = 415

# --- pagination of the agent list
api "$admin" GET "/api/v1/agents?limit=2" >"$tmp/p1.json"
cur=$(json 'd["next_cursor"]' <"$tmp/p1.json")
api "$admin" GET "/api/v1/agents?limit=2&cursor=$cur" >"$tmp/p2.json"
check "the agent list pages by id (limit 2)" test "$(json '[a["id"] for a in d["items"]]' <"$tmp/p1.json") $(json '[a["id"] for a in d["items"]]' <"$tmp/p2.json")" = "[1, 2] [3, 4]"
api "$admin" GET "/api/v1/agents?cursor=x" >/dev/null
check "a bad cursor gets 400" test "$(status)" = 400

# --- roles on the admin endpoints
api "$operator" GET /api/v1/agents >/dev/null
check "an operator may list agents" test "$(status)" = 200
api "$operator" DELETE /api/v1/agents/1 >/dev/null
check "an operator may not revoke an agent (403)" test "$(status)" = 403
api "$auditor" GET /api/v1/enrollment-tokens >"$tmp/aud.json"
check "an auditor may read enrollment tokens, never their secrets" \
	sh -c 'test "$1" = 200 && ! grep -q pwe_ "$2"' - "$(status)" "$tmp/aud.json"
api "$auditor" POST /api/v1/enrollment-tokens '{"max_uses":1}' >/dev/null
check "an auditor may not create enrollment tokens (403)" test "$(status)" = 403
api "$admin" POST /api/v1/enrollment-tokens '{"group":"api-made","expires_in":"2d","max_uses":3}' >"$tmp/tok.json"
check "POST /api/v1/enrollment-tokens: 201 with the token once" \
	test "$(status) $(json 'd["token"][:4], d["max_uses"], d["state"]' <"$tmp/tok.json")" = "201 ('pwe_', 3, 'active')"
tid=$(json 'd["id"]' <"$tmp/tok.json")
api "$admin" GET /api/v1/enrollment-tokens >"$tmp/toks.json"
check "enrollment token answers match the OpenAPI document" \
	sh -c "oa() { python3 '$src/tests/integration/openapi_check.py' '$tmp/openapi.json' \"\$@\"; }; \
	oa POST /api/v1/enrollment-tokens 201 <'$tmp/tok.json' && oa GET /api/v1/enrollment-tokens 200 <'$tmp/toks.json'"
check "GET /api/v1/enrollment-tokens lists it without the secret" \
	sh -c "test $(status) = 200 && ! grep -q token\\\" '$tmp/toks.json' && grep -q api-made '$tmp/toks.json'"
api "$admin" DELETE "/api/v1/enrollment-tokens/$tid" >/dev/null
check "DELETE /api/v1/enrollment-tokens/$tid: 204" test "$(status)" = 204
api "$admin" DELETE "/api/v1/enrollment-tokens/999999" >/dev/null
check "DELETE of an unknown token: 404" test "$(status)" = 404
api "$admin" DELETE "/api/v1/enrollment-tokens/..%2f1" >/dev/null
check "DELETE with a traversal id: 4xx" sh -c "case $(status) in 4??) true;; *) false;; esac"
api "$admin" POST /api/v1/enrollment-tokens '{"max_uses":0}' >/dev/null
check "max_uses 0 is refused (400)" test "$(status)" = 400

# --- revocation: the revoked agent's credential gets 401 at once
victim=3
vid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agent_id"])' "$tmp/state-$victim/agent.json")
api "$admin" DELETE "/api/v1/agents/$vid" >/dev/null
check "DELETE /api/v1/agents/$vid: 204" test "$(status)" = 204
cred_v=$(cat "$tmp/state-$victim/credential")
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $cred_v" \
	-H 'Content-Type: application/json' -d '{"digest":""}' "$PW_URL/api/v1/agent/checkin")
check "the revoked credential gets 401" test "$code" = 401
"$agent" --state-dir "$tmp/state-$victim" --root "$tmp/root-$victim" run --once >"$tmp/revoked.log" 2>&1
check "the revoked agent's run --once exits 2" test $? -eq 2
check "... saying it was refused" grep -q "401" "$tmp/revoked.log"
"$agent" --state-dir "$tmp/state-4" --root "$tmp/root-4" run --once >/dev/null 2>&1
check "the other agents keep checking in" test $? -eq 0
api "$admin" GET "/api/v1/agents?limit=1000" >"$tmp/agents3.json"
check "the agent list shows it revoked" \
	test "$(json "[a['revoked'] for a in d['items'] if a['id'] == $vid]" <"$tmp/agents3.json")" = "[True]"
# the same from the command line, on the running server's store
vid5=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agent_id"])' "$tmp/state-6/agent.json")
"$pw" enrollment revoke-agent "$vid5" 2>/dev/null
check "enrollment revoke-agent: exit 0" test $? -eq 0
"$agent" --state-dir "$tmp/state-6" --root "$tmp/root-6" run --once >/dev/null 2>&1
check "... and that agent's next check-in is refused at once" test $? -eq 2
check "enrollment agents lists it revoked" \
	sh -c '"$1" enrollment agents --format json | python3 -c "import json,sys; print([a[\"revoked\"] for a in json.load(sys.stdin) if a[\"id\"] == $2])" | grep -qx "\[True\]"' - "$pw" "$vid5"

# --- a second enrollment for an enrolled machine id waits for an admin
# (any enrollment token, of any group, and machine ids are readable by every
# role): the agent in place works on, the newcomer's credential is refused
mid7=$(cat "$tmp/root-7/etc/machine-id")
tokx=$("$pw" enrollment create --group lab --uses 3 2>/dev/null)
curl -s -o "$tmp/takeover.json" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"token\":\"$tokx\",\"machine_id\":\"$mid7\",\"hostname\":\"evil\"}" \
	"$PW_URL/api/v1/enroll" >"$tmp/status"
check "an enrollment for an enrolled machine id: 202 pending" \
	test "$(status) $(json 'd["status"]' <"$tmp/takeover.json")" = "202 pending"
check "... as the OpenAPI document says" oa POST /api/v1/enroll 202 "$tmp/takeover.json"
pend=$(json 'd["agent_id"]' <"$tmp/takeover.json")
evil=$(json 'd["credential"]' <"$tmp/takeover.json")
code=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -H "Authorization: Bearer $evil" \
	-H 'Content-Type: application/json' -d '{"digest":""}' "$PW_URL/api/v1/agent/checkin")
check "the pending credential's check-in: 403 enrollment_pending with Retry-After" \
	sh -c "test $code = 403 && grep -q enrollment_pending '$tmp/body' && grep -qi '^Retry-After:' '$tmp/headers'"
check "... as the OpenAPI document says" oa POST /api/v1/agent/checkin 403 "$tmp/body"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $evil" \
	-H 'Content-Type: application/json' -d '{"packages":[]}' "$PW_URL/api/v1/agent/inventory")
check "the pending credential cannot upload an (empty) inventory: 403" test "$code" = 403
"$agent" --state-dir "$tmp/state-7" --root "$tmp/root-7" run --once >"$tmp/real7.log" 2>&1
check "the real agent goes on checking in" test $? -eq 0
api "$admin" GET /api/v1/agents?limit=1000 >"$tmp/agents4.json"
check "the host kept its name and its agent (the pending one listed as pending)" \
	test "$(json "sorted((a['revoked'], a['pending']) for a in d['items'] if a['machine_id'] == '$mid7')" <"$tmp/agents4.json")" = "[(False, False), (False, True)]"
api "$operator" GET /api/v1/enrollments/pending >"$tmp/pending.json"
check "GET /api/v1/enrollments/pending lists it (operator may read)" \
	test "$(status) $(json "[(p['id'], p['machine_id'], p['hostname']) for p in d['items']]" <"$tmp/pending.json")" = "200 [($pend, '$mid7', 'evil')]"
check "... as the OpenAPI document says" oa GET /api/v1/enrollments/pending 200 "$tmp/pending.json"
check "enrollment pending lists it too" \
	sh -c '"$1" enrollment pending --format json | python3 -c "import json,sys; print([p[\"id\"] for p in json.load(sys.stdin)])" | grep -qx "\[$2\]"' - "$pw" "$pend"
api "$operator" POST "/api/v1/enrollments/$pend/approve" '{}' >/dev/null
check "an operator may not approve (403)" test "$(status)" = 403
api "$admin" POST "/api/v1/enrollments/$pend/reject" '{}' >"$tmp/reject.json"
check "admin rejects it: 200 rejected" test "$(status) $(json 'd["state"]' <"$tmp/reject.json")" = "200 rejected"
check "... as the OpenAPI document says" oa POST /api/v1/enrollments/{id}/reject 200 "$tmp/reject.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $evil" \
	-H 'Content-Type: application/json' -d '{"digest":""}' "$PW_URL/api/v1/agent/checkin")
check "the rejected credential: 401" test "$code" = 401
api "$admin" POST "/api/v1/enrollments/$pend/approve" '{}' >"$tmp/body"
check "a decided enrollment cannot be approved after all (404)" test "$(status)" = 404
check "... as the OpenAPI document says" oa POST /api/v1/enrollments/{id}/approve 404 "$tmp/body"
# the same machine for real (its agent lost its state): the agent says it waits
"$agent" --state-dir "$tmp/state-7b" --root "$tmp/root-7" enroll --server "$PW_URL" \
	--token "$tokx" >"$tmp/enroll-7b.log" 2>&1
check "patchwarden-agent enroll on an enrolled machine: exit 0, saying it awaits approval" \
	sh -c "test $? -eq 0 && grep -q \"awaits an admin's approval\" '$tmp/enroll-7b.log'"
"$agent" --state-dir "$tmp/state-7b" --root "$tmp/root-7" run --once >"$tmp/run-7b.log" 2>&1
check "its run --once until then: not checked in, saying it awaits approval" \
	sh -c "test $? -ne 0 && grep -q 'awaits an admin' '$tmp/run-7b.log'"
pend2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agent_id"])' "$tmp/state-7b/agent.json")
"$pw" enrollment approve "$pend2" 2>"$tmp/err"
check "enrollment approve: exit 0" test $? -eq 0
"$agent" --state-dir "$tmp/state-7b" --root "$tmp/root-7" run --once >"$tmp/run-7b.log" 2>&1
check "approved, the new agent checks in" test $? -eq 0
"$agent" --state-dir "$tmp/state-7" --root "$tmp/root-7" run --once >/dev/null 2>&1
check "... and the one it replaced is refused" test $? -eq 2
"$pw" enrollment approve 999999 >/dev/null 2>"$tmp/err"
check "enrollment approve of no pending enrollment: exit 2 naming it" \
	sh -c "test $? -eq 2 && grep -q 'no pending enrollment 999999' '$tmp/err'"

# --- the audit log has every step
"$pw" audit list --format json >"$tmp/audit.json" 2>/dev/null
for action in enrollment_token.create enrollment_token.revoke agent.enroll agent.revoke host.inventory \
	agent.enroll_pending agent.approve agent.reject; do
	check "audit log: $action" grep -q "\"$action\"" "$tmp/audit.json"
done
check "audit log: no secret in it" sh -c "! grep -q 'pw[ae]_[A-Za-z0-9_-]\{43\}' '$tmp/audit.json'"
"$pw" audit verify >/dev/null 2>&1
check "audit log verifies" test $? -eq 0

# --- the daemon: checks in, then SIGTERM stops it cleanly
: >"$tmp/daemon.log"
"$agent" --state-dir "$tmp/state-5" --root "$tmp/root-5" run >"$tmp/daemon.log" 2>&1 &
dpid=$!
i=0
while [ $i -lt 300 ] && ! grep -q "checked in" "$tmp/daemon.log"; do sleep 0.1; i=$((i + 1)); done
check "the daemon checks in" grep -q "checked in" "$tmp/daemon.log"
kill -TERM $dpid
wait $dpid
check "SIGTERM stops the daemon with status 0" test $? -eq 0
check "... saying so" grep -q "stopping" "$tmp/daemon.log"

# --- usage errors
"$agent" run --once --state-dir "$tmp/nowhere" >/dev/null 2>"$tmp/err"
check "run without enrollment exits 2" test $? -eq 2
check "... telling to enroll" grep -q "enroll" "$tmp/err"
printf '[agent]\ninterval = soon\n' >"$tmp/bad.conf"
"$agent" --config "$tmp/bad.conf" run --once >/dev/null 2>"$tmp/err"
check "a bad configuration value exits 2 naming file and key" \
	sh -c "test $? -eq 2 && grep -q 'bad.conf.*interval' '$tmp/err'"
printf '[agent]\nstate_dir = %s\ninterval = 10m\n' "$tmp/state-4" >"$tmp/good.conf"
"$agent" --config "$tmp/good.conf" --root "$tmp/root-4" run --once >/dev/null 2>&1
check "state_dir from the configuration file" test $? -eq 0
"$agent" --config "$tmp/missing.conf" run --once >/dev/null 2>"$tmp/err"
check "a missing --config file exits 2" sh -c "test $? -eq 2 && grep -q missing.conf '$tmp/err'"
"$agent" --help | grep -q -- "--state-dir"
check "--help documents --state-dir" test $? -eq 0
"$agent" enroll --server "ftp://x" --token t >/dev/null 2>&1
check "a non-HTTP server URL is refused" test $? -eq 2

# --- enrollment is throttled per address: refused attempts run out first
# (last: 127.0.0.1 stays throttled for the rest of the minute)
i=0
code=
while [ $i -lt 30 ]; do
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		-d '{"token":"pwe_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB","machine_id":"x"}' \
		"$PW_URL/api/v1/enroll")
	[ "$code" = 429 ] && break
	i=$((i + 1))
done
check "repeated refused enrollments get 429 too_many_attempts" \
	sh -c "test '$code' = 429 && grep -q too_many_attempts '$tmp/body'"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"token\":\"$token\",\"machine_id\":\"0123456789abcdef0123456789abcdef\"}" "$PW_URL/api/v1/enroll")
check "... and then even a well-formed attempt waits (429)" test "$code" = 429
check "the server still answers" test "$(curl -s -o /dev/null -w '%{http_code}' "$PW_URL/api/v1/health")" = 200
pw_server_stop || not_ok "the server exits 0 on SIGTERM"

# --- over HTTPS: the agent verifies the server's certificate
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	chmod 600 "$tmp/key.pem"
	PW_SERVER_DIR=$tmp/tls
	PW_SERVER_TLS=1
	PW_SERVER_KEYS="tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem"
	if pw_server_start; then
		ttok=$("$pw" enrollment create --uses 3 2>/dev/null)
		"$agent" --state-dir "$tmp/tls-untrusted" --root "$tmp/root-1" enroll --server "$PW_URL" \
			--token "$ttok" >"$tmp/tls1.log" 2>&1
		check "HTTPS: an unknown CA is refused (exit 2)" test $? -eq 2
		check "... naming the certificate problem" grep -qi "certificate" "$tmp/tls1.log"
		check "... and no credential is written" test ! -e "$tmp/tls-untrusted/credential"
		"$agent" --state-dir "$tmp/tls-state" --root "$tmp/root-1" enroll --server "$PW_URL" \
			--token "$ttok" --ca-file "$tmp/cert.pem" >"$tmp/tls2.log" 2>&1
		check "HTTPS: enrollment with --ca-file succeeds" test $? -eq 0
		"$agent" --state-dir "$tmp/tls-state" --root "$tmp/root-1" run --once >"$tmp/tls3.log" 2>&1
		check "HTTPS: run --once uses the recorded CA and uploads" \
			sh -c "test $? -eq 0 && grep -q 'inventory uploaded' '$tmp/tls3.log'"
		pw_server_stop || not_ok "the TLS server exits 0 on SIGTERM"
	else
		not_ok "the server starts with TLS"
	fi
else
	not_ok "openssl makes a test certificate"
fi

echo "agents: $fails failed"
[ "$fails" -eq 0 ]
