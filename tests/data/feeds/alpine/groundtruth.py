#!/usr/bin/env python3
"""Independent reading of Alpine secdb files (YAML through PyYAML's
BaseLoader, JSON through the json module), used to derive the figures
test_feeds_alpine.c checks (not run by the tests).

Usage: groundtruth.py FILE...

Prints the packages (records), the reference items, the affected entries by
status, skips by reason, and an order-independent checksum of the affected
entries: the sum modulo 2**64 of FNV-1a-64 over "record vuln distro release
package status fixed" (absent fields as "-").
"""
import json, re, sys, collections
import yaml

CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
# apk-tools' version grammar
APKVER = re.compile(r"^\d+(?:\.\d+|[a-z]\d+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(~[0-9a-f]+)?(-r\d+)?$")


def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


records = refs = 0
status = collections.Counter()
skips = collections.Counter()
total = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    doc = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=yaml.BaseLoader)
    dv = doc["distroversion"]
    rel = "edge" if dv == "edge" else ".".join(dv.lstrip("v").split(".")[:2])
    pkgs = doc.get("packages") or []
    for item in pkgs:
        name = item["pkg"]["name"]
        rid = "%s/%s/%s" % ("edge" if rel == "edge" else "v" + rel, doc["reponame"], name)
        records += 1
        seen = set()
        for ver, lst in (item["pkg"].get("secfixes") or {}).items():
            never = ver in ("0", "0-r0")
            refs += len(lst or [])
            if not never and not APKVER.match(ver):
                skips["secfix with an invalid version"] += 1
                continue
            for ref in lst or []:
                toks = ref.split()
                if not toks:
                    skips["empty secfix reference"] += 1
                i = 0
                while i < len(toks):
                    t = toks[i]
                    i += 1
                    if t.startswith("("):
                        while not t.endswith(")") and i < len(toks):
                            t = toks[i]
                            i += 1
                        skips["secfix comment"] += 1
                    elif CVE.match(t):
                        st = "not-affected" if never else "fixed"
                        line = " ".join([rid, t, "alpine", rel, name, st, "-" if never else ver])
                        if line in seen:
                            continue  # the same CVE twice under one version
                        seen.add(line)
                        status[st] += 1
                        total = (total + fnv(line)) & 0xFFFFFFFFFFFFFFFF
                    elif t[:3].lower() == "cve":
                        skips["malformed CVE id in secfixes"] += 1
                    else:
                        skips["secfix reference that is not a CVE id (XSA-, TALOS-...)"] += 1
print("records", records, "references", refs, "affected", sum(status.values()))
for k, v in sorted(status.items()):
    print("status", k, v)
for k, v in sorted(skips.items()):
    print("skip", v, k)
print("checksum 0x%016x" % total)
