#!/bin/sh
# test_vercmp_cli.sh - `patchwarden vercmp` as a user runs it, and a
# randomized cross-check against the native tools on the same pairs:
# dpkg --compare-versions for deb, rpm 4.18's own rpm.ver() for rpm.
set -u
pw=${PATCHWARDEN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; fails=$((fails + 1)); }
expect() { # expect <name> <wanted output> <command...>
	name=$1 want=$2
	shift 2
	got=$("$@" 2>/dev/null)
	if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name: got '$got', want '$want'"; fi
}

expect "deb <" "<" "$pw" vercmp 1.0~rc1 1.0
expect "deb =" "=" "$pw" vercmp 1.0 0:1.0-0
expect "deb >" ">" "$pw" vercmp 1:0.1 2.0
expect "rpm caret" ">" "$pw" vercmp --scheme rpm 1.0^git1 1.0
expect "apk suffix" "<" "$pw" vercmp --scheme apk 1.0_rc1-r0 1.0-r0
"$pw" vercmp 'a:1' 2 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && ok "invalid version exits 2" || not_ok "invalid version exits 2"
grep -q "first version: epoch" "$tmp/err" && ok "message names the argument and the fault" ||
	not_ok "message: $(cat "$tmp/err")"
"$pw" vercmp --scheme nope 1 2 >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown scheme exits 2" || not_ok "unknown scheme exits 2"
"$pw" vercmp 1 >/dev/null 2>&1
[ $? -eq 2 ] && ok "one operand is a usage error" || not_ok "one operand is a usage error"
"$pw" vercmp --help | grep -q -- '--batch' && ok "--help documents --batch" || not_ok "--help"

printf '1.0 1.1\n\n2.0 1.0\nonly-one\n1:x:y 1\n3 3\n' | "$pw" vercmp --batch >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$(tr '\n' ' ' <"$tmp/out")" = "< > ! > = " ] && ok "batch results in order, ! for bad lines" ||
	not_ok "batch output: $(tr '\n' ' ' <"$tmp/out")"
[ $rc -eq 2 ] && ok "batch with a bad line exits 2" || not_ok "batch exit $rc"
grep -q "line 4" "$tmp/err" && ok "batch error names the line" || not_ok "batch error: $(cat "$tmp/err")"

# --- randomized cross-check against the native tools
python3 - "$tmp" <<'PY'
import random, sys
random.seed(20261124)
tmp = sys.argv[1]
def part(alphabet, n):
    return "".join(random.choice(alphabet) for _ in range(random.randint(1, n)))
def deb():
    up = random.choice("0123456789") + part("0123456789.+~abcz", 8)
    v = up
    if random.random() < 0.3:
        v = str(random.randint(0, 3)) + ":" + v
    if random.random() < 0.6:
        v += "-" + part("0123456789.+~abdeu", 6)
    return v
def rpm():
    v = part("0123456789.~^abcz_", 8)
    if not any(c.isalnum() for c in v):
        v += "1"
    if random.random() < 0.2:
        v = str(random.randint(0, 2)) + ":" + v
    if random.random() < 0.7:
        v += "-" + part("0123456789.~^abel", 6)
    return v
with open(tmp + "/deb.pairs", "w") as f:
    for _ in range(3000):
        a = deb()
        b = a if random.random() < 0.05 else deb()
        f.write(f"{a} {b}\n")
with open(tmp + "/rpm.pairs", "w") as f:
    for _ in range(3000):
        a = rpm()
        b = a if random.random() < 0.05 else rpm()
        f.write(f"{a} {b}\n")
PY
"$pw" vercmp --scheme deb --batch <"$tmp/deb.pairs" >"$tmp/deb.ours" 2>/dev/null
while read -r a b; do
	if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo "<"
	elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "="
	elif dpkg --compare-versions "$a" gt "$b" 2>/dev/null; then echo ">"
	else echo "!"; fi
done <"$tmp/deb.pairs" >"$tmp/deb.native"
# dpkg accepts some versions patchwarden refuses (it only warns about bad
# characters); compare where both gave an answer, and count the rest
paste -d' ' "$tmp/deb.ours" "$tmp/deb.native" "$tmp/deb.pairs" >"$tmp/deb.joined"
bad=$(awk '$1 != "!" && $2 != "!" && $1 != $2' "$tmp/deb.joined" | wc -l)
agreed=$(awk '$1 != "!" && $1 == $2' "$tmp/deb.joined" | wc -l)
[ "$bad" -eq 0 ] && [ "$agreed" -gt 2500 ] && ok "deb: $agreed random pairs agree with dpkg --compare-versions" ||
	{ not_ok "deb: $bad random pairs disagree with dpkg ($agreed agree)"; awk '$1 != "!" && $2 != "!" && $1 != $2' "$tmp/deb.joined" | head -5; }

"$pw" vercmp --scheme rpm --batch <"$tmp/rpm.pairs" >"$tmp/rpm.ours" 2>/dev/null
while read -r a b; do
	printf 'do local x, y = rpm.ver("%s"), rpm.ver("%s"); if x < y then print("<\\n") elseif x == y then print("=\\n") else print(">\\n") end end\n' "$a" "$b"
done <"$tmp/rpm.pairs" >"$tmp/rpm.lua"
rpm --eval "%{lua: dofile(\"$tmp/rpm.lua\")}" 2>"$tmp/rpm.err" | grep -v '^$' >"$tmp/rpm.native"
paste -d' ' "$tmp/rpm.ours" "$tmp/rpm.native" "$tmp/rpm.pairs" >"$tmp/rpm.joined"
n=$(wc -l <"$tmp/rpm.native")
bad=$(awk '$1 != $2' "$tmp/rpm.joined" | wc -l)
[ "$n" -eq 3000 ] && [ "$bad" -eq 0 ] && ok "rpm: 3000 random pairs agree with rpm 4.18" ||
	{ not_ok "rpm: $bad of $n random pairs disagree with rpm 4.18"; head -3 "$tmp/rpm.err"; awk '$1 != $2' "$tmp/rpm.joined" | head -5; }

echo "vercmp_cli: $fails failed"
[ "$fails" -eq 0 ]
