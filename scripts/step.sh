# step.sh - sourced by the set-up scripts: run a step quietly, and when it
# fails say which step failed, its exit status, and show what it printed.
#   step "building build/" ninja -C build
# Returns the step's own exit status, so `set -e` still stops the script.

step() {
	step_what=$1
	shift
	step_log=$(mktemp "${TMPDIR:-/tmp}/pw-step.XXXXXX")
	step_status=0
	"$@" >"$step_log" 2>&1 || step_status=$?
	if [ "$step_status" -ne 0 ]; then
		echo "${0##*/}: $step_what failed (exit $step_status): $*" >&2
		echo "---- its output:" >&2
		cat "$step_log" >&2
		echo "----" >&2
	fi
	rm -f "$step_log"
	return "$step_status"
}

# on_failure: at exit with a non-zero status, say which stage was running
# (the script sets stage=... before each one)
on_failure() {
	stage=starting
	trap 'step_rc=$?; [ "$step_rc" -eq 0 ] || echo "${0##*/}: stopped with exit $step_rc while $stage" >&2' EXIT
}
