/* pw_baselines.h - named known-good package sets ("baselines"), saved from
 * a host's inventory as it stands, and how a host differs from one (drift).
 *
 * A baseline is the exact (family, name, arch, version) set of a host's
 * installed packages at the moment it was saved: what a tested pilot host
 * or a golden image looked like. It never changes afterwards; a new state
 * is a new baseline. The functions that change something run in the
 * caller's transaction and write their audit entry there (the service
 * layer, pw_drift.h, owns the transaction).
 */
#ifndef PW_BASELINES_H
#define PW_BASELINES_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_arena.h"
#include "pw_err.h"

struct pw_store;
struct pw_jsonw;

#define PW_BASELINE_NAME_MAX 64

struct pw_baseline {
	int64_t id;
	const char *name;
	const char *description; /* NULL: none */
	int64_t source_host_id;  /* the host it was saved from */
	const char *source_hostname;
	int64_t created_at;
	const char *created_by;  /* audit actor */
	int64_t npackages;
};

pw_err pw_baselines_migrate(struct pw_store *s, struct pw_error *e);

/* A name is 1..64 of [A-Za-z0-9._-], starting with a letter or digit. */
bool pw_baseline_name_valid(const char *name);

/* Save host_id's installed packages as baseline `name` (PW_ERR_INVALID for
 * a bad name, a name already used, or a host without an inventory;
 * PW_ERR_NOTFOUND for an unknown host). Audited as "baseline.create". */
pw_err pw_baselines_save(struct pw_store *s, const char *name, const char *description,
			 int64_t host_id, int64_t now, const char *actor, int64_t *id,
			 struct pw_error *e);
/* Audited as "baseline.delete". PW_ERR_NOTFOUND when unknown. */
pw_err pw_baselines_delete(struct pw_store *s, int64_t id, const char *actor,
			   struct pw_error *e);

/* By id, or by name (PW_ERR_NOTFOUND naming it); strings in a. */
pw_err pw_baselines_get(struct pw_store *s, int64_t id, struct pw_arena *a,
			struct pw_baseline *out, struct pw_error *e);
pw_err pw_baselines_find(struct pw_store *s, const char *name, int64_t *id,
			 struct pw_error *e);
/* Every baseline by name; the callback's baseline lives during the call. */
pw_err pw_baselines_each(struct pw_store *s,
			 pw_err (*cb)(void *ctx, const struct pw_baseline *b), void *ctx,
			 struct pw_error *e);
/* The baseline's packages in (family, name, arch) order. */
pw_err pw_baselines_each_package(struct pw_store *s, int64_t id,
				 pw_err (*cb)(void *ctx, const char *family, const char *name,
					      const char *arch, const char *version),
				 void *ctx, struct pw_error *e);

/* How a host's package differs from the baseline. */
enum pw_drift_kind {
	PW_DRIFT_MISSING,    /* in the baseline, not installed on the host */
	PW_DRIFT_CHANGED,    /* installed in another version */
	PW_DRIFT_EXTRA,      /* installed on the host, not in the baseline */
};
struct pw_drift {
	enum pw_drift_kind kind;
	const char *family, *name, *arch;
	const char *baseline_version; /* NULL for extra */
	const char *host_version;     /* NULL for missing */
	int direction;                /* changed: > 0 newer on the host, < 0 older */
};
const char *pw_drift_kind_name(enum pw_drift_kind k); /* "missing", "changed", "extra" */

/* Every difference of host_id's installed packages from the baseline, in
 * (family, name, arch) order, missing and changed before extra. */
pw_err pw_baselines_drift(struct pw_store *s, int64_t baseline_id, int64_t host_id,
			  pw_err (*cb)(void *ctx, const struct pw_drift *d), void *ctx,
			  struct pw_error *e);

/* The baseline as JSON (the API's Baseline schema, without packages). */
void pw_baselines_write(struct pw_jsonw *w, const struct pw_baseline *b);

#endif
