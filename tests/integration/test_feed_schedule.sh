#!/bin/sh
# test_feed_schedule.sh - the server keeps its feeds fresh on its own: a
# real server with [schedule] feed_sync = 2 (seconds) syncs a DSA list from
# the local feed HTTP server (conditional GETs, read from its request log),
# and when a new advisory is published there, the server imports it and
# re-assesses at once ([schedule] reassess; the assessor's own interval is
# an hour here), so the host it affects gets its finding without anyone
# running `feed sync`. GET /api/v1/system/status shows each feed's last
# sync (checked against the OpenAPI document); a bad [schedule] value stops
# the start naming file:line. Waits poll with a bound, never a fixed sleep.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
here=$src/tests/integration
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 is needed"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "skip: curl is needed"; exit 77; }
tmp=$(mktemp -d)
feed_pid=
. "$here/server_lib.sh"
trap '[ -n "$feed_pid" ] && kill "$feed_pid" 2>/dev/null; pw_server_cleanup; rm -rf "$tmp"' EXIT
. "$here/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
# until <seconds> COMMAND...: poll every 0.2 s until the command succeeds
until_ok() {
	n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# ---- the upstream: a DSA list with one advisory (zlib), served with ETags
mkdir "$tmp/feeds"
cat >"$tmp/feeds/DSA-list" <<'EOF'
[10 Jan 2026] DSA-9001-1 zlib - security update
	{CVE-2026-90001}
	[bullseye] - zlib 1:1.2.11.dfsg-2+deb11u9
EOF
python3 "$here/feed_http_server.py" "$tmp/feeds" "$tmp/feed.port" "$tmp/feed.log" &
feed_pid=$!
until_ok 30 test -s "$tmp/feed.port" || { not_ok "the feed server starts"; exit 1; }
feed_url=http://127.0.0.1:$(cat "$tmp/feed.port")

# ---- a bad schedule is refused at the start, naming where
mkdir "$tmp/bad"
printf '[store]\npath = %s\n[schedule]\nfeed_sync = soon\n' "$tmp/bad/pw.db" >"$tmp/bad/conf"
"$pw" serve --config "$tmp/bad/conf" --port-file "$tmp/bad/port" >"$tmp/bad/out" 2>&1
st=$?
[ "$st" != 0 ] && grep -q "conf:4: \[schedule\] feed_sync: 'soon'" "$tmp/bad/out" &&
	ok "feed_sync = soon refused at start with file:line" ||
	not_ok "bad feed_sync: status $st, $(cat "$tmp/bad/out")"
printf '[store]\npath = %s\n[schedule]\nfeed_sync_every = 1h\n' "$tmp/bad/pw.db" >"$tmp/bad/conf"
"$pw" serve --config "$tmp/bad/conf" --port-file "$tmp/bad/port" >"$tmp/bad/out" 2>&1
grep -q "unknown key" "$tmp/bad/out" && ok "an unknown [schedule] key is refused" ||
	not_ok "unknown [schedule] key: $(cat "$tmp/bad/out")"

# ---- the server, syncing every 2 s; the assessor on its own only hourly
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600

[sync]
defaults = no

[feeds]
dsa = $feed_url/DSA-list

[schedule]
feed_sync = 2
reassess = yes"
if ! pw_server_start; then
	not_ok "the server starts"
	exit 1
fi
ok "server listening at $PW_URL, syncing every 2 s"
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"
viewer=$("$pw" token create --name sched-aud --role auditor 2>"$tmp/err") ||
	{ not_ok "auditor token: $(cat "$tmp/err")"; exit 1; }
status() { # the system status into $tmp/status, checked against the document
	code=$(curl -s -o "$tmp/status" -w '%{http_code}' -H "Authorization: Bearer $viewer" \
		"$PW_URL/api/v1/system/status")
	[ "$code" = 200 ] || { echo "# system/status: $code $(head -c 300 "$tmp/status")"; return 1; }
	python3 "$here/openapi_check.py" "$doc" GET /api/v1/system/status 200 <"$tmp/status" ||
		{ echo "# system/status does not match the document"; return 1; }
}
code=$(curl -s -o /dev/null -w '%{http_code}' "$PW_URL/api/v1/system/status")
check "system status needs credentials (401)" eq "$code" 401

# the first sync runs at the start: nothing was synced before
synced() { # synced <outcome> <min added>: dsa's last sync as said
	status && json "d['feeds'][[f['feed'] for f in d['feeds']].index('dsa')]['last_sync'] or {}" \
		<"$tmp/status" >"$tmp/last" 2>/dev/null &&
		grep -q "'outcome': '$1'" "$tmp/last" && grep -q "'via': 'schedule'" "$tmp/last"
}
until_ok 60 synced imported && ok "the first scheduled sync imported the DSA list" ||
	not_ok "no scheduled import: $(cat "$tmp/status") $(tail -5 "$PW_SERVER_LOG")"
check "system status: feed_sync_seconds 2, reassess on" eq \
	"$(json "(d['schedule']['feed_sync_seconds'], d['schedule']['reassess'])" <"$tmp/status")" "(2, True)"
check "the DSA feed holds 1 record" eq \
	"$(json "[f['records'] for f in d['feeds'] if f['feed'] == 'dsa'][0]" <"$tmp/status")" 1

# later syncs ask conditionally and are answered 304
not_modified() { grep -c '"status": 304' "$tmp/feed.log" | grep -qv '^0$'; }
until_ok 60 not_modified && ok "a later sync asked with If-None-Match and got 304" ||
	not_ok "no conditional request: $(tail -3 "$tmp/feed.log")"
until_ok 30 synced "not modified" && ok "its outcome: not modified" ||
	not_ok "not modified outcome: $(cat "$tmp/last")"

# ---- a host on Debian 11 with zlib and curl (agentless import)
python3 - >"$tmp/host.json" <<'PY'
import json
def pkg(n, src, v):
    return {"family": "deb", "name": n, "version": v, "state": "installed", "arch": "amd64",
            "source_name": src, "source_version": v}
print(json.dumps({"schema_version": 1, "root": "/",
                  "host": {"machine_id": "m-sched1", "hostname": "sched1",
                           "os": {"id": "debian", "version_id": "11", "codename": "bullseye"}},
                  "packages": [pkg("zlib1g", "zlib", "1:1.2.11.dfsg-2"),
                               pkg("curl", "curl", "7.74.0-1.3+deb11u1")]}))
PY
"$pw" asset import-inventory "$tmp/host.json" >"$tmp/out" 2>&1 && ok "host sched1 imported" ||
	not_ok "asset import-inventory: $(cat "$tmp/out")"
findings() { # the host's open finding CVEs, sorted, into $tmp/cves
	"$pw" finding list --format json >"$tmp/f.json" 2>"$tmp/err" &&
		json "' '.join(sorted(set(x.get('cve') or x.get('vulnerability') or '' for x in (d['items'] if isinstance(d, dict) else d))))" \
			<"$tmp/f.json" >"$tmp/cves"
}
findings
case $(cat "$tmp/cves") in
*CVE-2026-90002*) not_ok "the curl advisory is known before it is published" ;;
*) ok "no curl finding before the advisory is published" ;;
esac

# ---- upstream publishes a curl advisory; nobody runs feed sync
cat >"$tmp/feeds/DSA-list.new" <<'EOF'
[20 Jan 2026] DSA-9002-1 curl - security update
	{CVE-2026-90002}
	[bullseye] - curl 7.74.0-1.3+deb11u99
[10 Jan 2026] DSA-9001-1 zlib - security update
	{CVE-2026-90001}
	[bullseye] - zlib 1:1.2.11.dfsg-2+deb11u9
EOF
mv "$tmp/feeds/DSA-list.new" "$tmp/feeds/DSA-list"
has_curl_finding() { findings && grep -q CVE-2026-90002 "$tmp/cves"; }
until_ok 90 has_curl_finding && ok "the new advisory reached the host's findings without a manual sync" ||
	not_ok "no finding for CVE-2026-90002: $(cat "$tmp/cves") $(cat "$tmp/err") $(tail -8 "$PW_SERVER_LOG")"
grep -q "CVE-2026-90001" "$tmp/cves" && ok "the zlib finding too (the host was assessed)" ||
	not_ok "zlib finding: $(cat "$tmp/cves")"
check "the server logged the import" grep -q "feed sync: dsa: imported 2 records (1 added" "$PW_SERVER_LOG"
check "and the re-assessment after it" grep -q "feed sync: re-assessed" "$PW_SERVER_LOG"
status
check "system status: dsa holds 2 records" eq \
	"$(json "[f['records'] for f in d['feeds'] if f['feed'] == 'dsa'][0]" <"$tmp/status")" 2
check "the import is audited as the schedule's" sh -c \
	"'$pw' audit list --format json 2>/dev/null | grep -q 'system:feed-sync'"

# ---- an upstream failure is recorded, and the feed's state kept
python3 - "$PW_CONFIG" "$feed_url" <<'PY'
import sys
p, url = sys.argv[1:]
s = open(p).read().replace(url + "/DSA-list", url + "/status/500/DSA-list")
open(p, "w").write(s)
PY
# the configuration is read at the start only: restart on the same store
pw_server_stop && ok "the server stops cleanly (a sync thread may be about)" || not_ok "server stop"
pw_server_start_again() {
	rm -f "$PW_SERVER_DIR/port"
	"$pw" serve --config "$PW_CONFIG" --port-file "$PW_SERVER_DIR/port" 2>>"$PW_SERVER_LOG" &
	PW_SERVER_PID=$!
	until_ok 30 test -s "$PW_SERVER_DIR/port" || return 1
	PW_URL=http://127.0.0.1:$(cat "$PW_SERVER_DIR/port")
}
pw_server_start_again || { not_ok "restart"; exit 1; }
failed_sync() { synced failed; }
until_ok 60 failed_sync && ok "a failing upstream: the last sync says failed" ||
	not_ok "failure not recorded: $(cat "$tmp/status")"
grep -q "500" "$tmp/last" && ok "with the HTTP status in its error" || not_ok "error: $(cat "$tmp/last")"
check "the feed still holds its 2 records" eq \
	"$(json "[f['records'] for f in d['feeds'] if f['feed'] == 'dsa'][0]" <"$tmp/status")" 2
check "the failure is logged" grep -q "feed sync: dsa: .*500" "$PW_SERVER_LOG"
pw_server_stop || not_ok "server stop"
[ "$fails" -eq 0 ]
