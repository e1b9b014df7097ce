# tap.sh - what every integration test script shares, sourced after `set -u`:
#
#   . "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
#   ok "what held"; not_ok "what did not"      # a line each, TAP-style
#   check "what" COMMAND ARGS...                # ok when the command succeeds
#   check "status" eq "$st" 200                 # eq says what it got on stderr
#   [ "$fails" -eq 0 ]                          # the script's exit status
#
# POSIX sh. Skipping (exit 77, which meson counts as skipped) stays with each
# script, which knows what it needs.
fails=0
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; fails=$((fails + 1)); }
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
eq() { [ "$1" = "$2" ] || { echo "#   expected '$2', got '$1'" >&2; return 1; }; }
