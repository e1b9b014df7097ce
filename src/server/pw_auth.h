/* pw_auth.h - who is calling: roles, principals, credentials.
 *
 * Users log in with a password (argon2id, libsodium) and get a browser
 * session (HttpOnly, SameSite=Strict cookie, Secure under TLS, with a CSRF
 * token checked on every state-changing request), or use API tokens
 * ("Authorization: Bearer pwt_..."), role-scoped and expiring. Agents use the
 * credential they got at enrollment ("Authorization: Bearer pwa_...") and
 * may only submit their own host's data. Every secret is stored as a hash.
 */
#ifndef PW_AUTH_H
#define PW_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_role.h"


#define PW_ALLOW_ROLE(r) (1u << (r))
#define PW_ALLOW_ANY_ROLE ((1u << PW_ROLE_COUNT) - 1)
#define PW_ALLOW_AGENT (1u << 16)
#define PW_ALLOW_PUBLIC (1u << 17)

enum pw_principal_kind {
	PW_PRINCIPAL_NONE,
	PW_PRINCIPAL_USER,  /* session cookie */
	PW_PRINCIPAL_TOKEN, /* API token: acts with the token's role */
	PW_PRINCIPAL_AGENT,
	PW_PRINCIPAL_LOCAL, /* the CLI on the server machine (owner of the store) */
};

struct pw_principal {
	enum pw_principal_kind kind;
	enum pw_role role;  /* users and tokens */
	/* tokens with an owner: the owner's current role; a request is allowed
	 * only when both roles are (a token never exceeds its owner) */
	bool owner_bound;
	enum pw_role owner_role;
	int64_t owner_id;   /* tokens: the owning user (0: none); users: their id */
	int64_t id;         /* user id, token id, or agent id */
	int64_t host_id;    /* agents: the only host they may write */
	char name[96];      /* user name, token name, host name: for logs */
	char actor[128];    /* how the audit log names it: "user:alice",
			     * "token:7:ci", "agent:12", "local:root" */
};

struct pw_request;
struct pw_response;

/* Authenticate a request for a route whose callers are `allow`: fill r->who
 * from its credentials (session cookie plus, for anything but GET and HEAD,
 * the X-CSRF-Token header; or "Authorization: Bearer pwt_..." for API
 * tokens; or "Bearer pwa_..." for agents, through pw_agents_verify) and
 * check it is allowed. false with the response filled when not: 401
 * unauthenticated (no or bad credentials), 403 forbidden (a valid principal
 * outside `allow`, or a missing CSRF token), 429 too_many_attempts. Routes
 * with PW_ALLOW_PUBLIC are not authenticated (r->who stays NONE). */
bool pw_auth_request(struct pw_request *r, struct pw_response *resp, unsigned allow);

struct pw_server;
struct pw_store;

/* Background task (pw_server_tasks): write the last-use times of the API
 * tokens and sessions seen since the last run (kept in memory, so a read
 * request never waits for the store's write lock) and forget expired
 * sessions. */
void pw_auth_housekeeping(struct pw_server *srv, struct pw_store *s);

#endif
