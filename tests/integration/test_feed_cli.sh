#!/bin/sh
# test_feed_cli.sh - `patchwarden feed import|sync|status` on the real
# bundled feeds and over real HTTP on loopback.
#
# Every expected figure is computed here from the raw files, independently of
# the importers (Python reads the JSON, the zip, the CSV), and the sync tests
# read what the test server actually received from its request log.
# Needs python3 (the test server); skipped (77) without it.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
feeds=$src/data/feeds
here=$src/tests/integration
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 is needed for the HTTP test server"; exit 77; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# downloads go to a private directory, checked empty at the end
mkdir "$tmp/t"
TMPDIR=$tmp/t
export TMPDIR
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
# check "what" command...: ok when the command succeeds
# jget FILE EXPR: evaluate a Python expression over the JSON document `d`
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# summary FILE INPUT FIELD: one figure of one input from `--format json`
summary() { jget "$1" "[x for x in d if x['input'] == '$2'][0]['$3']"; }

db=$tmp/pw.db
kev=$feeds/kev/known_exploited_vulnerabilities.json
epss=$feeds/epss/epss_scores-2026-08-16.csv.gz
alma=$feeds/osv/AlmaLinux/all.zip
dsa=$feeds/debian/security-tracker/DSA-list

# ---- ground truth, from the raw files ----
kev_n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["vulnerabilities"]))' "$kev")
epss_n=$(python3 -c 'import gzip,sys; print(sum(1 for l in gzip.open(sys.argv[1],"rt") if l.startswith("CVE-")))' "$epss")
# AlmaLinux: every advisory is read: security ones, and bug fixes (ALBA)
# and enhancements (ALEA), kept as updates of their class; none skipped;
# 43 files repeat an id already read (the same advisory in two folders)
set -- $(python3 - "$alma" <<'PY'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
read = skipped = 0
ids = set()
for name in z.namelist():
    if not name.endswith(".json"):
        continue
    j = json.loads(z.read(name))
    refs = j.get("aliases", []) + j.get("related", []) + j.get("upstream", [])
    if any(r.startswith("CVE-") for r in refs) or j["id"][:4] in ("ALSA", "ALBA", "ALEA"):
        read += 1
        ids.add(j["id"])
    else:
        skipped += 1
print(read, skipped, len(ids), read - len(ids))
PY
)
alma_read=$1 alma_skipped=$2 alma_ids=$3 alma_repeats=$4
dsa_n=$(grep -c '^\[[^]]*\] DSA-' "$dsa")
echo "# ground truth: KEV $kev_n, EPSS $epss_n, AlmaLinux read $alma_read skipped $alma_skipped" \
	"ids $alma_ids repeats $alma_repeats, DSA $dsa_n"
check "KEV snapshot has 1,404 entries" eq "$kev_n" 1404
check "EPSS snapshot has 360,142 rows" eq "$epss_n" 360142

# ---- help and usage ----
for sub in import sync status; do
	"$pw" feed "$sub" --help >"$tmp/help" 2>&1 && grep -q "Exit status" "$tmp/help" &&
		ok "feed $sub --help" || not_ok "feed $sub --help"
done
"$pw" feed >/dev/null 2>&1; check "feed without a subcommand exits 2" eq $? 2
"$pw" feed frobnicate >/dev/null 2>&1; check "unknown subcommand exits 2" eq $? 2
"$pw" feed import --db "$db" >/dev/null 2>&1; check "import without arguments exits 2" eq $? 2
"$pw" feed import --db "$db" --kind nope "$kev" >/dev/null 2>&1; check "unknown --kind exits 2" eq $? 2

# ---- import: real figures, idempotence ----
"$pw" feed import --db "$db" --format json "$kev" "$epss" "$alma" >"$tmp/i1.json" 2>"$tmp/i1.err"
check "first import succeeds" eq $? 0
check "nothing on stderr when it is not a terminal" eq "$(wc -c <"$tmp/i1.err")" 0
check "KEV: read $kev_n" eq "$(summary "$tmp/i1.json" "$kev" read)" "$kev_n"
check "KEV: all added" eq "$(summary "$tmp/i1.json" "$kev" added)" "$kev_n"
check "KEV: kind detected" eq "$(summary "$tmp/i1.json" "$kev" kind)" kev
check "EPSS: read $epss_n" eq "$(summary "$tmp/i1.json" "$epss" read)" "$epss_n"
check "EPSS: all added" eq "$(summary "$tmp/i1.json" "$epss" added)" "$epss_n"
check "AlmaLinux: read" eq "$(summary "$tmp/i1.json" "$alma" read)" "$alma_read"
check "AlmaLinux: skipped" eq "$(summary "$tmp/i1.json" "$alma" skipped)" "$alma_skipped"
check "AlmaLinux: skip reason counted" eq \
	"$(jget "$tmp/i1.json" "sum([x for x in d if x['input'] == '$alma'][0]['skip_reasons'].values())")" "$alma_skipped"
check "AlmaLinux: one record per id" eq "$(summary "$tmp/i1.json" "$alma" added)" "$alma_ids"
check "AlmaLinux: ids in two folders are not added twice" eq \
	"$(($(summary "$tmp/i1.json" "$alma" unchanged) + $(summary "$tmp/i1.json" "$alma" updated)))" "$alma_repeats"

"$pw" feed import --db "$db" --format json "$kev" "$epss" "$alma" >"$tmp/i2.json" 2>&1
check "second import succeeds" eq $? 0
for input in "$kev" "$epss" "$alma"; do
	name=${input##*/}
	check "second import of $name: nothing added" eq "$(summary "$tmp/i2.json" "$input" added)" 0
	check "second import of $name: nothing updated" eq "$(summary "$tmp/i2.json" "$input" updated)" 0
	check "second import of $name: all unchanged" eq "$(summary "$tmp/i2.json" "$input" unchanged)" \
		"$(summary "$tmp/i2.json" "$input" read)"
done

# a progress bar when stderr is a terminal (script(1) provides one)
if command -v script >/dev/null 2>&1; then
	script -qec "'$pw' feed import --db '$tmp/tty.db' '$kev'" "$tmp/tty.out" >/dev/null 2>&1
	check "progress drawn on a terminal" grep -q "records  [0-9.]*/[0-9.]* MiB" "$tmp/tty.out"
	check "progress ends at $kev_n records" grep -q "100%  $kev_n records" "$tmp/tty.out"
fi

# the table form carries the same figures
"$pw" feed import --db "$db" "$kev" >"$tmp/i3.txt" 2>&1
check "table summary: KEV unchanged" grep -Eq "kev +imported +$kev_n +0 +0 +$kev_n +0" "$tmp/i3.txt"

# a tracker checkout holds DSA and DLA lists: each stored under its own feed
"$pw" feed import --db "$db" --format json "$feeds/debian/security-tracker" >"$tmp/i4.json" 2>&1
check "tracker directory imports" eq $? 0
check "tracker directory: both kinds named" eq "$(jget "$tmp/i4.json" "d[0]['kind']")" "dsa+dla"
# every entry is read or skipped, none read twice (a skip may also name a
# part of an entry that was read, hence "at most" for read)
accounted() { [ "$1" -le "$3" ] && [ "$3" -le $(($1 + $2)) ] ||
	{ echo "#   read $1 skipped $2 for $3 entries" >&2; return 1; }; }
entries=$(cat "$dsa" "$feeds/debian/security-tracker/DLA-list" | grep -c '^\[[^]]*\] D[SL]A-')
check "tracker directory: every DSA and DLA entry accounted for" accounted \
	"$(jget "$tmp/i4.json" "d[0]['read']")" "$(jget "$tmp/i4.json" "d[0]['skipped']")" "$entries"
"$pw" feed import --db "$db" --format json "$dsa" >"$tmp/i5.json" 2>&1
check "DSA list alone afterwards: the same records, unchanged" eq \
	"$(jget "$tmp/i5.json" "(d[0]['added'], d[0]['updated'], d[0]['unchanged'] == d[0]['read'])")" "(0, 0, True)"

# ---- a failing argument rolls back only itself ----
python3 - "$kev" "$tmp/kev-broken.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for v in doc["vulnerabilities"][:10]:
    v["vendorProject"] = "CHANGED"
text = json.dumps(doc, indent=1)
open(sys.argv[2], "w").write(text[: len(text) * 2 // 3])  # cut: no longer JSON
PY
cp "$kev" "$tmp/kev-copy.json"
"$pw" feed import --db "$db" --format json "$tmp/kev-broken.json" "$tmp/kev-copy.json" >"$tmp/f1.json" 2>"$tmp/f1.err"
check "a failed argument makes the exit status 2" eq $? 2
check "the failure names the file" grep -q "kev-broken.json" "$tmp/f1.err"
check "the failure is in the summary" eq "$(summary "$tmp/f1.json" "$tmp/kev-broken.json" outcome)" failed
check "the next argument is still imported" eq "$(summary "$tmp/f1.json" "$tmp/kev-copy.json" unchanged)" "$kev_n"
"$pw" feed import --db "$db" --format json "$kev" >"$tmp/f2.json" 2>&1
check "nothing of the failed import stayed (KEV all unchanged)" eq "$(summary "$tmp/f2.json" "$kev" unchanged)" "$kev_n"
"$pw" feed import --db "$db" "$tmp/does-not-exist.json" >/dev/null 2>"$tmp/f3.err"
check "a missing file exits 2" eq $? 2
check "a missing file is named" grep -q "does-not-exist.json" "$tmp/f3.err"

# ---- status ----
"$pw" feed status --db "$db" --max-age never --format json >"$tmp/s1.json" 2>&1
check "status succeeds" eq $? 0
check "status lists kev with its records" eq \
	"$(jget "$tmp/s1.json" "[x['records'] for x in d if x['feed'] == 'kev'][0]")" "$kev_n"
check "status lists epss with its records" eq \
	"$(jget "$tmp/s1.json" "[x['records'] for x in d if x['feed'] == 'epss'][0]")" "$epss_n"
check "status lists osv with one record per id" eq \
	"$(jget "$tmp/s1.json" "[x['records'] for x in d if x['feed'] == 'osv'][0]")" "$alma_ids"
check "fresh feeds are not stale" eq "$(jget "$tmp/s1.json" "any(x['stale'] for x in d)")" False
PATCHWARDEN_NOW=$(($(date +%s) + 3 * 86400)) "$pw" feed status --db "$db" --max-age never >"$tmp/s2.txt" 2>&1
check "three days later every feed is STALE" eq "$(grep -c STALE "$tmp/s2.txt")" "$(jget "$tmp/s1.json" "len(d)")"
PATCHWARDEN_DB=$db "$pw" feed status --max-age never >"$tmp/s3.txt" 2>&1
check "PATCHWARDEN_DB names the store" grep -q "^kev " "$tmp/s3.txt"
printf 'not a database, just text\n%.0s' $(seq 1 100) >"$tmp/junk.db"
"$pw" feed status --db "$tmp/junk.db" >/dev/null 2>"$tmp/s4.err"
check "a file that is not a database exits 2" eq $? 2
check "...naming it" grep -q "junk.db: not a usable patchwarden database" "$tmp/s4.err"

# ---- sync over HTTP on loopback ----
www=$tmp/www
mkdir -p "$www"
cp "$kev" "$www/kev.json"
cp "$dsa" "$www/DSA-list"
cp "$epss" "$www/epss.csv.gz"
cp "$feeds/nvd/api-2.0-page-38cves.json" "$www/nvd.json"
python3 "$here/feed_http_server.py" "$www" "$tmp/port" "$tmp/http.log" &
server_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$tmp/port" 2>/dev/null)
[ -n "$port" ] && ok "test server listening on $port" || { not_ok "test server did not start"; exit 1; }
base=http://127.0.0.1:$port
nvd_total=$(jget "$www/nvd.json" "len(d['vulnerabilities'])")

cat >"$tmp/sync.conf" <<EOF
# only loopback feeds: this machine has no internet access
[sync]
defaults = no
nvd_delay = 0
nvd_page_size = 10
[feeds]
kev = $base/kev.json
dsa = $base/redirect/2/DSA-list
epss = $base/lmonly/epss.csv.gz
nvd = $base/nvd/nvd.json
EOF
sdb=$tmp/sync.db
# requests: the log lines of one sync, as "path status if-none-match if-modified-since"
requests() { python3 -c '
import json, sys
for line in open(sys.argv[1]).readlines()[int(sys.argv[2]):]:
    r = json.loads(line)
    print(r["path"], r["status"], r["if_none_match"] is not None, r["if_modified_since"] is not None, r["user_agent"])
' "$tmp/http.log" "$1"; }
loglen() { wc -l <"$tmp/http.log"; }

"$pw" feed sync --db "$sdb" --config "$tmp/sync.conf" --format json >"$tmp/y1.json" 2>"$tmp/y1.err"
check "first sync succeeds" eq $? 0
check "first sync: KEV imported, $kev_n added" eq "$(summary "$tmp/y1.json" kev added)" "$kev_n"
check "first sync: EPSS imported, $epss_n added" eq "$(summary "$tmp/y1.json" epss added)" "$epss_n"
check "first sync: DSA through two redirects" eq "$(summary "$tmp/y1.json" dsa outcome)" imported
check "first sync: every DSA entry accounted for" accounted \
	"$(summary "$tmp/y1.json" dsa read)" "$(summary "$tmp/y1.json" dsa skipped)" "$dsa_n"
check "first sync: NVD all $nvd_total CVEs over 4 pages" eq "$(summary "$tmp/y1.json" nvd read)" "$nvd_total"
check "NVD asked page by page" eq "$(grep -c 'nvd.json?resultsPerPage=10&startIndex=' "$tmp/http.log")" 4
check "User-Agent is patchwarden/VERSION" eq \
	"$(requests 0 | awk '{print $5}' | sort -u | grep -c '^patchwarden/[0-9]')" 1
# every import is audited, naming the feed, its URL and its counts
"$pw" audit list --db "$sdb" --format json >"$tmp/ya1.json" 2>&1
check "first sync: each import audited (kev, dsa, epss, NVD's 4 pages)" eq \
	"$(jget "$tmp/ya1.json" "sorted(x['object'] for x in d if x['action'] == 'feed.import')")" \
	"['feed:dsa', 'feed:epss', 'feed:kev', 'feed:nvd', 'feed:nvd', 'feed:nvd', 'feed:nvd']"
check "first sync: the audit entry names the URL and the counts" eq \
	"$(jget "$tmp/ya1.json" "[(x['after']['source'], x['after']['added']) for x in d if x['object'] == 'feed:kev'][0]")" \
	"('$base/kev.json', $kev_n)"
"$pw" feed import --db "$tmp/cred.db" "http://mirror:s3cret@127.0.0.1:$port/kev.json" >/dev/null 2>&1
"$pw" audit list --db "$tmp/cred.db" --format json >"$tmp/ya0.json" 2>&1
check "a URL's password stays out of the audit log" eq \
	"$(jget "$tmp/ya0.json" "[x['after']['source'] for x in d][0]")" "http://127.0.0.1:$port/kev.json"
"$pw" feed status --db "$sdb" --max-age never --format json >"$tmp/ys1.json" 2>&1
kev_etag=$(jget "$tmp/ys1.json" "[x['etag'] for x in d if x['feed'] == 'kev'][0]")
check "the ETag is stored" test -n "$kev_etag"
check "the Last-Modified of an ETag-less server is stored" test -n \
	"$(jget "$tmp/ys1.json" "[x['last_modified'] for x in d if x['feed'] == 'epss'][0]")"

n=$(loglen)
"$pw" feed sync --db "$sdb" --config "$tmp/sync.conf" --format json >"$tmp/y2.json" 2>&1
check "second sync succeeds" eq $? 0
for f in kev dsa epss; do
	check "second sync: $f not modified" eq "$(summary "$tmp/y2.json" $f outcome)" "not modified"
	check "second sync: $f read nothing" eq "$(summary "$tmp/y2.json" $f read)" 0
done
check "second sync: KEV sent If-None-Match and got 304" eq \
	"$(requests "$n" | grep '^/kev.json ' | awk '{print $2, $3}')" "304 True"
check "second sync: EPSS sent If-Modified-Since and got 304" eq \
	"$(requests "$n" | grep '^/lmonly/epss.csv.gz ' | awk '{print $2, $4}')" "304 True"
check "second sync: DSA validators survive redirects (304 at the end)" eq \
	"$(requests "$n" | grep '^/DSA-list ' | awk '{print $2, $3}')" "304 True"
check "second sync: NVD asks only for what changed since the last sync" eq \
	"$(requests "$n" | grep -c 'lastModStartDate=.*lastModEndDate=')" 1
check "second sync: NVD got nothing new" eq "$(summary "$tmp/y2.json" nvd read)" 0
"$pw" audit list --db "$sdb" --format json >"$tmp/ya2.json" 2>&1
check "second sync: feeds not modified are not imported, so not audited" eq \
	"$(jget "$tmp/ya2.json" "sorted(x['object'] for x in d if x['action'] == 'feed.import' and x['object'] != 'feed:nvd')")" \
	"['feed:dsa', 'feed:epss', 'feed:kev']"
check "the audit log verifies after the syncs" "$pw" audit verify --db "$sdb"

# the upstream changes: 200 with new validators, only the changed records
python3 - "$www/kev.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["vulnerabilities"][0]["shortDescription"] += " (revised)"
doc["vulnerabilities"].append(dict(doc["vulnerabilities"][1], cveID="CVE-2099-0001"))
json.dump(doc, open(sys.argv[1], "w"), indent=1)
PY
touch -d '+1 minute' "$www/kev.json"
n=$(loglen)
"$pw" feed sync --db "$sdb" --config "$tmp/sync.conf" --feed kev --format json >"$tmp/y3.json" 2>&1
check "changed upstream: synced" eq $? 0
check "changed upstream: 200" eq "$(requests "$n" | awk '{print $1, $2}')" "/kev.json 200"
check "changed upstream: one added, one updated, the rest unchanged" eq \
	"$(jget "$tmp/y3.json" "(d[0]['added'], d[0]['updated'], d[0]['unchanged'])")" "(1, 1, $((kev_n - 1)))"
check "--feed syncs only that feed" eq "$(jget "$tmp/y3.json" "len(d)")" 1
"$pw" feed status --db "$sdb" --max-age never --format json >"$tmp/ys2.json" 2>&1
check "changed upstream: a new ETag is stored" test \
	"$(jget "$tmp/ys2.json" "[x['etag'] for x in d if x['feed'] == 'kev'][0]")" != "$kev_etag"
check "changed upstream: the record count follows" eq \
	"$(jget "$tmp/ys2.json" "[x['records'] for x in d if x['feed'] == 'kev'][0]")" "$((kev_n + 1))"

# failures: each named, the others still synced, the state left as it was
cat >"$tmp/bad.conf" <<EOF
[sync]
defaults = no
max_size_mb = 1
[feeds]
kev = $base/kev.json
missing = kev $base/no-such-file.json
refused = kev http://127.0.0.1:1/kev.json
broken = dsa $base/status/500/DSA-list
loop = dsa $base/redirect/9/DSA-list
big = kev $base/nolength/kev.json
EOF
"$pw" feed sync --db "$sdb" --config "$tmp/bad.conf" --format json >"$tmp/y4.json" 2>"$tmp/y4.err"
check "a failing feed makes the exit status 2" eq $? 2
check "the healthy feed is still synced" eq "$(summary "$tmp/y4.json" kev outcome)" "not modified"
check "404 is a clear error" grep -q "sync missing: $base/no-such-file.json: HTTP status 404 (not found)" "$tmp/y4.err"
check "connection refused is a clear error" grep -Eq "sync refused: http://127.0.0.1:1/kev.json: .*(connect|Connection refused)" "$tmp/y4.err"
check "500 is a clear error" grep -q "sync broken: .*HTTP status 500" "$tmp/y4.err"
check "a redirect loop stops" grep -q "sync loop: .*[Rr]edirect" "$tmp/y4.err"
check "a body over max_size_mb is refused" grep -q "sync big: .*larger than the 1048576-byte limit" "$tmp/y4.err"
"$pw" feed status --db "$sdb" --max-age never --format json >"$tmp/ys3.json" 2>&1
check "failed feeds leave no state behind" eq \
	"$(jget "$tmp/ys3.json" "sorted(x['feed'] for x in d)")" "['dsa', 'epss', 'kev', 'nvd']"
check "no download is left behind" eq "$(ls -A "$TMPDIR" | wc -l)" 0

# NVD cut short: the pages already imported stay (each CVE is whole), the
# feed's state is not written, so the next sync asks for the same again
cat >"$tmp/flaky.conf" <<EOF
[sync]
defaults = no
nvd_delay = 0
nvd_page_size = 10
[feeds]
nvd = $base/nvdflaky/nvd.json
EOF
"$pw" feed sync --db "$tmp/flaky.db" --config "$tmp/flaky.conf" >/dev/null 2>"$tmp/fl.err"
check "NVD failing on its third page: exit 2" eq $? 2
check "...naming the page" grep -q "startIndex=20.*HTTP status 500" "$tmp/fl.err"
"$pw" feed status --db "$tmp/flaky.db" --max-age never --format json >"$tmp/fl.json" 2>&1
check "...and no sync state recorded" eq "$(jget "$tmp/fl.json" "len(d)")" 0
"$pw" feed import --db "$tmp/flaky.db" --format json "$www/nvd.json" >"$tmp/fl2.json" 2>&1
check "...the first two pages were kept whole" eq \
	"$(jget "$tmp/fl2.json" "(d[0]['unchanged'], d[0]['added'])")" "(20, $((nvd_total - 20)))"

# HTTPS: the peer's certificate is verified (a self-signed one is refused)
if command -v openssl >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1; then
	python3 "$here/feed_http_server.py" "$www" "$tmp/tlsport" "$tmp/tls.log" "$tmp/cert.pem" "$tmp/key.pem" &
	tls_pid=$!
	i=0
	while [ ! -s "$tmp/tlsport" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	"$pw" feed import --db "$tmp/tls.db" "https://127.0.0.1:$(cat "$tmp/tlsport")/kev.json" >/dev/null 2>"$tmp/tls.err"
	check "HTTPS with a self-signed certificate is refused" eq $? 2
	check "...saying why" grep -qi "certificate" "$tmp/tls.err"
	kill "$tls_pid" 2>/dev/null
fi

# import from a URL, and file://
"$pw" feed import --db "$tmp/url.db" --format json "$base/kev.json" "file://$kev" >"$tmp/u1.json" 2>&1
check "import from http:// and file:// URLs" eq $? 0
check "http:// import: every entry read" eq "$(summary "$tmp/u1.json" "$base/kev.json" read)" "$((kev_n + 1))"
check "file:// import: the original again, one entry fewer (updated 1)" eq \
	"$(jget "$tmp/u1.json" "(d[1]['added'], d[1]['updated'])")" "(0, 1)"

# configuration errors
printf '[feeds]\nmystery = http://127.0.0.1/x\n' >"$tmp/c1.conf"
"$pw" feed sync --db "$sdb" --config "$tmp/c1.conf" >/dev/null 2>"$tmp/c1.err"
check "a feed whose kind cannot be told is refused" eq $? 2
check "...with the file and line" grep -q "c1.conf:2: feed mystery: cannot tell its kind" "$tmp/c1.err"
"$pw" feed sync --db "$sdb" --config "$tmp/no-such.conf" >/dev/null 2>&1
check "a --config that does not exist is an error" eq $? 2
"$pw" feed sync --db "$sdb" --config "$tmp/sync.conf" --feed nope >/dev/null 2>"$tmp/c2.err"
check "--feed with an unknown name is an error" eq $? 2

echo "# $fails failure(s)"
[ "$fails" -eq 0 ]
