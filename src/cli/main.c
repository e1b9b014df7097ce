/* main.c - the patchwarden command: dispatch to one cmd_<verb>() per verb. */
#include "pw_cli.h"
#include "pw_config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct verb verbs[] = {
	{ "assess", cmd_assess, "find vulnerabilities on a host and rank them by risk" },
	{ "feed", NULL, "import and sync vulnerability feeds" },
	{ "scan", cmd_scan, "inventory this host or a root directory" },
	{ "vercmp", cmd_vercmp, "compare package versions (deb, rpm, apk)" },
	/* run by patchwarden-server (serve) and patchwarden-admin (the
	 * others; see run_server): their libraries (HTTP, TLS, crypto,
	 * archives, curl) stay out of scan, assess and vercmp */
	{ "serve", NULL, "run the server (REST API, agent check-ins)" },
	{ "db", NULL, "back up or migrate the server's store" },
	{ "user", NULL, "manage users and their roles" },
	{ "token", NULL, "manage API tokens" },
	{ "enrollment", NULL, "manage agent enrollment tokens" },
	{ "host", NULL, "list, show and describe hosts in the asset register" },
	{ "group", NULL, "manage static and dynamic host groups" },
	{ "finding", NULL, "list the fleet's findings" },
	{ "change", NULL, "plan, approve and roll out changes in rings" },
	{ "exception", NULL, "request, approve and list exceptions (risk acceptance)" },
	{ "kpi", NULL, "patch coverage, time to patch, SLA compliance and the other KPIs" },
	{ "asset", NULL, "import agentless inventories and devices" },
	{ "baseline", NULL, "save known-good package sets and report drift from them" },
	{ "audit", NULL, "read and verify the audit log" },
	{ "policy", NULL, "show and check the deployment policy (SLAs, windows, holds)" },
	{ "quarantine", NULL, "list and export quarantined hosts; recompute compliance" },
};

/* Hand a verb to its program: serve to patchwarden-server, the others to
 * patchwarden-admin, which does not link the HTTP server. exec keeps the
 * process id, so systemd supervises the server itself. */
static int run_server(char **argv)
{
	const char *program = strcmp(argv[1], "serve") == 0 ? "patchwarden-server"
							    : "patchwarden-admin";
	char path[PATH_MAX + 32];
	if (!pw_cli_program_path(program, path, sizeof(path))) {
		fprintf(stderr, "patchwarden: the path of %s is too long\n", program);
		return PW_EXIT_ERROR;
	}
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "patchwarden: cannot run %s: %s\n", path, strerror(errno));
	return PW_EXIT_ERROR;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: patchwarden [--version] [--help] <command> [<args>]\n"
		"\n"
		"Patch management for Linux fleets.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out,
		"\n"
		"Run 'patchwarden <command> --help' for a command's options.\n"
		"Exit status: 0 success, 1 findings at or above a threshold (assess),\n"
		"2 usage error, invalid input or failure.\n");
}

int main(int argc, char **argv)
{
	pw_cli_safe_stdout();
	if (argc < 2) {
		usage(stderr);
		return PW_EXIT_ERROR;
	}
	const char *verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (strcmp(verb, "--version") == 0 || strcmp(verb, "version") == 0) {
		printf("patchwarden %s\n", PW_VERSION);
		return PW_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verb, verbs[i].name) == 0)
			return verbs[i].run ? verbs[i].run(argc - 1, argv + 1) : run_server(argv);
	}
	fprintf(stderr, "patchwarden: '%s' is not a command; see 'patchwarden --help'\n", verb);
	return PW_EXIT_ERROR;
}
