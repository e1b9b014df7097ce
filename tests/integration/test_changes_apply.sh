#!/bin/sh
# test_changes_apply.sh - a change from creation to a patched host, end to
# end: the real server, a real patchwarden-agent enrolled by HTTP that scans
# a sandbox root (real dpkg, a local apt repository; the host's own
# packages are never touched) and runs its jobs through
# patchwarden-agent-apply. A change to pwdemo 2.0-1 with the host as its
# pilot: approved by a second change-manager, started, the job fetched at
# the agent's check-in, installed, verified and reported, the pilot's
# results kept as evidence, the change completed. Then 3.0-1, whose postinst
# fails: the agent rolls back to exactly 2.0-1 and the change halts.
set -u
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
. "$PW_SOURCE_ROOT/tests/integration/apt_sandbox.sh"
. "$PW_SOURCE_ROOT/tests/integration/server_lib.sh"
pw=${PATCHWARDEN:?}
AGENT=${PATCHWARDEN_AGENT:?}
APPLY=${PATCHWARDEN_AGENT_APPLY:?}
for t in apt-get dpkg dpkg-deb apt-ftparchive python3 curl sqlite3; do
	command -v "$t" >/dev/null 2>&1 || { echo "1..0 # SKIP $t missing"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP apt and dpkg on a sandbox root need root"; exit 77; }
tmp=$(mktemp -d /tmp/pw-changes-apply-XXXXXX)
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
field() { # FILE EXPR (python, d the document)
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

sandbox_repo "$tmp"
root=$tmp/root
sandbox_root "$root" "$tmp/repo"
sandbox_apt "$root" install -y pwdemo=1.0-1 >/dev/null 2>&1
cp "$PW_SOURCE_ROOT/tests/data/inventory/dpkg/this-host-bookworm/os-release" "$root/etc/os-release"
printf '%032x\n' $((0x5eedabc0)) >"$root/etc/machine-id"
echo sandbox1 >"$root/etc/hostname"
check "the sandbox starts at pwdemo 1.0-1" eq "$(sandbox_version "$root" pwdemo)" 1.0-1

if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
"$pw" token create --name cm1 --role change-manager >"$tmp/cm1" 2>/dev/null
"$pw" token create --name cm2 --role change-manager >"$tmp/cm2" 2>/dev/null
api() { # api <token file> <method> <path> [body] -> body in $tmp/body, status on stdout
	if [ $# -ge 4 ]; then
		curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(cat "$1")" \
			-H 'Content-Type: application/json' --data-binary "$4" "$PW_URL$3"
	else
		curl -s -o "$tmp/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(cat "$1")" \
			"$PW_URL$3"
	fi
}

state=$tmp/state
mkdir -p "$state"
chmod 700 "$state"
cat >"$tmp/agent.conf" <<CONF
[agent]
state_dir = $state
jobs = true
apply_mode = exec
apply_program = $APPLY
[apply]
min_free_mb = 1
timeout = 5m
CONF
etoken=$("$pw" enrollment create --group lab 2>/dev/null)
"$AGENT" --config "$tmp/agent.conf" --root "$root" enroll --server "$PW_URL" --token "$etoken" \
	>/dev/null 2>"$tmp/err"
check "the agent enrolls" eq $? 0
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/agent.err"
check "its first check-in uploads the sandbox's inventory" \
	eq "$(sqlite3 "$PW_DB" "SELECT version FROM host_packages WHERE name = 'pwdemo'")" 1.0-1
host=$(sqlite3 "$PW_DB" "SELECT id FROM hosts WHERE machine_id = '$(cat "$root/etc/machine-id")'")
"$pw" group create pilot >/dev/null 2>&1 && "$pw" group add pilot "$host" >/dev/null 2>&1
check "the host is the pilot group" eq $? 0

change() { # change <version>: create, approve, start; the id on stdout
	api "$tmp/cm1" POST /api/v1/changes \
		"{\"title\":\"pwdemo $1\",\"packages\":[\"pwdemo=$1\"],\"group\":\"lab\",\"pilot_group\":\"pilot\"}" >/dev/null
	id=$(field "$tmp/body" "d['id']")
	api "$tmp/cm2" POST "/api/v1/changes/$id/approve" >/dev/null
	api "$tmp/cm2" POST "/api/v1/changes/$id/start" >/dev/null
	echo "$id"
}

id=$(change 2.0-1)
check "a change to pwdemo 2.0-1 is created, approved and started" \
	eq "$(field "$tmp/body" "d['state'] + ' ' + str(d['current_ring'])")" "running 0"
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/agent.err"
check "the agent's check-in runs the job: dpkg says 2.0-1" \
	eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 2.0-1"
api "$tmp/cm1" GET "/api/v1/changes/$id" >/dev/null
check "its report passed the pilot's gates: the change completed" \
	eq "$(field "$tmp/body" "d['state'] + ' ' + d['rings'][0]['state']")" "completed passed"
check "the pilot's evidence: the job verified, 2.0-1 read back" \
	eq "$(field "$tmp/body" "str(d['evidence']['jobs'][0]['verified']) + ' ' + d['evidence']['jobs'][0]['after'][0]['version']")" "True 2.0-1"
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/agent.err"
check "the next check-in uploads the patched inventory, runs nothing again" \
	eq "$(sqlite3 "$PW_DB" "SELECT version FROM host_packages WHERE name = 'pwdemo'") $(grep -c ' install pwdemo:all 1.0-1 2.0-1\| upgrade pwdemo:all 1.0-1 2.0-1' "$root/var/log/dpkg.log")" "2.0-1 1"

id=$(change 3.0-1)
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/agent.err"
check "3.0-1's postinst fails: the agent rolled back to exactly 2.0-1" \
	eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 2.0-1"
api "$tmp/cm1" GET "/api/v1/changes/$id?hosts=true" >/dev/null
check "the rolled-back report halts the change at the no-rollback gate" \
	eq "$(field "$tmp/body" "d['state'] + ' ' + d['jobs'][0]['state'] + ' ' + str('no-rollback' in d['halt_reason'])")" \
	"halted rolled_back True"
"$AGENT" --config "$tmp/agent.conf" --root "$root" run --once 2>"$tmp/agent.err"
api "$tmp/cm1" GET "/api/v1/changes/$id" >/dev/null
check "halted across the next check-in, the host left at 2.0-1" \
	eq "$(field "$tmp/body" "d['state']") $(sandbox_version "$root" pwdemo)" "halted 2.0-1"
pw_server_stop && ok "the server stops cleanly" || not_ok "server exited 0 on SIGTERM"
[ "$fails" -eq 0 ]
