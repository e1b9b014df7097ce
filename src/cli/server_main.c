/* server_main.c - two programs, reached as `patchwarden VERB` (main.c):
 * patchwarden-server (built with PW_SERVE) runs `serve`, and links the HTTP
 * server; patchwarden-admin runs the verbs that administer the store, and
 * links the libraries below the server only. */
#include "pw_cli.h"
#include "pw_config.h"
#include "pw_server_cli.h"

#include <string.h>

#ifdef PW_SERVE
#define PROGRAM "patchwarden-server"
#else
#define PROGRAM "patchwarden-admin"
#endif

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
#ifdef PW_SERVE
	{ "serve", cmd_serve },
#else
	{ "asset", cmd_asset },
	{ "audit", cmd_audit },
	{ "baseline", cmd_baseline },
	{ "change", cmd_change },
	{ "db", cmd_db },
	{ "enrollment", cmd_enrollment },
	{ "exception", cmd_exception },
	{ "feed", cmd_feed },
	{ "finding", cmd_finding },
	{ "group", cmd_group },
	{ "host", cmd_host },
	{ "kpi", cmd_kpi },
	{ "policy", cmd_policy },
	{ "quarantine", cmd_quarantine },
	{ "token", cmd_token },
	{ "user", cmd_user },
#endif
};

int main(int argc, char **argv)
{
	pw_cli_safe_stdout();
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
			if (strcmp(argv[1], verbs[i].name) == 0)
				return verbs[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "%s: usage: %s <command> [<args>]; see 'patchwarden --help'\n",
		PROGRAM, PROGRAM);
	return PW_EXIT_ERROR;
}
