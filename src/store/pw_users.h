/* pw_users.h - users, browser sessions and API tokens in the store.
 *
 * Secrets: every one is 256 random bits (randombytes_buf) written as
 * base64url; the store keeps only a hash. Passwords are argon2id
 * (crypto_pwhash_str, the INTERACTIVE limits: about 64 MiB and tens of
 * milliseconds each, so hash before a transaction, never inside one); high
 * entropy secrets (session cookies, "pwt_" API tokens) are SHA-256, looked
 * up by their hash and compared in constant time.
 *
 * Roles are stored by name ("admin", "auditor", ...); callers validate them
 * (pw_role_parse, pw_role.h). The functions that change something run
 * their own transaction with the audit entry (pw_audit.h) naming `actor`,
 * with before and after documents that never hold a secret or a hash.
 *
 * Times come from pw_clock_now().
 */
#ifndef PW_USERS_H
#define PW_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

pw_err pw_users_migrate(struct pw_store *s, struct pw_error *e);

#define PW_USER_NAME_MAX 64
#define PW_ROLE_NAME_MAX 32
#define PW_PASSWORD_MIN 8
#define PW_PASSWORD_MAX 1024
/* crypto_pwhash_STRBYTES */
#define PW_PASSWORD_HASH_SIZE 128
/* a secret as text: prefix + 43 base64url characters + NUL */
#define PW_SECRET_SIZE 64
/* SHA-256 as hex + NUL */
#define PW_SECRET_HASH_SIZE 65

struct pw_user {
	int64_t id;
	char name[PW_USER_NAME_MAX + 1];
	char role[PW_ROLE_NAME_MAX];
	bool disabled;
	int64_t created, updated;
};

/* A user name: 1 to 64 of [A-Za-z0-9._@-], not starting with '-'. */
bool pw_user_name_valid(const char *name);

/* Check a password's length (8 to 1024 bytes, no NUL) and hash it with
 * argon2id into out. Slow by design. */
pw_err pw_password_hash(const char *password, char out[PW_PASSWORD_HASH_SIZE],
			struct pw_error *e);

/* Create a user. PW_ERR_INVALID when the name is taken or invalid. */
pw_err pw_user_add(struct pw_store *s, const char *actor, const char *name, const char *role,
		   const char *password_hash, int64_t *id, struct pw_error *e);

/* Change a user: role (NULL: keep), disabled (-1: keep, 0, 1), password
 * (a pw_password_hash() result; NULL: keep). Disabling a user or changing
 * the password ends the user's sessions. The last enabled admin cannot be
 * disabled or lose the role (PW_ERR_INVALID). PW_ERR_NOTFOUND for no such
 * user. *changed (may be NULL) tells whether anything differed. */
pw_err pw_user_update(struct pw_store *s, const char *actor, int64_t id, const char *role,
		      int disabled, const char *password_hash, bool *changed, struct pw_error *e);

/* Delete a user and the user's sessions (not the last enabled admin). */
pw_err pw_user_remove(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e);

pw_err pw_user_get(struct pw_store *s, int64_t id, struct pw_user *out, bool *found,
		   struct pw_error *e);
pw_err pw_user_find(struct pw_store *s, const char *name, struct pw_user *out, bool *found,
		    struct pw_error *e);
/* Every user by name; a non-zero return from cb stops and is returned. */
pw_err pw_user_each(struct pw_store *s, pw_err (*cb)(void *ctx, const struct pw_user *u),
		    void *ctx, struct pw_error *e);
/* One page: users whose name sorts after `after` (NULL: from the first),
 * at most limit of them. */
pw_err pw_user_page(struct pw_store *s, const char *after, int64_t limit,
		    pw_err (*cb)(void *ctx, const struct pw_user *u), void *ctx, struct pw_error *e);

/* Check a password. ok=false for an unknown or disabled user or a wrong
 * password; an unknown name costs the same argon2id verification as a known
 * one. *out is filled when ok. */
pw_err pw_user_check_password(struct pw_store *s, const char *name, const char *password,
			      struct pw_user *out, bool *ok, struct pw_error *e);

/* ---- browser sessions ---- */

struct pw_session {
	char id[PW_SECRET_HASH_SIZE]; /* SHA-256 hex of the secret */
	int64_t user_id;
	int64_t created, expires, last_used;
};

/* Open a session for user (after pw_user_check_password) lasting ttl
 * seconds: writes the cookie secret and its CSRF token into the buffers,
 * with the audit entry "auth.login". */
pw_err pw_session_create(struct pw_store *s, const struct pw_user *user, int64_t ttl,
			 char secret[PW_SECRET_SIZE], char csrf[PW_SECRET_SIZE],
			 struct pw_session *out, struct pw_error *e);

/* The session of a cookie secret and its (enabled) user; found=false when
 * unknown, expired, or the user is disabled. */
pw_err pw_session_lookup(struct pw_store *s, const char *secret, struct pw_session *out,
			 struct pw_user *user, bool *found, struct pw_error *e);

/* The CSRF token of a session: derived from the secret (SHA-256 under its
 * own label, base64url), so only the holder of the HttpOnly cookie's value,
 * which is the server, can compute it, and nothing more is stored. */
void pw_session_csrf(const char *secret, char csrf[PW_SECRET_SIZE]);

/* End a session (logout), with the audit entry "auth.logout" by actor. */
pw_err pw_session_end(struct pw_store *s, const char *actor, const char *secret,
		      struct pw_error *e);

/* Forget expired sessions. */
pw_err pw_session_purge(struct pw_store *s, struct pw_error *e);

/* ---- API tokens ---- */

struct pw_token {
	int64_t id;
	char name[PW_USER_NAME_MAX + 1];
	char role[PW_ROLE_NAME_MAX];
	char created_by[128];
	int64_t created;
	int64_t expires;   /* 0: never */
	int64_t last_used; /* 0: never */
	int64_t revoked;   /* 0: not revoked */
	/* The owner: the user whose rights bound the token's (see
	 * pw_token_create_owned). None for a token made from the command line
	 * without --owner. */
	bool has_owner;
	int64_t owner_id;
	bool owner_gone;                    /* the owner was deleted */
	bool owner_disabled;
	char owner[PW_USER_NAME_MAX + 1];   /* "" when none or gone */
	char owner_role[PW_ROLE_NAME_MAX];  /* the owner's role now; "" likewise */
};

/* A token name: as a user name. */
bool pw_token_name_valid(const char *name);

/* "30d", "12h", "90m", an RFC 3339 time or date, or "never" (0) into an
 * absolute expiry after now. PW_ERR_INVALID naming the value otherwise
 * (also for a time not in the future). */
pw_err pw_expiry_parse(const char *s, int64_t now, int64_t *out, struct pw_error *e);

/* Create a token ("pwt_" + 256 random bits) with a role and an expiry (0:
 * never), owned by no user (the command line's tokens). The secret is
 * written once into `secret`; the store keeps its SHA-256. */
pw_err pw_token_create(struct pw_store *s, const char *actor, const char *name, const char *role,
		       int64_t expires, struct pw_token *out, char secret[PW_SECRET_SIZE],
		       struct pw_error *e);

/* The same, owned by user owner_id (0: none): the server makes every token
 * for the user who asks (or the owner of the token that asks), so a token
 * never does more than its owner may do now; PW_ERR_NOTFOUND when there is
 * no such user. */
pw_err pw_token_create_owned(struct pw_store *s, const char *actor, int64_t owner_id,
			     const char *name, const char *role, int64_t expires,
			     struct pw_token *out, char secret[PW_SECRET_SIZE], struct pw_error *e);

/* The token of a secret. found=false when unknown, revoked or expired, or
 * when its owner is disabled or deleted. out->owner_role is the owner's
 * current role: the caller grants no more than both roles allow. */
pw_err pw_token_verify(struct pw_store *s, const char *secret, struct pw_token *out, bool *found,
		       struct pw_error *e);

pw_err pw_token_get(struct pw_store *s, int64_t id, struct pw_token *out, bool *found,
		    struct pw_error *e);
/* Every token, newest first; no secrets exist to show. */
pw_err pw_token_each(struct pw_store *s, pw_err (*cb)(void *ctx, const struct pw_token *t),
		     void *ctx, struct pw_error *e);
/* One page, newest first: tokens with an id below `before` (0: from the
 * newest), at most limit of them. */
pw_err pw_token_page(struct pw_store *s, int64_t before, int64_t limit,
		     pw_err (*cb)(void *ctx, const struct pw_token *t), void *ctx,
		     struct pw_error *e);

/* Revoke (PW_ERR_NOTFOUND: no such token; revoking twice is a no-op with
 * *changed false). */
pw_err pw_token_revoke(struct pw_store *s, const char *actor, int64_t id, bool *changed,
		       struct pw_error *e);

/* Record last use (no audit entry: use is not a change). Callers batch
 * these outside the request path. */
pw_err pw_token_touch(struct pw_store *s, int64_t id, int64_t at, struct pw_error *e);
pw_err pw_session_touch(struct pw_store *s, const char *session_id, int64_t at,
			struct pw_error *e);

#endif
