# server_lib.sh - start and stop a real patchwarden server for a test.
# Sourced by the integration tests (POSIX sh):
#
#   . "$PW_SOURCE_ROOT/tests/integration/server_lib.sh"
#   pw_server_start || exit 1        # extra `serve` options may follow
#   curl -s "$PW_URL/api/v1/health"
#   "$PATCHWARDEN" user add ...      # PATCHWARDEN_DB names the server's store
#   pw_server_stop || not_ok "server exited 0 on SIGTERM"
#   pw_server_cleanup                # in the EXIT trap: kills a server left
#                                    # running, removes its directory
#
# The server listens on 127.0.0.1 on a free port (the kernel's choice,
# reported through --port-file), in a directory of its own holding its
# configuration and SQLite store:
#
#   PW_SERVER_DIR     the directory (mktemp -d unless set before the start)
#   PW_CONFIG         $PW_SERVER_DIR/patchwarden.conf
#   PW_DB             $PW_SERVER_DIR/pw.db, exported as PATCHWARDEN_DB so
#                     the CLI verbs administer the same store
#   PW_PORT, PW_URL   http://127.0.0.1:PORT (https:// with PW_SERVER_TLS=1)
#   PW_SERVER_PID     the server's process id
#   PW_SERVER_LOG     its stderr
#
# Before pw_server_start a test may set:
#   PW_SERVER_CONFIG_EXTRA  INI text appended at the end of the configuration
#                           (sections of other modules, with their headers)
#   PW_SERVER_KEYS          lines added to the [server] section
#                           ("access_log = true", "tls_cert = ...")
#   PW_SERVER_TLS=1         the URL is https:// (set tls_cert and tls_key
#                           in PW_SERVER_KEYS); curl calls then need
#                           --cacert or -k
#
# Needs $PATCHWARDEN (the patchwarden program: `patchwarden serve` runs
# patchwarden-server) and curl.

PW_SERVER_PID=
PW_SERVER_OWN_DIR=

# pw_server_start [SERVE-OPTION...]: start, wait until /api/v1/health
# answers 200; 0 on success, 1 (with the server's log on stderr) otherwise.
pw_server_start() {
	: "${PATCHWARDEN:?PATCHWARDEN must name the patchwarden program}"
	if [ -z "${PW_SERVER_DIR:-}" ]; then
		PW_SERVER_DIR=$(mktemp -d) || return 1
		PW_SERVER_OWN_DIR=1
	fi
	mkdir -p "$PW_SERVER_DIR" || return 1
	PW_CONFIG=$PW_SERVER_DIR/patchwarden.conf
	PW_DB=$PW_SERVER_DIR/pw.db
	PW_SERVER_LOG=$PW_SERVER_DIR/server.log
	PATCHWARDEN_DB=$PW_DB
	export PATCHWARDEN_DB
	{
		echo "[server]"
		echo "listen = 127.0.0.1:0"
		echo "threads = 2"
		if [ -n "${PW_SERVER_KEYS:-}" ]; then printf '%s\n' "$PW_SERVER_KEYS"; fi
		echo
		echo "[store]"
		echo "path = $PW_DB"
		if [ -n "${PW_SERVER_CONFIG_EXTRA:-}" ]; then printf '%s\n' "$PW_SERVER_CONFIG_EXTRA"; fi
	} >"$PW_CONFIG" || return 1
	rm -f "$PW_SERVER_DIR/port"
	"$PATCHWARDEN" serve --config "$PW_CONFIG" --port-file "$PW_SERVER_DIR/port" "$@" \
		2>"$PW_SERVER_LOG" &
	PW_SERVER_PID=$!
	scheme=http
	[ "${PW_SERVER_TLS:-0}" = 1 ] && scheme=https
	# up to 30 s for the port, then for the health check
	i=0
	while [ $i -lt 300 ]; do
		if ! kill -0 "$PW_SERVER_PID" 2>/dev/null; then
			echo "# server exited during start:" >&2
			sed 's/^/#   /' "$PW_SERVER_LOG" >&2
			wait "$PW_SERVER_PID" 2>/dev/null
			PW_SERVER_PID=
			return 1
		fi
		if [ -s "$PW_SERVER_DIR/port" ]; then
			PW_PORT=$(cat "$PW_SERVER_DIR/port")
			PW_URL=$scheme://127.0.0.1:$PW_PORT
			if [ "$(curl -sk -o /dev/null -w '%{http_code}' "$PW_URL/api/v1/health")" = 200 ]; then
				export PW_URL PW_PORT PW_DB PW_CONFIG PW_SERVER_DIR PW_SERVER_LOG
				return 0
			fi
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "# server did not answer /api/v1/health within 30 s:" >&2
	sed 's/^/#   /' "$PW_SERVER_LOG" >&2
	return 1
}

# pw_server_stop: SIGTERM, wait; 0 when the server exited with status 0.
pw_server_stop() {
	[ -n "$PW_SERVER_PID" ] || return 1
	kill -TERM "$PW_SERVER_PID" 2>/dev/null
	wait "$PW_SERVER_PID"
	status=$?
	PW_SERVER_PID=
	if [ "$status" != 0 ]; then
		echo "# server exited with status $status:" >&2
		sed 's/^/#   /' "$PW_SERVER_LOG" >&2
		return 1
	fi
	return 0
}

# pw_server_cleanup: for the EXIT trap. Kills a server still running and
# removes the directory pw_server_start created.
pw_server_cleanup() {
	if [ -n "$PW_SERVER_PID" ]; then
		kill -KILL "$PW_SERVER_PID" 2>/dev/null
		wait "$PW_SERVER_PID" 2>/dev/null
		PW_SERVER_PID=
	fi
	if [ -n "$PW_SERVER_OWN_DIR" ] && [ -n "${PW_SERVER_DIR:-}" ]; then
		rm -rf "$PW_SERVER_DIR"
		PW_SERVER_DIR=
		PW_SERVER_OWN_DIR=
	fi
}
