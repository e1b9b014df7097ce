#!/bin/sh
# test_agent_apply.sh - patchwarden-agent-apply on real apt and dpkg, on a
# sandbox root only (the host's packages are never touched): a local apt
# repository built from generated packages (pwdemo 1.0-1 installed, 2.0-1
# the patch, 3.0-1 whose postinst fails, 4.0-1 whose preinst waits), then
#   install 2.0-1: succeeded, verified, before/after exact;
#   install 3.0-1: the postinst fails, rolled back to exactly 2.0-1;
#   a job killed mid-dpkg: the true state is reported after restart, the
#     job is not applied twice, and a rollback job restores its before;
#   a repeated job id is not run again; a malformed job is rejected naming
#   its field; simulate's plan; a failed health hook rolls a new package
#   back to absent; a reboot through the configured (stub) command.
set -u
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
. "$PW_SOURCE_ROOT/tests/integration/apt_sandbox.sh"
APPLY=${PATCHWARDEN_AGENT_APPLY:?}
for t in apt-get dpkg dpkg-deb apt-ftparchive python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "1..0 # SKIP $t missing"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP apt and dpkg on a sandbox root need root"; exit 77; }

tmp=$(mktemp -d /tmp/pw-agent-apply-XXXXXX)
apid=""
cleanup() {
	[ -n "$apid" ] && kill -9 "$apid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export SLOW_FILE="$tmp/slow" SLOW_STARTED="$tmp/slow-started"
sandbox_repo "$tmp"
root="$tmp/root"
sandbox_root "$root" "$tmp/repo"
sandbox_apt "$root" install -y pwdemo=1.0-1 >/dev/null 2>&1
check "the sandbox starts at pwdemo 1.0-1" eq "$(sandbox_version "$root" pwdemo)" 1.0-1

state="$tmp/state"
cat > "$tmp/health-fail" <<'SH'
#!/bin/sh
echo "health: service check failed for job $2"
exit 1
SH
cat > "$tmp/reboot" <<SH
#!/bin/sh
echo "\$PW_JOB_ID" > "$tmp/rebooted"
SH
chmod 755 "$tmp/health-fail" "$tmp/reboot"
cat > "$tmp/agent.conf" <<CONF
[agent]
state_dir = $state
[apply]
reboot_command = $tmp/reboot
min_free_mb = 1
timeout = 5m
CONF
printf '[apply]\nhealth_hook = %s\nmin_free_mb = 1\n' "$tmp/health-fail" > "$tmp/health.conf"

apply() { # CONF JOB-JSON -> report on stdout
	printf '%s' "$2" | "$APPLY" --config "$1" --state-dir "$state" --root "$root" 2>"$tmp/stderr"
}
field() { # REPORT-FILE EXPR (python, d the report)
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
job() { # ID ACTION PKG VERSION [extra]
	printf '{"id":"%s","change":"c-1","action":"%s","packages":[{"name":"%s","version":"%s"}]%s}' \
		"$1" "$2" "$3" "$4" "${5:-}"
}

# install the patch
apply "$tmp/agent.conf" "$(job j-v2 install pwdemo 2.0-1)" > "$tmp/r1"
check "install 2.0-1 exits 0" eq $? 0
check "install 2.0-1 succeeded" eq "$(field "$tmp/r1" "d['state']")" succeeded
check "install 2.0-1 verified" eq "$(field "$tmp/r1" "d['verified']")" True
check "before is exactly 1.0-1" eq "$(field "$tmp/r1" "d['before']")" "[{'name': 'pwdemo', 'version': '1.0-1'}]"
check "after is exactly 2.0-1" eq "$(field "$tmp/r1" "d['after']")" "[{'name': 'pwdemo', 'version': '2.0-1'}]"
check "dpkg says 2.0-1 installed" eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 2.0-1"
check "the log holds apt-get's output" grep -q 'Unpacking pwdemo (2.0-1)' "$tmp/r1"
check "1.0-1's package file is in the rollback cache" test -s "$state/cache/pwdemo=1.0-1.deb"
check "the journal entry is finished" grep -q '"step": "finished"' "$state/jobs/j-v2.json"

# the failing postinst
apply "$tmp/agent.conf" "$(job j-v3 install pwdemo 3.0-1)" > "$tmp/r2"
check "install 3.0-1 is rolled back" eq "$(field "$tmp/r2" "d['state']")" rolled_back
check "the rollback is verified" eq "$(field "$tmp/r2" "d['verified']")" True
check "after the rollback: exactly 2.0-1" eq "$(field "$tmp/r2" "d['after']")" "[{'name': 'pwdemo', 'version': '2.0-1'}]"
check "the error says the install failed" eq "$(field "$tmp/r2" "'install failed' in d['error']")" True
check "the log holds the postinst's failure" grep -q 'postinst fails' "$tmp/r2"
check "... and what it left before the rollback" grep -q 'installed then: pwdemo 3.0-1 (not fully installed)' "$tmp/r2"
check "dpkg says 2.0-1 installed again" eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 2.0-1"

# a repeated job id is not run again
n_before=$(grep -c ' upgrade pwdemo' "$root/var/log/dpkg.log")
apply "$tmp/agent.conf" "$(job j-v2 install pwdemo 2.0-1)" > "$tmp/r3"
check "a repeated job id exits 3" eq $? 3
check "... says it is in the journal" grep -q 'not run again' "$tmp/stderr"
check "... and dpkg did nothing" eq "$(grep -c ' upgrade pwdemo' "$root/var/log/dpkg.log")" "$n_before"
check "... its report is the first one" eq "$(field "$tmp/r3" "d['state']")" succeeded

# a malformed job: rejected, naming the field, never run
apply "$tmp/agent.conf" '{"id":"j-bad","action":"install","packages":[{"name":"-oAPT::Get::Foo=1","version":"2.0-1"}]}' > "$tmp/r4"
check "a malformed job exits 2" eq $? 2
check "... the message names the field" grep -q 'packages\[0\].name' "$tmp/stderr"
check "... it is journaled as rejected" eq "$(field "$tmp/r4" "d['state']")" rejected
check "... with the field in its error" eq "$(field "$tmp/r4" "'packages[0].name' in d['error']")" True
apply "$tmp/agent.conf" '{"id":"j-bad2","action":"shell"}' > /dev/null
check "an unknown action is rejected naming action" grep -q 'action: not one of' "$tmp/stderr"

# simulate: the plan, nothing changed
apply "$tmp/agent.conf" "$(printf '{"id":"j-sim","action":"simulate","packages":[{"name":"pwdemo","version":"3.0-1"},{"name":"pwextra","version":"1.0-1"}]}')" > "$tmp/r5"
check "simulate succeeded" eq "$(field "$tmp/r5" "d['state']")" succeeded
check "simulate's plan" eq "$(field "$tmp/r5" "[(p['name'],p['from'],p['to'],p['op']) for p in d['plan']]")" \
	"[('pwdemo', '2.0-1', '3.0-1', 'upgrade'), ('pwextra', None, '1.0-1', 'install')]"
check "simulate changed nothing" eq "$(sandbox_version "$root" pwdemo)" 2.0-1

# a failed health check: a package absent before is removed again
apply "$tmp/health.conf" "$(job j-health install pwextra 1.0-1 ',"health_check":true')" > "$tmp/r6"
check "a failed health hook rolls back" eq "$(field "$tmp/r6" "d['state']") $(field "$tmp/r6" "d['health']")" "rolled_back failed"
check "... to absent" eq "$(field "$tmp/r6" "d['after']")" "[{'name': 'pwextra', 'version': None}]"
check "... dpkg agrees" eq "$(sandbox_version "$root" pwextra)" ""
check "... the hook's output is in the log" grep -q 'service check failed for job j-health' "$tmp/r6"

# not_after in the past: rejected
apply "$tmp/agent.conf" "$(job j-late install pwdemo 3.0-1 ',"not_after":1000')" > "$tmp/r7"
check "a job past not_after is rejected" eq "$(field "$tmp/r7" "d['state']")" rejected

# a reboot job through the configured command (a stub here)
apply "$tmp/agent.conf" '{"id":"j-reboot","action":"reboot","reboot":"always"}' > "$tmp/r8"
check "the reboot is scheduled" eq "$(field "$tmp/r8" "d['state']") $(field "$tmp/r8" "d['reboot']")" "succeeded scheduled"
check "... through the reboot command" eq "$(cat "$tmp/rebooted" 2>/dev/null)" j-reboot

# killed mid-dpkg: 4.0-1's preinst waits while SLOW_FILE exists
: > "$SLOW_FILE"
job j-kill install pwdemo 4.0-1 | "$APPLY" --config "$tmp/agent.conf" --state-dir "$state" --root "$root" \
	> "$tmp/r9" 2>&1 &
apid=$!
i=0
while [ ! -e "$SLOW_STARTED" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "the slow preinst started" test -e "$SLOW_STARTED"
check "the journal says applying" grep -q '"step": "applying"' "$state/jobs/j-kill.json"
# the apply process and everything under it (apt-get, dpkg, which apt puts
# in a session of its own, the preinst), stopped first so none can react,
# then killed, as a power cut would
tree() { for c in $(ps -o pid= --ppid "$1"); do echo "$c"; tree "$c"; done; }
pids="$apid $(tree "$apid")"
# shellcheck disable=SC2086
kill -STOP $pids 2>/dev/null
pids="$pids $(tree "$apid")"
# shellcheck disable=SC2086
kill -9 $pids 2>/dev/null
wait "$apid" 2>/dev/null
apid=""
rm -f "$SLOW_FILE"
st_killed=$(sandbox_status "$root" pwdemo)
echo "# after the kill dpkg says: $st_killed $(sandbox_version "$root" pwdemo)"
"$APPLY" --config "$tmp/agent.conf" --state-dir "$state" --root "$root" --recover 2>"$tmp/stderr"
check "the restart recovers the job" grep -q '1 interrupted job finished' "$tmp/stderr"
n_kill=$(grep -c '4.0-1' "$root/var/log/dpkg.log")
job j-kill install pwdemo 4.0-1 > "$tmp/kill.json"
"$APPLY" --config "$tmp/agent.conf" --state-dir "$state" --root "$root" --job "$tmp/kill.json" > "$tmp/r10" 2>"$tmp/stderr"
check "the killed job is not applied again (exit 3)" eq $? 3
check "its report is failed" eq "$(field "$tmp/r10" "d['state']")" failed
check "... not verified" eq "$(field "$tmp/r10" "d['verified']")" False
check "... says what is installed and offers the rollback" eq "$(field "$tmp/r10" "'installed now pwdemo' in d['error'] and '\"of\": \"j-kill\"' in d['error']")" True
check "... before is the 2.0-1 it replaced" eq "$(field "$tmp/r10" "d['before']")" "[{'name': 'pwdemo', 'version': '2.0-1'}]"
check "dpkg was not run again for 4.0-1" eq "$(grep -c '4.0-1' "$root/var/log/dpkg.log")" "$n_kill"
# the offered rollback
apply "$tmp/agent.conf" '{"id":"j-undo","action":"rollback","of":"j-kill"}' > "$tmp/r11"
check "the rollback of the killed job succeeded" eq "$(field "$tmp/r11" "d['state']") $(field "$tmp/r11" "d['verified']")" "succeeded True"
check "... back to exactly 2.0-1" eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 2.0-1"

# a lock held by someone else: the pre-check refuses
python3 -c "
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], 'w').close()
time.sleep(30)" "$root/var/lib/dpkg/lock-frontend" "$tmp/locked" &
lpid=$!
i=0
while [ ! -e "$tmp/locked" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
apply "$tmp/agent.conf" "$(job j-locked install pwdemo 3.0-1)" > "$tmp/r12"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
check "a held dpkg lock fails the pre-check" eq "$(field "$tmp/r12" "d['state']") $(field "$tmp/r12" "'dpkg lock' in d['error']")" "failed True"
check "... and nothing changed" eq "$(sandbox_version "$root" pwdemo)" 2.0-1

# the check-in daemon: jobs from the check-in reply, run through the apply
# program, reported over real HTTP; unreachable reports kept and sent later
AGENT=${PATCHWARDEN_AGENT:?}
srv="$tmp/srv"
mkdir -p "$srv"
python3 "$PW_SOURCE_ROOT/tests/integration/job_server.py" "$srv" "$tmp/port" &
spid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$tmp/port")
dstate="$tmp/dstate"
mkdir -p "$dstate"
chmod 700 "$dstate"
echo "pwa_testcredential" > "$dstate/credential"
chmod 600 "$dstate/credential"
printf '{"server": "http://127.0.0.1:%s", "agent_id": 1, "host_id": 1, "ca_file": ""}\n' "$port" > "$dstate/agent.json"
cat > "$tmp/daemon.conf" <<CONF
[agent]
state_dir = $dstate
jobs = true
apply_mode = exec
apply_program = $APPLY
[apply]
min_free_mb = 1
CONF
printf '[%s,%s]\n' "$(job j-d1 install pwdemo 3.0-1)" \
	'{"id":"j-d2","action":"install","packages":[{"name":"pw demo","version":"1"}]}' > "$srv/jobs.json"
echo 503 > "$srv/report_status"
"$AGENT" --config "$tmp/daemon.conf" --root "$root" run --once 2>"$tmp/daemon.err"
check "the daemon's check-in succeeds though reports cannot be sent" eq $? 0
check "... it ran the job: the failing postinst rolled back" eq "$(sandbox_version "$root" pwdemo)" 2.0-1
check "... and kept the report" grep -q '"step": "finished"' "$dstate/jobs/j-d1.json"
check "... the malformed job is journaled rejected" grep -q '"state": "rejected"' "$dstate/jobs/j-d2.json"
check "... the 503 was tried" test -s "$srv/reports/j-d1.1.json"
rm -f "$srv/report_status"
n_d1=$(grep -c '3.0-1' "$root/var/log/dpkg.log")
"$AGENT" --config "$tmp/daemon.conf" --root "$root" run --once 2>"$tmp/daemon.err"
check "the next check-in sends the kept reports" test -s "$srv/reports/j-d1.2.json"
check "... the job's report: rolled_back" eq "$(field "$srv/reports/j-d1.2.json" "d['state']")" rolled_back
check "... the rejected job's report names the field" eq "$(field "$srv/reports/j-d2.1.json" "d['state'] + ' ' + str('packages[0].name' in d['error'])")" "rejected True"
check "... the job listed again was not run again" eq "$(grep -c '3.0-1' "$root/var/log/dpkg.log")" "$n_d1"
check "... the journal says reported" grep -q '"step": "reported"' "$dstate/jobs/j-d1.json"
"$AGENT" --config "$tmp/daemon.conf" --root "$root" run --once 2>"$tmp/daemon.err"
check "a report the server took is not sent again" test ! -e "$srv/reports/j-d1.3.json"
# apply_mode spool: the daemon only writes the typed job; the apply
# program (the systemd path unit's ExecStart) runs it; the next check-in
# reports it
sed 's/^apply_mode = exec$/apply_mode = spool/' "$tmp/daemon.conf" > "$tmp/spool.conf"
printf '[%s]\n' "$(job j-s1 install pwextra 1.0-1)" > "$srv/jobs.json"
"$AGENT" --config "$tmp/spool.conf" --root "$root" run --once 2>"$tmp/daemon.err"
check "spool mode: the daemon spools the job" test -s "$dstate/spool/j-s1.json"
check "... and installs nothing itself" eq "$(sandbox_version "$root" pwextra)" ""
check "... the spooled job is the typed form" eq "$(field "$dstate/spool/j-s1.json" "d['packages']")" "[{'name': 'pwextra', 'version': '1.0-1'}]"
"$APPLY" --config "$tmp/spool.conf" --state-dir "$dstate" --root "$root" --spool > /dev/null 2>&1
check "apply --spool runs it" eq "$(sandbox_version "$root" pwextra)" 1.0-1
check "... and empties the spool" test ! -e "$dstate/spool/j-s1.json"
"$AGENT" --config "$tmp/spool.conf" --root "$root" run --once 2>"$tmp/daemon.err"
check "the next check-in reports it" eq "$(field "$srv/reports/j-s1.1.json" "d['state']")" succeeded
check "... and spools it no more" test ! -e "$dstate/spool/j-s1.json"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# killed while dpkg, which outlives it, goes on to finish: after restart
# the job is found applied, verified now, and reported succeeded
rm -f "$SLOW_STARTED"
: > "$SLOW_FILE"
job j-orphan install pwdemo 4.0-1 | "$APPLY" --config "$tmp/agent.conf" --state-dir "$state" --root "$root" \
	> /dev/null 2>&1 &
apid=$!
i=0
while [ ! -e "$SLOW_STARTED" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 "$apid"
wait "$apid" 2>/dev/null
apid=""
rm -f "$SLOW_FILE"
i=0
while [ "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" != "ii 4.0-1" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "dpkg finished 4.0-1 on its own" eq "$(sandbox_status "$root" pwdemo) $(sandbox_version "$root" pwdemo)" "ii 4.0-1"
check "the journal was left at applying" grep -q '"step": "applying"' "$state/jobs/j-orphan.json"
job j-orphan install pwdemo 4.0-1 > "$tmp/orphan.json"
"$APPLY" --config "$tmp/agent.conf" --state-dir "$state" --root "$root" --job "$tmp/orphan.json" > "$tmp/r13" 2>"$tmp/stderr"
check "the restart finishes it, not running it again (exit 3)" eq $? 3
check "... verified now: succeeded" eq "$(field "$tmp/r13" "d['state']") $(field "$tmp/r13" "d['verified']")" "succeeded True"
check "... the log says it was recovered" grep -q 'recovered after an interruption at step applying' "$tmp/r13"

[ "$fails" -eq 0 ]
