#!/bin/sh
# checkin.sh - the server under its agents' load: a real server with a
# fresh store, HOSTS hosts enrolled through POST /api/v1/enroll, each
# uploading a full 823-package inventory (the real Debian 12 status file,
# one version varied per host), then unchanged check-ins for a while, all
# from bench/checkin.c (libcurl multi, CONC keep-alive connections) on the
# same machine as the server. Prints the figures against the goals and the
# server's memory (VmHWM, VmRSS) with HOSTS registered hosts. UPLOADS of
# them (default 1000: each full upload writes 823 package rows and their
# history) upload and then check in. Each phase prints the work it did
# (requests, rows stored) and the server's CPU time; the check-in rate is
# set against GET /api/v1/health on the same server and connections (the
# floor of HTTP, loopback and the load generator on this machine), and both
# against the goals.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pw=${PATCHWARDEN:-$top/build/src/patchwarden}
checkin=${CHECKIN:-$top/build-bench/bench/checkin}
hosts=${HOSTS:-10000}
uploads=${UPLOADS:-1000}
conc=${CONC:-32}
secs=${CHECKIN_SECONDS:-15}
tmp=$(mktemp -d)
PATCHWARDEN=$pw
. "$top/tests/integration/server_lib.sh"
trap 'pw_server_cleanup; rm -rf "$tmp"' EXIT

# the 823-package inventory document
mkdir -p "$tmp/root/var/lib/dpkg" "$tmp/root/etc"
cp "$top/tests/data/inventory/dpkg/this-host-bookworm/status" "$tmp/root/var/lib/dpkg/status"
cp "$top/tests/data/inventory/dpkg/this-host-bookworm/os-release" "$tmp/root/etc/os-release"
"$pw" scan --root "$tmp/root" --format json >"$tmp/inventory.json"

# enrollment is throttled per address; the load comes from one
PW_SERVER_CONFIG_EXTRA="[agent]
enroll_per_minute = 1000000000
enroll_refused_per_minute = 1000"
pw_server_start
mem() { # mem <label>
	printf '  server memory %s: %s, %s\n' "$1" \
		"$(awk '/^VmHWM/ { printf "VmHWM %.1f MiB", $2 / 1024 }' "/proc/$PW_SERVER_PID/status")" \
		"$(awk '/^VmRSS/ { printf "VmRSS %.1f MiB", $2 / 1024 }' "/proc/$PW_SERVER_PID/status")"
}
cpu() { # the server's CPU seconds so far (utime + stime)
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$PW_SERVER_PID/stat"
}
spent() { # spent <cpu before> <checkin output>: the server's CPU for the phase, per request
	awk -v a="$1" -v b="$(cpu)" -v n="$(echo "$2" | sed -n 's/^[^:]*: \([0-9]*\) requests.*/\1/p' | head -1)" \
		'BEGIN { c = b - a; printf "server CPU %.2f s, %.3f ms a request (%.0f/s on one CPU)", c, c * 1000 / n, (c > 0 ? n / c : 0) }'
}
rows() { # rows <table>: the table's rows in the server's store
	sqlite3 "$PW_DB" "SELECT count(*) FROM $1"
}
echo "== agent check-ins: $hosts hosts ($uploads with inventories), $conc connections, server and load on $(nproc) CPUs"
mem "at start"
token=$("$pw" enrollment create --uses "$hosts" --expires 1d 2>/dev/null)
"$checkin" "$PW_URL" enroll --token "$token" --hosts "$hosts" --conc "$conc" --out "$tmp/creds"
mem "with $hosts hosts enrolled"
c0=$(cpu)
up=$("$checkin" "$PW_URL" upload --creds "$tmp/creds" --inventory "$tmp/inventory.json" \
	--conc "$conc" --out "$tmp/digests" --round 0 --limit "$uploads")
echo "$up" | sed 's/^inventory uploads/full inventory uploads (823 packages, all new)/'
echo "  stored: $(rows hosts) hosts, $(rows host_packages) package rows, $(rows package_history) history rows; $(spent "$c0" "$up")"
mem "with $hosts hosts, $uploads inventories stored"
c0=$(cpu)
ci=$("$checkin" "$PW_URL" checkin --creds "$tmp/creds" --digests "$tmp/digests" --conc "$conc" \
	--seconds "$secs" --limit "$uploads")
echo "$ci"
echo "  $(spent "$c0" "$ci")"
c0=$(cpu)
hl=$("$checkin" "$PW_URL" health --conc "$conc" --seconds "$secs")
echo "$hl" | sed 's/^health requests/GET \/api\/v1\/health (the baseline)/'
echo "  $(spent "$c0" "$hl")"
c0=$(cpu)
h0=$(rows package_history)
re=$("$checkin" "$PW_URL" upload --creds "$tmp/creds" --inventory "$tmp/inventory.json" \
	--conc "$conc" --out "$tmp/digests2" --round 1 --limit "$uploads")
echo "$re" | sed 's/^inventory uploads/inventory re-uploads (823 packages, 1 changed)/'
echo "  stored: $(($(rows package_history) - h0)) new history rows; $(spent "$c0" "$re")"
mem "after the load"
echo "  store: $(du -h "$PW_DB" | cut -f1) ($(du -h "$PW_DB-wal" 2>/dev/null | cut -f1 || echo 0) WAL)"
rate() { echo "$1" | sed -n 's/.*: \([0-9]*\)\/s .*/\1/p' | head -1; }
ci_rate=$(rate "$ci")
up_rate=$(rate "$up")
hl_rate=$(rate "$hl")
echo "  unchanged check-ins at $(awk -v a="$ci_rate" -v b="$hl_rate" 'BEGIN { printf "%.2f", a / b }')x the rate of GET /api/v1/health ($hl_rate/s)"
echo "  goal: >= 30000 unchanged check-ins/s: $ci_rate/s ($(awk -v a="$ci_rate" 'BEGIN { printf "%.2f", a / 30000 }')x)"
echo "  goal: >= 300 full inventories/s: $up_rate/s ($(awk -v a="$up_rate" 'BEGIN { printf "%.2f", a / 300 }')x)"
pw_server_stop >/dev/null || echo "  (the server did not stop cleanly)"
