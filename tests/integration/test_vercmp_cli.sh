#!/bin/sh
# test_vercmp_cli.sh - `patchwarden vercmp` as a user runs it, and
# randomized cross-checks against the native tools on the same pairs:
# dpkg --compare-versions for deb; rpm 4.18's own lua for rpm: rpm.vercmp()
# and rpm.ver() on EVR strings (in 4.18 both parse "[E:]V[-R]" and compare
# with rpmverCmp), and rpm.ver(nil, v, nil) on single fields (rpmvercmp
# alone, as "1-2-3-4" is one field there). The rpm vector files
# are recomputed with rpm too, and the deb and apk vector files go through
# the batch mode (apk-tools is not packaged for Debian: the unit test holds
# apk to its vectors and source).
set -u
pw=${PATCHWARDEN:?}
data=${PW_TEST_DATA:?}/versions
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
expect() { # expect <name> <wanted stdout> <command...>; exit status must be 0
	name=$1 want=$2
	shift 2
	got=$("$@" 2>"$tmp/stderr")
	rc=$?
	if [ "$got" = "$want" ] && [ $rc -eq 0 ]; then ok "$name"; else
		not_ok "$name: got '$got' (exit $rc), want '$want'"
	fi
}
fails_with() { # fails_with <name> <stderr pattern> <command...>: exit 2, no stdout
	name=$1 pattern=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q -- "$pattern" "$tmp/err"; then ok "$name"; else
		not_ok "$name: exit $rc, stdout '$(cat "$tmp/out")', stderr '$(cat "$tmp/err")'"
	fi
}

# --- the three results, each scheme, exit codes
expect "deb <" "<" "$pw" vercmp 1.0~rc1 1.0
expect "deb =" "=" "$pw" vercmp 1.0 0:1.0-0
expect "deb >" ">" "$pw" vercmp 1:0.1 2.0
expect "deb is the default" ">" "$pw" vercmp --scheme deb 1:0.1 2.0
expect "-- ends the options" "<" "$pw" vercmp -- 1.0 1.1
expect "rpm caret" ">" "$pw" vercmp --scheme rpm 1.0^git1 1.0
expect "rpm epoch" ">" "$pw" vercmp --scheme=rpm 1:1.0-1 2.0-1
expect "rpm missing release first" "<" "$pw" vercmp -s rpm 1.0 1.0-1
expect "apk suffix" "<" "$pw" vercmp --scheme apk 1.0_rc1-r0 1.0-r0
expect "apk =" "=" "$pw" vercmp --scheme alpine 1.0-r01 1.0-r1
expect "apk >" ">" "$pw" vercmp --scheme apk 1.0_p1 1.0

# --- invalid versions: exit 2, nothing on stdout, the message names the argument and the fault
fails_with "deb: bad epoch in A" "first version: epoch in 'a:1' is not a number" "$pw" vercmp a:1 2
fails_with "deb: bad character in B" "second version: invalid character '!' in upstream version" \
	"$pw" vercmp 1.0 '1.0!'
fails_with "deb: empty version" "first version: version string is empty" "$pw" vercmp '' 1
fails_with "rpm: empty version part" "second version: version part of '1:' is empty" \
	"$pw" vercmp --scheme rpm 1.0 1:
fails_with "apk: bad suffix" "first version: invalid version '1.0_foo'" \
	"$pw" vercmp --scheme apk 1.0_foo 1.0

# --- usage errors: exit 2
fails_with "unknown scheme is a usage error" "unknown scheme 'nope'" "$pw" vercmp --scheme nope 1 2
fails_with "one operand is a usage error" "usage:" "$pw" vercmp 1
fails_with "three operands are a usage error" "usage:" "$pw" vercmp 1 2 3
fails_with "unknown option is a usage error" "usage:" "$pw" vercmp --frobnicate 1 2
fails_with "--batch takes no operands" "not arguments" "$pw" vercmp --batch 1 2
"$pw" vercmp --help >"$tmp/help" 2>&1
rc=$?
check "--help exits 0 and documents --batch and the exit status" \
	sh -c "[ $rc -eq 0 ] && grep -q -- '--batch' '$tmp/help' && grep -q 'Exit status' '$tmp/help'"

# --- batch mode
printf '1.0 1.1\n\n  \n2.0\t1.0\nonly-one\nx:1 1\n3 3\r\n1 2 3\n  1.0~a   1.0  \n' |
	"$pw" vercmp --batch >"$tmp/out" 2>"$tmp/err"
rc=$?
check "batch: one result per pair, '!' for bad lines, blank lines skipped" \
	test "$(tr '\n' ' ' <"$tmp/out")" = "< > ! ! = ! < "
check "batch with a bad line exits 2" test $rc -eq 2
check "batch: errors name the input line" sh -c "grep -q 'line 5: expected two versions' '$tmp/err' &&
	grep -q 'line 6: first version: epoch' '$tmp/err' && grep -q 'line 8:' '$tmp/err'"
check "batch: one message per bad line" test "$(wc -l <"$tmp/err")" -eq 3
printf '1.0 1.1\n2.0 1.0\n' | "$pw" vercmp --scheme rpm --batch >"$tmp/out" 2>"$tmp/err"
check "batch with only valid pairs exits 0, silent" sh -c "[ $? -eq 0 ] && [ ! -s '$tmp/err' ]"
: | "$pw" vercmp --batch >"$tmp/out" 2>&1
check "batch on empty input prints nothing, exits 0" sh -c "[ $? -eq 0 ] && [ ! -s '$tmp/out' ]"

# --- the vector files through the batch mode (deb, apk): what the unit test checks, end to end
batch_vs_file() { # batch_vs_file <scheme> <file>: every line's op must match
	grep -v '^#' "$data/$2" | awk 'NF == 3 { print $1, $3 > "'"$tmp/pairs"'"; print $2 > "'"$tmp/want"'" }'
	"$pw" vercmp --scheme "$1" --batch <"$tmp/pairs" >"$tmp/got" 2>/dev/null
	n=$(wc -l <"$tmp/want")
	if cmp -s "$tmp/want" "$tmp/got"; then ok "$1: $n lines of $2 through --batch"; else
		not_ok "$1: $2 through --batch differs"
		paste -d' ' "$tmp/got" "$tmp/want" "$tmp/pairs" | awk '$1 != $2' | head -5
	fi
}
batch_vs_file deb debian-versions-generated.txt
batch_vs_file deb debian-versions.txt
batch_vs_file apk alpine-versions-generated.txt

# --- randomized pairs
python3 - "$tmp" <<'PY'
import random, sys
random.seed(20261124)
tmp = sys.argv[1]
R = random.random
def part(alphabet, n):
    return "".join(random.choice(alphabet) for _ in range(random.randint(1, n)))
def digits():
    # long runs (past 64 bits) and leading zeros, now and then
    if R() < 0.05:
        return "0" * random.randint(0, 3) + "".join(random.choice("0123456789") for _ in range(random.randint(20, 40)))
    return str(random.randint(0, 12)) if R() < 0.7 else "0" + str(random.randint(0, 9))
def seq(alphabet, n):
    out = ""
    for _ in range(random.randint(1, n)):
        out += digits() if R() < 0.4 else part(alphabet, 3)
    return out
def deb():
    up = digits() if R() < 0.93 else random.choice("abzAZ")
    up += seq(".+~abczAZ", 4)
    if R() < 0.04:  # a character dpkg only warns about: refused here
        i = random.randint(1, len(up))
        up = up[:i] + random.choice("_!@,") + up[i:]
    v = up
    if R() < 0.3:
        epoch = random.choice(["0", "1", "2", "3", "01", "+1", "-0"])
        if R() < 0.03:
            epoch = random.choice(["", "a", "1a", "-1", "2147483648"])
        v = epoch + ":" + v
        if R() < 0.1:
            v += ":" + seq(".ab", 2)  # colons inside the upstream version
    if R() < 0.1:
        v += "-" + seq(".+~ab", 2)  # hyphens inside the upstream version
    if R() < 0.6:
        v += "-" + (seq(".+~abdeuZ", 3) if R() > 0.02 else "")
    return v
def rpm_field(alphabet):
    v = seq(alphabet, 4)
    if not any(c.isalnum() for c in v):
        v += "1"
    return v
def rpm():
    v = rpm_field(".~^_+abczAZ")
    if R() < 0.2:
        v = random.choice(["0", "1", "2", "01", ""]) + ":" + v
    if R() < 0.05:
        v += "-" + rpm_field(".~^ab")  # more hyphens: the release is after the last
    if R() < 0.7:
        v += "-" + (rpm_field(".~^_abel") if R() > 0.05 else "")
    return v
def write(name, gen, n):
    with open(tmp + "/" + name, "w") as f:
        for _ in range(n):
            a = gen()
            b = a if R() < 0.05 else gen()
            f.write(f"{a} {b}\n")
write("deb.pairs", deb, 3000)
write("rpm.pairs", rpm, 3000)
write("field.pairs", lambda: rpm_field(".~^_+abczAZ"), 2000)
PY

# deb: one dpkg run per pair (two when it is not '<'). Its verdict: <, =, >
# or E (error, exit 2), with 'w' appended when dpkg warned.
"$pw" vercmp --scheme deb --batch <"$tmp/deb.pairs" >"$tmp/deb.ours" 2>/dev/null
while read -r a b; do
	dpkg --compare-versions -- "$a" lt "$b" 2>"$tmp/w"
	rc=$?
	w=""
	[ -s "$tmp/w" ] && w=w
	if [ $rc -eq 0 ]; then echo "<$w"
	elif [ $rc -eq 1 ]; then
		if dpkg --compare-versions -- "$a" eq "$b" 2>/dev/null; then echo "=$w"; else echo ">$w"; fi
	else echo "E"; fi
done <"$tmp/deb.pairs" >"$tmp/deb.native"
paste -d' ' "$tmp/deb.ours" "$tmp/deb.native" "$tmp/deb.pairs" >"$tmp/deb.joined"
# agree: same answer; refused: dpkg failed or warned where patchwarden says
# '!' (decisions.md: characters dpkg only warns about are refused)
awk '{ n = substr($2, 1, 1); w = ($2 ~ /w/) }
	$1 == "!" && n == "E" { refused++; hard++; next }
	$1 == "!" && w && ($3 $4) ~ /[_!@,]/ { refused++; next }
	$1 != "!" && $1 == n { agree++; next }
	{ bad++; if (bad <= 5) print "  mismatch: " $0 > "/dev/stderr" }
	END { printf "%d %d %d %d\n", agree, refused, hard, bad }' "$tmp/deb.joined" >"$tmp/deb.sum"
read -r agree refused hard bad <"$tmp/deb.sum"
if [ "$bad" -eq 0 ] && [ "$agree" -gt 2500 ] && [ "$hard" -gt 10 ] && [ "$refused" -gt "$hard" ]; then
	ok "deb: $agree random pairs agree with dpkg --compare-versions, $refused refused ($hard dpkg errors too)"
else
	not_ok "deb: $bad random pairs disagree with dpkg ($agree agree, $refused refused, $hard dpkg errors)"
fi

# rpm: batch every pair into one lua chunk; [==[ ]==] quotes anything
rpm_lua() { # rpm_lua <pairs> <ver|vercmp|field>: one result per line
	awk -v fn="$2" 'BEGIN {
		print "local out = {}"
		print "local function o(r) if r < 0 then return \"<\" elseif r == 0 then return \"=\" else return \">\" end end"
		print "local function ev(x, y) if x < y then return -1 elseif x == y then return 0 else return 1 end end"
	}
	{
		if (fn == "ver") printf "out[#out+1] = o(ev(rpm.ver([==[%s]==]), rpm.ver([==[%s]==])))\n", $1, $2
		else if (fn == "field") printf "out[#out+1] = o(ev(rpm.ver(nil, [==[%s]==], nil), rpm.ver(nil, [==[%s]==], nil)))\n", $1, $2
		else printf "out[#out+1] = o(rpm.vercmp([==[%s]==], [==[%s]==]))\n", $1, $2
	}
	END { print "print(table.concat(out, \"\\n\"))" }' "$1" >"$tmp/check.lua"
	rpm --eval "%{lua: dofile(\"$tmp/check.lua\")}" 2>"$tmp/rpm.err" | grep -v '^$'
}
rpm_vs_ours() { # rpm_vs_ours <name> <pairs> <ver|vercmp> <count>
	"$pw" vercmp --scheme rpm --batch <"$2" >"$tmp/rpm.ours" 2>/dev/null
	rpm_lua "$2" "$3" >"$tmp/rpm.native"
	n=$(wc -l <"$tmp/rpm.native")
	paste -d' ' "$tmp/rpm.ours" "$tmp/rpm.native" "$2" >"$tmp/rpm.joined"
	bad=$(awk '$1 != $2' "$tmp/rpm.joined" | wc -l)
	if [ "$n" -eq "$4" ] && [ "$bad" -eq 0 ]; then ok "rpm: $1: $n pairs agree with rpm 4.18 ($3)"; else
		not_ok "rpm: $1: $bad of $n pairs disagree with rpm 4.18 ($3)"
		head -3 "$tmp/rpm.err"
		awk '$1 != $2' "$tmp/rpm.joined" | head -5
	fi
}
rpm_vs_ours "random EVR strings" "$tmp/rpm.pairs" vercmp 3000
rpm_vs_ours "random EVR strings" "$tmp/rpm.pairs" ver 3000
# fields without '-' or ':' are whole EVR strings too, so the batch mode applies
rpm_vs_ours "random version fields" "$tmp/field.pairs" field 2000

# the rpm vector files, recomputed with rpm itself: the file, rpm and patchwarden agree
rpm_file() { # rpm_file <file> <ver|field> [ours]: "ours" also compares the batch mode
	grep -v '^#' "$data/$1" | awk 'NF == 3 { print $1, $3 > "'"$tmp/fpairs"'"; print $2 > "'"$tmp/fwant"'" }'
	n=$(wc -l <"$tmp/fwant")
	rpm_lua "$tmp/fpairs" "$2" >"$tmp/fnative"
	if cmp -s "$tmp/fwant" "$tmp/fnative"; then ok "rpm: the $n lines of $1 are rpm 4.18's answers ($2)"; else
		not_ok "rpm: $1 differs from rpm 4.18 ($2)"
		paste -d' ' "$tmp/fwant" "$tmp/fnative" "$tmp/fpairs" | awk '$1 != $2' | head -5
	fi
	[ "${3:-}" = ours ] && rpm_vs_ours "$1" "$tmp/fpairs" "$2" "$n"
	return 0
}
rpm_file redhat-versions.txt ver ours
# single fields ("1-2-3-4" is one): the unit test holds pw_rpmver_segcmp to them
rpm_file rpm-versions-grid.txt field

echo "vercmp_cli: $fails failed"
[ "$fails" -eq 0 ]
