#!/bin/sh
# test_server_limits.sh - the server under hostile clients, over real
# loopback HTTP with a real SQLite store: 300 connections from one address
# trickling their headers a byte at a time while another address
# (127.0.0.2) is served; the per-address limit; the header and body
# deadlines, which trickling does not push back.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
here=$src/tests/integration
for tool in curl python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is needed"; exit 77; }
done
. "$here/server_lib.sh"

tmp=$(mktemp -d)
cleanup() {
	pw_server_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"

# ---- slow clients ----
PW_SERVER_KEYS='max_connections_per_address = 40
header_timeout = 3
body_timeout = 3'
pw_server_start || exit 1

# 300 connections from 127.0.0.1, each sending a request line and then a
# header byte every 0.5 s (each byte would restart libmicrohttpd's idle
# timeout); meanwhile 50 health requests from 127.0.0.2, one connection
# each. The server must hold no more than the per-address limit of them,
# answer every request of the other address, and cut the slow ones once
# their headers are 3 s late (checked with a margin: within 20 s).
check "300 trickling connections from one address: the others are served, the slow ones cut" \
	python3 - "$PW_PORT" <<'PY'
import select, socket, statistics, sys, threading, time
port = int(sys.argv[1])
SLOW, N = 300, 50
slow = []
for i in range(SLOW):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    slow.append([s, time.monotonic(), None, False])  # socket, opened, closed at, line sent
def pump(until):
    """Trickle a byte to each open slow connection, note the closed ones."""
    while time.monotonic() < until:
        live = [c for c in slow if c[2] is None]
        if not live:
            return
        r, w, _ = select.select([c[0] for c in live], [c[0] for c in live], [], 0.5)
        now = time.monotonic()
        for c in live:
            if c[0] in r:
                try:
                    if c[0].recv(4096) == b"":
                        c[2] = now
                except OSError:
                    c[2] = now
            elif c[0] in w and c[2] is None:
                try:
                    if not c[3]:
                        c[0].send(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
                        c[3] = True
                    else:
                        c[0].send(b"X")
                except OSError:
                    c[2] = now
        time.sleep(0.5)
# first bytes out, and the connections over the limit refused
pump(time.monotonic() + 1.5)
held = sum(1 for c in slow if c[2] is None)
# the other address, from a thread, while they trickle
times, statuses, held_at = [], [], []
def other():
    for i in range(N):
        held_at.append(sum(1 for c in slow if c[2] is None))
        t0 = time.monotonic()
        o = socket.create_connection(("127.0.0.1", port), timeout=10,
                                     source_address=("127.0.0.2", 0))
        o.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = o.recv(65536)
            if not chunk:
                break
            data += chunk
        o.close()
        times.append(time.monotonic() - t0)
        statuses.append(data.split(b" ", 2)[1] if data else b"none")
        time.sleep(0.01)
t = threading.Thread(target=other)
t.start()
while t.is_alive():
    pump(time.monotonic() + 0.1)
t.join()
held_during = min(held_at)
pump(time.monotonic() + 20)
left = [c for c in slow if c[2] is None]
lasted = [c[2] - c[1] for c in slow if c[2] is not None]
print(f"# {held} of {SLOW} slow connections held by the server (limit 40 per address), "
      f"{held_during} still held while 127.0.0.2 was served")
print(f"# /api/v1/health from 127.0.0.2 under that load: median {statistics.median(times)*1000:.1f} ms, "
      f"max {max(times)*1000:.1f} ms over {N}")
print(f"# the slow connections lasted at most {max(lasted):.1f} s (header_timeout 3 s)")
ok = True
if set(statuses) != {b"200"}:
    print("#   other address statuses:", set(statuses)); ok = False
if held > 40 or held_during > 40:
    print("#   more slow connections held than the per-address limit"); ok = False
if held == 0:
    print("#   no slow connection was held at all"); ok = False
if left:
    print(f"#   {len(left)} slow connections still open after 20 s"); ok = False
sys.exit(0 if ok else 1)
PY
check "... the log says why they were closed" grep -q "without their headers after 3 s" "$PW_SERVER_LOG"

# a body trickled a byte a second is cut once it is 3 s late
check "a body trickled a byte at a time is cut after body_timeout" python3 - "$PW_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: 1000\r\n\r\n{")
t0 = time.monotonic()
closed = None
while time.monotonic() - t0 < 20:
    try:
        s.sendall(b" ")
        s.settimeout(1)
        if s.recv(4096) == b"":
            closed = time.monotonic() - t0
            break
    except socket.timeout:
        continue
    except OSError:
        closed = time.monotonic() - t0
        break
print(f"# cut after {closed} s" if closed else "# still open after 20 s")
sys.exit(0 if closed else 1)
PY
# ---- malformed and oversized requests, over a raw socket ----
# each: the request, the status, the JSON error code ("-": libmicrohttpd's
# own answer, not JSON), whether the connection must close after it
check "oversized, ambiguous and NUL-holding requests: a JSON 4xx each, closed when framing is in doubt" \
	python3 - "$PW_PORT" <<'PY'
import json, socket, sys
port = int(sys.argv[1])
login = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
def params(n):
    return "&".join("limit=%d" % (i % 9 + 1) for i in range(n)).encode()
cases = [
    ("500 query parameters", b"GET /api/v1/health?" + params(500) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     414, "uri_too_long", True),
    ("65 known parameters", b"GET /api/v1/users?" + params(65) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     414, "uri_too_long", True),
    ("a 9 kB request target", b"GET /api/v1/" + b"x" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     414, "uri_too_long", True),
    ("a 20 kB header", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 +
     b"\r\n\r\n", 431, "headers_too_large", True),
    ("150 header lines", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" +
     b"".join(b"X-%d: a\r\n" % i for i in range(150)) + b"\r\n", 431, "headers_too_large", True),
    ("two different Content-Length", login + b"Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}",
     400, "invalid_request", True),
    ("Content-Length with chunked", login + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\n{}\r\n0\r\n\r\n", 400, "invalid_request", True),
    ("a raw NUL after the path", b"GET /api/v1/health\x00junk HTTP/1.1\r\nHost: x\r\n\r\n",
     400, "invalid_request", True),
    ("a raw NUL in the path", b"GET /api/v1/hea\x00lth HTTP/1.1\r\nHost: x\r\n\r\n",
     400, "invalid_request", True),
    ("an encoded NUL in the query", b"GET /api/v1/health?x=a%00b HTTP/1.1\r\nHost: x\r\n\r\n",
     400, "invalid_request", False),
    # beyond the connection's memory: libmicrohttpd's own answer, then closed
    ("a 200 kB request target", b"GET /api/v1/" + b"x" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     414, "-", True),
    ("a 200 kB header", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 +
     b"\r\n\r\n", 431, "-", True),
    ("3000 header lines", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" +
     b"".join(b"X-%d: a\r\n" % i for i in range(3000)) + b"\r\n", 431, "-", True),
]
bad = 0
for what, raw, status, code, closes in cases:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(raw)
    except OSError:
        pass
    data, closed = b"", False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if n and len(body) >= n[0] and not closes:
                break
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    got = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else None
    problems = []
    if got != status:
        problems.append("status %r" % got)
    if code != "-":
        try:
            doc = json.loads(body)
            if doc["error"]["code"] != code or not doc["error"]["message"]:
                problems.append("body %r" % doc)
        except ValueError:
            problems.append("not JSON: %r" % body[:80])
        if b"content-type: application/json" not in head.lower():
            problems.append("not application/json")
    if closes and not closed:
        problems.append("the connection stayed open")
    print("# %s: %s%s" % (what, got, " (closed)" if closed else ""))
    if problems:
        print("#   " + "; ".join(problems))
        bad += 1
sys.exit(1 if bad else 0)
PY

st=$(curl -s -o /dev/null -w '%{http_code}' "$PW_URL/api/v1/health")
check "the server still answers after all that" [ "$st" = 200 ]
pw_server_stop || not_ok "the server exited 0 on SIGTERM"
pw_server_cleanup
PW_SERVER_DIR=

# ---- a store cut short under a running server ----
PW_SERVER_KEYS=
pw_server_start || exit 1
printf 'a-long-enough-password\n' | "$pw" user add alice --role admin >/dev/null 2>&1
for i in 1 2; do
	printf 'a-long-enough-password\n' | "$pw" user add "user$i" --role auditor >/dev/null 2>&1
done
# several, so that each worker has its store open (and its pages cached)
for i in 1 2 3 4 5 6; do
	st=$(curl -s -o "$tmp/health.body" -w '%{http_code}' "$PW_URL/api/v1/health")
done
check "health says ok on a sound store" [ "$st" = 200 ]
python3 -c 'import os,sys; p=sys.argv[1]; os.truncate(p, os.path.getsize(p) // 2)' "$PW_DB"
st=$(curl -s -o "$tmp/health.body" -w '%{http_code}' "$PW_URL/api/v1/health")
check "health on a store truncated to half: 503" [ "$st" = 503 ]
check "... store_corrupt, in JSON" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"]["code"] == "store_corrupt", d' "$tmp/health.body"
check "... the log says what is wrong" grep -Eq "cut short|malformed" "$PW_SERVER_LOG"
pw_server_stop || true

[ "$fails" -eq 0 ] || { echo "# $fails failed"; exit 1; }
echo "# all passed"
