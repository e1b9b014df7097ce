#!/bin/sh
# test_feed_freshness.sh - `feed status` tells the age of each feed's data,
# not only of its import, and every `feed import` is audited.
#
# The newest dates are read here from the raw files, in Python (KEV's newest
# dateAdded, EPSS's score_date, the DSA list's newest [date] line, OSV's
# newest modified); the Alpine secdb carries no dates, so its file's date is
# used and said so. The clock is pinned (PATCHWARDEN_NOW) ten days after the
# EPSS scores, so which feeds are older than a limit is known.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
feeds=$src/data/feeds
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 is needed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# field FILE FEED KEY: one feed's value in `feed status --format json`
field() { jget "$1" "[x.get('$3') for x in d if x['feed'] == '$2'][0]"; }

kev=$feeds/kev/known_exploited_vulnerabilities.json
epss=$feeds/epss/epss_scores-2026-08-16.csv.gz
dsa=$feeds/debian/security-tracker/DSA-list
alma=$feeds/osv/AlmaLinux/all.zip
# the secdb file's date is its modification time: pinned here
cp "$feeds/alpine/secdb-json/312-main.json" "$tmp/main.json"
touch -d 2026-08-01T12:00:00Z "$tmp/main.json"

# ---- ground truth, from the raw files ----
set -- $(python3 - "$kev" "$epss" "$dsa" "$alma" <<'PY'
import datetime, gzip, json, re, sys, zipfile
kev = max(v["dateAdded"] for v in json.load(open(sys.argv[1]))["vulnerabilities"])
first = gzip.open(sys.argv[2], "rt").readline()
epss = re.search(r"score_date:(\d{4}-\d\d-\d\d)", first).group(1)
dates = [datetime.datetime.strptime(m.group(1), "%d %b %Y").date()
         for m in re.finditer(r"^\[(\d\d? \w{3} \d{4})\]", open(sys.argv[3]).read(), re.M)]
z = zipfile.ZipFile(sys.argv[4])
osv = max(max(json.loads(z.read(n)).get("modified", ""), json.loads(z.read(n)).get("published", ""))
          for n in z.namelist() if n.endswith(".json"))
print(kev, epss, max(dates).isoformat(), osv[:10])
PY
)
kev_newest=$1 epss_newest=$2 dsa_newest=$3 osv_newest=$4
now=$(python3 -c 'import calendar,sys,time; print(calendar.timegm(time.strptime(sys.argv[1], "%Y-%m-%d")) + 10 * 86400)' "$epss_newest")
PATCHWARDEN_NOW=$now
export PATCHWARDEN_NOW

db=$tmp/pw.db
"$pw" feed import --db "$db" --format json "$kev" "$epss" "$dsa" "$alma" "$tmp/main.json" \
	>"$tmp/import.json" 2>"$tmp/import.err"
check "feeds imported" eq $? 0

# ---- newest data dates and sources ----
"$pw" feed status --db "$db" --max-age never --format json >"$tmp/s.json" 2>"$tmp/s.err"
check "status with no limit: exit 0" eq $? 0
check "KEV: newest dateAdded ($kev_newest)" eq "$(field "$tmp/s.json" kev newest_data)" "${kev_newest}T00:00:00Z"
check "EPSS: its score_date ($epss_newest)" eq "$(field "$tmp/s.json" epss newest_data)" "${epss_newest}T00:00:00Z"
check "DSA: the newest [date] line ($dsa_newest)" eq "$(field "$tmp/s.json" dsa newest_data)" "${dsa_newest}T00:00:00Z"
check "OSV: the newest modified ($osv_newest)" eq "$(field "$tmp/s.json" osv newest_data | cut -c1-10)" "$osv_newest"
check "Alpine secdb: the file's date" eq "$(field "$tmp/s.json" alpine-secdb newest_data)" "2026-08-01T12:00:00Z"
check "...and it says so" eq "$(field "$tmp/s.json" alpine-secdb newest_data_from)" \
	"the file's date (the feed's data carries no dates)"
check "KEV's date is said to be its newest dateAdded" eq "$(field "$tmp/s.json" kev newest_data_from)" "newest dateAdded"
check "EPSS's data age: 10 days" eq "$(field "$tmp/s.json" epss data_age_seconds)" 864000
check "sources named: CISA KEV catalog" eq "$(field "$tmp/s.json" kev source)" "CISA KEV catalog"
check "sources named: FIRST EPSS" eq "$(field "$tmp/s.json" epss source)" "FIRST EPSS"
check "sources named: Debian security tracker DSA list" eq "$(field "$tmp/s.json" dsa source)" \
	"Debian security tracker DSA list"
check "sources named: OSV AlmaLinux (from .../AlmaLinux/all.zip)" eq "$(field "$tmp/s.json" osv source)" "OSV AlmaLinux"
check "sources named: the file it came from" eq "$(field "$tmp/s.json" kev url)" "$kev"
check "no limit: nothing marked too old" eq "$(jget "$tmp/s.json" "any(x['data_too_old'] for x in d)")" False

# ---- the limit: the default 30 days ----
"$pw" feed status --db "$db" --config /dev/null >"$tmp/t.txt" 2>"$tmp/t.err"
check "default limit (30 days): exit 1, some data is older" eq $? 1
check "...KEV ($kev_newest) warned about on stderr" grep -q "warning: kev (CISA KEV catalog): its newest data is of $kev_newest" "$tmp/t.err"
check "...EPSS (10 days old) not" eq "$(grep -c 'warning: epss' "$tmp/t.err")" 0
check "...the table marks KEV OLD" grep -q "^kev .* OLD" "$tmp/t.txt"
check "...and not EPSS" eq "$(grep '^epss ' "$tmp/t.txt" | grep -c OLD)" 0
check "...the table shows the newest data date" grep -q "^kev .* $kev_newest " "$tmp/t.txt"

"$pw" feed status --db "$db" --max-age 5d --format json >"$tmp/m.json" 2>"$tmp/m.err"
check "--max-age 5d: exit 1" eq $? 1
check "--max-age 5d: EPSS (10 days) too old in the JSON" eq "$(field "$tmp/m.json" epss data_too_old)" True
check "--max-age 5d: EPSS warned about" grep -q "warning: epss (FIRST EPSS)" "$tmp/m.err"

# the configuration's [feeds] max_data_age, overridden by --max-age
printf '[feeds]\nmax_data_age = 2000d\n' >"$tmp/long.conf"
"$pw" feed status --db "$db" --config "$tmp/long.conf" >/dev/null 2>"$tmp/c.err"
check "[feeds] max_data_age = 2000d: every feed within, exit 0" eq $? 0
check "...and no warning" test ! -s "$tmp/c.err"
"$pw" feed status --db "$db" --config "$tmp/long.conf" --max-age 30d >/dev/null 2>&1
check "--max-age overrides the configuration" eq $? 1
printf '[feeds]\nmax_data_age = soon\n' >"$tmp/bad.conf"
"$pw" feed status --db "$db" --config "$tmp/bad.conf" >/dev/null 2>"$tmp/b.err"
check "a bad max_data_age: exit 2" eq $? 2
check "...naming the file, line and key" grep -q "bad.conf:2: \[feeds\] max_data_age: bad value 'soon'" "$tmp/b.err"
"$pw" feed status --db "$db" --max-age yesterday >/dev/null 2>"$tmp/b2.err"
check "a bad --max-age: exit 2, named" eq "$? $(grep -c "max-age.*'yesterday'" "$tmp/b2.err")" "2 1"

# an older snapshot imported after a newer one leaves the newest date alone
python3 - "$kev" "$tmp/old-kev.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["vulnerabilities"] = [v for v in d["vulnerabilities"] if v["dateAdded"] < "2022-01-01"]
json.dump(d, open(sys.argv[2], "w"))
PY
"$pw" feed import --db "$db" --kind kev "$tmp/old-kev.json" >/dev/null 2>&1
"$pw" feed status --db "$db" --max-age never --format json >"$tmp/s2.json" 2>/dev/null
check "an older KEV re-imported: the newest date stays $kev_newest" eq \
	"$(field "$tmp/s2.json" kev newest_data)" "${kev_newest}T00:00:00Z"

# ---- every import is audited ----
"$pw" audit list --db "$db" --format json >"$tmp/a.json" 2>&1
check "one audit entry per import (6)" eq \
	"$(jget "$tmp/a.json" "[x['object'] for x in d if x['action'] == 'feed.import']")" \
	"['feed:kev', 'feed:epss', 'feed:dsa', 'feed:osv', 'feed:alpine-secdb', 'feed:kev']"
check "the entry names the source file" eq \
	"$(jget "$tmp/a.json" "[x['after']['source'] for x in d if x['object'] == 'feed:epss'][0]")" "$epss"
check "the entry has the import's counts" eq \
	"$(jget "$tmp/a.json" "[(x['after']['read'], x['after']['added']) for x in d if x['object'] == 'feed:epss'][0]")" \
	"$(jget "$tmp/import.json" "[(x['read'], x['added']) for x in d if x['kind'] == 'epss'][0]")"
check "a re-import is audited too, as unchanged" eq \
	"$(jget "$tmp/a.json" "[x['after']['unchanged'] for x in d if x['object'] == 'feed:kev'][-1]")" \
	"$(jget "$tmp/old-kev.json" "len(d['vulnerabilities'])")"
check "the actor is the local user" eq \
	"$(jget "$tmp/a.json" "sorted(set(x['actor'] for x in d))")" "['local:$(id -un)']"
# a failing import rolls back its entry with its data
printf '{"vulnerabilities": [{"cveID": 5}]}' >"$tmp/bad-kev.json"
"$pw" feed import --db "$db" --kind kev "$tmp/bad-kev.json" >/dev/null 2>&1
"$pw" audit list --db "$db" --format json >"$tmp/a2.json" 2>&1
check "a failed import leaves no audit entry" eq "$(jget "$tmp/a2.json" "len(d)")" "$(jget "$tmp/a.json" "len(d)")"
"$pw" audit verify --db "$db" >"$tmp/v.txt" 2>&1
check "audit verify passes after the imports" eq $? 0
[ "$fails" -eq 0 ]
