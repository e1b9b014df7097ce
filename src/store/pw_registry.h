/* pw_registry.h - the asset register: hosts and their attributes, groups,
 * the current inventory of each host and its history (every package version
 * change with its time), and the findings of the server's assessment with
 * their life (first seen, fixed, reopened).
 *
 * Every write runs in the caller's transaction (pw_sql_begin), beside its
 * audit entry (pw_audit.h).
 */
#ifndef PW_REGISTRY_H
#define PW_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_inventory.h"

struct pw_store;

pw_err pw_registry_migrate(struct pw_store *s, struct pw_error *e);

/* How a host came to the register. */
enum pw_host_origin {
	PW_HOST_AGENT,     /* enrolled agent */
	PW_HOST_IMPORT,    /* agentless: an uploaded `scan --format json` */
	PW_HOST_DEVICE,    /* no package manager: a CSV row (vendor, product, version, CPE) */
};

/* Create a host (or find the one with the same machine_id, for agents and
 * imports) and put it in group `group` (NULL: none; created when missing).
 * *created tells which. */
pw_err pw_registry_host_ensure(struct pw_store *s, enum pw_host_origin origin,
			       const char *machine_id, const char *hostname, const char *group,
			       int64_t now, int64_t *host_id, bool *created, struct pw_error *e);

/* The digest of the host's stored inventory (empty string: none yet). */
pw_err pw_registry_inventory_digest(struct pw_store *s, int64_t host_id, char *digest,
				    size_t digest_size, struct pw_error *e);

struct pw_inventory_delta {
	uint64_t added, removed, changed, unchanged; /* packages */
};

/* Store `inv` as the host's inventory: only the packages that changed are
 * written, each change appended to the history with `now`; the host's OS
 * facts and last_seen are updated and the host is marked for
 * re-assessment. `digest` is pw_inventory_digest() of inv. */
pw_err pw_registry_put_inventory(struct pw_store *s, int64_t host_id, const struct pw_inventory *inv,
				 const char *digest, int64_t now, struct pw_inventory_delta *delta,
				 struct pw_error *e);

/* A check-in that changed nothing: last_seen only. */
pw_err pw_registry_touch(struct pw_store *s, int64_t host_id, int64_t now, struct pw_error *e);

/* ---- for the server's assessment (assessor) ---- */

/* Load the host's stored inventory (OS facts and packages) into an
 * initialised inventory. PW_ERR_NOTFOUND for an unknown host. */
pw_err pw_registry_load_inventory(struct pw_store *s, int64_t host_id, struct pw_inventory *inv,
				  struct pw_error *e);

/* The asset context risk scoring uses. Strings valid until the next
 * registry call on this store. */
struct pw_host_context {
	int64_t host_id;
	const char *hostname;
	const char *exposure;    /* "internet", "internal", "isolated" or NULL */
	int criticality;         /* 1..5, 0 unknown */
	const char *environment; /* "production", ... or NULL */
};
pw_err pw_registry_host_context(struct pw_store *s, int64_t host_id, struct pw_host_context *out,
				struct pw_error *e);

/* Hosts whose inventory changed since they were last assessed, in id
 * order; pw_registry_mark_assessed clears the mark (in the caller's
 * transaction, with the findings it wrote). */
pw_err pw_registry_each_dirty_host(struct pw_store *s,
				   pw_err (*cb)(void *ctx, int64_t host_id), void *ctx,
				   struct pw_error *e);
pw_err pw_registry_mark_assessed(struct pw_store *s, int64_t host_id, int64_t now,
				 struct pw_error *e);

/* Every host (not retired), in id order, for full re-assessment. */
pw_err pw_registry_each_host(struct pw_store *s, pw_err (*cb)(void *ctx, int64_t host_id),
			     void *ctx, struct pw_error *e);

/* Devices without a package manager: their CPE names (one device may have
 * several), for matching against NVD configurations. */
pw_err pw_registry_each_device_cpe(struct pw_store *s,
				   pw_err (*cb)(void *ctx, int64_t host_id, const char *cpe),
				   void *ctx, struct pw_error *e);

#endif
