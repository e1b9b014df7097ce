/* pw_assess_task.h - the server's one assessor (pw_assessor.h): the
 * background task and the instance POST /api/v1/assessments runs.
 */
#ifndef PW_ASSESS_TASK_H
#define PW_ASSESS_TASK_H

#include "pw_assessor.h"
#include "pw_err.h"
#include "pw_policy.h"

struct pw_server;
struct pw_store;

/* The server's one assessor, created on first use from its settings
 * ([assess] policy), locked for the caller's run. Used by the background
 * task (pw_assessor_task, every [assess] interval seconds, default 10) and
 * by POST /api/v1/assessments. */
pw_err pw_assessor_run_shared(struct pw_server *srv, struct pw_store *s,
			      struct pw_assess_run *out, struct pw_error *e);
void pw_assessor_task(struct pw_server *srv, struct pw_store *store);

/* The risk policy the server's assessor scores with (loaded from [assess]
 * policy when the assessor was created, or now when it has not been yet). */
pw_err pw_assessor_policy_shared(struct pw_server *srv, struct pw_policy *out,
				 struct pw_error *e);

#endif
