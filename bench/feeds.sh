#!/bin/sh
# feeds.sh - feed import speed against the ceiling of SQLite itself:
# `sqlite3 .import` of the same rows into the same tables, measured in the
# same run. patchwarden imports the feed into a fresh store; every table it
# filled is then written out as CSV and the baseline imports those rows into
# a fresh database with the same schema (tables, keys, indexes), the same
# pragmas as the store and the same foreign key checks, in one transaction.
# The row counts of both sides are compared and sqlite3 must print nothing
# (a wrong column count warns once per row and slows the baseline).
# Also the re-import of unchanged data (nothing written). Median of N runs,
# each into a fresh database.
# shellcheck disable=SC2016,SC2046 # sh -c scripts; figures split on purpose
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
n=${N:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
epss=$top/data/feeds/epss/epss_scores-2026-08-16.csv.gz
osv=$top/data/feeds/osv/AlmaLinux/all.zip
# the tables a feed import fills (the store's own bookkeeping left out)
tables="vulns records aliases affected cpe_matches kev epss"

# sh -c "$fresh" DB CMD...: CMD after removing DB and its WAL (each run
# imports into a fresh database)
fresh='rm -f "$0" "$0-wal" "$0-shm"; exec "$@"'
rows() { # rows <db>: "total (table n, ...)" of the tables a feed fills
	for t in $tables; do
		c=$(sqlite3 "$1" "SELECT count(*) FROM $t")
		[ "$c" -eq 0 ] || printf '%s %s\n' "$t" "$c"
	done | awk '{ s += $2; l = l (l ? ", " : "") $1 " " $2 } END { print s " (" l ")" }'
}
baseline_sql() { # baseline_sql <store> <csv dir>: the baseline's script
	echo "PRAGMA journal_mode = WAL;"
	echo "PRAGMA synchronous = NORMAL;"
	echo "PRAGMA cache_size = -32768;"
	echo "PRAGMA foreign_keys = ON;"
	echo "BEGIN;"
	for t in $tables; do
		sqlite3 "$1" "SELECT sql || ';' FROM sqlite_master WHERE tbl_name = '$t' AND sql IS NOT NULL
			ORDER BY type = 'index', rowid"
	done
	echo ".mode csv"
	for t in $tables; do # parents before children, as the foreign keys need
		[ -s "$2/$t.csv" ] && echo ".import $2/$t.csv $t"
	done
	echo "COMMIT;"
}
import() { # import <label> <feed file>
	label=$1 feed=$2
	"$pw" feed import --db "$tmp/pw.db" "$feed" >/dev/null
	mkdir -p "$tmp/csv"
	for t in $tables; do sqlite3 -csv "$tmp/pw.db" "SELECT * FROM $t" >"$tmp/csv/$t.csv"; done
	baseline_sql "$tmp/pw.db" "$tmp/csv" >"$tmp/import.sql"
	sqlite3 "$tmp/base.db" ".read $tmp/import.sql" >/dev/null 2>"$tmp/sqlite.err"
	if [ -s "$tmp/sqlite.err" ]; then
		echo "  sqlite3 .import complained, the baseline is not the same work:" >&2
		head -3 "$tmp/sqlite.err" >&2
		exit 1
	fi
	ours_rows=$(rows "$tmp/pw.db")
	base_rows=$(rows "$tmp/base.db")
	if [ "$ours_rows" != "$base_rows" ]; then
		echo "  rows differ: patchwarden $ours_rows, sqlite3 $base_rows" >&2
		exit 1
	fi
	set -- $(measure "$n" sh -c "$fresh" "$tmp/a.db" "$pw" feed import --db "$tmp/a.db" "$feed") \
		$(measure "$n" sh -c "$fresh" "$tmp/b.db" sqlite3 "$tmp/b.db" ".read $tmp/import.sql")
	printf '%-34s %9.0f %9.0f %7sx %9.0f %9.0f %7sx %6s %6s\n' "$label" "$1" "$4" \
		"$(ratio "$1" "$4")" "$2" "$5" "$(ratio "$2" "$5")" "$(mib "$3")" "$(mib "$6")"
	echo "  rows on both sides: $ours_rows; sqlite3 printed nothing"
	set -- $(measure "$n" "$pw" feed import --db "$tmp/pw.db" "$feed")
	printf '%-34s %9.0f %9s %8s %9.0f\n' "  again, unchanged (nothing written)" "$1" "" "" "$2"
	rm -rf "$tmp/csv" "$tmp"/*.db*
}

echo "== feed import into a fresh store vs sqlite3 .import of the same rows (median of $n runs)"
printf '%-34s %9s %9s %8s %9s %9s %8s %6s %6s\n' "" "wall ms" "sqlite3" "pw/sql" "cpu ms" "sqlite3" \
	"pw/sql" "MiB" "MiB"
import "EPSS CSV.gz (decompress+parse)" "$epss"
import "OSV AlmaLinux zip, 5,683 files" "$osv"
