#!/usr/bin/env python3
"""debsecan_data.py - write debsecan's data file for one suite from the
Debian DSA and DLA lists, so debsecan and patchwarden assess the same host
against the same advisories.

debsecan reads <source>/<suite>: zlib-compressed text, "VERSION 1", then
vulnerability lines "name,flags,description", a blank line, then package
lines "package,vuln-index,flags,fixed-version,other-versions" (flags: binary
package?, urgency, remote?, fix available), a blank line, then source to
binary lines (format in /usr/bin/debsecan, fetch_data()).

usage: debsecan_data.py SUITE OUTDIR LIST...
"""
import re
import sys
import zlib

suite, outdir, lists = sys.argv[1], sys.argv[2], sys.argv[3:]
fixes = {}  # (package, cve) -> fixed version (the last one listed wins, as DSAs supersede)
advisory = None
cves = []
for path in lists:
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"\[[^\]]+\] (D[SL]A-\S+)", line)
        if m:
            advisory, cves = m.group(1), []
            continue
        m = re.match(r"\s+\{(.*)\}", line)
        if m:
            cves = [c for c in m.group(1).split() if c.startswith("CVE-")]
            continue
        m = re.match(r"\s+\[" + re.escape(suite) + r"\] - (\S+) (\S+)", line)
        if m and not m.group(2).startswith("<"):
            for cve in cves or [advisory]:
                fixes.setdefault((m.group(1), cve), []).append(m.group(2))

names = sorted({cve for (_, cve) in fixes})
index = {n: i for i, n in enumerate(names)}
out = ["VERSION 1"]
out += [f"{n},,{n}" for n in names]
out.append("")
for (pkg, cve), versions in sorted(fixes.items()):
    # the greatest fix; debsecan compares with dpkg's rules itself
    out.append(f"{pkg},{index[cve]},  ?F,{max(versions, key=lambda v: v)},")
out.append("")
out.append("")
with open(f"{outdir}/{suite}", "wb") as f:
    f.write(zlib.compress("\n".join(out).encode()))
print(f"{len(fixes)} (package, vulnerability) fixes for {suite}", file=sys.stderr)
