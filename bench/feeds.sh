#!/bin/sh
# feeds.sh - feed import speed against the ceiling of SQLite itself:
# `sqlite3 .import` of the same rows into the same table, measured in the
# same run. Also the re-import of unchanged data (nothing written).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
epss=$top/data/feeds/epss/epss_scores-2026-08-16.csv.gz
osv=$top/data/feeds/osv/AlmaLinux/all.zip

ms() { # ms CMD...: wall milliseconds of one run
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

echo "== feed import (ms, one run each, fresh database)"
printf '%-44s %10s %10s %8s\n' "input" "patchwarden" "sqlite3" "ratio"

# EPSS: 360,142 rows
zcat "$epss" | tail -n +3 >"$tmp/epss.csv"
rows=$(wc -l <"$tmp/epss.csv")
ours=$(ms "$pw" feed import --db "$tmp/a.db" "$epss")
cat >"$tmp/import.sql" <<SQL
CREATE TABLE epss(cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL);
.mode csv
.import $tmp/epss.csv epss
SQL
base=$(ms sqlite3 "$tmp/b.db" ".read $tmp/import.sql")
printf '%-44s %10s %10s %7sx\n' "EPSS, $rows rows (decompress+parse+upsert)" "$ours" "$base" "$(ratio "$ours" "$base")"
again=$(ms "$pw" feed import --db "$tmp/a.db" "$epss")
printf '%-44s %10s\n' "EPSS again, unchanged (nothing written)" "$again"

# AlmaLinux OSV: 5,683 files in a zip, ~270,000 affected rows
ours=$(ms "$pw" feed import --db "$tmp/c.db" "$osv")
sqlite3 -csv "$tmp/c.db" "SELECT * FROM affected" >"$tmp/affected.csv"
n=$(wc -l <"$tmp/affected.csv")
cat >"$tmp/import2.sql" <<SQL
CREATE TABLE affected(source TEXT NOT NULL, record_id TEXT NOT NULL, vuln_id TEXT NOT NULL,
 distro TEXT NOT NULL, release TEXT NOT NULL, package TEXT NOT NULL, status TEXT NOT NULL,
 introduced TEXT, fixed TEXT, last_affected TEXT, exact TEXT, urgency TEXT, advisory TEXT,
 generation INTEGER NOT NULL);
CREATE INDEX affected_key ON affected(distro, release, package);
.mode csv
.import $tmp/affected.csv affected
SQL
base=$(ms sqlite3 "$tmp/d.db" ".read $tmp/import2.sql")
printf '%-44s %10s %10s %7sx\n' "OSV AlmaLinux zip, $n affected rows" "$ours" "$base" "$(ratio "$ours" "$base")"
again=$(ms "$pw" feed import --db "$tmp/c.db" "$osv")
printf '%-44s %10s\n' "OSV zip again, unchanged (hash check only)" "$again"
