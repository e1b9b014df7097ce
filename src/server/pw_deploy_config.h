/* pw_deploy_config.h - the deploy policy the server runs with
 * (pw_deploy_policy.h): [deploy] policy = FILE, else
 * /etc/patchwarden/deploy.ini when it exists, else none (every window
 * open, nothing held). Read once, at first use; the policy is immutable
 * and safe to query from every worker thread.
 */
#ifndef PW_DEPLOY_CONFIG_H
#define PW_DEPLOY_CONFIG_H

#include <stdbool.h>

struct pw_server;
struct pw_deploy_policy;

/* *out: the policy, or NULL for none. false when the configured file does
 * not load (logged once): then nothing may be dispatched, rather than
 * dispatching as if the file said nothing. */
bool pw_server_deploy_policy(struct pw_server *srv, const struct pw_deploy_policy **out);

#endif
