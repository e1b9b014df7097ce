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
import functools
import re
import subprocess
import sys
import zlib


try:
    import apt_pkg  # python3-apt, where this interpreter has it
    apt_pkg.init_system()
except ImportError:
    apt_pkg = None


@functools.lru_cache(maxsize=None)
def dpkg_cmp(a, b):
    """-1, 0 or 1 as dpkg orders versions a and b."""
    if a == b:
        return 0
    if apt_pkg:
        c = apt_pkg.version_compare(a, b)
        return (c > 0) - (c < 0)
    lt = subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0
    return -1 if lt else 1


def fixes(suite, lists):
    """{(source package, vulnerability): [fixed versions]} of one suite's
    advisories; an advisory naming no CVE stands for itself."""
    out = {}
    advisory, cves = None, []
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
                    out.setdefault((m.group(1), cve), []).append(m.group(2))
    return out


def greatest(versions):
    return max(set(versions), key=functools.cmp_to_key(dpkg_cmp))


def main():
    suite, outdir, lists = sys.argv[1], sys.argv[2], sys.argv[3:]
    fx = fixes(suite, lists)
    names = sorted({cve for (_, cve) in fx})
    index = {n: i for i, n in enumerate(names)}
    out = ["VERSION 1"]
    out += [f"{n},,{n}" for n in names]
    out.append("")
    for (pkg, cve), versions in sorted(fx.items()):
        # the greatest fix in dpkg's order (a later advisory supersedes)
        out.append(f"{pkg},{index[cve]},  ?F,{greatest(versions)},")
    out.append("")
    out.append("")
    with open(f"{outdir}/{suite}", "wb") as f:
        f.write(zlib.compress("\n".join(out).encode()))
    print(f"{len(fx)} (package, vulnerability) fixes for {suite}", file=sys.stderr)


if __name__ == "__main__":
    main()
