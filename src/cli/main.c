/* main.c - the patchwarden command: dispatch to one cmd_<verb>() per verb. */
#include "pw_cli.h"
#include "pw_config.h"

#include <string.h>

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct verb verbs[] = {
	{ "assess", cmd_assess, "find vulnerabilities on a host and rank them by risk" },
	{ "feed", cmd_feed, "import and sync vulnerability feeds" },
	{ "scan", cmd_scan, "inventory this host or a root directory" },
	{ "vercmp", cmd_vercmp, "compare package versions (deb, rpm, apk)" },
};

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
			return verbs[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "patchwarden: '%s' is not a command; see 'patchwarden --help'\n", verb);
	return PW_EXIT_ERROR;
}
