#!/bin/sh
# apply.sh - the agent's overhead over a bare apt-get install of the same
# package on the same kind of sandbox root (tests/integration/apt_sandbox.sh:
# pwdemo 1.0-1 installed, 2.0-1 from a local repository). Each of N runs
# (default 7) gets fresh copies of one prepared root, and times
#   bare:  apt-get install -y pwdemo=2.0-1 (the options the agent passes)
#   agent: patchwarden-agent-apply with that install job: pre-checks, the
#          journal (7 fsynced writes), the dpkg database read twice, apt-get,
#          and the rollback cache filled by apt-get download ("cold"), or
#          already holding 1.0-1's file ("warm")
# as wall and CPU (user + system of the whole process tree) time, medians.
# Root is needed (dpkg on a root it owns). No figure is asserted.
# CALLGRIND=1 also counts the instructions of each (the program and every
# process under it, valgrind --tool=callgrind --trace-children=yes), one
# run each: a figure the machine's load does not move (minutes per run).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
apply=${PATCHWARDEN_AGENT_APPLY:-$top/build-bench/src/agent/patchwarden-agent-apply}
n=${N:-7}
[ "$(id -u)" -eq 0 ] || { echo "apply.sh: needs root (dpkg on a sandbox root); skipped"; exit 0; }
for t in apt-get dpkg-deb apt-ftparchive; do
	command -v "$t" >/dev/null 2>&1 || { echo "apply.sh: $t missing; skipped"; exit 0; }
done
tmp=$(mktemp -d /tmp/pw-bench-apply-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top/tests/integration/apt_sandbox.sh"
sandbox_repo "$tmp"
sandbox_root "$tmp/template" "$tmp/repo"
sandbox_apt "$tmp/template" install -y pwdemo=1.0-1 >/dev/null 2>&1
printf '[apply]\nmin_free_mb = 1\n' > "$tmp/agent.conf"
job='{"id":"j-bench","action":"install","packages":[{"name":"pwdemo","version":"2.0-1"}]}'
# a warm rollback cache: 1.0-1's package file, as an earlier job leaves it
mkdir -p "$tmp/warm/cache"
(cd "$tmp/warm/cache" && sandbox_apt "$tmp/template" -o APT::Sandbox::User=root download pwdemo=1.0-1 >/dev/null 2>&1 &&
	mv pwdemo_1.0-1_all.deb pwdemo=1.0-1.deb)

# one timed run: "WALL CPU" in milliseconds
timed() {
	/usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null 2>&1 || { echo "apply.sh: $* failed" >&2; exit 1; }
	awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' "$tmp/t"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$tmp/bare"; : > "$tmp/cold"; : > "$tmp/warm.t"
i=0
while [ $i -lt "$n" ]; do
	for kind in bare cold warm; do
		rm -rf "$tmp/r" "$tmp/s"
		cp -a "$tmp/template" "$tmp/r"
		case $kind in
		bare) timed sh -c '. "$1"; sandbox_apt "$2" install -y pwdemo=2.0-1' sh \
			"$top/tests/integration/apt_sandbox.sh" "$tmp/r" >> "$tmp/bare" ;;
		cold) timed sh -c 'printf "%s" "$1" | "$2" --config "$3" --state-dir "$4" --root "$5"' sh \
			"$job" "$apply" "$tmp/agent.conf" "$tmp/s" "$tmp/r" >> "$tmp/cold" ;;
		warm) cp -a "$tmp/warm" "$tmp/s"
			timed sh -c 'printf "%s" "$1" | "$2" --config "$3" --state-dir "$4" --root "$5"' sh \
			"$job" "$apply" "$tmp/agent.conf" "$tmp/s" "$tmp/r" >> "$tmp/warm.t" ;;
		esac
		[ "$kind" = bare ] || grep -q '"state": "finished"\|"step": "finished"' "$tmp/s/jobs/j-bench.json" ||
			{ echo "apply.sh: the agent's job did not finish" >&2; exit 1; }
	done
	i=$((i + 1))
done
row() { # LABEL FILE
	w=$(cut -d' ' -f1 "$2" | median)
	c=$(cut -d' ' -f2 "$2" | median)
	bw=$(cut -d' ' -f1 "$tmp/bare" | median)
	bc=$(cut -d' ' -f2 "$tmp/bare" | median)
	printf '  %-34s wall %5d ms  cpu %5d ms  (x%s wall, x%s cpu)\n' "$1" "$w" "$c" \
		"$(awk -v a="$w" -v b="$bw" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="$c" -v b="$bc" 'BEGIN { printf "%.2f", a / b }')"
}
echo "apply: install pwdemo 1.0-1 -> 2.0-1 on a sandbox root, median of $n runs (goal: agent < 1.10 x bare)"
row "bare apt-get install" "$tmp/bare"
row "agent, rollback cache cold" "$tmp/cold"
row "agent, rollback cache warm" "$tmp/warm.t"

if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	# instructions of one run, summed over every process of its tree
	instr() { # KIND
		rm -rf "$tmp/r" "$tmp/s" "$tmp/cg"
		mkdir -p "$tmp/cg"
		cp -a "$tmp/template" "$tmp/r"
		[ "$1" = warm ] && cp -a "$tmp/warm" "$tmp/s"
		vg="valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$tmp/cg/out.%p"
		case $1 in
		bare) $vg sh -c '. "$1"; sandbox_apt "$2" install -y pwdemo=2.0-1' sh \
			"$top/tests/integration/apt_sandbox.sh" "$tmp/r" >/dev/null 2>&1 ;;
		*) printf '%s' "$job" | $vg "$apply" --config "$tmp/agent.conf" --state-dir "$tmp/s" \
			--root "$tmp/r" >/dev/null 2>&1 ;;
		esac
		cat "$tmp"/cg/out.* | awk '/^summary:/ { s += $2 } END { printf "%.0f\n", s }'
	}
	ib=$(instr bare)
	ic=$(instr cold)
	iw=$(instr warm)
	echo "apply: instructions (callgrind, whole process tree, one run each)"
	printf '  %-34s %6.0f M\n' "bare apt-get install" "$(awk -v a="$ib" 'BEGIN { print a / 1e6 }')"
	printf '  %-34s %6.0f M  (x%s)\n' "agent, rollback cache cold" "$(awk -v a="$ic" 'BEGIN { print a / 1e6 }')" \
		"$(awk -v a="$ic" -v b="$ib" 'BEGIN { printf "%.3f", a / b }')"
	printf '  %-34s %6.0f M  (x%s)\n' "agent, rollback cache warm" "$(awk -v a="$iw" 'BEGIN { print a / 1e6 }')" \
		"$(awk -v a="$iw" -v b="$ib" 'BEGIN { printf "%.3f", a / b }')"
fi
