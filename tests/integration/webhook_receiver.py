#!/usr/bin/env python3
"""webhook_receiver.py DIR [STATUS...] - a webhook endpoint for the tests.

Listens on 127.0.0.1 on a free port (written to DIR/port), and stores each
POST as DIR/N.json (the body) and DIR/N.headers (one "Name: value" a line).
Answers the STATUS codes given, one per request, then 204 for the rest, so a
test can make the first delivery fail and watch the retry.
"""
import http.server
import os
import sys

out = sys.argv[1]
answers = [int(s) for s in sys.argv[2:]]
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        status = answers.pop(0) if answers else 204
        if status < 300:
            count += 1
            with open(os.path.join(out, f"{count}.headers.tmp"), "w") as f:
                for k, v in self.headers.items():
                    f.write(f"{k}: {v}\n")
            with open(os.path.join(out, f"{count}.json.tmp"), "wb") as f:
                f.write(body)
            os.rename(os.path.join(out, f"{count}.headers.tmp"), os.path.join(out, f"{count}.headers"))
            os.rename(os.path.join(out, f"{count}.json.tmp"), os.path.join(out, f"{count}.json"))
        else:
            with open(os.path.join(out, "refused"), "a") as f:
                f.write(f"{status}\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(out, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
srv.serve_forever()
