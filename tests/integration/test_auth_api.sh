#!/bin/sh
# test_auth_api.sh - users, roles, sessions, API tokens, login throttling and
# the audit log against a real server on loopback with a real SQLite store:
#   - the first admin from the command line (password from stdin or a file,
#     never argv);
#   - every line of role_matrix.tsv with an API token per role and an
#     enrolled agent's credential: the callers it lists get an answer other
#     than 403, the others 403, no credentials 401;
#     and every operation of the served OpenAPI document has its line;
#   - session cookie attributes (Secure under TLS), CSRF (missing, wrong, right; bearer tokens
#     exempt), logout, disabled users;
#   - expired, revoked and replayed-after-revoke tokens: 401;
#   - a token never exceeds its owner: demoted, it loses what the new role
#     may not do (403); disabled or deleted, the token is 401;
#   - login throttling per name and per address (429, Retry-After), reset by
#     a success; 40 concurrent wrong passwords: 5 checked, 35 refused;
#   - audit entries for every change, paginated, readable by admin and
#     auditor only; `patchwarden audit verify` finds an entry edited with
#     the sqlite3 shell, and one deleted; the newest entries cut off with
#     the head row moved back, and the log emptied, against the sealed head
#     and against checkpoints (given, and from the server's log);
#   - responses checked against the OpenAPI document.
set -u
pw=${PATCHWARDEN:?}
src=${PW_SOURCE_ROOT:?}
matrix=${PW_ROLE_MATRIX:-$src/tests/integration/role_matrix.tsv}
check_doc=$src/tests/integration/openapi_check.py
tmp=$(mktemp -d) # KEEP=1 in the environment keeps it, for a look after a failure
. "$src/tests/integration/server_lib.sh"
trap 'pw_server_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
. "${PW_SOURCE_ROOT:?}/tests/integration/tap.sh"
# json <python expression on d> < document: a command (not a function), so
# that sh -c can run it too
mkdir "$tmp/bin"
printf '%s\n' '#!/usr/bin/env python3' 'import json, sys' 'd = json.load(sys.stdin)' \
	'print(eval(sys.argv[1]))' >"$tmp/bin/json"
chmod +x "$tmp/bin/json"
PATH=$tmp/bin:$PATH
# req METHOD PATH [curl options...]: the status on stdout; body in
# $tmp/body, headers in $tmp/headers
req() {
	m=$1
	p=$2
	shift 2
	curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$m" "$@" "$PW_URL$p"
}
# doc_ok METHOD TEMPLATE STATUS: $tmp/body matches the OpenAPI document
doc_ok() {
	python3 "$check_doc" "$tmp/openapi.json" "$1" "$2" "$3" <"$tmp/body" >"$tmp/doc.out" 2>&1 ||
		{ sed 's/^/#   /' "$tmp/doc.out"; return 1; }
}
JSON='Content-Type: application/json'
ROLES="admin security-analyst operator change-manager asset-manager auditor"

PW_SERVER_CONFIG_EXTRA="[auth]
login_max_failures = 5
login_max_failures_per_address = 20
session_hours = 12"
pw_server_start || { echo "Bail out! the server did not start"; exit 1; }
curl -s -o "$tmp/openapi.json" "$PW_URL/api/v1/openapi.json"

# --- the first admin, from the command line
check "user add reads the password from stdin" \
	sh -c "echo 'root password 1' | '$pw' user add root --role admin"
check "there is no way to give a password in argv" \
	sh -c "! '$pw' user add eve --role admin --password 'x y z w v' </dev/null 2>/dev/null"
printf 'short\n' >"$tmp/short"
check "a short password is refused with a reason" \
	sh -c "! '$pw' user add eve --role admin --password-file '$tmp/short' 2>'$tmp/err' && grep -q 'too short' '$tmp/err'"
check "an unknown role is refused" \
	sh -c "! { echo 'password 12345' | '$pw' user add eve --role root 2>/dev/null; }"
check "user list shows root as admin" \
	sh -c "'$pw' user list --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [(u[\"name\"],u[\"role\"]) for u in d]==[(\"root\",\"admin\")]'"

# --- login: cookie attributes, CSRF token, the document
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"root","password":"root password 1"}' -c "$tmp/jar")
check "login answers 200" [ "$st" = 200 ]
check "login answer matches the document" doc_ok POST /api/v1/auth/login 200
csrf=$(json 'd["csrf_token"]' <"$tmp/body")
cookie=$(grep -i '^Set-Cookie: pw_session=' "$tmp/headers" | tr -d '\r')
check "session cookie is HttpOnly" sh -c "echo '$cookie' | grep -q '; HttpOnly'"
check "session cookie is SameSite=Strict" sh -c "echo '$cookie' | grep -q '; SameSite=Strict'"
check "session cookie has Path=/" sh -c "echo '$cookie' | grep -q '; Path=/'"
check "session cookie is not Secure over plain HTTP" sh -c "! echo '$cookie' | grep -qi 'secure'"
check "the CSRF token is not the cookie's value" sh -c "! echo '$cookie' | grep -q -- '$csrf'"
st=$(req GET /api/v1/auth/me -b "$tmp/jar")
check "me: the session's user, role and CSRF token" \
	sh -c "[ $st = 200 ] && [ \"\$(json 'd[\"name\"]+\" \"+d[\"role\"]+\" \"+d[\"csrf_token\"]' <'$tmp/body')\" = 'root admin $csrf' ]"
check "me matches the document" doc_ok GET /api/v1/auth/me 200

# --- CSRF
st=$(req POST /api/v1/users -b "$tmp/jar" -H "$JSON" -d '{"name":"x1","role":"auditor","password":"password 1"}')
check "session POST without X-CSRF-Token: 403 csrf_required" \
	sh -c "[ $st = 403 ] && grep -q csrf_required '$tmp/body'"
st=$(req POST /api/v1/users -b "$tmp/jar" -H "$JSON" -H "X-CSRF-Token: ${csrf}x" \
	-d '{"name":"x1","role":"auditor","password":"password 1"}')
check "session POST with a wrong X-CSRF-Token: 403" [ "$st" = 403 ]
st=$(req PATCH /api/v1/users/1 -b "$tmp/jar" -H "$JSON" -d '{"disabled":true}')
check "session PATCH without X-CSRF-Token: 403" [ "$st" = 403 ]
check "nothing was created without the CSRF token" \
	sh -c "[ \"\$('$pw' user list --format json | json 'len(d)')\" = 1 ]"

# --- a user and an API token per role, through the API
S="-b $tmp/jar -H X-CSRF-Token:$csrf"
for r in $ROLES; do
	st=$(req POST /api/v1/users $S -H "$JSON" -d "{\"name\":\"u-$r\",\"role\":\"$r\",\"password\":\"pass-$r-1234\"}")
	[ "$st" = 201 ] || not_ok "create user u-$r: $st $(cat "$tmp/body")"
	st=$(req POST /api/v1/tokens $S -H "$JSON" -d "{\"name\":\"t-$r\",\"role\":\"$r\",\"expires\":\"1d\"}")
	[ "$st" = 201 ] || not_ok "create token t-$r: $st $(cat "$tmp/body")"
	json 'd["token"]' <"$tmp/body" >"$tmp/token-$r"
done
st=$(req POST /api/v1/users $S -H "$JSON" -d '{"name":"u-dup","role":"auditor","password":"password dup"}')
check "user create: 201" [ "$st" = 201 ]
check "user create matches the document" doc_ok POST /api/v1/users 201
st=$(req POST /api/v1/users $S -H "$JSON" -d '{"name":"u-dup","role":"auditor","password":"password dup"}')
check "a taken user name: 409 conflict" sh -c "[ $st = 409 ] && grep -q conflict '$tmp/body'"
st=$(req POST /api/v1/users $S -H "$JSON" -d '{"name":"U-Dup","role":"admin","password":"password dup"}')
check "a name that differs only in case: 409, naming the user it is" \
	sh -c "[ $st = 409 ] && grep -q \"already exists as 'u-dup'\" '$tmp/body'"
check "the CLI refuses it too" \
	sh -c "! { echo 'password 12345' | '$pw' user add ROOT --role admin 2>'$tmp/err'; } && grep -q \"as 'root'\" '$tmp/err'"
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"U-DUP","password":"password dup"}')
check "a login in another case is the same user" \
	sh -c "[ $st = 200 ] && [ \"\$(json 'd[\"user\"]' <'$tmp/body')\" = u-dup ]"
st=$(req POST /api/v1/users $S -H "$JSON" -d '{"name":"../etc","role":"auditor","password":"password dup"}')
check "a bad user name: 400" [ "$st" = 400 ]
st=$(req POST /api/v1/users $S -H "$JSON" -d '{"name":"u-x","role":"auditor","password":"password dup","admin":true}')
check "an unknown member: 400" [ "$st" = 400 ]
st=$(req POST /api/v1/tokens $S -H "$JSON" -d '{"name":"t-doc","role":"auditor","expires":"30d"}')
check "token create: 201 with a pwt_ secret" \
	sh -c "[ $st = 201 ] && grep -q '\"token\":\"pwt_' '$tmp/body'"
check "token create matches the document" doc_ok POST /api/v1/tokens 201
st=$(req GET /api/v1/tokens -H "Authorization: Bearer $(cat "$tmp/token-admin")")
check "token list shows no secret or hash" \
	sh -c "[ $st = 200 ] && ! grep -q 'pwt_' '$tmp/body' && ! grep -qi '\"hash\"' '$tmp/body'"
check "token list matches the document" doc_ok GET /api/v1/tokens 200
# walk <path> <limit> <key>: every page of a list, the items' key, one a line
walk() {
	cur=
	n=0
	while :; do
		st=$(req GET "$1?limit=$2${cur:+&cursor=$cur}" -H "Authorization: Bearer $(cat "$tmp/token-auditor")")
		[ "$st" = 200 ] || { echo "page: $st"; return 1; }
		json "'\\n'.join(str(i['$3']) for i in d['items'])" <"$tmp/body" | grep -v '^$'
		cur=$(json 'd["next_cursor"] or ""' <"$tmp/body")
		n=$((n + 1))
		[ -n "$cur" ] && [ $n -lt 100 ] || return 0
	done
}
walk /api/v1/users 3 name >"$tmp/users.paged"
"$pw" user list --format json | json "'\\n'.join(u['name'] for u in d)" >"$tmp/users.cli"
check "users page by page (3 a page): all of them, by name, once each" \
	sh -c "[ \$(wc -l <'$tmp/users.paged') -ge 8 ] && cmp -s '$tmp/users.paged' '$tmp/users.cli'"
walk /api/v1/tokens 4 id >"$tmp/tokens.paged"
"$pw" token list --format json | json "'\\n'.join(str(t['id']) for t in d)" >"$tmp/tokens.cli"
check "tokens page by page (4 a page): all of them, newest first, once each" \
	sh -c "[ \$(wc -l <'$tmp/tokens.paged') -ge 7 ] && cmp -s '$tmp/tokens.paged' '$tmp/tokens.cli'"
st=$(req GET "/api/v1/tokens?cursor=abc" -H "Authorization: Bearer $(cat "$tmp/token-auditor")")
check "a cursor the API did not give: 400" [ "$st" = 400 ]
check "the store holds no token secret" \
	sh -c "! sqlite3 '$PW_DB' .dump | grep -q -- \"\$(cat '$tmp/token-admin')\""
check "the store holds no password" sh -c "! sqlite3 '$PW_DB' .dump | grep -q 'pass-admin-1234'"

# --- an agent's credential, from a real enrollment
"$pw" enrollment create >"$tmp/enroll-token" 2>/dev/null
st=$(req POST /api/v1/enroll -H "$JSON" \
	-d "{\"token\":\"$(cat "$tmp/enroll-token")\",\"machine_id\":\"5eed00000000000000000000000000aa\",\"hostname\":\"auth-test\"}")
check "an agent enrolls: 201" [ "$st" = 201 ]
json 'd["credential"]' <"$tmp/body" >"$tmp/token-agent" 2>/dev/null
check "its credential is a pwa_ one" grep -q '^pwa_' "$tmp/token-agent"

# --- every line of the role matrix, with a token per role and the agent
allowed() { # allowed <role or agent> <ALLOWED>
	case ",$2," in
	*,public,*) return 0 ;;
	esac
	if [ "$1" = agent ]; then
		case ",$2," in *,agent,*) return 0 ;; esac
		return 1
	fi
	case ",$2," in
	*,all,* | *,"$1",*) return 0 ;;
	*) return 1 ;;
	esac
}
nlines=0
grep -v '^#' "$matrix" | grep -v '^[[:space:]]*$' | while IFS='	' read -r m p a; do
	path=$(echo "$p" | sed 's/{[a-z_]*}/999999/g')
	body=
	case $m in POST | PUT | PATCH) body=1 ;; esac
	for r in $ROLES agent; do
		if [ -n "$body" ]; then
			st=$(req "$m" "$path" -H "Authorization: Bearer $(cat "$tmp/token-$r")" -H "$JSON" -d '{}')
		else
			st=$(req "$m" "$path" -H "Authorization: Bearer $(cat "$tmp/token-$r")")
		fi
		if allowed "$r" "$a"; then
			{ [ "$st" != 403 ] && [ "$st" != 401 ]; } ||
				echo "not ok - $m $p: $r is allowed but got $st $(head -c 200 "$tmp/body")"
		else
			[ "$st" = 403 ] || echo "not ok - $m $p: $r is not allowed but got $st"
		fi
	done
	if [ -n "$body" ]; then
		st=$(req "$m" "$path" -H "$JSON" -d '{}')
	else
		st=$(req "$m" "$path")
	fi
	case ",$a," in
	*,public,*) [ "$st" != 401 ] && [ "$st" != 403 ] ||
		echo "not ok - $m $p: public but got $st without credentials" ;;
	*) [ "$st" = 401 ] || echo "not ok - $m $p: got $st without credentials, not 401" ;;
	esac
	echo "checked"
done >"$tmp/matrix.out"
nlines=$(grep -c '^checked' "$tmp/matrix.out")
grep '^not ok' "$tmp/matrix.out"
check "every role on every endpoint as role_matrix.tsv says ($nlines endpoints)" \
	sh -c "[ $nlines -ge 14 ] && ! grep -q '^not ok' '$tmp/matrix.out'"
python3 - "$tmp/openapi.json" "$matrix" >"$tmp/missing" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
have = set()
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith('#'):
        m, p = line.split('\t')[:2]
        have.add((m, p))
for p, ops in doc['paths'].items():
    for m in ops:
        if m in ('get', 'post', 'put', 'patch', 'delete') and (m.upper(), p) not in have:
            print(m.upper(), p)
EOF
check "every documented operation has a line in role_matrix.tsv" \
	sh -c "[ ! -s '$tmp/missing' ] || { sed 's/^/#   missing: /' '$tmp/missing'; false; }"

# --- an agent-only route refuses a session too; a wrong kind of bearer is 401
st=$(req GET /api/v1/users -H "Authorization: Bearer pwa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
check "an unknown agent credential: 401" [ "$st" = 401 ]
st=$(req GET /api/v1/users -H "Authorization: Bearer nonsense")
check "a bearer that is no patchwarden token: 401" sh -c "[ $st = 401 ] && grep -q unauthenticated '$tmp/body'"
check "401 matches the document" doc_ok GET /api/v1/users 401
st=$(req GET /api/v1/users -H "Authorization: Basic cm9vdDpyb290")
check "basic authentication: 401" [ "$st" = 401 ]
st=$(req GET /api/v1/users -b "pw_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
check "an unknown session cookie: 401" [ "$st" = 401 ]

# --- roles through sessions too
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-auditor","password":"pass-auditor-1234"}' -c "$tmp/jar-aud")
check "auditor logs in" [ "$st" = 200 ]
st=$(req GET /api/v1/audit -b "$tmp/jar-aud")
check "auditor's session reads the audit log" [ "$st" = 200 ]
acsrf=$(curl -s -b "$tmp/jar-aud" "$PW_URL/api/v1/auth/me" | json 'd["csrf_token"]')
st=$(req POST /api/v1/users -b "$tmp/jar-aud" -H "X-CSRF-Token: $acsrf" -H "$JSON" \
	-d '{"name":"sneaky","role":"admin","password":"password 123"}')
check "auditor's session may not create users: 403 forbidden" \
	sh -c "[ $st = 403 ] && grep -q '\"forbidden\"' '$tmp/body'"
check "403 matches the document" doc_ok POST /api/v1/users 403
st=$(req POST /api/v1/tokens -H "Authorization: Bearer $(cat "$tmp/token-operator")" -H "$JSON" \
	-d '{"name":"escalate","role":"admin"}')
check "an operator token may not make an admin token" [ "$st" = 403 ]
st=$(req GET /api/v1/audit -H "Authorization: Bearer $(cat "$tmp/token-security-analyst")")
check "a security-analyst may not read the audit log" [ "$st" = 403 ]

# --- bearer tokens need no CSRF token, and a cookie does not lend rights
st=$(req POST /api/v1/tokens -H "Authorization: Bearer $(cat "$tmp/token-admin")" -H "$JSON" \
	-d '{"name":"t-nocsrf","role":"auditor"}')
check "an admin token POSTs without X-CSRF-Token" [ "$st" = 201 ]
st=$(req POST /api/v1/tokens -b "$tmp/jar" -H "Authorization: Bearer $(cat "$tmp/token-auditor")" \
	-H "$JSON" -d '{"name":"t-mixed","role":"auditor"}')
check "an auditor token with an admin's cookie is still an auditor" [ "$st" = 403 ]

# --- expired, revoked, replayed tokens
PATCHWARDEN_NOW=1600000000 "$pw" token create --name old --role admin --expires 1h >"$tmp/token-old" 2>/dev/null
st=$(req GET /api/v1/users -H "Authorization: Bearer $(cat "$tmp/token-old")")
check "an expired token: 401" [ "$st" = 401 ]
check "token list shows it expired" \
	sh -c "'$pw' token list --format json | json '[t[\"state\"] for t in d if t[\"name\"]==\"old\"]==[\"expired\"]' | grep -q True"
tid=$(curl -s -H "Authorization: Bearer $(cat "$tmp/token-admin")" "$PW_URL/api/v1/tokens" |
	json '[t["id"] for t in d["items"] if t["name"]=="t-change-manager"][0]')
st=$(req GET /api/v1/auth/me -H "Authorization: Bearer $(cat "$tmp/token-change-manager")")
check "the change-manager token works before revocation" [ "$st" = 200 ]
st=$(req DELETE "/api/v1/tokens/$tid" $S)
check "admin revokes it: 200, state revoked" \
	sh -c "[ $st = 200 ] && [ \"\$(json 'd[\"state\"]' <'$tmp/body')\" = revoked ]"
check "revocation matches the document" doc_ok DELETE /api/v1/tokens/{id} 200
st=$(req GET /api/v1/auth/me -H "Authorization: Bearer $(cat "$tmp/token-change-manager")")
check "a revoked token: 401" [ "$st" = 401 ]
st=$(req GET /api/v1/auth/me -H "Authorization: Bearer $(cat "$tmp/token-change-manager")")
check "the revoked token replayed: 401 again" [ "$st" = 401 ]
"$pw" token create --name cli --role operator --expires 2d >"$tmp/token-cli" 2>/dev/null
cid=$("$pw" token list --format json | json '[t["id"] for t in d if t["name"]=="cli"][0]')
st=$(req GET /api/v1/auth/me -H "Authorization: Bearer $(cat "$tmp/token-cli")")
check "a token made on the command line works" [ "$st" = 200 ]
"$pw" token revoke "$cid" 2>/dev/null
st=$(req GET /api/v1/auth/me -H "Authorization: Bearer $(cat "$tmp/token-cli")")
check "revoked on the command line, it fails at once: 401" [ "$st" = 401 ]

# --- a token never does more than its owner may do now
st=$(req POST /api/v1/users $S -H "$JSON" -d '{"name":"u-boss","role":"admin","password":"boss password 1"}')
bid=$(json 'd["id"]' <"$tmp/body")
req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-boss","password":"boss password 1"}' -c "$tmp/jar-boss" >/dev/null
bcsrf=$(json 'd["csrf_token"]' <"$tmp/body")
st=$(req POST /api/v1/tokens -b "$tmp/jar-boss" -H "X-CSRF-Token: $bcsrf" -H "$JSON" \
	-d '{"name":"boss-ci","role":"admin","expires":"1d"}')
json 'd["token"]' <"$tmp/body" >"$tmp/token-boss"
check "an admin's token names its owner" \
	sh -c "[ $st = 201 ] && [ \"\$(json 'd[\"owner\"]' <'$tmp/body')\" = u-boss ]"
check "the owned token's answer matches the document" doc_ok POST /api/v1/tokens 201
B="Authorization: Bearer $(cat "$tmp/token-boss")"
st=$(req GET /api/v1/users -H "$B")
check "while its owner is an admin, the admin token reads users" [ "$st" = 200 ]
st=$(req PATCH "/api/v1/users/$bid" $S -H "$JSON" -d '{"role":"operator"}')
check "the owner demoted to operator" [ "$st" = 200 ]
st=$(req GET /api/v1/users -H "$B")
check "the owner demoted: the admin token may not read users (403)" \
	sh -c "[ $st = 403 ] && grep -q \"owner, now operator\" '$tmp/body'"
st=$(req POST /api/v1/tokens -H "$B" -H "$JSON" -d '{"name":"boss-2","role":"admin"}')
check "nor make tokens (403)" [ "$st" = 403 ]
st=$(req GET /api/v1/hosts -H "$B")
check "but does what both roles may: 200" [ "$st" = 200 ]
st=$(req PATCH "/api/v1/users/$bid" $S -H "$JSON" -d '{"role":"admin","disabled":true}')
st=$(req GET /api/v1/hosts -H "$B")
check "the owner disabled: the token is 401" [ "$st" = 401 ]
check "token list shows it as owner_disabled" \
	sh -c "'$pw' token list --format json | json '[t[\"state\"] for t in d if t[\"name\"]==\"boss-ci\"]==[\"owner_disabled\"]' | grep -q True"
st=$(req PATCH "/api/v1/users/$bid" $S -H "$JSON" -d '{"disabled":false}')
st=$(req GET /api/v1/users -H "$B")
check "enabled again as an admin: 200" [ "$st" = 200 ]
st=$(req DELETE "/api/v1/users/$bid" $S)
st=$(req GET /api/v1/hosts -H "$B")
check "the owner deleted: 401 for good" [ "$st" = 401 ]
st=$(req GET /api/v1/tokens -H "Authorization: Bearer $(cat "$tmp/token-admin")")
check "a list with an owner_deleted token matches the document" doc_ok GET /api/v1/tokens 200
"$pw" token create --name cli-owned --role admin --owner u-auditor >"$tmp/token-cli-owned" 2>/dev/null
st=$(req GET /api/v1/users -H "Authorization: Bearer $(cat "$tmp/token-cli-owned")")
check "token create --owner: bound by the owner (auditor reads users)" [ "$st" = 200 ]
st=$(req POST /api/v1/tokens -H "Authorization: Bearer $(cat "$tmp/token-cli-owned")" -H "$JSON" \
	-d '{"name":"x2","role":"auditor"}')
check "token create --owner: not beyond the owner (403)" [ "$st" = 403 ]
check "token create --owner for nobody: refused" \
	sh -c "! '$pw' token create --name nobody --role admin --owner ghost >/dev/null 2>'$tmp/err' && grep -q \"no user 'ghost'\" '$tmp/err'"

# --- disabling, password reset, logout
uid=$(curl -s -H "Authorization: Bearer $(cat "$tmp/token-admin")" "$PW_URL/api/v1/users" |
	json '[u["id"] for u in d["items"] if u["name"]=="u-operator"][0]')
req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-operator","password":"pass-operator-1234"}' -c "$tmp/jar-op" >/dev/null
st=$(req GET /api/v1/auth/me -b "$tmp/jar-op")
check "operator's session works" [ "$st" = 200 ]
st=$(req PATCH "/api/v1/users/$uid" $S -H "$JSON" -d '{"disabled":true}')
check "admin disables the operator: 200" sh -c "[ $st = 200 ] && grep -q '\"disabled\":true' '$tmp/body'"
check "PATCH matches the document" doc_ok PATCH /api/v1/users/{id} 200
st=$(req GET /api/v1/auth/me -b "$tmp/jar-op")
check "a disabled user's session: 401" [ "$st" = 401 ]
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-operator","password":"pass-operator-1234"}')
check "a disabled user cannot log in: 401" [ "$st" = 401 ]
st=$(req PATCH "/api/v1/users/$uid" $S -H "$JSON" -d '{"disabled":false,"password":"new operator pw"}')
check "enabled again with a new password" [ "$st" = 200 ]
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-operator","password":"pass-operator-1234"}')
check "the old password fails" [ "$st" = 401 ]
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-operator","password":"new operator pw"}' -c "$tmp/jar-op")
check "the new password works" [ "$st" = 200 ]
aid=$(curl -s -H "Authorization: Bearer $(cat "$tmp/token-admin")" "$PW_URL/api/v1/users" |
	json '[u["id"] for u in d["items"] if u["name"]=="u-admin"][0]')
st=$(req PATCH "/api/v1/users/$aid" $S -H "$JSON" -d '{"disabled":true}')
check "the second admin disabled" [ "$st" = 200 ]
st=$(req PATCH /api/v1/users/1 $S -H "$JSON" -d '{"role":"auditor"}')
check "the last enabled admin cannot be demoted: 400 naming why" \
	sh -c "[ $st = 400 ] && grep -q 'last enabled admin' '$tmp/body'"
st=$(req DELETE /api/v1/users/1 $S)
check "nor deleted" [ "$st" = 400 ]
st=$(req DELETE "/api/v1/users/$aid" $S)
check "the disabled admin is deleted: 204" [ "$st" = 204 ]
st=$(req GET "/api/v1/users/$aid" $S)
check "and gone: 404" [ "$st" = 404 ]
st=$(req PATCH /api/v1/users/1 $S -H "$JSON" -d '{"role":"superuser"}')
check "an unknown role: 400" [ "$st" = 400 ]
st=$(req PATCH /api/v1/users/1 $S -H "$JSON" -d '{"disabled":"yes"}')
check "disabled must be a boolean: 400" [ "$st" = 400 ]
st=$(req PATCH /api/v1/users/..%2f1 $S -H "$JSON" -d '{"disabled":true}')
check "a path-traversal id: 4xx JSON" sh -c "[ $st -ge 400 ] && [ $st -lt 500 ] && grep -q '\"error\"' '$tmp/body'"
ocsrf=$(curl -s -b "$tmp/jar-op" "$PW_URL/api/v1/auth/me" | json 'd["csrf_token"]')
st=$(req POST /api/v1/auth/logout -b "$tmp/jar-op" -H "X-CSRF-Token: $ocsrf")
check "logout: 200, and the cookie is cleared" \
	sh -c "[ $st = 200 ] && grep -qi '^Set-Cookie: pw_session=;.*Max-Age=0' '$tmp/headers'"
st=$(req GET /api/v1/auth/me -b "$tmp/jar-op")
check "after logout the old cookie: 401" [ "$st" = 401 ]

# --- login throttling
for i in 1 2 3 4 5; do
	req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-asset-manager","password":"wrong guess"}' >/dev/null
done
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-asset-manager","password":"pass-asset-manager-1234"}')
check "after 5 failures even the right password: 429 too_many_attempts" \
	sh -c "[ $st = 429 ] && grep -q too_many_attempts '$tmp/body'"
check "429 says Retry-After" grep -qi '^Retry-After: [0-9]' "$tmp/headers"
check "429 matches the document" doc_ok POST /api/v1/auth/login 429
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-change-manager","password":"pass-change-manager-1234"}')
check "another user from the same address still logs in" [ "$st" = 200 ]
# a success resets: 4 failures, a success, 4 failures, still not refused
for i in 1 2 3 4; do
	req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-auditor","password":"wrong guess"}' >/dev/null
done
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-auditor","password":"pass-auditor-1234"}')
check "4 failures, then the right password: 200" [ "$st" = 200 ]
for i in 1 2 3 4; do
	req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-auditor","password":"wrong guess"}' >/dev/null
done
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-auditor","password":"pass-auditor-1234"}')
check "the success reset the count: 4 more failures, then 200" [ "$st" = 200 ]
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"nobody","password":"whatever 123"}')
check "an unknown user: 401 invalid_credentials" \
	sh -c "[ $st = 401 ] && grep -q invalid_credentials '$tmp/body'"
check "the failed login matches the document" doc_ok POST /api/v1/auth/login 401
# 40 wrong passwords at once: each attempt counts before its (slow) check,
# so exactly 5 are checked and 35 refused
pids=
for i in $(seq 1 40); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "$JSON" \
		-d '{"name":"u-operator","password":"wrong guess"}' "$PW_URL/api/v1/auth/login" \
		>"$tmp/race.$i" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
checked=$(cat "$tmp"/race.* | grep -c '^401$')
refused=$(cat "$tmp"/race.* | grep -c '^429$')
echo "# 40 concurrent wrong passwords: $checked checked (401), $refused refused (429)"
check "40 concurrent wrong passwords: 5 checked, 35 refused" \
	[ "$checked/$refused" = 5/35 ]
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"u-change-manager","password":"pass-change-manager-1234"}')
check "a success from the address resets its count" [ "$st" = 200 ]

# --- audit entries for every change, readable by admin and auditor
items=$tmp/audit-all.json
echo '[]' >"$items"
cursor=
pages=0
while :; do
	st=$(req GET "/api/v1/audit?limit=7${cursor:+&cursor=$cursor}" -H "Authorization: Bearer $(cat "$tmp/token-auditor")")
	[ "$st" = 200 ] || { not_ok "audit page: $st"; break; }
	[ $pages = 0 ] && { doc_ok GET /api/v1/audit 200 || not_ok "audit page matches the document"; }
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); a+=json.load(open(sys.argv[2]))["items"]; json.dump(a,open(sys.argv[1],"w"))' "$items" "$tmp/body"
	cursor=$(json 'd["next_cursor"] or ""' <"$tmp/body")
	pages=$((pages + 1))
	[ -n "$cursor" ] || break
	[ $pages -lt 100 ] || { not_ok "audit pages never end"; break; }
done
check "the audit log came in several pages, seq 1, 2, 3, ... without gaps" \
	sh -c "[ $pages -gt 2 ] && json '[e[\"seq\"] for e in d]==list(range(1,len(d)+1))' <'$items' | grep -q True"
napi=$(json 'len(d)' <"$items")
ncli=$("$pw" audit list --format json | json 'len(d)')
check "the API's pages hold what 'audit list' holds ($napi entries)" \
	sh -c "[ '$napi' -gt 20 ] && [ '$napi' = '$ncli' ]"
has() { # has <action> <actor prefix>: an entry with that action by that actor
	json "any(e['action']=='$1' and e['actor'].startswith('$2') for e in d)" <"$items" | grep -q True
}
check "audit: user.create by the command line" has user.create local:
check "audit: user.create through the API" has user.create user:root
check "audit: token.create" has token.create user:root
check "audit: token.create by a token" has token.create token:
check "audit: token.revoke" has token.revoke user:root
check "audit: token.revoke on the command line" has token.revoke local:
check "audit: user.disable" has user.disable user:root
check "audit: user.update (enable + password)" has user.update user:root
check "audit: auth.login" has auth.login user:root
check "audit: auth.logout" has auth.logout user:u-operator
check "audit entries hold no secret or hash" \
	sh -c "! grep -q 'pwt_\|argon2\|pass-.*-1234\|new operator pw' '$items'"
check "the disable entry shows before and after" \
	sh -c "json '[(e[\"before\"][\"disabled\"], e[\"after\"][\"disabled\"]) for e in d if e[\"action\"]==\"user.disable\"]' <'$items' | grep -q '(False, True)'"
st=$(req GET "/api/v1/audit/verify" -H "Authorization: Bearer $(cat "$tmp/token-auditor")")
check "verify through the API: intact" \
	sh -c "[ $st = 200 ] && [ \"\$(json 'd[\"ok\"]' <'$tmp/body')\" = True ]"
check "verify matches the document" doc_ok GET /api/v1/audit/verify 200
check "patchwarden audit verify: 0 when intact" sh -c "'$pw' audit verify >/dev/null"

# --- truncation: the newest entries cut off with the head row moved back,
# or the whole log emptied, on a copy of the store (sealed with the same key)
key=$PW_DB.audit-key
check "the audit key is made at first use, 0600" test "$(stat -c %a "$key")" = 600
check "the sealed head file is 0600" test "$(stat -c %a "$key.head")" = 600
"$pw" audit verify --format json >"$tmp/head.json"
last=$(json 'd["last_seq"]' <"$tmp/head.json")
lasthash=$(json 'd["last_hash"]' <"$tmp/head.json")
check "the sealed head is the newest entry" \
	sh -c "grep -q '^patchwarden-audit-head v1 0*$last $lasthash ' '$key.head'"
cut() { # cut <seq>: a copy of the store whose log ends at seq, head row too
	rm -f "$tmp/cut.db"*
	"$pw" db backup "$tmp/cut.db" >/dev/null 2>&1
	if [ "$1" = 0 ]; then
		sqlite3 "$tmp/cut.db" "DELETE FROM audit_log; DELETE FROM audit_head"
	else
		sqlite3 "$tmp/cut.db" "DELETE FROM audit_log WHERE seq > $1;
			UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1)"
	fi
}
cut $((last - 3))
PATCHWARDEN_AUDIT_KEY=$key "$pw" audit verify --db "$tmp/cut.db" >"$tmp/verify.out" 2>&1
st=$?
check "the newest 3 entries cut off, the head row moved back: exit 1, log truncated" \
	sh -c "[ $st = 1 ] && grep -q 'log truncated: head at $((last - 3)), expected at least $last' '$tmp/verify.out'"
PATCHWARDEN_AUDIT_KEY=$tmp/no-such-key "$pw" audit verify --db "$tmp/cut.db" >/dev/null 2>&1
check "without the key (a copy made elsewhere), the chain alone looks intact" test $? = 0
PATCHWARDEN_AUDIT_KEY=$tmp/no-such-key "$pw" audit verify --db "$tmp/cut.db" \
	--checkpoint "$last:$lasthash" >"$tmp/verify.out" 2>&1
st=$?
check "... but a checkpoint given to verify finds it: exit 1, log truncated" \
	sh -c "[ $st = 1 ] && grep -q 'log truncated: head at $((last - 3)), expected at least $last' '$tmp/verify.out'"
check "a checkpoint that is no SEQ:HASH: exit 2" \
	sh -c "'$pw' audit verify --checkpoint 12:xyz >/dev/null 2>&1; [ \$? = 2 ]"
cut 0
PATCHWARDEN_AUDIT_KEY=$key "$pw" audit verify --db "$tmp/cut.db" --format json >"$tmp/verify.json" 2>&1
st=$?
check "the whole log emptied: exit 1, log truncated: head at 0" \
	sh -c "[ $st = 1 ] && [ \"\$(json 'd[\"ok\"]' <'$tmp/verify.json')\" = False ] && grep -q 'head at 0, expected at least $last' '$tmp/verify.json'"
# the server's own log holds checkpoints (once a minute when the log grew)
i=0
while [ $i -lt 70 ] && ! grep -q 'audit checkpoint seq=' "$PW_SERVER_LOG"; do sleep 1; i=$((i + 1)); done
check "the server logs audit checkpoints" grep -q 'patchwarden: info: audit checkpoint seq=[0-9]* hash=[0-9a-f]\{64\} mac=[0-9a-f]\{64\}' "$PW_SERVER_LOG"
cp=$(grep 'audit checkpoint seq=' "$PW_SERVER_LOG" | tail -1 | sed 's/.*seq=\([0-9]*\).*/\1/')
check "verify --checkpoints with the server's log: intact" \
	sh -c "'$pw' audit verify --checkpoints '$PW_SERVER_LOG' >/dev/null"
cut $((cp - 1))
PATCHWARDEN_AUDIT_KEY=$tmp/no-such-key "$pw" audit verify --db "$tmp/cut.db" \
	--checkpoints "$PW_SERVER_LOG" >"$tmp/verify.out" 2>&1
st=$?
check "cut before the server's last checkpoint: verify --checkpoints finds it" \
	sh -c "[ $st = 1 ] && grep -q 'log truncated: head at $((cp - 1)), expected at least $cp' '$tmp/verify.out'"

# --- tampering with the sqlite3 shell
sqlite3 "$PW_DB" "UPDATE audit_log SET actor = actor || 'x' WHERE seq = 3"
"$pw" audit verify >"$tmp/verify.out" 2>&1
st=$?
check "an edited entry: audit verify exits 1 naming seq 3" \
	sh -c "[ $st = 1 ] && grep -q 'entry 3' '$tmp/verify.out'"
st=$(req GET "/api/v1/audit/verify" -H "Authorization: Bearer $(cat "$tmp/token-admin")")
check "the API names it too" \
	sh -c "[ \"\$(json 'd[\"ok\"], d[\"first_bad_seq\"]' <'$tmp/body')\" = '(False, 3)' ]"
check "a broken chain's answer matches the document" doc_ok GET /api/v1/audit/verify 200
sqlite3 "$PW_DB" "UPDATE audit_log SET actor = substr(actor, 1, length(actor) - 1) WHERE seq = 3"
check "the entry put back: intact again" sh -c "'$pw' audit verify >/dev/null"
sqlite3 "$PW_DB" "DELETE FROM audit_log WHERE seq = 5"
"$pw" audit verify >"$tmp/verify.out" 2>&1
st=$?
check "a deleted entry: audit verify exits 1 naming seq 6, after the gap" \
	sh -c "[ $st = 1 ] && grep -q 'first bad entry: 6' '$tmp/verify.out'"
check "audit verify --format json says so" \
	sh -c "'$pw' audit verify --format json | json 'd[\"ok\"], d[\"first_bad_seq\"]' | grep -qx '(False, 6)'"
echo "not a database" >"$tmp/notadb"
check "audit verify on a file that is no store: exit 2" \
	sh -c "'$pw' audit verify --db '$tmp/notadb' >/dev/null 2>&1; [ \$? = 2 ]"

# --- the address limit comes last: it refuses everyone from here
for i in $(seq 1 20); do
	req POST /api/v1/auth/login -H "$JSON" -d "{\"name\":\"guess$i\",\"password\":\"wrong guess\"}" >/dev/null
done
st=$(req POST /api/v1/auth/login -H "$JSON" -d '{"name":"root","password":"root password 1"}')
check "20 failures from one address: 429 even for root" [ "$st" = 429 ]
st=$(req GET /api/v1/auth/me $S)
check "an existing session is not affected" [ "$st" = 200 ]

check "the server stops cleanly on SIGTERM" pw_server_stop

# --- under TLS the session cookie is Secure
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
		-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	chmod 600 "$tmp/key.pem"
	PW_SERVER_DIR=$tmp/tls
	PW_SERVER_TLS=1
	PW_SERVER_KEYS="tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem"
	if pw_server_start; then
		echo 'tls password 1' | "$pw" user add tlsroot --role admin 2>/dev/null
		st=$(req POST /api/v1/auth/login --cacert "$tmp/cert.pem" -H "$JSON" \
			-d '{"name":"tlsroot","password":"tls password 1"}')
		check "login over HTTPS: 200" [ "$st" = 200 ]
		check "over HTTPS the session cookie is Secure, HttpOnly, SameSite=Strict" \
			sh -c "grep -i '^Set-Cookie: pw_session=' '$tmp/headers' | grep -q '; HttpOnly; SameSite=Strict; Secure'"
		check "the TLS server stops cleanly" pw_server_stop
	else
		not_ok "the server starts with TLS"
	fi
	PW_SERVER_TLS=0
else
	echo "ok - # SKIP openssl is not installed: no TLS check"
fi
if [ $fails -eq 0 ]; then echo "# all passed"; else echo "# $fails failed"; fi
[ $fails -eq 0 ]
