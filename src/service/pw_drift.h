/* pw_drift.h - known-good baselines and the drift of hosts from them: the
 * actions (save, delete: one transaction each, audited) and the drift
 * report of a set of hosts as one JSON document, which
 * GET /api/v1/baselines/{id}/drift answers and `patchwarden baseline drift`
 * prints. The rules are the store's (pw_baselines.h).
 */
#ifndef PW_DRIFT_H
#define PW_DRIFT_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_baselines.h"
#include "pw_err.h"
#include "pw_registry.h"

struct pw_jsonw;
struct pw_store;

pw_err pw_drift_save_baseline(struct pw_store *s, const char *name, const char *description,
			      int64_t host_id, int64_t now, const char *actor, int64_t *id,
			      struct pw_error *e);
pw_err pw_drift_delete_baseline(struct pw_store *s, int64_t id, const char *actor,
				struct pw_error *e);

/* {"baseline": {...}, "summary": {"hosts", "drifted", "in_line", "missing",
 *  "changed", "extra"}, "hosts": [{"host_id", "hostname", "missing",
 *  "changed", "extra", "differences": [{"kind", "family", "name", "arch",
 *  "baseline_version", "host_version", "direction"}]}]}
 * for host_id alone when it is not 0, else for the hosts q selects (every
 * host when q selects nothing narrower), read in one snapshot. differences are listed only when with_details;
 * at most max_details per host (0: all). *drifted (may be NULL) counts the
 * hosts with any difference. */
pw_err pw_drift_report(struct pw_store *s, int64_t baseline_id, const struct pw_host_query *q,
		       int64_t host_id, bool with_details, int64_t max_details, struct pw_jsonw *w,
		       int64_t *drifted, struct pw_error *e);

#endif
