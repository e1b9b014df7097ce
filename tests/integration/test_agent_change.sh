#!/bin/sh
# test_agent_change.sh - a change from the real server carried out by the
# real agent on real apt and dpkg in a sandbox root (the host untouched):
# patchwarden-agent enrolls (--root), uploads the sandbox's inventory,
# a change to pwdemo 2.0-1 is approved and started, the next check-in hands
# the job to patchwarden-agent-apply, which installs and verifies it, and
# the report reaches the server; a second change to 3.0-1 (its postinst
# fails) is rolled back to exactly 2.0-1 on the host and halts its ring.
set -u
src=${PW_SOURCE_ROOT:?}
. "$src/tests/integration/tap.sh"
. "$src/tests/integration/apt_sandbox.sh"
AGENT=${PATCHWARDEN_AGENT:?}
APPLY=${PATCHWARDEN_AGENT_APPLY:?}
for t in apt-get dpkg-deb apt-ftparchive curl python3 sqlite3; do
	command -v "$t" >/dev/null 2>&1 || { echo "1..0 # SKIP $t missing"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP apt and dpkg on a sandbox root need root"; exit 77; }
tmp=$(mktemp -d /tmp/pw-agent-change-XXXXXX)
. "$src/tests/integration/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT

sandbox_repo "$tmp"
root="$tmp/root"
sandbox_root "$root" "$tmp/repo"
sandbox_apt "$root" install -y pwdemo=1.0-1 >/dev/null 2>&1
cp "$src/tests/data/inventory/dpkg/this-host-bookworm/os-release" "$root/etc/os-release"
echo 5eedc0ffee0000000000000000000001 > "$root/etc/machine-id"

pw_server_start || { echo "not ok - the server starts"; exit 1; }
ok "server listening at $PW_URL"
"$PATCHWARDEN" token create --name cm1 --role change-manager >"$tmp/cm1" 2>/dev/null
"$PATCHWARDEN" token create --name cm2 --role change-manager >"$tmp/cm2" 2>/dev/null
api() { # api <token file> <method> <path> [body]: body on stdout, status in $tmp/status
	curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(cat "$1")" \
		-H 'Content-Type: application/json' ${4:+--data-binary "$4"} "$PW_URL$3" >"$tmp/status"
	cat "$tmp/body"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

state="$tmp/state"
cat > "$tmp/agent.conf" <<CONF
[agent]
state_dir = $state
jobs = true
apply_mode = exec
apply_program = $APPLY
[apply]
min_free_mb = 1
CONF
etoken=$("$PATCHWARDEN" enrollment create --group web --uses 1 2>/dev/null)
"$AGENT" --config "$tmp/agent.conf" --root "$root" enroll --server "$PW_URL" --token "$etoken" 2>"$tmp/err"
check "the agent enrolls" eq $? 0
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/err"
check "its first check-in uploads the sandbox's inventory" grep -q 'inventory uploaded' "$tmp/err"

change() { # change VERSION: create, approve, start; the id on stdout
	api "$tmp/cm1" POST /api/v1/changes "{\"title\":\"pwdemo $1\",\"packages\":[\"pwdemo=$1\"],\"group\":\"web\"}" >"$tmp/change"
	cid=$(json 'd["id"]' <"$tmp/change")
	api "$tmp/cm2" POST "/api/v1/changes/$cid/approve" >/dev/null
	api "$tmp/cm2" POST "/api/v1/changes/$cid/start" >/dev/null
	echo "$cid"
}
job_state() { # job_state CHANGE: the states of its jobs
	sqlite3 "$PW_DB" "SELECT state FROM jobs WHERE change_id = $(echo "$1" | tr -dc 0-9)"
}

c1=$(change 2.0-1)
check "change 1 is running" eq "$(api "$tmp/cm1" GET "/api/v1/changes/$c1" | json 'd["state"]')" running
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/err"
check "the check-in ran the job" grep -q 'job j-.*: install of 1 package' "$tmp/err"
check "... and reported it" grep -q 'reported succeeded' "$tmp/err"
check "pwdemo 2.0-1 is installed in the sandbox" eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 2.0-1"
check "the server has the job succeeded" eq "$(job_state "$c1")" succeeded

c2=$(change 3.0-1)
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/err"
check "the failing 3.0-1 is reported rolled back" grep -q 'reported rolled_back' "$tmp/err"
check "the sandbox is back at exactly 2.0-1" eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 2.0-1"
check "the server has the job rolled_back" eq "$(job_state "$c2")" rolled_back
check "... and the change halted" eq "$(api "$tmp/cm1" GET "/api/v1/changes/$c2" | json 'd["state"]')" halted
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/err"
check "a check-in after that runs no job" sh -c "! grep -q 'job j-' '$tmp/err'"
check "... the halted change stays halted" eq "$(api "$tmp/cm1" GET "/api/v1/changes/$c2" | json 'd["state"]')" halted

[ "$fails" -eq 0 ]
