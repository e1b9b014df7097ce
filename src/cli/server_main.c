/* server_main.c - patchwarden-server: the server and the verbs that
 * administer its store. Reached as `patchwarden VERB` (main.c). */
#include "pw_cli.h"
#include "pw_config.h"
#include "pw_server_cli.h"

#include <string.h>

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
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
	{ "serve", cmd_serve },
	{ "token", cmd_token },
	{ "user", cmd_user },
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
	fprintf(stderr, "patchwarden-server: usage: patchwarden-server <command> [<args>];"
			" see 'patchwarden --help'\n");
	return PW_EXIT_ERROR;
}
