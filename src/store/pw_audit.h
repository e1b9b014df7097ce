/* pw_audit.h - the audit log: every change to the store's state (who, when,
 * what, before and after), appended in the same transaction as the change,
 * each entry hash-chained to the one before it (SHA-256 over the previous
 * hash and the entry's canonical fields), so `patchwarden audit verify`
 * finds any entry edited, removed or inserted out of order.
 */
#ifndef PW_AUDIT_H
#define PW_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

pw_err pw_audit_migrate(struct pw_store *s, struct pw_error *e);

/* Append one entry. Must be called inside the change's transaction
 * (pw_store_begin): PW_ERR_USAGE otherwise. actor: "user:alice", "agent:12",
 * "local:root"...; action: "host.update", "user.create"...; object: what it
 * acted on ("host:12"); before/after: JSON documents or NULL. Secrets never
 * go in: callers pass redacted documents. */
pw_err pw_audit_append(struct pw_store *s, const char *actor, const char *action,
		       const char *object, const char *before_json, const char *after_json,
		       struct pw_error *e);
/* The same for an event that changes nothing else (an assessment someone
 * asked for, an export): the entry in a transaction of its own. */
pw_err pw_audit_record(struct pw_store *s, const char *actor, const char *action,
		       const char *object, const char *before_json, const char *after_json,
		       struct pw_error *e);

struct pw_audit_entry {
	int64_t seq;
	int64_t at; /* Unix seconds (pw_clock) */
	const char *actor, *action, *object, *before_json, *after_json;
	const char *hash; /* hex */
};

/* Entries with seq > after, oldest first, at most limit (0: all). */
pw_err pw_audit_each(struct pw_store *s, int64_t after, int64_t limit,
		     pw_err (*cb)(void *ctx, const struct pw_audit_entry *a), void *ctx,
		     struct pw_error *e);

/* The same, of entries made in [since, until) (0: no bound). */
pw_err pw_audit_each_range(struct pw_store *s, int64_t after, int64_t since, int64_t until,
			   int64_t limit,
			   pw_err (*cb)(void *ctx, const struct pw_audit_entry *a), void *ctx,
			   struct pw_error *e);

/* Recompute the chain. ok=false with *bad_seq the first entry that does not
 * verify (edited, or the one after a removed entry) and a message in e;
 * also when the log ends before the sealed head kept apart from the store
 * ("log truncated: head at N, expected at least M", pw_audit_seal.h) or
 * that head file was changed without its key. */
pw_err pw_audit_verify(struct pw_store *s, bool *ok, int64_t *bad_seq, int64_t *checked,
		       struct pw_error *e);

#endif
