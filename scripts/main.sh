#!/bin/sh
# main.sh - set up patchwarden on a fresh Debian 12 machine and run the main
# job: install what is missing, build, import the bundled feed snapshot into
# the embedded store, start the server on 127.0.0.1 in the background,
# enroll this machine through a local agent, and say where to look and how
# to log in. Everything it makes is under var/ (store, configuration, logs,
# the agent's state, the first admin's password).
#   PW_PORT=8081 scripts/main.sh     another port (default 8080)
#   scripts/main.sh stop             stop the server it started
set -eu
cd "$(dirname "$0")/.."
. scripts/step.sh
top=$PWD
var=$top/var
pw=$top/build/src/patchwarden
agent=$top/build/src/agent/patchwarden-agent
port=${PW_PORT:-8080}

stop_server() {
	if [ -f "$var/server.pid" ] && kill -0 "$(cat "$var/server.pid")" 2>/dev/null; then
		kill -TERM "$(cat "$var/server.pid")"
		while kill -0 "$(cat "$var/server.pid")" 2>/dev/null; do sleep 0.2; done
		echo "stopped the server (pid $(cat "$var/server.pid"))"
	fi
	rm -f "$var/server.pid"
}
if [ "${1:-}" = stop ]; then
	stop_server
	exit 0
fi

on_failure
stage="installing what is missing (scripts/deps.sh build)"
scripts/deps.sh build
# the main job runs no tests: it needs no test-only package (cmocka...)
stage="building patchwarden in build/"
[ -f build/build.ninja ] ||
	step "meson setup build" meson setup build --buildtype=release -Dstatic_cli=true -Dtests=disabled
step "building (ninja -C build)" ninja -C build
mkdir -p "$var"
chmod 700 "$var"
PATCHWARDEN_DB=$var/patchwarden.db
export PATCHWARDEN_DB

stage="taking the inventory of this host"
echo "== inventory of this host (pending updates)"
"$pw" scan --updates-only
echo

stage="importing the bundled feed snapshot"
echo "== importing the bundled feed snapshot into $PATCHWARDEN_DB"
"$pw" feed import data/feeds/debian/security-tracker/DSA-list \
	data/feeds/debian/security-tracker/DLA-list data/feeds/debian/tracker-json \
	data/feeds/osv/AlmaLinux/all.zip data/feeds/osv/samples data/feeds/alpine/secdb \
	data/feeds/alpine/secdb-json data/feeds/nvd \
	data/feeds/kev/known_exploited_vulnerabilities.json \
	data/feeds/epss/epss_scores-2026-08-16.csv.gz
echo

stage="starting the server"
echo "== the server"
stop_server
cat >"$var/patchwarden.conf" <<EOF
# written by scripts/main.sh; see dist/patchwarden.conf for every key
[server]
listen = 127.0.0.1:$port
[store]
path = $PATCHWARDEN_DB
EOF
step "migrating the store" "$pw" db migrate --config "$var/patchwarden.conf"
# the first admin, once: a random password kept in a 0600 file
if ! "$pw" user list --format json | grep -q '"name": *"admin"'; then
	umask 077
	head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$var/admin-password"
	"$pw" user add admin --role admin --password-file "$var/admin-password"
	umask 022
fi
nohup "$pw" serve --config "$var/patchwarden.conf" --port-file "$var/server.port" \
	>"$var/server.log" 2>&1 &
echo $! >"$var/server.pid"
url=http://127.0.0.1:$port
i=0
until curl -fs "$url/api/v1/health" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$(cat "$var/server.pid")" 2>/dev/null; then
		echo "the server did not start; its log:" >&2
		cat "$var/server.log" >&2
		exit 2
	fi
	sleep 0.1
done
echo "serving $url (pid $(cat "$var/server.pid"), log $var/server.log)"
echo

stage="enrolling this machine through a local agent"
echo "== enrolling this machine through a local agent"
mkdir -p "$var/agent"
if [ ! -f "$var/agent/credential" ]; then
	"$pw" enrollment create --group main-job --uses 1 --expires 1h --format json |
		sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' >"$var/enroll-token"
	if [ ! -s "$var/enroll-token" ]; then
		echo "main.sh: enrollment create gave no token (see above)" >&2
		exit 2
	fi
	"$agent" --state-dir "$var/agent" enroll --server "$url" --token-file "$var/enroll-token"
	rm -f "$var/enroll-token"
fi
"$agent" --state-dir "$var/agent" run --once
# assess now rather than at the server's next round
stage="assessing this host"
"$pw" finding assess
echo
"$pw" host list
echo
# open findings by kind: vulnerabilities an advisory names, and pending
# security updates of this host's own repositories that no advisory covers
# (the bundled feed snapshot predates most of them)
count() { "$pw" finding list --kind "$1" --format csv | tail -n +2 | wc -l; }
echo "open findings: $(count vulnerability) vulnerabilities, $(count update) updates (most urgent first):"
"$pw" finding list --limit 25
echo
stage="reporting"
cat <<EOF
== where to look
  API:          $url/api/v1/ (OpenAPI document: $url/api/v1/openapi.json)
  log in:       user 'admin', password in $var/admin-password
                curl -c jar -H 'Content-Type: application/json' \\
                  -d "{\"name\":\"admin\",\"password\":\"\$(cat $var/admin-password)\"}" \\
                  $url/api/v1/auth/login
  an API token: $pw token create --name me --role security-analyst
                curl -H "Authorization: Bearer pwt_..." $url/api/v1/findings?priority=P2
  from here:    PATCHWARDEN_DB=$PATCHWARDEN_DB $pw host list | finding list | audit verify
  stop it:      scripts/main.sh stop
EOF
