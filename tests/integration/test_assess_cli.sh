#!/bin/sh
# test_assess_cli.sh - `patchwarden assess` on real advisory data.
#
# The fully-patched-host tests: hosts whose every package sits at the
# version that fixes the last advisory for it must show zero fixable
# findings, and the same hosts with packages one step below a fix must show
# exactly those. The hosts are built here, in Python, straight from the raw
# feed files (an independent reading of the same data):
#   Debian 11 from the DSA and DLA lists, AlmaLinux 9 from the OSV all.zip,
#   Debian 12 from the real 823-package status file raised to the newest
#   versions of the bundled apt lists, against every Debian feed and NVD.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
data=${PW_TEST_DATA:?}
feeds=$src/data/feeds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"

db="$tmp/pw.db"
"$pw" feed import --db "$db" "$feeds/debian/security-tracker/DSA-list" \
	"$feeds/debian/security-tracker/DLA-list" "$feeds/debian/tracker-json/osvdev-tracker-mock.json" \
	"$feeds/debian/tracker-json/vunnel-debian.json" "$feeds/osv/AlmaLinux/all.zip" \
	"$feeds/nvd" "$feeds/kev/known_exploited_vulnerabilities.json" \
	"$feeds/epss/epss_scores-2026-08-16.csv.gz" >"$tmp/import.txt" 2>&1 &&
	ok "feeds imported" || { not_ok "feed import: $(cat "$tmp/import.txt")"; }

python3 - "$feeds" "$tmp" <<'PY'
import json, re, sys, zipfile, subprocess
feeds, tmp = sys.argv[1], sys.argv[2]

def inventory(os_id, version_id, codename, family, pkgs):
    doc = {"schema_version": 1, "root": "/", "host": {"os": {"id": os_id, "version_id": version_id}},
           "packages": []}
    if codename:
        doc["host"]["os"]["codename"] = codename
    for name, version in sorted(pkgs.items()):
        p = {"family": family, "name": name, "version": version, "state": "installed",
             "source_name": name, "source_version": version}
        doc["packages"].append(p)
    return doc

# --- Debian 11 from the DSA/DLA lists: the greatest fix per source package
fixes = {}
for f in ("DSA-list", "DLA-list"):
    for line in open(f"{feeds}/debian/security-tracker/{f}", encoding="utf-8", errors="replace"):
        m = re.match(r"\s+\[bullseye\] - (\S+) (\S+)", line)
        if m and not m.group(2).startswith("<"):
            fixes.setdefault(m.group(1), []).append(m.group(2))
def dpkg_max(versions):
    best = versions[0]
    for v in versions[1:]:
        if subprocess.run(["dpkg", "--compare-versions", v, "gt", best]).returncode == 0:
            best = v
    return best
patched = {p: dpkg_max(vs) for p, vs in fixes.items()}
json.dump(inventory("debian", "11", "bullseye", "deb", patched), open(f"{tmp}/deb11-patched.json", "w"))
# every tenth package one step below its greatest fix ("~" sorts first)
below = dict(patched)
lowered = sorted(patched)[::10]
for p in lowered:
    below[p] = patched[p] + "~"
json.dump(inventory("debian", "11", "bullseye", "deb", below), open(f"{tmp}/deb11-below.json", "w"))
open(f"{tmp}/deb11-lowered.txt", "w").write("\n".join(lowered) + "\n")

# --- AlmaLinux 9 from OSV: the greatest fix per binary package
z = zipfile.ZipFile(f"{feeds}/osv/AlmaLinux/all.zip")
alma = {}
for n in z.namelist():
    if not n.startswith("almalinux9/") or not n.endswith(".json"):
        continue
    rec = json.loads(z.read(n))
    # bug-fix and enhancement advisories (ALBA, ALEA) fix no vulnerability
    cves = [i for i in rec.get("aliases", []) + rec.get("related", []) if i.startswith("CVE-")]
    if not cves and not rec["id"].startswith("ALSA-"):
        continue
    for a in rec.get("affected", []):
        if a["package"]["ecosystem"] != "AlmaLinux:9":
            continue
        for r in a.get("ranges", []):
            for ev in r.get("events", []):
                if "fixed" in ev:
                    alma.setdefault(a["package"]["name"], []).append(ev["fixed"])
lua = ["local best = {}"]
names = sorted(alma)
with open(f"{tmp}/alma.lua", "w") as out:
    for i, name in enumerate(names):
        vs = alma[name]
        out.write("do local b = %s\n" % json.dumps(vs[0]))
        for v in vs[1:]:
            out.write("if rpm.ver(%s) > rpm.ver(b) then b = %s end\n" % (json.dumps(v), json.dumps(v)))
        out.write("print(b .. \"\\n\") end\n")
res = subprocess.run(["rpm", "--eval", "%%{lua: dofile(\"%s/alma.lua\")}" % tmp], capture_output=True, text=True)
best = [l for l in res.stdout.split("\n") if l]
assert len(best) == len(names), (len(best), len(names), res.stderr[:300])
alma_patched = dict(zip(names, best))
json.dump(inventory("almalinux", "9.4", None, "rpm", alma_patched), open(f"{tmp}/alma9-patched.json", "w"))
alma_below = dict(alma_patched)
alma_lowered = names[::25]
for p in alma_lowered:
    alma_below[p] = alma_patched[p] + "~"
json.dump(inventory("almalinux", "9.4", None, "rpm", alma_below), open(f"{tmp}/alma9-below.json", "w"))
open(f"{tmp}/alma9-lowered.txt", "w").write("\n".join(alma_lowered) + "\n")
print(f"built: debian 11 {len(patched)} packages ({len(lowered)} lowered), almalinux 9 {len(names)} ({len(alma_lowered)} lowered)")
PY
[ $? -eq 0 ] && ok "test hosts built from the raw feeds" || not_ok "building test hosts"

fixable() { # fixable <assess json>: "package vulnerability" lines of fixable vulnerabilities
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for f in d["findings"]:
    if f["fixable"] and f["kind"] == "vulnerability":
        print(f["package"], f["vulnerability"])
'
}

for h in deb11 alma9; do
	"$pw" assess --db "$db" --inventory "$tmp/$h-patched.json" --format json --only-fixable \
		>"$tmp/$h-patched.out" 2>"$tmp/$h.err"
	rc=$?
	n=$(fixable <"$tmp/$h-patched.out" | wc -l)
	[ $rc -eq 0 ] && [ "$n" -eq 0 ] && ok "$h fully patched: zero fixable findings (exit 0)" ||
		{ not_ok "$h fully patched: $n fixable findings, exit $rc $(cat "$tmp/$h.err")"; fixable <"$tmp/$h-patched.out" | head -5; }
	"$pw" assess --db "$db" --inventory "$tmp/$h-below.json" --format json --only-fixable \
		>"$tmp/$h-below.out" 2>"$tmp/$h.err"
	rc=$?
	fixable <"$tmp/$h-below.out" | awk '{print $1}' | sort -u >"$tmp/$h-found.txt"
	sort -u "$tmp/$h-lowered.txt" >"$tmp/$h-want.txt"
	[ $rc -eq 1 ] && cmp -s "$tmp/$h-found.txt" "$tmp/$h-want.txt" &&
		ok "$h one step below a fix: exactly the $(wc -l <"$tmp/$h-want.txt") lowered packages found (exit 1)" ||
		{ not_ok "$h below: exit $rc, $(wc -l <"$tmp/$h-found.txt") packages found, want $(wc -l <"$tmp/$h-want.txt")"; diff "$tmp/$h-want.txt" "$tmp/$h-found.txt" | head -5; }
done
# the AlmaLinux 9 host patched for every security advisory still has the
# bug-fix and enhancement errata (ALBA, ALEA) whose fix is newer: listed as
# updates with their class, score 0 and P4, never vulnerabilities, and not
# a reason for exit 1 (above); as many as the raw feed says
python3 - "$feeds" "$tmp/alma9-patched.json" "$tmp/alma9-patched.out" <<'PY' &&
import json, sys, zipfile, subprocess
feeds, inv, out = sys.argv[1:4]
installed = {p["name"]: p["version"] for p in json.load(open(inv))["packages"]}
z = zipfile.ZipFile(f"{feeds}/osv/AlmaLinux/all.zip")
fixes = {}
for n in z.namelist():
    if not n.startswith("almalinux9/") or not n.endswith(".json"):
        continue
    rec = json.loads(z.read(n))
    cves = [i for i in rec.get("aliases", []) + rec.get("related", []) + rec.get("upstream", []) if i.startswith("CVE-")]
    if cves or rec["id"][:4] not in ("ALBA", "ALEA"):
        continue
    for a in rec.get("affected", []):
        name = a["package"]["name"]
        for r in a.get("ranges", []):
            for ev in r["events"]:
                if "fixed" in ev and name in installed:
                    fixes.setdefault(name, []).append((rec["id"], ev["fixed"]))
# rpm's order, in one rpm run: is the installed version below the fix?
pairs = [(name, adv, fixed) for name, fs in sorted(fixes.items()) for adv, fixed in fs]
lua = "".join("print(tostring(rpm.ver(%s) < rpm.ver(%s)) .. \"\\n\")\n" % (json.dumps(installed[n]), json.dumps(f))
              for n, a, f in pairs)
open(out + ".lua", "w").write(lua)
res = subprocess.run(["rpm", "--eval", "%%{lua: dofile(\"%s.lua\")}" % out], capture_output=True, text=True)
below = res.stdout.split()
assert len(below) == len(pairs), res.stderr
want = {(n, a) for (n, a, f), b in zip(pairs, below) if b == "true"}
d = json.load(open(out))
got = {(f["package"], f["vulnerability"]) for f in d["findings"] if f["kind"] == "update"}
assert got == want, (len(got), len(want), sorted(got ^ want)[:5])
for f in d["findings"]:
    if f["kind"] == "update":
        assert f["class"] == ("bugfix" if f["vulnerability"].startswith("ALBA-") else "enhancement")
        assert f["score"] == 0 and f["priority"] == "P4" and "not a vulnerability" in f["reasons"]
print(len(got), "bug-fix and enhancement updates")
PY
	ok "alma9 patched for security: its $(python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["updates"])' <"$tmp/alma9-patched.out") pending ALBA/ALEA errata listed as updates of class bugfix/enhancement, P4, exit 0" ||
	not_ok "alma9 bug-fix and enhancement updates"

# --- a real Debian 12 host raised to the newest versions of its repositories
sb="$tmp/sandbox"
mkdir -p "$sb/var/lib/apt/lists" "$sb/var/lib/dpkg" "$sb/etc"
cp "$data/inventory/dpkg/this-host-bookworm/status" "$sb/var/lib/dpkg/status"
cp "$data/inventory/dpkg/this-host-bookworm/os-release" "$sb/etc/os-release"
cp "$src"/data/apt/bookworm/* "$sb/var/lib/apt/lists/"
"$pw" scan --root "$sb" --format json >"$tmp/bookworm.json" 2>/dev/null
python3 - "$tmp" <<'PY'
import json, re, sys
tmp = sys.argv[1]
d = json.load(open(f"{tmp}/bookworm.json"))
for p in d["packages"]:
    u = p.get("update")
    if u:
        p["version"] = u["version"]
        # the source version of a binNMU has no +bN
        p["source_version"] = re.sub(r"\+b[0-9]+$", "", u["version"])
        del p["update"]
json.dump(d, open(f"{tmp}/bookworm-patched.json", "w"))
PY
"$pw" assess --db "$db" --inventory "$tmp/bookworm-patched.json" --format json >"$tmp/bw.out" 2>"$tmp/bw.err"
n=$(fixable <"$tmp/bw.out" | wc -l)
all=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' <"$tmp/bw.out")
[ "$n" -eq 0 ] && ok "debian 12 host at its repositories' newest versions: zero fixable findings ($all with no fix yet)" ||
	{ not_ok "debian 12 patched host: $n fixable findings"; fixable <"$tmp/bw.out" | head; }
# the same host with apparmor below its one bookworm fix in the data
# (CVE-2017-6507, fixed in 2.11.0-3): exactly apparmor's binaries, for it
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
d = json.load(open(f"{tmp}/bookworm-patched.json"))
want = []
for p in d["packages"]:
    if p.get("source_name") == "apparmor" and p.get("state") == "installed":
        p["version"] = p["source_version"] = "2.10.95-8"
        want.append(p["name"])
json.dump(d, open(f"{tmp}/bookworm-below.json", "w"))
open(f"{tmp}/bw-want.txt", "w").write("".join(f"{n} CVE-2017-6507\n" for n in sorted(want)))
PY
"$pw" assess --db "$db" --inventory "$tmp/bookworm-below.json" --format json --only-fixable >"$tmp/bwb.out" 2>"$tmp/bw.err"
rc=$?
fixable <"$tmp/bwb.out" | sort >"$tmp/bw-found.txt"
[ $rc -eq 1 ] && [ -s "$tmp/bw-want.txt" ] && cmp -s "$tmp/bw-found.txt" "$tmp/bw-want.txt" &&
	ok "debian 12 host with apparmor below its fix: exactly $(wc -l <"$tmp/bw-want.txt") finding(s), CVE-2017-6507 (exit 1)" ||
	{ not_ok "debian 12 below: exit $rc"; diff "$tmp/bw-want.txt" "$tmp/bw-found.txt" | head -5; }
# the real Debian 12 host as scanned, with its pending updates: the bundled
# feeds predate most of bookworm's security updates, so each pending
# security update no advisory covers is a finding of kind update, ranked,
# its repository as the evidence; as many as apt lists from -security
# suites (less those an advisory finding already covers)
"$pw" assess --db "$db" --inventory "$tmp/bookworm.json" --format json >"$tmp/bwu.out" 2>"$tmp/bwu.err"
rc=$?
python3 - "$tmp/bookworm.json" "$tmp/bwu.out" "$data/apt/bookworm-this-host-apt-list-upgradable.txt" <<'PY' &&
import json, sys
inv = json.load(open(sys.argv[1]))
out = json.load(open(sys.argv[2]))
apt_security = sum(1 for l in open(sys.argv[3]) if "-security" in l.split(" ")[0])
security = {p["name"]: p["update"] for p in inv["packages"]
            if p.get("update", {}).get("security") and p["state"] == "installed"}
assert len(security) == apt_security, (len(security), apt_security)
# covered: an advisory finding of the same package whose fix the update reaches
covered = {f["package"] for f in out["findings"]
           if f["kind"] == "vulnerability" and f["fixable"] and f["patch_available"] != "no"}
updates = [f for f in out["findings"] if f["kind"] == "update"]
names = {f["package"] for f in updates}
assert names == set(security) - covered, sorted(names ^ (set(security) - covered))[:5]
assert len(updates) >= 80, len(updates)
for f in updates:
    u = security[f["package"]]
    assert f["vulnerability"] == "security-update" and f["class"] == "security"
    assert f["repository"] == u["origin"] and "-security" in f["repository"]
    assert f["fixed_version"] == u["version"] == f["patch_version"] and f["patch_available"] == "yes"
    assert f["fixable"] and f["advisories"] == [] and f["cvss"] is None
    assert f["priority"] in ("P1", "P2", "P3", "P4") and f["score"] > 0
    assert "pending security update that no advisory in the feeds names" in f["reasons"]
    assert ("fix available (%s %s)" % (u["origin"], u["version"])) in f["reasons"]
assert out["summary"]["updates"] == len(updates)
print(len(updates), "update findings,", apt_security, "security updates apt lists")
PY
	[ $rc -eq 1 ] && ok "debian 12 host: every pending security update no advisory covers is a finding of kind update, repository as evidence ($(python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["updates"])' <"$tmp/bwu.out") of them)" ||
	not_ok "debian 12 pending security updates: exit $rc $(head -3 "$tmp/bwu.err")"
"$pw" assess --db "$db" --inventory "$tmp/bookworm.json" --kind update >"$tmp/bwu.txt" 2>&1
grep -q '^Available updates (kind update):' "$tmp/bwu.txt" && ! grep -q '^Fixable:' "$tmp/bwu.txt" &&
	grep -q '^P[1-4] .*security-update  *apt  ' "$tmp/bwu.txt" &&
	ok "--kind update: the pending updates section alone, in the table" || not_ok "--kind update: $(head -5 "$tmp/bwu.txt")"
"$pw" assess --db "$db" --inventory "$tmp/bookworm.json" --kind patch >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- "--kind must be vulnerability or update, not 'patch'" "$tmp/err" &&
	ok "a bad --kind exits 2, named" || not_ok "bad --kind: $(cat "$tmp/err")"
# NVD's CPE data alone never makes a package finding (no upstream-version
# matching), and a store with nothing for the host's release is an error,
# not a clean bill of health
"$pw" assess --feed "$feeds/nvd" --inventory "$tmp/bookworm.json" --format json >"$tmp/nvd.out" 2>"$tmp/nvd.err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$tmp/nvd.out" ] && grep -q 'holds no advisories for debian 12' "$tmp/nvd.err" &&
	ok "NVD alone: no package findings, and no advisories for debian 12 is an error (exit 2)" ||
	not_ok "NVD alone: exit $rc, $(cat "$tmp/nvd.err")"

# --- risk, formats and exit codes
"$pw" assess --db "$db" --inventory "$tmp/deb11-below.json" --exposure internet --criticality 5 \
	--format csv --min-priority P3 >"$tmp/p2.csv" 2>&1
rc=$?
head -1 "$tmp/p2.csv" | grep -q '^priority,score,vulnerability' && ok "csv header" || not_ok "csv: $(head -2 "$tmp/p2.csv")"
awk -F, 'NR > 1 && $1 == "P4" { bad = 1 } END { exit bad || NR < 2 }' "$tmp/p2.csv" && [ $rc -eq 1 ] &&
	ok "--min-priority P3 leaves out P4 (exit $rc)" || not_ok "--min-priority P3: exit $rc, $(wc -l <"$tmp/p2.csv") lines"
grep -q 'EPSS [0-9.]*, [0-9]*[a-z][a-z] percentile; ' "$tmp/p2.csv" && grep -q 'internet-facing; criticality 5' "$tmp/p2.csv" &&
	ok "reasons in words: EPSS, exposure, criticality" || not_ok "reasons: $(sed -n 2p "$tmp/p2.csv")"
"$pw" assess --db "$db" --inventory "$tmp/deb11-below.json" >"$tmp/table.txt" 2>&1
grep -q '^Host .*(debian 11): [0-9][0-9]* packages checked, [0-9]* findings' "$tmp/table.txt" &&
	grep -q '^P1 ' "$tmp/table.txt" && grep -q '^P4 ' "$tmp/table.txt" && grep -q '^Fixable:' "$tmp/table.txt" &&
	grep -q '^PRI  SCORE  VULNERABILITY' "$tmp/table.txt" && ok "table output: summary per priority, fixable section" ||
	not_ok "table: $(head -8 "$tmp/table.txt")"
# the JSON document carries what docs/assess-output.md says
python3 - "$tmp/deb11-below.out" <<'PY' && ok "json: documented fields" || not_ok "json fields"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1
assert d["host"]["distro"] == "debian" and d["host"]["release"] == "11"
s = d["summary"]
assert s["findings"] == len(d["findings"]) and s["fixable"] + s["no_fix"] == s["findings"]
assert sum(s["by_priority"].values()) == s["findings"]
keys = {"vulnerability", "package", "version", "source_package", "source_version", "status",
        "fixable", "fixed_version", "advisories", "urgency", "patch_available", "patch_origin",
        "patch_version", "score", "priority", "cvss", "epss", "epss_percentile", "kev",
        "kev_date_added", "kev_due_date", "ransomware", "reasons", "kind", "class", "repository"}
for f in d["findings"]:
    assert set(f) == keys, set(f) ^ keys
    assert f["fixable"] and f["fixed_version"] and f["priority"] in ("P1", "P2", "P3", "P4")
    assert f["kind"] == "vulnerability" and f["class"] == "security" and f["repository"] is None
    assert isinstance(f["advisories"], list) and all(a.startswith(("DSA-", "DLA-")) for a in f["advisories"])
    assert 0 <= f["score"] <= 100 and f["patch_available"] in ("yes", "no", "unknown")
# EPSS covers every CVE; the DSA/DLA lists carry no CVSS and the NVD sample
# does not reach these: an unknown CVSS is null and said in the reasons
assert all(f["epss"] is not None for f in d["findings"] if f["vulnerability"].startswith("CVE-"))
assert all((f["cvss"] is None) == ("no CVSS score known" in f["reasons"]) for f in d["findings"])
PY
"$pw" assess --db "$db" --inventory "$tmp/deb11-below.json" --policy "$data/assess/bad-policy.ini" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'bad-policy.ini:3: ' "$tmp/err" && ok "a bad --policy exits 2 naming file:line" || not_ok "bad policy: $(cat "$tmp/err")"
"$pw" assess --db "$db" --inventory "$tmp/bookworm-patched.json" --only-fixable >"$tmp/of.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && ! grep -q '^No fix available:' "$tmp/of.txt" && ok "--only-fixable on the patched host: nothing, exit 0" ||
	not_ok "--only-fixable: exit $rc $(cat "$tmp/of.txt")"
"$pw" assess --help >"$tmp/help.txt" 2>&1 && grep -q -- '--min-priority' "$tmp/help.txt" && ok "--help" || not_ok "--help"
"$pw" assess --criticality 7 >/dev/null 2>&1
[ $? -eq 2 ] && ok "bad --criticality exits 2" || not_ok "bad --criticality"
"$pw" assess --db "$db" --inventory /nonexistent.json >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q nonexistent "$tmp/err" && ok "a missing inventory exits 2 and is named" || not_ok "missing inventory"
printf '{"schema_version": 1, "host": {"os": {"id": "plan9"}}, "packages": []}' >"$tmp/plan9.json"
"$pw" assess --db "$db" --inventory "$tmp/plan9.json" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'ID=plan9' "$tmp/err" && ok "an unknown OS is an error, not zero findings" || not_ok "unknown OS: $(cat "$tmp/err")"
"$pw" assess --min-priority P9 >/dev/null 2>&1
[ $? -eq 2 ] && ok "bad --min-priority exits 2" || not_ok "bad --min-priority"

# a byte that is not UTF-8 (a Latin-1 package name) reaches stdout as
# \u00NN, its Latin-1 reading: the JSON stays valid (\xNN would not be) and
# the byte never costs the whole document
mkdir -p "$tmp/latin1/var/lib/dpkg" "$tmp/latin1/etc"
printf 'ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\n' >"$tmp/latin1/etc/os-release"
printf 'Package: caf\351-tools\nStatus: install ok half-installed\nArchitecture: amd64\nVersion: 1.0-1\n\n' \
	>"$tmp/latin1/var/lib/dpkg/status"
"$pw" assess --db "$db" --root "$tmp/latin1" --format json >"$tmp/latin1.out" 2>"$tmp/err"
rc=$?
python3 - "$tmp/latin1.out" <<'PY' && [ $rc -eq 0 ] && ok "json: a non-UTF-8 byte goes out as its Latin-1 reading, the document valid" ||
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape"))
assert d["warnings"] == ["caf\u00e9-tools 1.0-1: half-installed, not assessed (only installed packages are)"], d["warnings"]
assert d["findings"] == []
PY
	not_ok "non-UTF-8 byte: exit $rc, $(cat "$tmp/err")"

echo "assess_cli: $fails failed"
[ "$fails" -eq 0 ]
