/* deploy_config.c - the server's deploy policy, read once (pw_deploy_config.h).
 * pthread_once: after the first call a check-in pays an atomic load, no
 * lock. */
#include "pw_deploy_config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "pw_deploy_policy.h"
#include "pw_server.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic(struct pw_server *) server; /* one per process: every caller passes it */
static bool usable;
static struct pw_deploy_policy *policy;

static void load(void)
{
	const char *path = pw_server_setting(atomic_load(&server), "deploy", "policy");
	bool given = path != NULL;
	if (!path)
		path = PW_DEPLOY_POLICY_DEFAULT_PATH;
	usable = true;
	if (!given && access(path, F_OK) != 0)
		return;
	struct pw_error e = { 0 };
	if (pw_deploy_policy_load(path, &policy, &e)) {
		pw_server_log("error", "deploy policy %s: %s; no job is dispatched", path, e.msg);
		usable = false;
		policy = NULL;
		return;
	}
	pw_server_log("info", "deploy policy: %s", path);
}

bool pw_server_deploy_policy(struct pw_server *srv, const struct pw_deploy_policy **out)
{
	atomic_store_explicit(&server, srv, memory_order_relaxed);
	pthread_once(&once, load);
	*out = policy;
	return usable;
}
