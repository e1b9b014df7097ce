/* pw_deploy_task.h - the server's deployment policy and its enforcement:
 * the policy read once from [deploy] policy (default
 * /etc/patchwarden/deploy.ini when present, else the compiled-in
 * defaults), the background task that recomputes compliance and quarantine
 * every [deploy] enforce_interval seconds (default 300), and the one that
 * delivers webhook events ([webhook] url, secret_file) every few seconds.
 */
#ifndef PW_DEPLOY_TASK_H
#define PW_DEPLOY_TASK_H

#include "pw_deploy_policy.h"
#include "pw_enforce.h"
#include "pw_err.h"

struct pw_server;
struct pw_store;

/* The server's policy (pw_server_deploy_policy, the one dispatch uses), or
 * the compiled-in defaults when there is no file; valid until the process
 * ends. A file that does not load is an error every time (named file:line). */
pw_err pw_deploy_policy_shared(struct pw_server *srv, const struct pw_deploy_policy **out,
			       struct pw_error *e);

/* One enforcement run now (the task's, or POST /api/v1/quarantine/evaluate),
 * never two at once. o->now, o->actor and o->notify are set here. */
pw_err pw_enforce_run_shared(struct pw_server *srv, struct pw_store *s,
			     struct pw_enforce_options *o, struct pw_enforce_result *out,
			     struct pw_error *e);

void pw_enforce_task(struct pw_server *srv, struct pw_store *store);
void pw_webhook_task(struct pw_server *srv, struct pw_store *store);

#endif
