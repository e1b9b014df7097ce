/* pw_dispatch.h - handing jobs to agents and taking their reports (the
 * contract: docs/changes.md, "The job protocol": the check-in reply's
 * "jobs", and POST /api/v1/agent/jobs/{id}).
 *
 * A job goes out only while its change runs (or rolls back), its ring is
 * the active one, the host's maintenance window is open (an emergency
 * change's extra approval lets it run outside) and the ring has fewer than
 * its concurrency limit of jobs out. It is claimed in one write
 * transaction (UPDATE ... WHERE state = 'queued' RETURNING), so two
 * check-ins never both get it.
 */
#ifndef PW_DISPATCH_H
#define PW_DISPATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "pw_change.h"
#include "pw_err.h"

struct pw_store;
struct pw_deploy_policy;

/* The maintenance window of the change's group (NULL: a change on a host
 * list, which the policy's [default] section governs) at now, by the
 * deploy policy (pw_window_open); policy NULL: always open. */
bool pw_dispatch_window_open(const struct pw_deploy_policy *policy, const char *group,
			     int64_t now);

/* The jobs for `host` at this check-in, as the reply's "jobs" array (new
 * reference; empty most of the time). Costs one indexed probe when the
 * host has no queued job. */
pw_err pw_dispatch_checkin(struct pw_store *s, const struct pw_deploy_policy *policy,
			   int64_t host, int64_t now, json_t **jobs, struct pw_error *e);

/* Whether `report` is a well-formed agent report (the fields above, their
 * types and values, the log at most 64 KiB); false with e naming the
 * field. pw_dispatch_report checks this first. */
bool pw_dispatch_report_check(const json_t *report, struct pw_error *e);

/* An agent's report on job `id` for its host. *status: 200 taken (or a
 * repeated identical final report, ignored), 400 malformed (e says why),
 * 404 no such job, 409 not this host's job, not handed out, or already
 * final with a different report. A final report advances the change
 * (notify as in pw_change_advance). */
pw_err pw_dispatch_report(struct pw_store *s, int64_t host, const char *actor, const char *id,
			  const json_t *report, int64_t now, pw_change_notify notify, void *ctx,
			  int *status, struct pw_error *e);

#endif
