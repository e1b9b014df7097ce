/* pw_registry.h - the asset register: hosts and their attributes, groups,
 * the current inventory of each host and its history (every package version
 * change with its time), and the findings of the server's assessment with
 * their life (first seen, fixed, reopened).
 *
 * Every write runs in the caller's transaction (pw_store_begin), beside its
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
 * re-assessment. `digest` is pw_inventory_digest() of inv.
 * The mark is set by the host's first inventory and by any change of a
 * package row or of the OS facts; an identical inventory leaves an
 * assessed host clean (and writes no package row). delta->unchanged counts
 * the versions kept, including those whose state or pending update was
 * rewritten. */
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

/* ---- the register as people see it (REST API, CLI) ----
 *
 * The functions below that change something take the audit actor
 * ("user:alice", "local:root") and append their audit entry (pw_audit.h)
 * themselves, inside the caller's transaction (PW_ERR_USAGE without one).
 * Strings handed out live in the caller's arena, or during the callback.
 */

#include "pw_arena.h"
#include "pw_jsonw.h"

#define PW_REGISTRY_STALE_AFTER_DEFAULT (3 * 86400) /* [registry] stale_after */

const char *pw_host_origin_name(enum pw_host_origin o); /* "agent", "import", "device" */

/* A duration (stale_after, enrollment token expiries): seconds ("3600"),
 * or a number with s, m, h, d or w ("72h", "3d"). false when malformed,
 * zero or over ten years. */
bool pw_registry_parse_duration(const char *s, int64_t *seconds);

struct pw_host {
	int64_t id;
	enum pw_host_origin origin;
	const char *machine_id;     /* NULL when none */
	const char *hostname;
	const char *os_id, *os_version_id, *os_codename, *os_id_like, *os_pretty_name;
	const char *arch, *kernel_release;
	const char *owner, *environment, *exposure, *site; /* NULL when unset */
	int criticality;            /* 1..5, 0 unset */
	const char **tags;          /* sorted */
	size_t ntags;
	int64_t first_seen, last_seen;
	int64_t inventory_at;       /* last inventory stored, 0 never */
	int64_t assessed_at;        /* 0 never */
	int64_t retired_at;         /* 0 active */
	const char *inventory_digest; /* NULL when none */
	int64_t npackages;
	bool needs_assessment, reboot_required;
};

/* One host, retired ones too; strings in `a`. PW_ERR_NOTFOUND when unknown. */
pw_err pw_registry_host_get(struct pw_store *s, int64_t id, struct pw_arena *a,
			    struct pw_host *out, struct pw_error *e);

/* Which hosts to list. Every condition given is AND-ed. */
struct pw_host_query {
	const char *group;          /* a group's name: its members (static) or matches (dynamic) */
	int64_t group_id;           /* the same by id (0: none) */
	const char *filter;         /* an expression of the filter language (below) */
	const char *os, *release, *tag, *environment; /* exact values */
	const char *q;              /* substring of hostname, machine id or owner (any case) */
	int stale;                  /* 1 only stale hosts, -1 only fresh ones, 0 both */
	int64_t now, stale_after;   /* stale: last_seen < now - stale_after */
	int64_t seen_since, seen_until; /* last seen in [since, until) (0: no bound) */
	bool include_retired;
	int64_t after_id;           /* pagination: hosts with a greater id */
	int64_t limit;              /* 0: no limit */
};

/* Hosts matching q in id order. The callback's host lives during the call.
 * PW_ERR_NOTFOUND for an unknown group, PW_ERR_INVALID for a bad filter. */
pw_err pw_registry_each_host_matching(struct pw_store *s, const struct pw_host_query *q,
				      pw_err (*cb)(void *ctx, const struct pw_host *h), void *ctx,
				      struct pw_error *e);

/* The host as a JSON object (the API's Host schema); stale is computed
 * from now and stale_after. */
void pw_registry_write_host(struct pw_jsonw *w, const struct pw_host *h, int64_t now,
			    int64_t stale_after);

/* A change to the attributes people keep: a field is changed when its
 * set_ flag is true; a NULL string (or criticality 0) clears it. Tags
 * replace the whole set. Values are validated (PW_ERR_INVALID naming the
 * field). Audited as "host.update" with the before and after documents.
 * A change of environment, criticality or exposure (what the risk score
 * reads) marks the host for re-assessment. */
struct pw_host_patch {
	bool set_owner, set_environment, set_criticality, set_exposure, set_site, set_tags;
	const char *owner, *environment, *exposure, *site;
	int criticality;
	const char *const *tags;
	size_t ntags;
};
pw_err pw_registry_host_update(struct pw_store *s, int64_t id, const struct pw_host_patch *p,
			       const char *actor, struct pw_error *e);
/* Validation alone, for callers that check before they open a transaction:
 * field is "owner", "environment", "criticality", "exposure", "site" or "tag". */
pw_err pw_registry_check_attr(const char *field, const char *value, struct pw_error *e);

/* Retire a host: kept with its history, left out of lists and assessment.
 * An agent or import with the same machine id brings it back. Audited. */
pw_err pw_registry_host_retire(struct pw_store *s, int64_t id, int64_t now, const char *actor,
			       struct pw_error *e);

/* The stored packages, in id order after `after_id`, at most limit (0 all). */
pw_err pw_registry_each_package(struct pw_store *s, int64_t host_id, int64_t after_id,
				int64_t limit,
				pw_err (*cb)(void *ctx, int64_t row_id, const struct pw_package *p),
				void *ctx, struct pw_error *e);

/* The package history, newest first, entries with id < before_id (0: from
 * the newest), at most limit (0 all). old_version NULL: installed;
 * new_version NULL: removed. The first inventory of a host records every
 * package as installed. */
struct pw_package_change {
	int64_t id, host_id, at;
	const char *family, *name, *arch, *old_version, *new_version;
};
pw_err pw_registry_each_change(struct pw_store *s, int64_t host_id, int64_t before_id,
			       int64_t limit,
			       pw_err (*cb)(void *ctx, const struct pw_package_change *c), void *ctx,
			       struct pw_error *e);

/* ---- groups ----
 *
 * A static group lists its members; a dynamic group is a saved filter, its
 * members are the hosts matching it now. The filter language: terms
 * separated by spaces, all of which must hold (AND); a value may be
 * double-quoted to hold spaces.
 *   os=debian release=12 codename=bookworm arch=amd64 tag=web
 *   environment=production exposure=internet site=par1 owner="Team A"
 *   origin=agent|import|device
 *   criticality=4 criticality>=4 (also >, <=, <)
 *   package=openssl       (installed, any family)
 *   hostname=web1 hostname~'web*' (glob: * ? [..], any case)
 * An error names the term at fault and what is wrong with it. */
pw_err pw_registry_filter_check(const char *filter, struct pw_error *e);

struct pw_group {
	int64_t id;
	const char *name;
	bool dynamic;
	const char *filter;      /* dynamic groups */
	const char *description; /* NULL when none */
	int64_t created_at;
	int64_t members;         /* static: listed members; dynamic: -1 (evaluated on demand) */
};
/* Group names: 1-64 of [A-Za-z0-9_.-], starting with a letter or digit. */
pw_err pw_registry_group_create(struct pw_store *s, const char *name, const char *filter,
				const char *description, int64_t now, const char *actor,
				int64_t *id, struct pw_error *e);
pw_err pw_registry_group_find(struct pw_store *s, const char *name, int64_t *id,
			      struct pw_error *e);
pw_err pw_registry_group_get(struct pw_store *s, int64_t id, struct pw_arena *a,
			     struct pw_group *out, struct pw_error *e);
pw_err pw_registry_each_group(struct pw_store *s,
			      pw_err (*cb)(void *ctx, const struct pw_group *g), void *ctx,
			      struct pw_error *e);
/* NULL leaves a field as it is; description "" clears it. A filter on a
 * static group is refused. */
pw_err pw_registry_group_update(struct pw_store *s, int64_t id, const char *name,
				const char *filter, const char *description, const char *actor,
				struct pw_error *e);
pw_err pw_registry_group_delete(struct pw_store *s, int64_t id, const char *actor,
				struct pw_error *e);
/* Static groups only; every host must exist (PW_ERR_NOTFOUND naming it).
 * Hosts already members are left alone; *added counts the new ones. */
pw_err pw_registry_group_add_members(struct pw_store *s, int64_t id, const int64_t *hosts,
				     size_t nhosts, const char *actor, int64_t *added,
				     struct pw_error *e);
void pw_registry_write_group(struct pw_jsonw *w, const struct pw_group *g);

/* ---- devices (no package manager) ----
 *
 * CSV, one device CPE a line: vendor,product,version,cpe[,hostname,owner,
 * environment,criticality,exposure,site]. A first line made only of these
 * column names is a header (columns in any order; vendor, product and cpe
 * required). A device is identified by its hostname (else its CPE):
 * several lines with one hostname give one device with several CPEs.
 * Every bad line is reported to bad() as line:field and a reason, and then
 * nothing is stored (PW_ERR_INVALID). Audited as "device.import". */
struct pw_device_import {
	int64_t lines, created, updated, cpes_added;
};
pw_err pw_registry_import_devices(struct pw_store *s, const char *csv, size_t len, int64_t now,
				  const char *actor, struct pw_device_import *out,
				  void (*bad)(void *ctx, size_t line, const char *field,
					      const char *reason),
				  void *ctx, struct pw_error *e);

#endif
