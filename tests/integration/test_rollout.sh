#!/bin/sh
# test_rollout.sh - a change from creation to verified, end to end, with
# nothing simulated: the real server on loopback, three real agents whose
# apply program runs apt-get and dpkg on sandbox roots fed by a local apt
# repository of generated packages (the host's own packages are never
# touched). pwdemo 1.0-1 is installed everywhere; the change to 2.0-1 is
# refused to its requester as approver, approved by a change-manager,
# started; the pilot host patches first, its verified report passes the
# ring's gates, then production follows and every root has exactly 2.0-1.
# A second change to 3.0-1 (whose postinst fails) rolls the pilot back to
# exactly 2.0-1, halts the change, and the halted ring stays halted across
# check-ins until someone resumes it. The audit log holds every step.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
AGENT=${PATCHWARDEN_AGENT:?}
APPLY=${PATCHWARDEN_AGENT_APPLY:?}
for t in apt-get dpkg dpkg-deb apt-ftparchive curl python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "1..0 # SKIP $t missing"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP apt and dpkg on a sandbox root need root"; exit 77; }
tmp=$(mktemp -d)
. "$src/tests/integration/server_lib.sh"
trap 'pw_server_cleanup; kill "${rx_pid:-}" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$src/tests/integration/tap.sh"
. "$src/tests/integration/apt_sandbox.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

# --- three sandbox hosts with pwdemo 1.0-1: host 1 is the pilot
sandbox_repo "$tmp"
for i in 1 2 3; do
	r=$tmp/root-$i
	sandbox_root "$r" "$tmp/repo"
	sandbox_apt "$r" install -y pwdemo=1.0-1 >/dev/null 2>&1
	printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' >"$r/etc/os-release"
	printf '%032x\n' "$((0x5eed0000 + i))" >"$r/etc/machine-id"
	echo "rollout-$i" >"$r/etc/hostname"
done
versions() { echo "$(sandbox_version "$tmp/root-1" pwdemo) $(sandbox_version "$tmp/root-2" pwdemo) $(sandbox_version "$tmp/root-3" pwdemo)"; }
check "three sandbox roots at pwdemo 1.0-1" eq "$(versions)" "1.0-1 1.0-1 1.0-1"

# a webhook receiver hears of the halt (tests/integration/webhook_receiver.py)
mkdir -p "$tmp/rx"
printf 'rollout-webhook-secret\n' >"$tmp/secret"
python3 "$src/tests/integration/webhook_receiver.py" "$tmp/rx" &
rx_pid=$!
for n in $(seq 50); do [ -s "$tmp/rx/port" ] && break; sleep 0.1; done
PW_SERVER_CONFIG_EXTRA="[agent]
checkin_interval = 600
[webhook]
url = http://127.0.0.1:$(cat "$tmp/rx/port")/hook
secret_file = $tmp/secret
retry = 1"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
cm=$("$pw" token create --name cm --role change-manager 2>/dev/null)
aud=$("$pw" token create --name aud --role auditor 2>/dev/null)
api() { # api <token> <method> <path> [body]: status in $code, body in $tmp/body
	if [ $# -ge 4 ]; then
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
			-H 'Content-Type: application/json' --data "$4" "$PW_URL$3")
	else
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
			"$PW_URL$3")
	fi
}

# --- the agents enroll, each with its own state and root, and upload
etoken=$("$pw" enrollment create --group web --uses 3 2>/dev/null)
for i in 1 2 3; do
	mkdir -p "$tmp/state-$i"
	chmod 700 "$tmp/state-$i"
	cat >"$tmp/agent-$i.conf" <<CONF
[agent]
state_dir = $tmp/state-$i
jobs = true
apply_mode = exec
apply_program = $APPLY
[apply]
min_free_mb = 1
CONF
	"$AGENT" --config "$tmp/agent-$i.conf" --root "$tmp/root-$i" enroll --server "$PW_URL" \
		--token "$etoken" >"$tmp/enroll-$i.log" 2>&1 || not_ok "agent $i enrolls: $(cat "$tmp/enroll-$i.log")"
done
round() { # every agent checks in once: runs the jobs it gets, reports them
	for i in 1 2 3; do
		"$AGENT" --config "$tmp/agent-$i.conf" --root "$tmp/root-$i" run --once \
			>>"$tmp/agent-$i.log" 2>&1 || echo "# agent $i check-in failed: $(tail -2 "$tmp/agent-$i.log")"
	done
}
round
"$pw" host list --format json >"$tmp/hosts.json" 2>/dev/null
check "three agents enrolled into group web, inventories stored" \
	eq "$(json 'sorted(h["hostname"] for h in (d["items"] if isinstance(d, dict) else d) if h.get("npackages", h.get("packages", 1)))' <"$tmp/hosts.json")" \
	"['rollout-1', 'rollout-2', 'rollout-3']"
pilot=$(json '[h["id"] for h in (d["items"] if isinstance(d, dict) else d) if h["hostname"] == "rollout-1"][0]' <"$tmp/hosts.json")
"$pw" group create pilot >/dev/null 2>&1 && "$pw" group add pilot "$pilot" >/dev/null 2>&1 &&
	ok "group pilot holds rollout-1" || not_ok "pilot group"

state() { "$pw" change show "$1" --format json 2>/dev/null | json 'd["state"]'; }

# --- change 1: pwdemo 2.0-1, the patch
"$pw" change create --title "pwdemo 2.0-1" --ticket CHG-1 --group web --pilot pilot \
	--install pwdemo=2.0-1 --format json >"$tmp/c1.json" 2>"$tmp/err" ||
	not_ok "change create: $(cat "$tmp/err")"
c1=$(json 'd["id"]' <"$tmp/c1.json")
check "change $c1 plans pwdemo 2.0-1 on the three hosts" \
	eq "$("$pw" change show "$c1" --hosts --format json | json 'sorted(set(p["version"] for h in d["targets"] for p in h["packages"]))' 2>&1)" "['2.0-1']"
"$pw" change approve "$c1" >"$tmp/out" 2>&1
check "its requester may not approve it (exit 1)" eq $? 1
api "$cm" POST "/api/v1/changes/$c1/approve" '{}'
check "a change-manager approves it" eq "$code" 200
api "$cm" POST "/api/v1/changes/$c1/start" '{}'
check "and starts it" eq "$code" 200
checkin() { "$AGENT" --config "$tmp/agent-$1.conf" --root "$tmp/root-$1" run --once >>"$tmp/agent-$1.log" 2>&1; }
checkin 2
checkin 3
check "production checks in first and gets nothing: the pilot ring goes alone" eq "$(versions)" "1.0-1 1.0-1 1.0-1"
checkin 1
check "the pilot patched: 2.0-1 on rollout-1 only" eq "$(versions)" "2.0-1 1.0-1 1.0-1"
# the ring's gates are checked when the report arrives and by the server's task
for n in 1 2 3 4 5 6 7 8 9 10; do
	round
	[ "$(versions)" = "2.0-1 2.0-1 2.0-1" ] && break
	sleep 1
done
check "the pilot's verified report passed its gates: production follows, every root at exactly 2.0-1" \
	eq "$(versions)" "2.0-1 2.0-1 2.0-1"
for n in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(state "$c1")" = completed ] && break
	round
	sleep 1
done
check "change $c1 completed" eq "$(state "$c1")" completed
n_installs=$(grep -c ' install pwdemo' "$tmp/root-1/var/log/dpkg.log")
round
check "the next check-ins run nothing again" eq "$(grep -c ' install pwdemo' "$tmp/root-1/var/log/dpkg.log")" "$n_installs"
for i in 1 2 3; do
	hid=$(json '[h["id"] for h in (d["items"] if isinstance(d, dict) else d) if h["hostname"] == "rollout-'$i'"][0]' <"$tmp/hosts.json")
	api "$aud" GET "/api/v1/hosts/$hid/inventory?limit=1000"
	json '[p["version"] for p in d["items"] if p["name"] == "pwdemo"]' <"$tmp/body"
done >"$tmp/stored"
check "and upload the patched inventories: the server stores pwdemo 2.0-1 for each host" \
	eq "$(sort -u "$tmp/stored")" "['2.0-1']"
"$pw" change show "$c1" --hosts --format json >"$tmp/c1.json" 2>/dev/null
check "every job succeeded and was verified by the agent" \
	eq "$(json 'sorted(set((j["state"], j["verified"]) for j in d["jobs"]))' <"$tmp/c1.json")" \
	"[('succeeded', True)]"
check "the pilot's results are the change's test evidence" \
	eq "$(json '"%s %s %s" % (d["evidence"]["ring"], d["evidence"]["succeeded"], [j["after"] for j in d["evidence"]["jobs"]])' <"$tmp/c1.json")" \
	"pilot 1 [[{'name': 'pwdemo', 'version': '2.0-1'}]]"

# --- change 2: pwdemo 3.0-1, whose postinst fails
"$pw" change create --title "pwdemo 3.0-1" --group web --pilot pilot --install pwdemo=3.0-1 \
	--format json >"$tmp/c2.json" 2>"$tmp/err" || not_ok "change 2: $(cat "$tmp/err")"
c2=$(json 'd["id"]' <"$tmp/c2.json")
api "$cm" POST "/api/v1/changes/$c2/approve" '{}'
api "$cm" POST "/api/v1/changes/$c2/start" '{}'
check "change $c2 approved and started" eq "$code" 200
round
check "the pilot's failing postinst rolled it back to exactly 2.0-1" eq "$(versions)" "2.0-1 2.0-1 2.0-1"
check "dpkg on rollout-1 says installed, not half-configured" eq "$(sandbox_status "$tmp/root-1" pwdemo)" ii
for n in 1 2 3 4 5; do
	[ "$(state "$c2")" = halted ] && break
	sleep 1
done
check "the failed gate halted change $c2" eq "$(state "$c2")" halted
round
round
check "a halted ring stays halted: production never got 3.0-1" eq "$(versions)" "2.0-1 2.0-1 2.0-1"
check "and the change is still halted after check-ins" eq "$(state "$c2")" halted
"$pw" change show "$c2" --hosts --format json >"$tmp/c2.json" 2>/dev/null
check "the pilot's job reads rolled_back" \
	eq "$(json '[j["state"] for j in d["jobs"]]' <"$tmp/c2.json")" "['rolled_back']"
check "the halt says why" eq "$(json '"rolled back" in d["halt_reason"]' <"$tmp/c2.json")" True
for n in $(seq 60); do [ -s "$tmp/rx/1.json" ] && break; sleep 0.5; done
check "the halt reached the webhook, once: change.halted of $c2, with the reason" \
	eq "$(json '(d["event"], d["change"], "rolled back" in d["reason"])' <"$tmp/rx/1.json" 2>&1) $(ls "$tmp/rx" | grep -c '^[0-9]*.json$')" \
	"('change.halted', '$c2', True) 1"
check "... signed: X-Patchwarden-Signature is HMAC-SHA256 of the body" python3 - "$tmp/rx/1.headers" "$tmp/rx/1.json" "$tmp/secret" <<'PY'
import hashlib, hmac, sys
headers = dict(l.rstrip("\n").split(": ", 1) for l in open(sys.argv[1]))
body = open(sys.argv[2], "rb").read()
key = open(sys.argv[3], "rb").read().rstrip(b"\n")
want = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
sys.exit(0 if hmac.compare_digest(headers.get("X-Patchwarden-Signature", ""), want) else 1)
PY
api "$cm" POST "/api/v1/changes/$c2/abort" '{}'
check "the change-manager aborts it" eq "$(state "$c2")" aborted

# --- the audit log tells the story
"$pw" audit list --format json >"$tmp/audit.json" 2>/dev/null
acts=$(json '" ".join(sorted(set(x["action"] for x in (d["items"] if isinstance(d, dict) else d) if x["action"].startswith("change."))))' <"$tmp/audit.json")
for a in change.create change.approve change.start change.halt; do
	case " $acts " in
	*" $a "*) ok "audited: $a" ;;
	*) not_ok "no $a in the audit log ($acts)" ;;
	esac
done
"$pw" audit verify >"$tmp/out" 2>&1 && ok "the audit chain verifies" || not_ok "audit verify: $(cat "$tmp/out")"

pw_server_stop && ok "server stopped" || not_ok "server stop"
[ "$fails" -eq 0 ]
