#!/usr/bin/env python3
"""lagging_host.py - a dpkg status file of a host that lags behind its
release's security fixes, made deterministically from a real one.

Every installed package whose source package has a fix for SUITE in the DSA
or DLA lists is put at that source's release version: its earliest fix
without the "+debNNuM" security suffix (the version the release shipped), or
just below the earliest fix ("~" appended) where there is no such suffix.
Packages without fixes fill the file up to COUNT, unchanged. Nothing is
random: the same inputs give the same file.

usage: lagging_host.py SUITE COUNT STATUS OUT LIST...
"""
import functools
import re
import sys

from debsecan_data import dpkg_cmp, fixes


def release_version(earliest):
    """A version below every fix, earliest being the least of them."""
    shipped = re.sub(r"\+deb\d+u\d+$", "", earliest)
    if shipped != earliest and dpkg_cmp(shipped, earliest) < 0:
        return shipped
    return earliest + "~"


def field(para, name):
    m = re.search(r"^" + name + r": (.*)$", para, re.M)
    return m.group(1) if m else None


def main():
    suite, count, status, out, lists = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                        sys.argv[4], sys.argv[5:])
    by_source = {}
    for (pkg, _), versions in fixes(suite, lists).items():
        by_source.setdefault(pkg, set()).update(versions)
    paras = [p for p in open(status, encoding="utf-8").read().split("\n\n") if p.strip()]
    installed = [p for p in paras if "installed" in (field(p, "Status") or "").split()]
    lagging, others, sources = [], [], set()
    for i, p in enumerate(installed):
        src = (field(p, "Source") or field(p, "Package")).split()[0]
        if src in by_source:
            earliest = min(by_source[src], key=functools.cmp_to_key(dpkg_cmp))
            p = re.sub(r"^Version: .*$", "Version: " + release_version(earliest), p, flags=re.M)
            p = re.sub(r"^Source: .*$", "Source: " + src, p, flags=re.M)
            lagging.append((i, p))
            sources.add(src)
        else:
            others.append((i, p))
    keep = sorted((lagging + others)[:count])  # in the original file's order
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n\n".join(p for _, p in keep) + "\n")
    print(f"{len(keep)} packages, {min(len(lagging), count)} of them lagging "
          f"(from {len(sources)} source packages)", file=sys.stderr)


if __name__ == "__main__":
    main()
