/* deploy_config.c - the server's deploy policy, read once (pw_deploy_config.h). */
#include "pw_deploy_config.h"

#include <pthread.h>
#include <unistd.h>

#include "pw_deploy_policy.h"
#include "pw_server.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool loaded, usable;
static struct pw_deploy_policy *policy;

bool pw_server_deploy_policy(struct pw_server *srv, const struct pw_deploy_policy **out)
{
	pthread_mutex_lock(&lock);
	if (!loaded) {
		const char *path = pw_server_setting(srv, "deploy", "policy");
		bool given = path != NULL;
		if (!path)
			path = PW_DEPLOY_POLICY_DEFAULT_PATH;
		usable = true;
		if (given || access(path, F_OK) == 0) {
			struct pw_error e = { 0 };
			if (pw_deploy_policy_load(path, &policy, &e)) {
				pw_server_log("error", "deploy policy %s: %s; no job is dispatched", path,
					      e.msg);
				usable = false;
				policy = NULL;
			} else {
				pw_server_log("info", "deploy policy: %s", path);
			}
		}
		loaded = true;
	}
	*out = policy;
	bool ok = usable;
	pthread_mutex_unlock(&lock);
	return ok;
}
