/* cmd_policy.c - `patchwarden policy show|check`: the deployment policy
 * (docs/deploy-policy.md). check validates a file and names its first error
 * as file:line, section and key; show prints the effective policy of every
 * group, as GET /api/v1/policy does (--format json is that document). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_config.h"
#include "pw_deploy_policy.h"
#include "pw_deploy_policy_json.h"
#include "pw_jsonw.h"
#include "pw_server.h"
#include "pw_server_cli.h"

#define VERB "policy"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden policy check FILE\n"
		"       patchwarden policy show [FILE] [--format table|json] [--config FILE]\n"
		"\n"
		"The deployment policy: SLAs per priority, auto-approval, maintenance\n"
		"windows and blackouts in a time zone, reboots, cool-down, holds, and\n"
		"quarantine, per group (docs/deploy-policy.md).\n"
		"\n"
		"check: read FILE and report the first error (file:line: [section] key: ...)\n"
		"show:  the effective policy of every group: FILE, else the server's\n"
		"       [deploy] policy, else " PW_DEPLOY_POLICY_DEFAULT_PATH " when present,\n"
		"       else the built-in defaults; with whether each window is open now\n"
		"  --format F      table (default) or json (GET /api/v1/policy's document)\n"
		"  --config FILE   the server's configuration (default " PW_SYSCONFDIR
		"/patchwarden.conf)\n"
		"  -h, --help      show this help\n"
		"\n"
		"Exit status: 0 valid, 2 usage error or an invalid policy.\n");
}

static void list_line(const char *label, const char *const *v, size_t n)
{
	printf("  %-25s", label);
	if (!n)
		printf(" -");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : " ", v[i]);
	putchar('\n');
}

static void show_table(const struct pw_deploy_policy *p, int64_t now)
{
	char text[64], when[32];
	printf("policy: %s\n", p->path);
	for (size_t i = 0; i < p->n_groups; i++) {
		const struct pw_group_policy *g = &p->groups[i];
		printf("\n[%s%s]\n", i ? "group " : "", g->name);
		printf("  %-25s P1 %d, P2 %d, P3 %d, P4 %d days\n", "sla", g->sla_days[0],
		       g->sla_days[1], g->sla_days[2], g->sla_days[3]);
		printf("  %-25s %s\n", "auto_approve", pw_auto_approve_name(g->auto_approve));
		list_line("auto_approve_environment", g->auto_approve_env, g->n_auto_approve_env);
		printf("  %-25s %s\n", "timezone", g->timezone);
		printf("  %-25s", "window");
		if (!g->n_windows)
			printf(" always");
		for (size_t k = 0; k < g->n_windows; k++) {
			pw_window_format(&g->windows[k], text, sizeof(text));
			printf("%s%s", k ? ", " : " ", text);
		}
		putchar('\n');
		printf("  %-25s", "blackout");
		if (!g->n_blackouts)
			printf(" -");
		for (size_t k = 0; k < g->n_blackouts; k++) {
			pw_blackout_format(&g->blackouts[k], text, sizeof(text));
			printf("%s%s", k ? ", " : " ", text);
		}
		putchar('\n');
		int64_t next = pw_window_next_open(p, g->name, now);
		if (next == now)
			printf("  %-25s open now\n", "state");
		else if (next < 0)
			printf("  %-25s closed, no window opens within %d days\n", "state",
			       PW_WINDOW_HORIZON_DAYS);
		else
			printf("  %-25s closed, opens %s\n", "state",
			       pw_clock_format(next, when, sizeof(when)));
		printf("  %-25s %s\n", "reboot", pw_reboot_name(g->reboot));
		printf("  %-25s %d days\n", "min_package_age", g->min_package_age_days);
		list_line("hold", g->holds, g->n_holds);
		list_line("exclude_host", g->exclude_hosts, g->n_exclude_hosts);
		printf("  %-25s %d days\n", "silent_days", g->silent_days);
		printf("  %-25s %s after %d days\n", "quarantine", pw_quarantine_mode_name(g->quarantine),
		       g->quarantine_after_days);
	}
}

static int show_json(const struct pw_deploy_policy *p, int64_t now)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, true);
	pw_deploy_policy_write_json(&w, p, now);
	int status = PW_EXIT_OK;
	if (pw_jsonw_finish(&w)) {
		pw_cli_error(VERB, "cannot write the policy as JSON");
		status = PW_EXIT_ERROR;
	} else {
		fputs(b.data, stdout);
		putchar('\n');
	}
	pw_buf_free(&b);
	return status;
}

/* FILE, else [deploy] policy of the configuration, else the standard file
 * when present, else the defaults. */
static pw_err load(const char *file, const char *config, struct pw_deploy_policy **p,
		   struct pw_error *e)
{
	if (file)
		return pw_deploy_policy_load(file, p, e);
	struct pw_server_options o = { .config_path = config };
	struct pw_server *srv = NULL;
	pw_err rc = pw_server_load(&o, &srv, e);
	if (rc)
		return rc;
	const char *path = pw_server_setting(srv, "deploy", "policy");
	struct stat st;
	if (path)
		rc = pw_deploy_policy_load(path, p, e);
	else if (stat(PW_DEPLOY_POLICY_DEFAULT_PATH, &st) == 0)
		rc = pw_deploy_policy_load(PW_DEPLOY_POLICY_DEFAULT_PATH, p, e);
	else
		rc = pw_deploy_policy_defaults(p, e);
	pw_server_free(srv);
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	bool check = strcmp(sub, "check") == 0, show = strcmp(sub, "show") == 0;
	if (!check && !show) {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", sub);
		return PW_EXIT_ERROR;
	}
	enum pw_format fmt = PW_FORMAT_TABLE;
	const char *config = NULL;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON,
						 &fmt))
				return PW_EXIT_ERROR;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return PW_EXIT_OK;
		default:
			pw_cli_error(VERB, "unknown option or missing value: %s; see --help",
				     argv[optind]);
			return PW_EXIT_ERROR;
		}
	}
	int rest = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if ((check && rest != 1) || (show && rest > 1)) {
		pw_cli_error(VERB, "%s takes %s; see --help", sub,
			     check ? "one argument, the file" : "at most one file");
		return PW_EXIT_ERROR;
	}
	struct pw_deploy_policy *p = NULL;
	struct pw_error e = { 0 };
	if (load(rest ? args[0] : NULL, config, &p, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	int status = PW_EXIT_OK;
	if (check)
		printf("%s: valid: [default] and %zu group section(s)\n", p->path, p->n_groups - 1);
	else if (fmt == PW_FORMAT_JSON)
		status = show_json(p, pw_clock_now());
	else
		show_table(p, pw_clock_now());
	pw_deploy_policy_free(p);
	return status;
}
