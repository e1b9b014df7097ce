#!/usr/bin/env python3
"""job_server.py - the server's half of the job protocol (JOBS.md), enough
to drive patchwarden-agent's check-in loop over real loopback HTTP.

  POST /api/v1/agent/checkin      {"inventory_wanted": false, "interval_s": 900,
                                   "jobs": <DIR/jobs.json, [] when absent>}
  POST /api/v1/agent/jobs/{id}    the body saved as DIR/reports/{id}.N.json;
                                  answers the code in DIR/report_status
                                  (default 200) with {"ok": true}

Both need "Authorization: Bearer pwa_..."; 401 otherwise.
usage: job_server.py DIR PORT_FILE
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if not self.headers.get("Authorization", "").startswith("Bearer pwa_"):
            return self.answer(401, {"error": {"code": "unauthorized", "message": "no"}})
        if self.path == "/api/v1/agent/checkin":
            try:
                with open(os.path.join(DIR, "jobs.json")) as f:
                    jobs = json.load(f)
            except FileNotFoundError:
                jobs = []
            return self.answer(200, {"inventory_wanted": False, "interval_s": 900, "jobs": jobs})
        prefix = "/api/v1/agent/jobs/"
        if self.path.startswith(prefix):
            jid = self.path[len(prefix):]
            try:
                with open(os.path.join(DIR, "report_status")) as f:
                    code = int(f.read().strip())
            except FileNotFoundError:
                code = 200
            rdir = os.path.join(DIR, "reports")
            os.makedirs(rdir, exist_ok=True)
            i = 1
            while os.path.exists(os.path.join(rdir, "%s.%d.json" % (jid, i))):
                i += 1
            with open(os.path.join(rdir, "%s.%d.json" % (jid, i)), "wb") as f:
                f.write(body)
            if code == 200:
                return self.answer(200, {"ok": True})
            return self.answer(code, {"error": {"code": "unavailable", "message": "try later"}})
        return self.answer(404, {"error": {"code": "not_found", "message": self.path}})


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
