#!/bin/sh
# test_kpis_api.sh - the KPIs of a small seeded fleet through the real
# server, equal to the figures worked out by hand below, by the API and the
# CLI, for the fleet, a group and an environment, now and for a past date;
# bad values 400 naming the parameter. The fleet's history is written by
# the CLI at pinned times (PATCHWARDEN_NOW), then the server is started at
# the last of them. No sleeps.
#
# T = 2027-01-15T08:00:00Z. Advisories: CVE-2099-0001 (curl, published
# T-2d), CVE-2099-0003 (zlib, CVSS 9.8, published T-1d). Hosts: web1, web2
# (group web), db1 (production, criticality 5, internet). All three have
# both at T: 6 findings opened.
#   T+4d   web1 upgrades curl          time to patch 6d  (from T-2d)
#   T+35d  db1 upgrades zlib and curl  zlib 36d: db1's zlib finding is P2
#                                      (30 days): fixed late; curl 37d
#   T+40d  web2 upgrades curl          42d
# Over [T-1d, T+45d): opened 6, closed 4, rate 0.6667; time to patch
# {6, 36, 37, 42}: median 36.5, p90 (4th of 4) 42; SLA met 3, fixed late 1,
# open overdue 0 (web1 and web2 keep zlib, P3: due at T+90d), compliance
# 0.75; coverage: db1 alone clean, 1 of 3; unpatched critical systems 0 of
# 1 (at T+20d: 1, db1's P2 open); one exception in force (CVE-2099-0003 on
# web, requested at T+1d for 60 days, approved at T+45d).
# Group web over the same period: 2 hosts, opened 4, closed 2, time to
# patch {6, 42}: median 24, p90 42, coverage 0 of 2.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
here=$src/tests/integration
tmp=$(mktemp -d)
. "$here/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "$here/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
T=1800000000
DAY=86400
at() { echo $((T + $1 * DAY)); }

PW_SERVER_DIR=$tmp/server
mkdir -p "$PW_SERVER_DIR"
PATCHWARDEN_DB=$PW_SERVER_DIR/pw.db
export PATCHWARDEN_DB

mkdir -p "$tmp/osv"
cat >"$tmp/osv/CVE-2099-0001.json" <<'J'
{"id": "CVE-2099-0001", "summary": "curl overflow", "published": "2027-01-13T08:00:00Z",
 "modified": "2027-01-13T08:00:00Z",
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.74.0-1.3+deb11u9"}]}]}]}
J
cat >"$tmp/osv/CVE-2099-0003.json" <<'J'
{"id": "CVE-2099-0003", "summary": "zlib overflow", "published": "2027-01-14T08:00:00Z",
 "modified": "2027-01-14T08:00:00Z",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.2.11.dfsg-2+deb11u3"}]}]}]}
J
inv() { # inv <hostname> <curl version> <zlib version>
	python3 - "$tmp" "$1" "$2" "$3" <<'PY'
import json, sys
tmp, name, curl, zlib = sys.argv[1:]
def pkg(n, src, v):
    return {"family": "deb", "name": n, "version": v, "state": "installed", "arch": "amd64",
            "source_name": src, "source_version": v}
json.dump({"schema_version": 1, "root": "/",
           "host": {"machine_id": "m-" + name, "hostname": name,
                    "os": {"id": "debian", "version_id": "11", "codename": "bullseye"}},
           "packages": [pkg("curl", "curl", curl), pkg("libcurl4", "curl", curl),
                        pkg("zlib1g", "zlib", zlib)]}, open(f"{tmp}/{name}.json", "w"))
PY
}
old_curl=7.74.0-1.3+deb11u1 new_curl=7.74.0-1.3+deb11u9
old_zlib=1:1.2.11.dfsg-2 new_zlib=1:1.2.11.dfsg-2+deb11u3
step() { # step <day> <command...>: run at T + day days
	d=$1
	shift
	PATCHWARDEN_NOW=$(at "$d") "$@" >>"$tmp/seed.log" 2>&1 || { not_ok "day $d: $*: $(tail -2 "$tmp/seed.log")"; return 1; }
}
step 0 "$pw" feed import "$tmp/osv/CVE-2099-0001.json" "$tmp/osv/CVE-2099-0003.json"
for h in web1 web2 db1; do inv $h $old_curl $old_zlib; done
step 0 "$pw" asset import-inventory --group web "$tmp/web1.json" "$tmp/web2.json"
step 0 "$pw" asset import-inventory "$tmp/db1.json"
step 0 "$pw" host set db1 --criticality 5 --exposure internet --environment production
step 0 "$pw" finding assess
PATCHWARDEN_NOW=$T "$pw" finding list --format json 2>/dev/null >"$tmp/f0.json"
[ "$(json 'sorted((f["hostname"], f["vulnerability"], f["priority"]) for f in d)' <"$tmp/f0.json")" = \
  "[('db1', 'CVE-2099-0001', 'P3'), ('db1', 'CVE-2099-0003', 'P2'), ('web1', 'CVE-2099-0001', 'P4'), ('web1', 'CVE-2099-0003', 'P3'), ('web2', 'CVE-2099-0001', 'P4'), ('web2', 'CVE-2099-0003', 'P3')]" ] &&
	ok "day 0: six findings with the priorities the figures assume" ||
	not_ok "day 0 findings: $(json 'sorted((f["hostname"], f["vulnerability"], f["priority"]) for f in d)' <"$tmp/f0.json")"
# an exception on web's zlib finding, requested at T+1d (approved below,
# through the API, by a security analyst who did not ask)
step 1 "$pw" exception request --cve CVE-2099-0003 --group web --reason r --control c --expires 60d
PATCHWARDEN_NOW=$(at 1) "$pw" exception list --format json 2>/dev/null >"$tmp/x.json"
xid=$(json 'd[0]["id"]' <"$tmp/x.json")
inv web1 $new_curl $old_zlib
step 4 "$pw" asset import-inventory "$tmp/web1.json"
step 4 "$pw" finding assess
inv db1 $new_curl $new_zlib
step 35 "$pw" asset import-inventory "$tmp/db1.json"
step 35 "$pw" finding assess
inv web2 $new_curl $old_zlib
step 40 "$pw" asset import-inventory "$tmp/web2.json"
step 40 "$pw" finding assess
ok "the fleet's history written at T, T+1d, T+4d, T+35d, T+40d"

PATCHWARDEN_NOW=$(at 45)
export PATCHWARDEN_NOW
PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL, its clock at T+45d"
doc=$tmp/openapi.json
curl -s -o "$doc" "$PW_URL/api/v1/openapi.json"
sec=$("$pw" token create --name kpi-sec --role security-analyst 2>/dev/null)
aud=$("$pw" token create --name kpi-aud --role auditor 2>/dev/null)
# the exception: approved by a security analyst who did not ask
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $sec" \
	"$PW_URL/api/v1/exceptions/$xid/approve")
[ "$code" = 200 ] && ok "exception $xid approved" || not_ok "approve: $code $(cat "$tmp/body")"

call() { # call <query> [want-status]: GET /api/v1/kpis?query into $tmp/body
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $aud" \
		"$PW_URL/api/v1/kpis?$1")
	if ! python3 "$here/openapi_check.py" "$doc" GET /api/v1/kpis "$code" <"$tmp/body" 2>"$tmp/check"; then
		not_ok "GET /api/v1/kpis?$1 ($code) does not match the document: $(head -c 300 "$tmp/check")"
	fi
	[ "$code" = "${2:-200}" ] || { echo "# ?$1: $code, want ${2:-200}: $(head -c 300 "$tmp/body")"; return 1; }
}
since=2027-01-14T08:00:00Z
until=2027-03-01T08:00:00Z # T+45d
figures='(d["hosts"], d["remediation"]["opened"], d["remediation"]["closed"], d["remediation"]["rate"], d["time_to_patch"]["findings"], d["time_to_patch"]["median_days"], d["time_to_patch"]["p90_days"], d["sla"]["met"], d["sla"]["fixed_late"], d["sla"]["open_overdue"], d["sla"]["compliance"], d["patch_coverage"]["hosts_covered"], d["patch_coverage"]["value"], d["unpatched_critical_systems"]["value"], d["unpatched_critical_systems"]["critical_hosts"], d["open_exceptions"])'
call "since=$since&until=$until" &&
	check "fleet: the hand-computed figures" eq "$(json "$figures" <"$tmp/body")" \
		"(3, 6, 4, 0.6667, 4, 36.5, 42.0, 3, 1, 0, 0.75, 1, 0.3333, 0, 1, 1)" ||
	not_ok "fleet KPIs: $(head -c 400 "$tmp/body")"
check "mean time to verify: n/a, no deployment job verified" eq \
	"$(json 'd["mean_time_to_verify"]' <"$tmp/body")" \
	"{'days': None, 'jobs': 0, 'note': 'n/a: no deployment job verified in the period'}"
call "group=web&since=$since&until=$until" &&
	check "group web: the hand-computed figures" eq "$(json "$figures" <"$tmp/body")" \
		"(2, 4, 2, 0.5, 2, 24.0, 42.0, 2, 0, 0, 1.0, 0, 0.0, 0, 0, 1)" ||
	not_ok "group KPIs: $(head -c 400 "$tmp/body")"
call "environment=production&since=$since&until=$until" &&
	check "environment production (db1): the hand-computed figures" eq "$(json "$figures" <"$tmp/body")" \
		"(1, 2, 2, 1.0, 2, 36.5, 37.0, 1, 1, 0, 0.5, 1, 1.0, 0, 1, 1)" ||
	not_ok "environment KPIs: $(head -c 400 "$tmp/body")"
call "since=$since&until=2027-02-04T08:00:00Z" &&
	check "a past date (T+20d): db1's P2 open, an unpatched critical system; web1's fix alone" eq \
		"$(json '(d["unpatched_critical_systems"]["value"], d["remediation"]["closed"], d["time_to_patch"]["median_days"])' <"$tmp/body")" \
		"(1, 1, 6.0)" || not_ok "past KPIs: $(head -c 400 "$tmp/body")"
# the series: the server's task fills it at start, beside the requests;
# polled (0.2 s apart, at most 30 s), never timed
i=0 n=0
while [ $i -lt 150 ]; do
	call "" && n=$(json 'len(d["series"])' <"$tmp/body")
	[ "$n" -ge 31 ] && break
	sleep 0.2
	i=$((i + 1))
done
check "the daily series, filled by the server's task: 30 days and today ($n)" eq "$n" 31
check "the series' last day is today's (T+45d) with today's coverage" eq \
	"$(json '(d["series"][-1]["day"], d["series"][-1]["patch_coverage"])' <"$tmp/body")" "('2027-03-01', 0.3333)"
"$pw" kpi --since "$since" --until "$until" --format csv >"$tmp/kpi.csv" 2>&1 &&
	check "CLI CSV: the same figures" eq \
		"$(grep -E '^(closed|time_to_patch_median_days|sla_compliance|patch_coverage)' "$tmp/kpi.csv" | tr '\n' ' ')" \
		"patch_coverage,0.3333 time_to_patch_median_days,36.5000 closed,4 sla_compliance,0.7500 " ||
	not_ok "kpi csv: $(cat "$tmp/kpi.csv")"
"$pw" kpi --since "$since" --until "$until" --format json >"$tmp/kpi.json" 2>&1 &&
	check "CLI JSON: the API's figures" eq "$(json "$figures" <"$tmp/kpi.json")" \
		"(3, 6, 4, 0.6667, 4, 36.5, 42.0, 3, 1, 0, 0.75, 1, 0.3333, 0, 1, 1)" ||
	not_ok "kpi json: $(head -c 300 "$tmp/kpi.json")"
"$pw" kpi --since "$since" --until "$until" >"$tmp/kpi.txt" 2>&1 &&
	grep -q "time to patch (days):        median 36.5, p90 42.0 (4 findings fixed)" "$tmp/kpi.txt" &&
	ok "CLI table" || not_ok "kpi table: $(cat "$tmp/kpi.txt")"
for bad in since=30x until=2027-13-01 group=no-such environment=a%20b colour=red; do
	want=400
	[ "${bad%%=*}" = group ] && want=404
	call "$bad" $want && json 'd["error"]["message"] + d["error"].get("parameter", "")' <"$tmp/body" |
		grep -q "${bad%%=*}\|no-such" && ok "?$bad: $want naming it" || not_ok "?$bad: $(head -c 200 "$tmp/body")"
done
call "since=$until&until=$since" 400 && ok "since after until: 400" || not_ok "since after until"
"$pw" kpi --since nonsense >/dev/null 2>&1; [ $? = 2 ] && ok "kpi --since nonsense: exit 2" || not_ok "kpi bad --since"

pw_server_stop && ok "server stopped" || not_ok "server stop"
[ "$fails" -eq 0 ]
