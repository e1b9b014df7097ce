/* pw_agents.h - enrollment tokens and agent credentials.
 *
 * An admin creates an enrollment token (scoped to a group, with an expiry
 * and a use limit); an agent presents it once and receives its own
 * credential ("pwa_" + 256 random bits, base64url), of which the store keeps
 * only a hash. Revoking an agent makes its credential fail at once.
 */
#ifndef PW_AGENTS_H
#define PW_AGENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

pw_err pw_agents_migrate(struct pw_store *s, struct pw_error *e);

struct pw_agent_identity {
	int64_t agent_id;
	int64_t host_id;
	bool pending; /* the enrollment awaits approval (found is false then) */
};

/* Check an agent credential (the bearer token as sent). found=false for an
 * unknown, revoked or malformed one, and for one whose enrollment awaits an
 * admin's approval (out->pending tells that apart). Constant-time in the
 * secret. */
pw_err pw_agents_verify(struct pw_store *s, const char *credential, struct pw_agent_identity *out,
			bool *found, struct pw_error *e);

/* ---- secrets ----
 * Enrollment tokens are "pwe_" and agent credentials "pwa_", each followed
 * by 256 random bits in unpadded base64url (43 characters). The store keeps
 * SHA-256 of the whole string, indexed, and finds a secret by its hash. */
#define PW_AGENT_SECRET_SIZE 48 /* prefix, 43 characters and the NUL */

/* Every function below that changes something runs its own transaction
 * (pw_store_begin ... commit) with its audit entry: call it outside one. */

/* ---- enrollment tokens ---- */

struct pw_enrollment_token {
	int64_t id;
	const char *group;      /* hosts enrolled with it join this group; NULL: none */
	int64_t created_at;
	int64_t expires_at;
	int64_t max_uses;
	int64_t uses;
	int64_t revoked_at;     /* 0: not revoked */
	const char *created_by; /* the audit actor that created it */
};

/* Create a token for `group` (NULL: none) valid until expires_at for
 * max_uses enrollments (>= 1). The secret is written to token (at least
 * PW_AGENT_SECRET_SIZE bytes), once: the store keeps only its hash. Audited as
 * "enrollment_token.create" by actor. */
pw_err pw_enrollment_create(struct pw_store *s, const char *actor, const char *group,
			    int64_t expires_at, int64_t max_uses, char *token, int64_t *id,
			    struct pw_error *e);

/* Tokens with id > after_id in id order, at most limit (0: all). Strings are
 * valid during the callback. */
pw_err pw_enrollment_each(struct pw_store *s, int64_t after_id, int64_t limit,
			  pw_err (*cb)(void *ctx, const struct pw_enrollment_token *t), void *ctx,
			  struct pw_error *e);

/* One token; found=false when unknown. Strings valid until the next call on
 * this store. */
pw_err pw_enrollment_get(struct pw_store *s, int64_t id, struct pw_enrollment_token *out,
			 bool *found, struct pw_error *e);

/* Revoke a token (PW_ERR_NOTFOUND when unknown; revoking twice changes
 * nothing). Audited as "enrollment_token.revoke". */
pw_err pw_enrollment_revoke(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e);

/* ---- enrolling an agent ---- */

enum pw_enroll_status {
	PW_ENROLL_OK,
	PW_ENROLL_UNKNOWN, /* no such token (or malformed) */
	PW_ENROLL_EXPIRED,
	PW_ENROLL_USED_UP,
	PW_ENROLL_REVOKED,
	PW_ENROLL_PENDING, /* recorded, with a credential that works once approved */
};

struct pw_enroll_request {
	const char *token;      /* "pwe_..." as presented */
	const char *machine_id; /* required: the host's identity */
	const char *hostname;   /* may be NULL */
	const char *address;    /* peer address, recorded; may be NULL */
};

struct pw_enrollment {
	int64_t agent_id;
	int64_t host_id;
	bool host_created;
	bool pending; /* PW_ENROLL_PENDING: agent_id is the pending enrollment */
	char credential[PW_AGENT_SECRET_SIZE]; /* "pwa_...", shown once */
};

/* Consume one use of the token and, in the same transaction, create or find
 * the host (pw_registry_host_ensure: origin agent, the token's group),
 * revoke the host's earlier credentials (a host has one live agent) and
 * create the new credential. Audited as "agent.enroll" by "agent:ID".
 * *status says why a token was refused (nothing is written then).
 *
 * When the machine id already has a live agent, nothing is displaced: the
 * enrollment is recorded as pending (*status PW_ENROLL_PENDING, audited as
 * "agent.enroll_pending"), its credential refused until an admin approves
 * it (pw_agents_approve), the host and its agent left as they are. */
pw_err pw_agents_enroll(struct pw_store *s, const struct pw_enroll_request *rq, int64_t now,
			enum pw_enroll_status *status, struct pw_enrollment *out,
			struct pw_error *e);

/* ---- enrolled agents ---- */

struct pw_agent_info {
	int64_t id;
	int64_t host_id;
	int64_t token_id;    /* 0: none */
	const char *machine_id;
	const char *hostname;
	const char *enrolled_from;
	int64_t enrolled_at;
	int64_t last_seen;   /* 0: never checked in (flushed every few seconds) */
	int64_t uploads;     /* full inventories received */
	int64_t last_upload; /* 0: none */
	int64_t revoked_at;  /* 0: live */
	bool pending;        /* awaits an admin's approval (pw_agents_approve) */
};

/* Agents with id > after_id in id order, at most limit (0: all); strings are
 * valid during the callback. */
pw_err pw_agents_each(struct pw_store *s, int64_t after_id, int64_t limit,
		      pw_err (*cb)(void *ctx, const struct pw_agent_info *a), void *ctx,
		      struct pw_error *e);

/* One agent; found=false when unknown. Strings valid until the next call. */
pw_err pw_agents_get(struct pw_store *s, int64_t id, struct pw_agent_info *out, bool *found,
		     struct pw_error *e);

/* Revoke an agent's credential: the next request with it gets 401
 * (pw_agents_verify reads the store on every call; there is no cache).
 * PW_ERR_NOTFOUND when unknown. Audited as "agent.revoke". */
pw_err pw_agents_revoke(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e);

/* Enrollments awaiting approval, oldest first. */
pw_err pw_agents_each_pending(struct pw_store *s,
			      pw_err (*cb)(void *ctx, const struct pw_agent_info *a), void *ctx,
			      struct pw_error *e);

/* Approve pending enrollment `id` (an agent id): the host takes its
 * hostname and its token's group, the host's other agents are revoked and
 * its credential starts to work. Reject: it is revoked. PW_ERR_NOTFOUND
 * when `id` is not pending. Audited as "agent.approve" (with an
 * "agent.revoke" for each agent replaced) and "agent.reject". */
pw_err pw_agents_approve(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e);
pw_err pw_agents_reject(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e);

/* Count a full inventory upload, in the caller's transaction (the one that
 * stores the inventory). */
pw_err pw_agents_count_upload(struct pw_store *s, int64_t agent_id, int64_t now,
			      struct pw_error *e);

/* Check-in times are noted in memory (thread-safe, no store access: the hot
 * path) and written by pw_agents_flush_seen, which the server runs as a
 * background task every few seconds: one transaction for all of them,
 * setting the agents' and their hosts' last_seen (pw_registry_touch). */
void pw_agents_note_seen(int64_t agent_id, int64_t host_id, int64_t now);
pw_err pw_agents_flush_seen(struct pw_store *s, struct pw_error *e);

#endif
