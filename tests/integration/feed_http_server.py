#!/usr/bin/env python3
"""feed_http_server.py - a small HTTP server for the feed sync tests.

Serves a directory on 127.0.0.1 the way feed upstreams do: each file with an
ETag (a hash of its content) and a Last-Modified (its mtime), answering 304
to a matching If-None-Match, or else to an If-Modified-Since not older than
the file. It can be told to misbehave, by path:

  /status/CODE/...        answer CODE with a short body (e.g. 500, 404)
  /redirect/N/path        302 N times, then serve /path
  /noetag/path            serve path with neither ETag nor Last-Modified
  /lmonly/path            serve path with a Last-Modified but no ETag
  /nolength/path          serve path without Content-Length (connection close)
  /nvd/path?startIndex=I&resultsPerPage=N[&lastModStartDate=...]
                          page an NVD API 2.0 file like the real API:
                          vulnerabilities[I:I+N], totalResults, and only those
                          modified since lastModStartDate when given
  /nvdflaky/path?...      the same, but 500 from startIndex 20 on

With a fourth and fifth argument (a PEM certificate and key) it speaks
HTTPS instead, to check that clients verify certificates.

Every request is appended to the log file as one JSON line: method, path,
the conditional headers, User-Agent, and the status answered.

usage: feed_http_server.py ROOT PORT_FILE LOG_FILE [CERT KEY]
The port is chosen by the system and written to PORT_FILE once listening.
"""
import email.utils
import hashlib
import json
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedtest/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log says it all
        pass

    def record(self, status):
        entry = {
            "method": self.command,
            "path": self.path,
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "user_agent": self.headers.get("User-Agent"),
            "api_key": self.headers.get("apiKey"),
            "status": status,
        }
        with open(self.server.log_file, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def answer(self, status, body=b"", headers=None, length=True):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)
        self.record(status)

    def local(self, path):
        rel = urllib.parse.unquote(path).lstrip("/")
        full = os.path.realpath(os.path.join(self.server.root, rel))
        if not full.startswith(self.server.root + os.sep) or not os.path.isfile(full):
            return None
        return full

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        if len(parts) > 2 and parts[1] == "status":
            code = int(parts[2])
            return self.answer(code, b"told to answer %d\n" % code,
                               {"Content-Type": "text/plain"})
        if len(parts) > 3 and parts[1] == "redirect":
            n = int(parts[2])
            rest = "/" + "/".join(parts[3:])
            target = rest if n <= 1 else "/redirect/%d%s" % (n - 1, rest)
            if url.query:
                target += "?" + url.query
            return self.answer(302, b"", {"Location": target})
        validators = True
        with_etag = True
        length = True
        path = url.path
        if len(parts) > 2 and parts[1] == "noetag":
            validators = False
            path = "/" + "/".join(parts[2:])
        if len(parts) > 2 and parts[1] == "lmonly":
            with_etag = False
            path = "/" + "/".join(parts[2:])
        if len(parts) > 2 and parts[1] == "nolength":
            length = False
            path = "/" + "/".join(parts[2:])
        if len(parts) > 2 and parts[1] in ("nvd", "nvdflaky"):
            query = urllib.parse.parse_qs(url.query)
            if parts[1] == "nvdflaky" and int(query.get("startIndex", ["0"])[0]) >= 20:
                return self.answer(500, b"flaky\n")
            return self.nvd("/" + "/".join(parts[2:]), query)
        full = self.local(path)
        if full is None:
            return self.answer(404, b"not found\n", {"Content-Type": "text/plain"})
        with open(full, "rb") as f:
            body = f.read()
        st = os.stat(full)
        headers = {"Content-Type": "application/octet-stream"}
        if validators:
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:20]
            lastmod = email.utils.formatdate(int(st.st_mtime), usegmt=True)
            if with_etag:
                headers["ETag"] = etag
            headers["Last-Modified"] = lastmod
            inm = self.headers.get("If-None-Match") if with_etag else None
            ims = self.headers.get("If-Modified-Since")
            if inm is not None:
                if etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                    return self.answer(304, b"", headers)
            elif ims is not None:
                try:
                    since = email.utils.parsedate_to_datetime(ims).timestamp()
                except (TypeError, ValueError):
                    since = None
                if since is not None and int(st.st_mtime) <= since:
                    return self.answer(304, b"", headers)
        return self.answer(200, body, headers, length)

    def nvd(self, path, query):
        full = self.local(path)
        if full is None:
            return self.answer(404, b"not found\n")
        with open(full) as f:
            doc = json.load(f)
        vulns = doc.get("vulnerabilities", [])
        since = query.get("lastModStartDate", [None])[0]
        if since:
            # "2026-11-24T09:00:00.000+00:00": compare the UTC date-time part
            cut = since[:19]
            vulns = [v for v in vulns if v["cve"].get("lastModified", "")[:19] >= cut]
        start = int(query.get("startIndex", ["0"])[0])
        per = int(query.get("resultsPerPage", ["2000"])[0])
        page = dict(doc)
        page["resultsPerPage"] = per
        page["startIndex"] = start
        page["totalResults"] = len(vulns)
        page["vulnerabilities"] = vulns[start:start + per]
        # the real API puts the counts first; keep that order
        ordered = {k: page[k] for k in ("resultsPerPage", "startIndex", "totalResults")}
        ordered.update({k: v for k, v in page.items() if k not in ordered})
        body = json.dumps(ordered, indent=1).encode()
        return self.answer(200, body, {"Content-Type": "application/json"})


def main():
    if len(sys.argv) not in (4, 6):
        sys.stderr.write(__doc__)
        return 2
    root, port_file, log_file = sys.argv[1:4]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 6:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.root = os.path.realpath(root)
    server.log_file = log_file
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, port_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
