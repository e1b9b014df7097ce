#!/bin/sh
# test_assets_api.sh - the asset register end to end: inventories of real
# Debian (823 packages), Alpine and rpm roots scanned with `patchwarden
# scan --root`, imported with the CLI and uploaded through the REST API of a
# real server on loopback; hosts listed, filtered, paged, changed and
# retired; the inventory and its history; dynamic and static groups; device
# CSV with bad lines named and nothing stored; roles allowed and refused;
# every response checked against the served OpenAPI document; the audit
# chain intact at the end.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
data=${PW_TEST_DATA:?}
here=$src/tests/integration
check_doc=$here/openapi_check.py
for tool in curl python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is needed"; exit 77; }
done
python3 -c 'import jsonschema' 2>/dev/null || { echo "skip: python3-jsonschema is needed"; exit 77; }
. "$here/server_lib.sh"

tmp=$(mktemp -d)
cleanup() {
	pw_server_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
# jq-like: py FILE EXPR prints eval(EXPR) with d = the JSON document in FILE
py() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# --- roots scanned as a user would: Debian 12, Alpine, rpm
mkdir -p "$tmp/deb/var/lib/dpkg" "$tmp/deb/etc" "$tmp/alpine/lib/apk/db" "$tmp/alpine/etc" \
	"$tmp/rpm/var/lib/rpm" "$tmp/rpm/etc"
cp "$data/inventory/dpkg/this-host-bookworm/status" "$tmp/deb/var/lib/dpkg/status"
cp "$data/inventory/hosts/debian12/usr/lib/os-release" "$tmp/deb/etc/os-release"
echo "web1.par1.example" >"$tmp/deb/etc/hostname"
echo "0123456789abcdef0123456789abcd01" >"$tmp/deb/etc/machine-id"
cp "$data/inventory/apk/osv-scalibr/installed" "$tmp/alpine/lib/apk/db/installed"
cp "$data/inventory/hosts/alpine/etc/os-release" "$tmp/alpine/etc/os-release"
echo "edge1.fra1.example" >"$tmp/alpine/etc/hostname"
echo "0123456789abcdef0123456789abcd02" >"$tmp/alpine/etc/machine-id"
cp "$data/inventory/rpm/cbl-mariner-2.0/"rpmdb.sqlite* "$tmp/rpm/var/lib/rpm/"
cp "$data/inventory/hosts/alma9/usr/lib/os-release" "$tmp/rpm/etc/os-release"
echo "db1.par1.example" >"$tmp/rpm/etc/hostname"
echo "0123456789abcdef0123456789abcd03" >"$tmp/rpm/etc/machine-id"
for r in deb alpine rpm; do
	"$pw" scan --root "$tmp/$r" --format json >"$tmp/$r.json" 2>"$tmp/$r.scan.err" ||
		not_ok "scan --root $r: $(cat "$tmp/$r.scan.err")"
done
ndeb=$(py "$tmp/deb.json" 'len(d["packages"])')
check "the Debian root has the fixture's 823 packages" eq "$ndeb" 823

pw_server_start || { echo "Bail out! the server did not start"; exit 1; }
curl -s -o "$tmp/openapi.json" "$PW_URL/api/v1/openapi.json"
check "the served OpenAPI document is well formed" "$check_doc" --structure "$tmp/openapi.json"

# --- the CLI on the server's store
"$pw" asset import-inventory "$tmp/deb.json" "$tmp/alpine.json" --format json \
	>"$tmp/imp1.json" 2>"$tmp/imp1.err"
check "asset import-inventory: two roots imported (exit 0)" test $? -eq 0
check "the Debian host created with 823 packages added" \
	eq "$(py "$tmp/imp1.json" '(d[0]["created"], d[0]["added"], d[0]["unchanged"])')" "(True, 823, 0)"
"$pw" asset import-inventory "$tmp/deb.json" --format json >"$tmp/imp2.json"
check "imported again: the same host, every package unchanged" \
	eq "$(py "$tmp/imp2.json" '(d[0]["created"], d[0]["added"], d[0]["changed"], d[0]["unchanged"])')" \
	"(False, 0, 0, 823)"
echo '{"schema_version": 1, "packages": "nope"' >"$tmp/broken.json"
"$pw" asset import-inventory "$tmp/broken.json" "$tmp/rpm.json" >"$tmp/imp3.out" 2>"$tmp/imp3.err"
check "a broken file: exit 2, named, the other file still imported" \
	sh -c "test $? -eq 2 && grep -q 'broken.json' '$tmp/imp3.err' && grep -q 'rpm.json: host' '$tmp/imp3.out'"
"$pw" host list --format json >"$tmp/list.json"
check "host list: three hosts" eq "$(py "$tmp/list.json" 'len(d)')" 3
deb=$(py "$tmp/list.json" '[h["id"] for h in d if h["hostname"] == "web1.par1.example"][0]')
alp=$(py "$tmp/list.json" '[h["id"] for h in d if h["hostname"] == "edge1.fra1.example"][0]')
rpm=$(py "$tmp/list.json" '[h["id"] for h in d if h["hostname"] == "db1.par1.example"][0]')
check "host list: OS facts from each root" \
	eq "$(py "$tmp/list.json" '" ".join(sorted(h["os"]["id"] for h in d))')" "almalinux alpine debian"
"$pw" host set "$deb" --owner "Team Web" --environment production --criticality 5 \
	--exposure internet --site par1 --tag web --tag frontend >/dev/null
check "host set: attributes stored" \
	sh -c "'$pw' host show web1.par1.example --format json | grep -q '\"criticality\": 5'"
"$pw" host set "$rpm" --environment production --criticality 4 --exposure isolated >/dev/null
"$pw" host set "$deb" --exposure dmz >/dev/null 2>"$tmp/set.err"
check "host set: a bad exposure refused (exit 2), naming the value" \
	sh -c "test $? -eq 2 && grep -q 'exposure \"dmz\"' '$tmp/set.err'"
"$pw" host list --filter 'os=debian tag=web' --format json >"$tmp/f.json"
check "host list --filter: the Debian web host" eq "$(py "$tmp/f.json" '[h["id"] for h in d]')" "[$deb]"
"$pw" group create prod --filter 'environment=production criticality>=4' >/dev/null
"$pw" group show prod --format json >"$tmp/g.json"
check "dynamic group: evaluated (Debian and rpm hosts)" \
	eq "$(py "$tmp/g.json" 'sorted(h["id"] for h in d["hosts"])')" "[$deb, $rpm]"
"$pw" group create bad --filter 'os=debian relase=12' 2>"$tmp/g.err"
check "a bad filter refused (exit 2), naming the term" \
	sh -c "test $? -eq 2 && grep -q 'term 2 \"relase=12\"' '$tmp/g.err'"
"$pw" group create pets >/dev/null && "$pw" group add pets "$alp" edge1.fra1.example >/dev/null
check "static group: host list --group" \
	eq "$("$pw" host list --group pets --format json | python3 -c 'import json,sys; print([h["id"] for h in json.load(sys.stdin)])')" "[$alp]"
# time passes: four days later every host is stale (default 3 days)
later=$(( $(date +%s) + 4 * 86400 ))
check "host list --stale: four days later, all three" \
	eq "$(PATCHWARDEN_NOW=$later "$pw" host list --stale --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 3
check "host list --stale: now, none" \
	eq "$("$pw" host list --stale --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0
check "host list --stale --stale-after 5d: four days later, none" \
	eq "$(PATCHWARDEN_NOW=$later "$pw" host list --stale --stale-after 5d --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0

# devices: every bad line named, nothing stored; then the good list
"$pw" asset import-devices "$data/registry/devices-bad.csv" 2>"$tmp/dev.err"
st=$?
check "import-devices: bad lines, exit 2" test $st -eq 2
check "import-devices: each bad line named FILE:LINE:FIELD" \
	sh -c "grep -q 'devices-bad.csv:3:cpe:' '$tmp/dev.err' && grep -q 'devices-bad.csv:4:vendor:' '$tmp/dev.err' && grep -q 'devices-bad.csv:9:csv:' '$tmp/dev.err'"
check "import-devices: nothing stored" eq "$("$pw" host list --filter origin=device --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0
"$pw" asset import-devices "$data/registry/devices.csv" >"$tmp/dev.out"
check "import-devices: 3 devices, 4 CPEs" grep -q '4 lines, 3 devices created, 0 updated, 4 CPEs added' "$tmp/dev.out"

# --- the REST API
admin=$("$pw" token create --name assets-admin --role admin 2>"$tmp/tok.err")
auditor=$("$pw" token create --name assets-aud --role auditor 2>/dev/null)
operator=$("$pw" token create --name assets-op --role operator 2>/dev/null)
assetmgr=$("$pw" token create --name assets-am --role asset-manager 2>/dev/null)
[ -n "$admin" ] || { not_ok "token create: $(cat "$tmp/tok.err")"; echo "1..$fails"; exit 1; }
# api NAME TOKEN METHOD PATH [CURL-ARGS...]: status printed, body in $tmp/NAME.body
api() {
	name=$1 tok=$2 method=$3 path=$4
	shift 4
	curl -s -o "$tmp/$name.body" -w '%{http_code}' -X "$method" \
		-H "Authorization: Bearer $tok" "$@" "$PW_URL$path"
}
# doc NAME METHOD TEMPLATE STATUS: the body is what the document says
doc() { "$check_doc" "$tmp/openapi.json" "$2" "$3" "$4" <"$tmp/$1.body"; }
json() { py "$tmp/$1.body" "$2"; }

st=$(api l1 "$auditor" GET /api/v1/hosts)
check "GET /hosts: 200 for an auditor" eq "$st" 200
check "GET /hosts: documented" doc l1 GET /api/v1/hosts 200
check "GET /hosts: 3 hosts and 3 devices" eq "$(json l1 'len(d["items"])')" 6
check "GET /hosts: stale reported false now" eq "$(json l1 'any(h["stale"] for h in d["items"])')" False
st=$(api l2 "$admin" GET "/api/v1/hosts?os=debian&release=12")
check "GET /hosts?os=debian&release=12: the Debian host" eq "$st $(json l2 '[h["id"] for h in d["items"]]')" "200 [$deb]"
st=$(api l3 "$admin" GET "/api/v1/hosts?group=prod&tag=web")
check "GET /hosts?group=prod&tag=web" eq "$st $(json l3 '[h["id"] for h in d["items"]]')" "200 [$deb]"
st=$(api l4 "$admin" GET "/api/v1/hosts?q=PAR1")
check "GET /hosts?q=PAR1: by hostname, any case" eq "$(json l4 'sorted(h["id"] for h in d["items"])')" "[$deb, $rpm]"
st=$(api l5 "$admin" GET "/api/v1/hosts?environment=production&stale=false&filter=origin%3Dimport")
check "GET /hosts?environment=production&stale=false&filter=origin=import" eq "$(json l5 'sorted(h["id"] for h in d["items"])')" "[$deb, $rpm]"
st=$(api l6 "$admin" GET "/api/v1/hosts?filter=os%3Ddebian%20relase%3D12")
check "GET /hosts?filter=bad: 400 naming the term" \
	sh -c "test '$st' = 400 && grep -q 'relase=12' '$tmp/l6.body'"
check "GET /hosts 400: documented" doc l6 GET /api/v1/hosts 400
st=$(api l7 "$admin" GET "/api/v1/hosts?group=nope")
check "GET /hosts?group=unknown: 400" eq "$st" 400
# pagination: 2 a page, every host once
seen="" cursor="" pages=0
while :; do
	st=$(api pg "$admin" GET "/api/v1/hosts?limit=2${cursor:+&cursor=$cursor}")
	[ "$st" = 200 ] || { not_ok "paging: status $st"; break; }
	seen="$seen $(json pg '" ".join(str(h["id"]) for h in d["items"])')"
	cursor=$(json pg 'd["next_cursor"] or ""')
	pages=$((pages + 1))
	[ -z "$cursor" ] || [ $pages -gt 10 ] && break
done
check "paging by 2: every host once, in id order ($pages pages)" \
	eq "$(echo $seen)" "$(json l1 '" ".join(str(h["id"]) for h in d["items"])')"

st=$(api h1 "$operator" GET "/api/v1/hosts/$deb")
check "GET /hosts/{id}: 200, documented" sh -c "test $st = 200 && $check_doc '$tmp/openapi.json' GET /api/v1/hosts/{id} 200 <'$tmp/h1.body'"
check "GET /hosts/{id}: attributes from the CLI" \
	eq "$(json h1 '(d["owner"], d["criticality"], d["exposure"], d["tags"], d["packages"])')" \
	"('Team Web', 5, 'internet', ['frontend', 'web'], 823)"
st=$(api h2 "$admin" GET /api/v1/hosts/999999)
check "GET /hosts/999999: 404 documented" sh -c "test $st = 404 && $check_doc '$tmp/openapi.json' GET /api/v1/hosts/{id} 404 <'$tmp/h2.body'"
st=$(api h3 "$admin" GET /api/v1/hosts/abc)
check "GET /hosts/abc: 404" eq "$st" 404

st=$(api p1 "$admin" PATCH "/api/v1/hosts/$alp" -H 'Content-Type: application/json' \
	-d '{"owner":"Edge team","environment":"staging","criticality":2,"exposure":"internal","site":"fra1","tags":["edge","cdn"]}')
check "PATCH /hosts/{id}: 200, documented" sh -c "test $st = 200 && $check_doc '$tmp/openapi.json' PATCH /api/v1/hosts/{id} 200 <'$tmp/p1.body'"
check "PATCH /hosts/{id}: attributes as sent" \
	eq "$(json p1 '(d["owner"], d["environment"], d["criticality"], d["exposure"], d["site"], d["tags"])')" \
	"('Edge team', 'staging', 2, 'internal', 'fra1', ['cdn', 'edge'])"
st=$(api p2 "$assetmgr" PATCH "/api/v1/hosts/$alp" -H 'Content-Type: application/json' -d '{"owner":null,"criticality":null}')
check "PATCH by an asset-manager: null clears" eq "$st $(json p2 '("owner" in d, "criticality" in d)')" "200 (False, False)"
st=$(api p3 "$admin" PATCH "/api/v1/hosts/$alp" -H 'Content-Type: application/json' -d '{"exposure":"dmz"}')
check "PATCH: a bad exposure is 400, documented" sh -c "test $st = 400 && grep -q dmz '$tmp/p3.body' && $check_doc '$tmp/openapi.json' PATCH /api/v1/hosts/{id} 400 <'$tmp/p3.body'"
st=$(api p4 "$admin" PATCH "/api/v1/hosts/$alp" -H 'Content-Type: application/json' -d '{"colour":"red"}')
check "PATCH: an unknown field is 400 naming it" sh -c "test $st = 400 && grep -q colour '$tmp/p4.body'"
st=$(api p5 "$admin" PATCH "/api/v1/hosts/$alp" -H 'Content-Type: application/json' -d '{"tags":["ok","Not Ok"]}')
check "PATCH: a bad tag is 400, nothing changed" \
	sh -c "test $st = 400 && test \"\$(curl -s -H 'Authorization: Bearer $admin' $PW_URL/api/v1/hosts/$alp | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"tags\"])')\" = \"['cdn', 'edge']\""
st=$(api p6 "$auditor" PATCH "/api/v1/hosts/$alp" -H 'Content-Type: application/json' -d '{"owner":"x"}')
check "PATCH by an auditor: 403" eq "$st" 403
st=$(api p7 "$operator" PATCH "/api/v1/hosts/$alp" -H 'Content-Type: application/json' -d '{"site":"fra2"}')
check "PATCH by an operator: 200" eq "$st" 200

# the inventory, paged
total=0 cursor="" pages=0
while :; do
	st=$(api inv "$auditor" GET "/api/v1/hosts/$deb/inventory?limit=300${cursor:+&cursor=$cursor}")
	[ "$st" = 200 ] || { not_ok "inventory paging: status $st"; break; }
	[ $pages -eq 0 ] && { doc inv GET /api/v1/hosts/{id}/inventory 200 || not_ok "inventory page undocumented"; }
	total=$((total + $(json inv 'len(d["items"])')))
	cursor=$(json inv 'd["next_cursor"] or ""')
	pages=$((pages + 1))
	[ -z "$cursor" ] || [ $pages -gt 10 ] && break
done
check "GET /hosts/{id}/inventory: 823 packages in 3 pages" eq "$total $pages" "823 3"

# an agentless upload with 2 upgrades, 1 removal, 1 new package
python3 - "$tmp/deb.json" "$tmp/deb2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pk = d["packages"]
pk[10]["version"] = "99:1.0-test"
pk[20]["version"] = "99:2.0-test"
gone = pk.pop(30)
new = dict(pk[0])
new["name"] = "zz-test-package"
new["version"] = "1.0-1"
new["source"] = {"name": "zz-test-package", "version": "1.0-1"} if "source" in pk[0] else new.get("source")
pk.append(new)
json.dump(d, open(sys.argv[2], "w"))
PY
st=$(api up1 "$operator" POST /api/v1/inventories -H 'Content-Type: application/json' --data-binary "@$tmp/deb2.json")
check "POST /inventories (operator): 200, documented" sh -c "test $st = 200 && $check_doc '$tmp/openapi.json' POST /api/v1/inventories 200 <'$tmp/up1.body'"
check "POST /inventories: the exact delta" \
	eq "$(json up1 '(d["host_id"], d["created"], d["changed"], d["removed"], d["added"], d["unchanged"])')" \
	"($deb, False, 2, 1, 1, 820)"
st=$(api hi "$auditor" GET "/api/v1/hosts/$deb/history?limit=4")
check "GET /hosts/{id}/history: 200, documented" doc hi GET /api/v1/hosts/{id}/history 200
check "history: the 4 changes, newest first" \
	eq "$(json hi 'sorted(c["change"] for c in d["items"])')" "['changed', 'changed', 'installed', 'removed']"
check "history: ids descending, a full page gives a next cursor" \
	eq "$(json hi '(d["items"][0]["id"] > d["items"][3]["id"], d["next_cursor"] is not None)')" "(True, True)"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["host"]["machine_id"]="0123456789abcdef0123456789abcd09"; d["host"]["hostname"]="web2.par1.example"; json.dump(d, open(sys.argv[2], "w"))' \
	"$tmp/deb.json" "$tmp/deb3.json"
st=$(api up2 "$admin" POST "/api/v1/inventories?group=uploaded" -H 'Content-Type: application/json' --data-binary "@$tmp/deb3.json")
check "POST /inventories: a new host is 201, documented" sh -c "test $st = 201 && $check_doc '$tmp/openapi.json' POST /api/v1/inventories 201 <'$tmp/up2.body'"
st=$(api up3 "$admin" POST /api/v1/inventories -H 'Content-Type: application/json' -d '{"schema_version":1,"packages":[{"family":"deb"}]}')
check "POST /inventories: an invalid document is 400" sh -c "test $st = 400 && $check_doc '$tmp/openapi.json' POST /api/v1/inventories 400 <'$tmp/up3.body'"
st=$(api up4 "$admin" POST /api/v1/inventories -H 'Content-Type: text/plain' -d 'x')
check "POST /inventories: text/plain is 415" eq "$st" 415
st=$(api up5 "$auditor" POST /api/v1/inventories -H 'Content-Type: application/json' --data-binary "@$tmp/deb3.json")
check "POST /inventories by an auditor: 403" eq "$st" 403

# devices over HTTP
before=$(curl -s -H "Authorization: Bearer $admin" "$PW_URL/api/v1/hosts?limit=1000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
st=$(api d1 "$assetmgr" POST /api/v1/devices -H 'Content-Type: text/csv' --data-binary "@$data/registry/devices-bad.csv")
check "POST /devices with bad lines: 400 naming each as line:field" \
	sh -c "test $st = 400 && grep -q '3:cpe:' '$tmp/d1.body' && grep -q '5:criticality:' '$tmp/d1.body' && grep -q '9:csv:' '$tmp/d1.body'"
check "POST /devices 400: documented" doc d1 POST /api/v1/devices 400
after=$(curl -s -H "Authorization: Bearer $admin" "$PW_URL/api/v1/hosts?limit=1000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
check "POST /devices with bad lines: nothing stored" eq "$after" "$before"
printf 'vendor,product,version,cpe,hostname\nMikroTik,RouterOS,7.14,cpe:2.3:o:mikrotik:routeros:7.14:*:*:*:*:*:*:*,rt1\n' >"$tmp/more.csv"
st=$(api d2 "$assetmgr" POST /api/v1/devices -H 'Content-Type: text/csv' --data-binary "@$tmp/more.csv")
check "POST /devices: 200, documented" sh -c "test $st = 200 && $check_doc '$tmp/openapi.json' POST /api/v1/devices 200 <'$tmp/d2.body'"
st=$(api d3 "$admin" POST /api/v1/devices -H 'Content-Type: application/json' -d '{}')
check "POST /devices as JSON: 415" eq "$st" 415
st=$(api d4 "$operator" POST /api/v1/devices -H 'Content-Type: text/csv' --data-binary "@$tmp/more.csv")
check "POST /devices by an operator: 403" eq "$st" 403

# groups over HTTP
st=$(api g1 "$admin" POST /api/v1/groups -H 'Content-Type: application/json' \
	-d '{"name":"debian-web","filter":"os=debian tag=web","description":"Debian web servers"}')
check "POST /groups (dynamic): 201, documented" sh -c "test $st = 201 && $check_doc '$tmp/openapi.json' POST /api/v1/groups 201 <'$tmp/g1.body'"
check "POST /groups: members evaluated" eq "$(json g1 '[h["id"] for h in d["hosts"]]')" "[$deb]"
gid=$(json g1 'd["id"]')
st=$(api g2 "$admin" POST /api/v1/groups -H 'Content-Type: application/json' -d '{"name":"x","filter":"criticality>=9"}')
check "POST /groups: a bad filter is 400 naming the term" sh -c "test $st = 400 && grep -q 'criticality>=9' '$tmp/g2.body'"
st=$(api g3 "$assetmgr" POST /api/v1/groups -H 'Content-Type: application/json' -d "{\"name\":\"dbs\",\"hosts\":[$rpm]}")
check "POST /groups (static, asset-manager): 201" eq "$st $(json g3 '(d["kind"], d["members"])')" "201 ('static', 1)"
sid=$(json g3 'd["id"]')
st=$(api g4 "$admin" POST "/api/v1/groups/$sid/members" -H 'Content-Type: application/json' -d "{\"hosts\":[$rpm,$alp]}")
check "POST /groups/{id}/members: one new member, documented" \
	sh -c "test $st = 200 && test \"\$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[\"added\"], d[\"members\"])' '$tmp/g4.body')\" = '1 2' && $check_doc '$tmp/openapi.json' POST /api/v1/groups/{id}/members 200 <'$tmp/g4.body'"
st=$(api g5 "$admin" POST "/api/v1/groups/$sid/members" -H 'Content-Type: application/json' -d '{"hosts":[999999]}')
check "POST /groups/{id}/members: an unknown host is 400" eq "$st" 400
st=$(api g6 "$admin" POST "/api/v1/groups/$gid/members" -H 'Content-Type: application/json' -d "{\"hosts\":[$rpm]}")
check "POST /groups/{id}/members on a dynamic group: 400" eq "$st" 400
st=$(api g7 "$auditor" GET /api/v1/groups)
check "GET /groups: 200, documented" sh -c "test $st = 200 && $check_doc '$tmp/openapi.json' GET /api/v1/groups 200 <'$tmp/g7.body'"
check "GET /groups: by name" eq "$(json g7 '[g["name"] for g in d["items"]]')" "['dbs', 'debian-web', 'pets', 'prod', 'uploaded']"
st=$(api g8 "$auditor" GET "/api/v1/groups/$sid")
check "GET /groups/{id}: members, documented" \
	sh -c "test $st = 200 && $check_doc '$tmp/openapi.json' GET /api/v1/groups/{id} 200 <'$tmp/g8.body'"
check "GET /groups/{id}: the two hosts" eq "$(json g8 'sorted(h["id"] for h in d["hosts"])')" "$(python3 -c "print(sorted([$rpm, $alp]))")"
st=$(api g9 "$admin" PATCH "/api/v1/groups/$gid" -H 'Content-Type: application/json' -d '{"filter":"os=debian","name":"debian"}')
check "PATCH /groups/{id}: renamed, new filter evaluated" eq "$st $(json g9 '(d["name"], len(d["hosts"]))')" "200 ('debian', 2)"
st=$(api g10 "$admin" PATCH "/api/v1/groups/$sid" -H 'Content-Type: application/json' -d '{"filter":"os=debian"}')
check "PATCH /groups/{id}: a filter on a static group is 400" eq "$st" 400
st=$(api g11 "$auditor" DELETE "/api/v1/groups/$sid")
check "DELETE /groups/{id} by an auditor: 403" eq "$st" 403
st=$(api g12 "$admin" DELETE "/api/v1/groups/$sid")
check "DELETE /groups/{id}: 204" eq "$st" 204
st=$(api g13 "$admin" GET "/api/v1/groups/$sid")
check "the deleted group is 404" eq "$st" 404

# retire
st=$(api r1 "$admin" DELETE "/api/v1/hosts/$alp")
check "DELETE /hosts/{id}: retired, documented" \
	sh -c "test $st = 200 && test \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"retired\"])' '$tmp/r1.body')\" = True && $check_doc '$tmp/openapi.json' DELETE /api/v1/hosts/{id} 200 <'$tmp/r1.body'"
st=$(api r2 "$admin" GET /api/v1/hosts)
check "a retired host is out of the list" eq "$(json r2 "$alp in [h['id'] for h in d['items']]")" False
st=$(api r3 "$admin" GET "/api/v1/hosts?retired=true")
check "?retired=true lists it" eq "$(json r3 "$alp in [h['id'] for h in d['items']]")" True
st=$(api r4 "$admin" DELETE "/api/v1/hosts/$alp")
check "retiring it again: 404" eq "$st" 404
"$pw" asset import-inventory "$tmp/alpine.json" >/dev/null
check "an import with its machine id brings it back" \
	sh -c "'$pw' host list --format json | grep -q '\"id\": $alp,'"

# the audit log holds the changes, and its chain verifies
"$pw" audit list --format json >"$tmp/audit.json" 2>/dev/null
check "audit: host.update, group.create, device.import, host.retire entries" \
	eq "$(py "$tmp/audit.json" 'sorted({a["action"] for a in (d["items"] if isinstance(d, dict) else d)} & {"host.update", "group.create", "device.import", "host.retire", "host.import_inventory", "group.add_members", "group.delete"})')" \
	"['device.import', 'group.add_members', 'group.create', 'group.delete', 'host.import_inventory', 'host.retire', 'host.update']"
check "audit verify: the chain is intact" sh -c "'$pw' audit verify >/dev/null"

check "the server stops cleanly" pw_server_stop
[ $fails -eq 0 ] && echo "# all passed" || echo "# $fails failed"
[ $fails -eq 0 ]
