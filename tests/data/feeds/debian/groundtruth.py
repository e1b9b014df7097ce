#!/usr/bin/env python3
"""Independent reading of the tracker's DSA/DLA lists and JSON export, used
to derive the figures test_feeds_debian.c checks (not run by the tests).

Usage: groundtruth.py dsa|dla|tracker FILE

Prints the records, vulnerabilities, affected entries by status, skips by
reason, and an order-independent checksum of the affected entries: the sum
modulo 2**64 of FNV-1a-64 over "record vuln distro release package status
fixed urgency advisory" (absent fields as "-").
"""
import json, re, sys, collections

CODENAMES = {"buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1",
             "potato": "2.2", "woody": "3.0", "sarge": "3.1", "etch": "4", "lenny": "5",
             "squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10",
             "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
             "sid": "sid", "unstable": "sid"}
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
# dpkg's rules: optional numeric epoch, upstream starting with a digit
DEBVER = re.compile(r"^(?:\d+:)?\d[A-Za-z0-9.+~:-]*$")


def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


class Out:
    def __init__(self):
        self.records = self.vulns = 0
        self.status = collections.Counter()
        self.skips = collections.Counter()
        self.sum = 0

    def record(self, rid, vulns, affected):
        self.records += 1
        self.vulns += len(vulns)
        for a in affected:
            self.status[a[4]] += 1
            self.sum = (self.sum + fnv(" ".join([rid] + [x or "-" for x in a]))) & 0xFFFFFFFFFFFFFFFF

    def show(self):
        print("records", self.records, "vulns", self.vulns, "affected", sum(self.status.values()))
        for k, v in sorted(self.status.items()):
            print("status", k, v)
        for k, v in sorted(self.skips.items()):
            print("skip", v, k)
        print("checksum 0x%016x" % self.sum)


def dsa(path, prefix):
    out = Out()
    adv = None

    def emit():
        if adv is None:
            return
        if not adv["lines"]:
            out.skips["advisory without release lines"] += 1
            return
        vulns = adv["cves"] or [adv["id"]]
        aff = [(v, "debian", r, p, st, fx, urg, adv["id"]) for v in vulns
               for (r, p, st, fx, urg) in adv["lines"]]
        out.record(adv["id"], vulns, aff)

    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        m = re.match(r"^\[(\d\d?) (\w{3}) (\d{4})\]\s+(%s\d+(?:-\d+)?)\b\s*(.*)$" % prefix, line)
        if line.startswith("["):
            assert m, line
            emit()
            adv = {"id": m.group(4), "cves": [], "lines": []}
            continue
        t = line.strip()
        if t.startswith("{"):
            for c in t.strip("{}").split():
                if CVE.match(c):
                    if c not in adv["cves"]:
                        adv["cves"].append(c)
                else:
                    out.skips["reference in an advisory's {} list that is not a CVE id"] += 1
        elif t.startswith("["):
            m = re.match(r"^\[([a-z-]+)\]\s+-\s+(\S+)\s+(\S+)\s*(\(.*\))?$", t)
            assert m, t
            rel = CODENAMES[m.group(1)]
            ver = m.group(3)
            note = (m.group(4) or "")[1:-1]
            urg = note if note in ("high", "medium", "low") else None
            st = {"<not-affected>": "not-affected", "<unfixed>": "vulnerable",
                  "<end-of-life>": "end-of-life"}.get(ver, "fixed")
            if st == "fixed" and not DEBVER.match(ver):
                out.skips["invalid fixed version"] += 1
                continue
            adv["lines"].append((rel, m.group(2), st, ver if st == "fixed" else None, urg))
        else:
            assert t.startswith("NOTE:"), t
    emit()
    return out


def tracker(path):
    out = Out()
    doc = json.load(open(path))
    for src, issues in doc.items():
        vulns, aff = [], []
        for vid, issue in issues.items():
            n = len(aff)
            if not isinstance(issue.get("releases"), dict):
                out.skips["tracker entry without a releases object"] += 1
                continue
            for code, rel in issue["releases"].items():
                r = CODENAMES.get(code)
                if r is None:
                    out.skips["tracker entry for an unknown Debian release"] += 1
                    continue
                u = rel.get("urgency")
                u = None if u in (None, "", "not yet assigned") else u.rstrip("*")
                st, fx = rel["status"], rel.get("fixed_version")
                if st == "resolved":
                    if fx is None:
                        out.skips["tracker entry resolved without a fixed_version"] += 1
                        continue
                    if fx != "0" and not DEBVER.match(fx):
                        out.skips["tracker entry with an invalid fixed_version"] += 1
                        continue
                    st, fx = ("not-affected", None) if fx == "0" else ("fixed", fx)
                elif st == "open":
                    fx = None
                    if u == "end-of-life":
                        st = "end-of-life"
                    elif u == "unimportant" or rel.get("nodsa_reason") == "ignored":
                        st = "wont-fix"
                    else:
                        st = "vulnerable"
                else:
                    st, fx = "vulnerable", None
                aff.append((vid, "debian", r, src, st, fx, u, None))
            if len(aff) > n:
                vulns.append(vid)
        if aff:
            out.record(src, vulns, aff)
        else:
            out.skips["tracker source package without usable release data"] += 1
    return out


kind, path = sys.argv[1], sys.argv[2]
(dsa(path, "DSA-") if kind == "dsa" else dsa(path, "DLA-") if kind == "dla" else tracker(path)).show()
