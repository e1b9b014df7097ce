/* pw_rescore.h - a host's open findings scored again at once, when what
 * the score knows of the host (exposure, criticality, environment)
 * changed.
 *
 * Risk only: nothing is matched again. The stored findings keep their
 * vulnerability, package, fix and patch state; CVSS, EPSS and KEV are
 * looked up again and the formula (pw_risk.h) run with the host's context
 * now. Changing an attribute also marks the host for the assessor
 * (pw_registry_host_update), whose next run writes its findings afresh
 * (with the pending update's origin in the reasons, which the store does
 * not keep), so the two never disagree for longer than one run.
 */
#ifndef PW_RESCORE_H
#define PW_RESCORE_H

#include <stdint.h>

#include "pw_err.h"
#include "pw_policy.h"

struct pw_store;

/* Score host_id's open findings with policy and the host's context, in the
 * caller's transaction when one is open; *rescored (may be NULL) counts
 * the findings whose score, priority or reasons moved. */
pw_err pw_rescore_host(struct pw_store *s, int64_t host_id, const struct pw_policy *policy,
		       uint64_t *rescored, struct pw_error *e);

#endif
