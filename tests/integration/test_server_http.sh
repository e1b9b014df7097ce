#!/bin/sh
# test_server_http.sh - the server's HTTP core over real loopback HTTP and
# HTTPS with a real SQLite store: health and the OpenAPI document, routing
# errors, hostile requests (path traversal, encoded NUL, invalid UTF-8, a
# huge header, invalid JSON, a wrong content type, 50 MB bodies), TLS with
# a certificate made here by openssl, a graceful stop with a request in
# flight, `db backup` of a running server's store, `db migrate` twice, and
# configuration errors naming file:line and key.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
here=$src/tests/integration
check_doc=$here/openapi_check.py
for tool in curl python3 openssl; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool is needed"; exit 77; }
done
python3 -c 'import jsonschema' 2>/dev/null || { echo "skip: python3-jsonschema is needed"; exit 77; }
. "$here/server_lib.sh"

tmp=$(mktemp -d)
cleanup() {
	pw_server_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
# req NAME CURL-ARGS...: the body in $tmp/NAME.body, the headers in
# $tmp/NAME.head, the status printed
req() {
	name=$1
	shift
	curl -s -o "$tmp/$name.body" -D "$tmp/$name.head" -w '%{http_code}' "$@"
}
# is_error NAME CODE: a JSON error body {"error":{"code":CODE,"message":...}}
# with Content-Type application/json
is_error() {
	grep -qi '^content-type: application/json' "$tmp/$1.head" || {
		echo "#   $1: not application/json" >&2
		return 1
	}
	python3 - "$tmp/$1.body" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"error"}, d
assert set(d["error"]) == {"code", "message"}, d
assert isinstance(d["error"]["message"], str) and d["error"]["message"], d
assert sys.argv[2] in ("*", d["error"]["code"]), d
PY
}
# documented NAME METHOD TEMPLATE STATUS: the body matches the document
documented() {
	"$check_doc" "$tmp/openapi.json" "$2" "$3" "$4" <"$tmp/$1.body"
}

# ---- a server with an access log ----
PW_SERVER_KEYS="access_log = true"
if ! pw_server_start; then
	not_ok "the server starts"
	exit 1
fi
ok "the server starts on a free port ($PW_URL)"
# only serve links the HTTP server: the administration verbs' program does not
admin=$(dirname "$pw")/patchwarden-admin
if command -v readelf >/dev/null 2>&1; then
	check "patchwarden-admin (db, user, change, ...) does not link libmicrohttpd" \
		sh -c "readelf -d '$admin' | grep NEEDED | grep -vq microhttpd && ! readelf -d '$admin' | grep -q microhttpd"
	check "patchwarden-server does" sh -c "readelf -d '$(dirname "$pw")/patchwarden-server' | grep -q microhttpd"
fi

check "it logs where it listens" grep -q "^patchwarden: info: listening on http://127.0.0.1:$PW_PORT" "$PW_SERVER_LOG"

# ---- health and the OpenAPI document ----
st=$(req openapi "$PW_URL/api/v1/openapi.json")
check "GET /api/v1/openapi.json answers 200" eq "$st" 200
cp "$tmp/openapi.body" "$tmp/openapi.json"
check "the OpenAPI document is a valid OpenAPI 3.0 structure" "$check_doc" --structure "$tmp/openapi.json"
check "the OpenAPI document is the one the build merged" \
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))' \
	"$tmp/openapi.json" "$(dirname "$(readlink -f "$pw")")/server/openapi.json"
# every fragment in docs/openapi made it into the served document
check "every docs/openapi fragment's paths and schemas are served" python3 - "$tmp/openapi.json" "$src/docs/openapi" <<'PY'
import glob, json, os, sys
doc = json.load(open(sys.argv[1]))
bad = []
for f in sorted(glob.glob(os.path.join(sys.argv[2], "*.json"))):
    frag = json.load(open(f))
    for path, item in frag.get("paths", {}).items():
        for m in item:
            if m not in doc["paths"].get(path, {}):
                bad.append("%s: %s %s" % (os.path.basename(f), m, path))
    for kind, defs in frag.get("components", {}).items():
        for name in defs:
            if name not in doc["components"].get(kind, {}):
                bad.append("%s: components.%s.%s" % (os.path.basename(f), kind, name))
for b in bad:
    print("#   not served (is the fragment listed in src/server/meson.build?): " + b)
sys.exit(1 if bad else 0)
PY

st=$(req health "$PW_URL/api/v1/health")
check "GET /api/v1/health answers 200 without credentials" eq "$st" 200
check "health matches the document" documented health GET /api/v1/health 200
check "health says ok, the version and the schema versions" python3 - "$tmp/health.body" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "ok" and d["version"], d
assert d["schema"]["store"] >= 1, d
assert all(isinstance(v, int) and v >= 1 for v in d["schema"].values()), d
PY
check "the schema versions are the store's" python3 - "$tmp/health.body" "$PW_DB" <<'PY'
import json, sqlite3, sys
d = json.load(open(sys.argv[1]))
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True)
comps = dict(db.execute("SELECT component, version FROM component_schema"))
d["schema"].pop("store")
assert d["schema"] == comps, (d["schema"], comps)
PY
check "the access log has one line per request" grep -q '"/api/v1/health" 200 ' "$PW_SERVER_LOG"
check "responses say nosniff" grep -qi '^x-content-type-options: nosniff' "$tmp/health.head"
verbose=$(curl -sv -o /dev/null -o /dev/null "$PW_URL/api/v1/health" "$PW_URL/api/v1/health" 2>&1)
check "keep-alive: a second request reuses the connection" \
	sh -c 'printf "%s\n" "$1" | grep -q "Re-using existing connection"' - "$verbose"

# ---- routing errors ----
st=$(req unknown "$PW_URL/api/v1/no-such-thing")
check "an unknown path is 404" eq "$st" 404
check "... with a JSON error not_found" is_error unknown not_found
check "... as the document's Error" "$check_doc" "$tmp/openapi.json" GET /api/v1/health 404 <"$tmp/unknown.body"
st=$(req unknown2 "$PW_URL/")
check "/ is 404 JSON" sh -c '[ "$1" = 404 ]' - "$st"
check "... JSON" is_error unknown2 not_found
st=$(req method -X DELETE "$PW_URL/api/v1/health")
check "another method on a known path is 405" eq "$st" 405
check "... with a JSON error method_not_allowed" is_error method method_not_allowed
check "... and Allow: GET" grep -qi '^allow: GET' "$tmp/method.head"

# ---- hostile paths ----
n=0
for path in '/api/v1/hosts/..%2f..%2fetc' '/api/v1/../etc/passwd' '/api/v1/hosts/%2e%2e' \
	'/api/v1/users/..' '/api/v1/users/.' '/api/v1/users/1%2f..%2f..%2fetc' '/api/v1/./health' \
	'/api/v1/users//' "/api/v1/users/$(python3 -c 'print("9"*300)')" \
	'/api/v1/users/%252e%252e' '/api/v1/users/-1' '/api/v1/users/0x10' \
	'/api/v1/users/1%00' '/api/v1/health%00' '/api/v1/%ff%fe' '/api/v1/%c0%ae%c0%ae/x' \
	'/api/v1/hosts/%0d%0aSet-Cookie:x=1' '/api/v1/hosts/a%20b'; do
	n=$((n + 1))
	st=$(req hostile$n --path-as-is "$PW_URL$path")
	case $st in
	4??) if is_error hostile$n '*' && ! grep -qi '^set-cookie: x' "$tmp/hostile$n.head"; then
		ok "$path: $st with a JSON error"
	else
		not_ok "$path: $st without a JSON error"
	fi ;;
	*) not_ok "$path: answered $st, not 4xx" ;;
	esac
done
st=$(req nul --path-as-is "$PW_URL/api/v1/health%00/x")
check "an encoded NUL is 404 (no such resource)" eq "$st" 404
st=$(req badutf --path-as-is "$PW_URL/api/v1/%ff")
check "invalid UTF-8 in the path is 400" eq "$st" 400
st=$(req badquery "$PW_URL/api/v1/health?x=%ff%fe")
check "invalid UTF-8 in the query is 400" eq "$st" 400
check "... JSON" is_error badquery invalid_request
big=$(python3 -c 'print("x" * 100000)')
st=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$PW_URL/api/v1/health")
check "a 100 kB header is refused with a 4xx" sh -c 'case $1 in 4??) exit 0;; esac; exit 1' - "$st"
st=$(curl -s -o /dev/null -w '%{http_code}' "$PW_URL/api/v1/health?$big")
check "a 100 kB query string is refused with a 4xx" sh -c 'case $1 in 4??) exit 0;; esac; exit 1' - "$st"
# raw bytes no client library would send (a line of NUL bytes reads as
# empty to libmicrohttpd, which waits for a request line until idle_timeout:
# not tried here)
check "garbage request lines and headers get 4xx or a closed connection" python3 - "$PW_PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
cases = [b"GARBAGE\r\n\r\n", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
         b"GET /api/v1/h\xffalth HTTP/1.1\r\nHost: x\r\n\r\n",
         b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
         b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
         b"GET /api/v1/health HTTP/9.9\r\nHost: x\r\n\r\n",
         b"FROB /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"]
for c in cases:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(c)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                break
    except socket.timeout:
        print("# no answer and no close for %r" % c)
        sys.exit(1)
    finally:
        s.close()
    if data and not (data.startswith(b"HTTP/1.1 4") or data.startswith(b"HTTP/1.0 4")
                     or data.startswith(b"HTTP/1.1 505")):
        print("# %r -> %r" % (c, data[:40]))
        sys.exit(1)
PY
# 500 requests mutated at random (fixed seed): every answer is an HTTP
# status below 500, or the connection is closed; the server stays up
check "500 randomly mutated requests: no 5xx, no crash" python3 - "$PW_PORT" <<'PY'
import random, socket, sys
port = int(sys.argv[1])
rnd = random.Random(4)
base = [b"GET /api/v1/health?limit=5 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/v1/users/12 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pwt_abc\r\n\r\n",
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 32\r\n\r\n{\"name\":\"a\",\"password\":\"bbbbbb\"}",
        b"DELETE /api/v1/tokens/7 HTTP/1.1\r\nHost: x\r\nCookie: pw_session=x\r\n\r\n"]
special = [b"%", b"%00", b"%ff", b"/", b"..", b"{", b"\x00", b"\xff", b"\r\n", b" ", b":", b"?", b"&", b"="]
reqs = []
for i in range(500):
    req = bytearray(rnd.choice(base))
    for _ in range(rnd.randint(1, 4)):
        at = rnd.randrange(len(req))
        op = rnd.randrange(3)
        if op == 0:
            req[at:at] = rnd.choice(special)
        elif op == 1:
            req[at] = rnd.randrange(256)
        else:
            del req[at:at + rnd.randint(1, 5)]
    reqs.append(bytes(req))

def send(req):
    # an incomplete request waits for its end: a short wait, then on
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
        data = s.recv(64)
    except (socket.timeout, ConnectionError):
        data = b""
    finally:
        s.close()
    if data[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 ") and data[9:10] == b"5" and data[9:12] != b"505":
        print("# %r -> %r" % (req, data))
        return 1
    return 0

from concurrent.futures import ThreadPoolExecutor
with ThreadPoolExecutor(32) as pool:
    bad = sum(pool.map(send, reqs))
sys.exit(1 if bad else 0)
PY
st=$(req aftergarbage "$PW_URL/api/v1/health")
check "the server keeps serving after them" eq "$st" 200

# ---- bodies: a POST route of the auth module (public) ----
login=/api/v1/auth/login
st=$(req badjson -X POST -H 'Content-Type: application/json' --data-binary '{"name": "a", ' "$PW_URL$login")
check "invalid JSON is 400" eq "$st" 400
check "... invalid_json" is_error badjson invalid_json
check "... naming line and column" grep -q 'line 1, column' "$tmp/badjson.body"
check "... as the document says" documented badjson POST $login 400
printf '{"name":"\377\376"}' >"$tmp/latin.json"
st=$(req badutf8 -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/latin.json" "$PW_URL$login")
check "a JSON body with invalid UTF-8 is 400" eq "$st" 400
python3 -c 'print("[" * 100000)' >"$tmp/deep.json"
st=$(req deep -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/deep.json" "$PW_URL$login")
check "100,000 nested arrays are 400 (no crash)" eq "$st" 400
st=$(req array -X POST -H 'Content-Type: application/json' --data-binary '[1,2]' "$PW_URL$login")
check "a JSON array where an object is expected is 400" eq "$st" 400
check "... invalid_request" is_error array invalid_request
st=$(req ctype -X POST -H 'Content-Type: text/plain' --data-binary '{"name":"a","password":"b"}' "$PW_URL$login")
check "a wrong content type is 415" eq "$st" 415
check "... unsupported_media_type" is_error ctype unsupported_media_type
st=$(req noctype -X POST -H 'Content-Type:' --data-binary '{"name":"a","password":"b"}' "$PW_URL$login")
check "no content type is 415" eq "$st" 415

hwm0=$(awk '/^VmHWM/ { print $2 }' /proc/"$PW_SERVER_PID"/status 2>/dev/null)
head -c 50000000 /dev/zero | tr '\0' ' ' >"$tmp/50mb"
st=$(req big -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/50mb" "$PW_URL$login")
check "a 50 MB body (Content-Length) is 413" eq "$st" 413
check "... payload_too_large" is_error big payload_too_large
st=$(req bignoexpect -X POST -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$tmp/50mb" "$PW_URL$login")
check "... also when the client sends it without waiting for 100 Continue" eq "$st" 413
st=$(req bigchunked -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' -H 'Expect:' \
	--data-binary @"$tmp/50mb" "$PW_URL$login")
check "a 50 MB chunked body is 413 once past the limit" eq "$st" 413
check "... payload_too_large" is_error bigchunked payload_too_large
st=$(req afterbig "$PW_URL/api/v1/health")
check "the server keeps serving after the large bodies" eq "$st" 200
hwm1=$(awk '/^VmHWM/ { print $2 }' /proc/"$PW_SERVER_PID"/status 2>/dev/null)
echo "# peak RSS before the large bodies ${hwm0:-?} kB, after ${hwm1:-?} kB"
# 50,000,000 bytes are 48,828 kB: growing less means the body was never held
check "the server never held a 50 MB body (its peak grew by less than that)" \
	sh -c '[ -n "$1" ] && [ -n "$2" ] && [ $(($2 - $1)) -lt 48000 ]' - "$hwm0" "$hwm1"

# ---- db backup of the running server's store, db migrate ----
"$pw" db backup --db "$PW_DB" "$tmp/backup.db" >"$tmp/backup.out" 2>&1
check "db backup of the running server's store exits 0" eq "$?" 0
check "the backup is mode 0600" eq "$(stat -c %a "$tmp/backup.db")" 600
check "the backup opens and holds the same tables, intact" python3 - "$PW_DB" "$tmp/backup.db" <<'PY'
import sqlite3, sys
def tables(p):
    db = sqlite3.connect("file:%s?mode=ro" % p, uri=True)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    t = sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    c = dict(db.execute("SELECT component, version FROM component_schema"))
    return t, c
a, b = tables(sys.argv[1]), tables(sys.argv[2])
assert a == b, (a, b)
assert "component_schema" in a[0] and len(a[0]) > 5, a
PY
# online: a writer holding the store's write lock does not stop a backup,
# and what it has not committed is not in the copy
check "db backup while a write transaction is open: a copy without the uncommitted row" \
	python3 - "$pw" "$PW_DB" "$tmp/backup3.db" <<'PY'
import sqlite3, subprocess, sys
pw, db, dest = sys.argv[1:]
w = sqlite3.connect(db, isolation_level=None, timeout=30)
w.execute("BEGIN IMMEDIATE")
w.execute("INSERT INTO component_schema(component, version, applied) VALUES ('zz_uncommitted', 1, 0)")
r = subprocess.run([pw, "db", "backup", "--db", db, dest], capture_output=True, text=True, timeout=120)
w.execute("ROLLBACK")
assert r.returncode == 0, r.stderr
b = sqlite3.connect("file:%s?mode=ro" % dest, uri=True)
assert b.execute("SELECT count(*) FROM component_schema WHERE component = 'zz_uncommitted'").fetchone()[0] == 0
assert b.execute("SELECT count(*) FROM component_schema").fetchone()[0] >= 3
PY
"$pw" db backup --db "$tmp/no-such.db" "$tmp/backup4.db" >/dev/null 2>&1
check "db backup of a store that does not exist: exit 2, nothing written" \
	sh -c '[ "$1" = 2 ] && [ ! -e "$2" ]' - "$?" "$tmp/backup4.db"
echo "not a database" >"$tmp/junk.db"
"$pw" db backup --db "$tmp/junk.db" "$tmp/backup5.db" >/dev/null 2>"$tmp/junk.err"
check "db backup of a file that is not a store: exit 2, nothing written" \
	sh -c '[ "$1" = 2 ] && [ ! -e "$2" ] && grep -q "not a patchwarden store" "$3"' - "$?" "$tmp/backup5.db" "$tmp/junk.err"
check "... and no temporary file left" sh -c '! ls "$1"/backup*.tmp-* >/dev/null 2>&1' - "$tmp"
"$pw" db backup --db "$PW_DB" "$tmp/backup.db" >/dev/null 2>"$tmp/backup2.err"
check "db backup refuses an existing destination (exit 2)" eq "$?" 2
check "... saying so" grep -q "already exists" "$tmp/backup2.err"
"$pw" db migrate --db "$PW_DB" >"$tmp/mig.out" 2>&1
check "db migrate on the running server's store exits 0" eq "$?" 0
st=$(req health2 "$PW_URL/api/v1/health")
check "the server still answers" eq "$st" 200

# ---- graceful stop: a request in flight is completed ----
# a client that sent part of a body and then nothing: still in flight, but
# stalled; the stop gives it up instead of waiting shutdown_timeout for it
python3 - "$PW_PORT" >"$tmp/stalled.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: 100\r\n\r\n{\"name\":")
print("sent", flush=True)
time.sleep(120)
PY
stalled=$!
i=0
while ! grep -q sent "$tmp/stalled.out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# The client sends a request's headers with Expect: 100-continue and waits
# for 100 Continue (so the server holds the request), the server gets
# SIGTERM, and only once it logged that it is stopping does the client send
# the body; it must still get the full answer.
python3 - "$PW_PORT" "$PW_SERVER_PID" "$PW_SERVER_LOG" "$login" >"$tmp/inflight.out" 2>&1 <<'PY'
import json, os, signal, socket, sys, time
port, pid, log, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
body = json.dumps({"name": "nobody", "password": "wrong password"}).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=60)
s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (path, len(body))).encode())
got = b""
while b"\r\n\r\n" not in got:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit("closed before 100 Continue")
    got += chunk
assert got.startswith(b"HTTP/1.1 100"), got
os.kill(pid, signal.SIGTERM)
for _ in range(600):
    if "stopping" in open(log).read():
        break
    time.sleep(0.05)
else:
    sys.exit("the server never logged that it is stopping")
s.sendall(body)
resp = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    resp += chunk
head, _, rest = resp.partition(b"\r\n\r\n")
status = int(head.split()[1])
assert status in (400, 401, 403, 429), head
assert json.loads(rest)["error"]["code"], rest
print("in-flight answer: %d" % status)
PY
check "a request in flight during SIGTERM is answered in full" grep -q "in-flight answer" "$tmp/inflight.out" ||
	sed 's/^/#   /' "$tmp/inflight.out"
check "after SIGTERM the server exits 0" pw_server_stop
check "it logged its stop" grep -q "^patchwarden: info: stopped" "$PW_SERVER_LOG"
check "the stalled request was given up, not waited for" \
	grep -Eq "[0-9]+ requests? in flight made no progress for 5 s: closing" "$PW_SERVER_LOG"
kill $stalled 2>/dev/null
wait $stalled 2>/dev/null
check "the port file is removed" test ! -e "$PW_SERVER_DIR/port"

# ---- db migrate is idempotent ----
fresh=$tmp/fresh.db
"$pw" db migrate --db "$fresh" >"$tmp/m1" 2>&1
check "db migrate on a new store exits 0" eq "$?" 0
python3 -c 'import sqlite3,sys; print(sorted(sqlite3.connect(sys.argv[1]).execute("SELECT name, sql FROM sqlite_master")))' "$fresh" >"$tmp/s1"
"$pw" db migrate --db "$fresh" >"$tmp/m2" 2>&1
check "db migrate again exits 0" eq "$?" 0
python3 -c 'import sqlite3,sys; print(sorted(sqlite3.connect(sys.argv[1]).execute("SELECT name, sql FROM sqlite_master")))' "$fresh" >"$tmp/s2"
check "... reporting the same versions" cmp -s "$tmp/m1" "$tmp/m2"
check "... and leaving the schema as it was" cmp -s "$tmp/s1" "$tmp/s2"
check "the report names each component" grep -q "audit [0-9]" "$tmp/m1"
check "the new store is 0600" eq "$(stat -c %a "$fresh")" 600

# ---- HTTPS ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
chmod 600 "$tmp/key.pem"
PW_SERVER_DIR=$tmp/tls
PW_SERVER_TLS=1
PW_SERVER_KEYS="tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem"
if pw_server_start; then
	ok "the server starts with TLS"
	check "it logs an https URL" grep -q "listening on https://127.0.0.1:$PW_PORT" "$PW_SERVER_LOG"
	st=$(req tls --cacert "$tmp/cert.pem" "$PW_URL/api/v1/health")
	check "GET /api/v1/health over HTTPS, certificate verified, is 200" eq "$st" 200
	check "... the same document" documented tls GET /api/v1/health 200
	st=$(req tls404 --cacert "$tmp/cert.pem" "$PW_URL/api/v1/nothing")
	check "an unknown path over HTTPS is 404 JSON" sh -c '[ "$1" = 404 ]' - "$st"
	curl -s -o /dev/null --cacert "$tmp/cert.pem" --tlsv1.0 --tls-max 1.1 "$PW_URL/api/v1/health" 2>/dev/null
	check "TLS 1.1 is refused" sh -c '[ "$1" != 0 ]' - "$?"
	st=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PW_PORT/api/v1/health")
	check "plain HTTP to the HTTPS port gets no 200" sh -c '[ "$1" != 200 ]' - "$st"
	check "after SIGTERM the TLS server exits 0" pw_server_stop
else
	not_ok "the server starts with TLS"
fi
PW_SERVER_TLS=0

# ---- settings errors ----
cat >"$tmp/bad.conf" <<EOF
[server]
listen = 127.0.0.1:0

threads = many
EOF
"$pw" serve --config "$tmp/bad.conf" --db "$tmp/x.db" >/dev/null 2>"$tmp/bad.err"
check "a bad setting stops serve with exit 2" eq "$?" 2
check "... naming file:line and the key" grep -q "bad.conf:4: \[server\] threads" "$tmp/bad.err"
printf '[server]\nlisten = nowhere\n' >"$tmp/bad2.conf"
"$pw" serve --config "$tmp/bad2.conf" --db "$tmp/x.db" >/dev/null 2>"$tmp/bad2.err"
check "a bad listen address: exit 2 naming file:line" grep -q "bad2.conf:2: \[server\] listen" "$tmp/bad2.err"
printf '[server]\ntls_cert = %s\n' "$tmp/cert.pem" >"$tmp/bad3.conf"
"$pw" serve --config "$tmp/bad3.conf" --db "$tmp/x.db" >/dev/null 2>"$tmp/bad3.err"
check "tls_cert without tls_key is refused" grep -q "tls_key must be set" "$tmp/bad3.err"
printf '[server]\nlisten = 127.0.0.1:0\ntls_certificate = %s\n' "$tmp/cert.pem" >"$tmp/bad7.conf"
"$pw" serve --config "$tmp/bad7.conf" --db "$tmp/x.db" >/dev/null 2>"$tmp/bad7.err"
check "a misspelt [server] key is refused, naming file:line" grep -q "bad7.conf:3: \[server\] tls_certificate: unknown key" "$tmp/bad7.err"
printf '[server]\nthis line is not ini\n' >"$tmp/bad4.conf"
"$pw" serve --config "$tmp/bad4.conf" --db "$tmp/x.db" >/dev/null 2>"$tmp/bad4.err"
check "a line that is not INI: file:line" grep -q "bad4.conf:2:" "$tmp/bad4.err"
printf '[server]\nlisten = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\n' "$tmp/cert.pem" "$tmp/nokey.pem" >"$tmp/bad5.conf"
"$pw" serve --config "$tmp/bad5.conf" --db "$tmp/x.db" >/dev/null 2>"$tmp/bad5.err"
check "a missing TLS key: exit 2 naming file:line and the key" grep -q "bad5.conf:4: \[server\] tls_key" "$tmp/bad5.err"
echo garbage >"$tmp/garbage.pem"
printf '[server]\nlisten = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\n' "$tmp/garbage.pem" "$tmp/key.pem" >"$tmp/bad6.conf"
"$pw" serve --config "$tmp/bad6.conf" --db "$tmp/x.db" >/dev/null 2>"$tmp/bad6.err"
check "a certificate that is not PEM: exit 2 naming it" grep -q "bad6.conf:3: \[server\] tls_cert: .*not a PEM file" "$tmp/bad6.err"
"$pw" serve --config "$tmp/none.conf" >/dev/null 2>"$tmp/none.err"
check "a missing --config file is an error" eq "$?" 2
# a port already taken
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$tmp/taken" &
holder=$!
i=0
while [ ! -s "$tmp/taken" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
"$pw" serve --db "$tmp/x.db" --listen "127.0.0.1:$(cat "$tmp/taken")" >/dev/null 2>"$tmp/taken.err"
check "a port in use: exit 2" eq "$?" 2
check "... naming the address" grep -q "cannot listen on 127.0.0.1:" "$tmp/taken.err"
kill $holder 2>/dev/null
wait $holder 2>/dev/null
# where the store is: --db, else $PATCHWARDEN_DB, else [store] path
printf '[store]\npath = %s\n' "$tmp/fromconf.db" >"$tmp/store.conf"
env -u PATCHWARDEN_DB "$pw" db migrate --config "$tmp/store.conf" >/dev/null 2>&1
check "[store] path names the store" test -s "$tmp/fromconf.db"
PATCHWARDEN_DB=$tmp/fromenv.db "$pw" db migrate --config "$tmp/store.conf" >/dev/null 2>&1
check "\$PATCHWARDEN_DB comes before [store] path" test -s "$tmp/fromenv.db"
PATCHWARDEN_DB=$tmp/fromenv2.db "$pw" db migrate --config "$tmp/store.conf" --db "$tmp/fromopt.db" >/dev/null 2>&1
check "--db comes before both" sh -c 'test -s "$1" && test ! -e "$2"' - "$tmp/fromopt.db" "$tmp/fromenv2.db"
"$pw" db migrate --config "$src/dist/patchwarden.conf" --db "$tmp/sample.db" >/dev/null 2>"$tmp/sample.err"
check "the sample dist/patchwarden.conf is read without error" eq "$?" 0
"$pw" serve --help >"$tmp/help" 2>&1
check "serve --help exits 0" eq "$?" 0
check "... and describes --listen" grep -q -- "--listen" "$tmp/help"
"$pw" db --help >"$tmp/help" 2>&1
check "db --help exits 0 and describes backup" grep -q "backup" "$tmp/help"
"$pw" db frobnicate >/dev/null 2>&1
check "db with an unknown subcommand exits 2" eq "$?" 2

[ "$fails" -eq 0 ] || { echo "# $fails failed"; exit 1; }
echo "# all passed"
