/* pw_enforce.h - compliance and quarantine from the deployment policy.
 *
 * A host is non-compliant when it has an open P1 or P2 finding at or past
 * its SLA due date (pw_sla_due: first seen + sla_pN days, or an earlier KEV
 * due date: sla_p1 = 0 means at once), or when it has been silent (no check-in, no inventory) for
 * silent_days. Under `quarantine = enforce` a host non-compliant for
 * quarantine_after_days is quarantined; `report` only lists it.
 *
 * A quarantine lifts by itself once the host is compliant again, and for an
 * overdue one only after a verified remediation: an inventory from the
 * quarantine's start on, assessed, leaves no overdue finding (closing findings by
 * changing the SLA does not count; lowering the mode to report or off
 * does, as a policy decision). Every transition is audited and, when
 * notify is set, queued in the webhook outbox once.
 *
 * The host's policy is that of the first [group NAME] section, in file
 * order, whose group (static or dynamic) has the host; else [default].
 */
#ifndef PW_ENFORCE_H
#define PW_ENFORCE_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_deploy_policy.h"
#include "pw_err.h"

struct pw_store;

enum pw_compliance {
	PW_COMPLIANT = 0,
	PW_NONCOMPLIANT,  /* under report, or not yet quarantine_after_days */
	PW_QUARANTINED,
	PW_UNCHECKED,     /* quarantine = off for its group */
};

struct pw_host_compliance {
	int64_t host_id;
	const char *hostname;
	const char *group;        /* the policy section applied ("default" or a group) */
	enum pw_compliance state;
	const char *reason;       /* "overdue" or "silent" when not compliant; else NULL */
	int64_t due;              /* the earliest SLA due date of its open P1/P2; 0 none */
	int64_t since;            /* non-compliant since (due, or last seen + silent_days) */
};

struct pw_enforce_result {
	int64_t hosts, noncompliant, quarantined, added, lifted;
};

struct pw_enforce_options {
	int64_t now;
	const char *actor;        /* audit actor: "system:enforce", "local:root" */
	bool notify;              /* queue webhook events */
	/* called for every host after its transition (may be NULL) */
	pw_err (*each)(void *ctx, const struct pw_host_compliance *h);
	void *ctx;
};

/* Evaluate every active host against policy p and apply the transitions in
 * one transaction. */
pw_err pw_enforce_run(struct pw_store *s, const struct pw_deploy_policy *p,
		      const struct pw_enforce_options *o, struct pw_enforce_result *out,
		      struct pw_error *e);

const char *pw_compliance_name(enum pw_compliance c); /* "compliant", ... */

#endif
