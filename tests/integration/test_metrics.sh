#!/bin/sh
# test_metrics.sh - GET /metrics through the real server on loopback: a
# small fleet imported and assessed, the exposition checked by promtool
# (Debian's prometheus package), its figures held to what the API says
# (hosts, open findings by priority, KEV), every priority present even at
# 0, the request counters moving with requests and check-ins, a scrape
# without a token refused, the content type Prometheus expects.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
here=$src/tests/integration
command -v promtool >/dev/null 2>&1 || { echo "1..0 # SKIP promtool missing (package prometheus)"; exit 77; }
tmp=$(mktemp -d)
. "$here/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT
. "$here/tap.sh"
json() { # json <python expression on d> < document
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
metric() { # metric <sample name with labels> < exposition: its value
	awk -v n="$1" '$1 == n { print $2 }'
}

PW_SERVER_CONFIG_EXTRA="[assess]
interval = 3600"
if ! pw_server_start; then
	echo "not ok - the server starts"
	exit 1
fi
ok "server listening at $PW_URL"
aud=$("$pw" token create --name scrape --role auditor 2>/dev/null)

mkdir -p "$tmp/osv"
cat >"$tmp/osv/CVE-2099-0001.json" <<'J'
{"id": "CVE-2099-0001", "summary": "curl overflow", "published": "2026-10-01T00:00:00Z",
 "modified": "2026-10-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.74.0-1.3+deb11u9"}]}]}]}
J
"$pw" feed import "$tmp/osv/CVE-2099-0001.json" >"$tmp/out" 2>&1 || not_ok "feed import: $(tail -3 "$tmp/out")"
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
for name in ["web1", "web2", "db1"]:
    pk = [{"family": "deb", "name": "curl", "version": "7.74.0-1.3+deb11u1", "state": "installed",
           "arch": "amd64", "source_name": "curl", "source_version": "7.74.0-1.3+deb11u1"}]
    json.dump({"schema_version": 1, "root": "/",
               "host": {"machine_id": "m-" + name, "hostname": name,
                        "os": {"id": "debian", "version_id": "11", "codename": "bullseye"}},
               "packages": pk}, open(f"{tmp}/{name}.json", "w"))
PY
"$pw" asset import-inventory "$tmp/web1.json" "$tmp/web2.json" "$tmp/db1.json" >"$tmp/out" 2>&1 &&
	"$pw" finding assess >>"$tmp/out" 2>&1 && ok "three hosts imported and assessed" ||
	not_ok "import and assess: $(cat "$tmp/out")"

scrape() { # scrape <file>: status in $code
	code=$(curl -s -o "$1" -D "$tmp/headers" -w '%{http_code}' -H "Authorization: Bearer $aud" "$PW_URL/metrics")
}
scrape "$tmp/m1"
check "GET /metrics answers 200" eq "$code" 200
check "as text/plain; version=0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$tmp/headers"
promtool check metrics <"$tmp/m1" >"$tmp/promtool" 2>&1 && ok "promtool check metrics finds nothing to say" ||
	not_ok "promtool: $(head -5 "$tmp/promtool")"
curl -s -o "$tmp/findings.json" -H "Authorization: Bearer $aud" "$PW_URL/api/v1/findings?limit=1000"
n_api=$(json 'len([f for f in d["items"] if f["state"] == "open"])' <"$tmp/findings.json")
p_api=$(json 'd["items"][0]["priority"]' <"$tmp/findings.json")
check "the API lists three open findings, all at $p_api" eq "$n_api $(json 'len(set(f["priority"] for f in d["items"]))' <"$tmp/findings.json")" "3 1"
check "open findings at $p_api equal the API's ($n_api)" eq "$(metric "patchwarden_findings_open{priority=\"$p_api\"}" <"$tmp/m1")" "$n_api"
check "every priority is present, at 0 when none" eq "$(grep -c '^patchwarden_findings_open{priority="P[1-4]"}' "$tmp/m1")" 4
check "three fresh hosts" eq "$(metric 'patchwarden_hosts{state="fresh"}' <"$tmp/m1")" 3
check "no KEV findings" eq "$(metric 'patchwarden_findings_open_kev' <"$tmp/m1")" 0
check "the feed's data age is there" grep -q '^patchwarden_feed_data_age_seconds{feed=' "$tmp/m1"
check "the version" grep -q '^patchwarden_build_info{version="' "$tmp/m1"
before=$(metric 'patchwarden_http_requests_total{code="2xx"}' <"$tmp/m1")
curl -s -o /dev/null "$PW_URL/api/v1/health"
curl -s -o /dev/null "$PW_URL/api/v1/nothing-here"
scrape "$tmp/m2"
after=$(metric 'patchwarden_http_requests_total{code="2xx"}' <"$tmp/m2")
# counted once answered: the first scrape itself, the finding list, the health check
check "the 2xx counter moved by three ($before -> $after)" eq "$((after - before))" 3
check "the 404 was counted" test "$(metric 'patchwarden_http_requests_total{code="4xx"}' <"$tmp/m2")" -ge 1
check "the histogram's count equals its +Inf bucket" eq \
	"$(metric 'patchwarden_http_request_duration_seconds_count' <"$tmp/m2")" \
	"$(metric 'patchwarden_http_request_duration_seconds_bucket{le="+Inf"}' <"$tmp/m2")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$PW_URL/metrics")
check "a scrape without a token: 401" eq "$code" 401

pw_server_stop && ok "server stopped" || not_ok "server stop"
[ "$fails" -eq 0 ]
