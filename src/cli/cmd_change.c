/* cmd_change.c - `patchwarden change`: changes, their approvals and their
 * rollout, on the server's store directly as its owner ("local:USER" in
 * the audit log). The work is src/deploy's (pw_change.h); the JSON
 * documents are those of /api/v1/changes (docs/openapi/changes.json). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_change.h"
#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_deploy_policy.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_server_cli.h"
#include "pw_store.h"

#define VERB "change"
#define EXIT_REFUSED 1
#define MAX_ARGS 1000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden change create --title T (--group G | --host H...)\n"
		"                   [what: --priority P --kev --cve ID --package P --kind K\n"
		"                    | --updates [--security-only] | --install NAME=VERSION...]\n"
		"                   [--ticket REF] [--emergency] [--pilot GROUP] [--rings 5,25,100]\n"
		"                   [--success-pct N] [--soak DURATION] [--concurrency N]\n"
		"                   [--reboot never|if_required|always] [--no-health-check]\n"
		"                   [--dry-run] [--deploy-policy FILE] [--config FILE]\n"
		"       patchwarden change list [--state S]\n"
		"       patchwarden change show ID [--hosts]\n"
		"       patchwarden change approve|start|pause|resume|abort|rollback ID\n"
		"       patchwarden change reject ID --reason TEXT\n"
		"       patchwarden change edit ID [--title T] [--ticket REF] [--success-pct N]\n"
		"                   [--soak DURATION] [--concurrency N]\n"
		"  every subcommand also takes [--format table|json] [--db PATH]\n"
		"\n"
		"A change patches hosts with exact versions, computed and stored per host when\n"
		"it is created, and frozen from then on. It needs N approvals ([changes]\n"
		"approvals, default 1; an emergency change one more), never from its\n"
		"requester; an edit voids them. Started, it goes out ring by ring: the pilot\n"
		"group's hosts, then 5%%, 25%%, 100%% of the rest; a ring passes when its\n"
		"success rate, soak time and health checks pass and nobody rolled back, else\n"
		"the change halts until it is resumed. See docs/changes.md.\n"
		"\n"
		"create, what to patch (default: open fixable findings, all of them):\n"
		"  --priority P     findings at P1..P4 or more urgent\n"
		"  --kev            findings of known exploited vulnerabilities\n"
		"  --cve ID         one vulnerability's findings\n"
		"  --package P      findings of one package\n"
		"  --kind K         vulnerability or update findings\n"
		"  --updates        the hosts' pending updates (--security-only: security ones)\n"
		"  --install N=V    exactly this version, on the hosts that have the package\n"
		"create, where and how:\n"
		"  --group G        the hosts of a group, or --host H (id, hostname or machine\n"
		"                   id; repeatable)\n"
		"  --pilot GROUP    the pilot ring: the change's hosts in this group\n"
		"  --rings LIST     cumulative percentages of the other hosts (5,25,100)\n"
		"  --success-pct N  each ring's success gate (default 100)\n"
		"  --soak D         time after a ring's last report before the next (0)\n"
		"  --concurrency N  jobs out at once per ring (50)\n"
		"  --dry-run        print the plan (per host, the exact versions), store nothing\n"
		"  --deploy-policy F its holds and host exclusions shape the plan (default\n"
		"                   " PW_DEPLOY_POLICY_DEFAULT_PATH " when it exists); windows\n"
		"                   are the server's to keep, at dispatch\n"
		"  --config FILE    the server's configuration, for [changes] approvals\n"
		"list: --state S    only changes in state S\n"
		"show: --hosts      every host's targets and jobs too\n"
		"\n"
		"  --db PATH        the server's store (default $PATCHWARDEN_DB, else the\n"
		"                   standard location)\n"
		"  --format F       table (default) or json\n"
		"  -h, --help       show this help\n"
		"\n"
		"Exit status: 0 done, 1 refused (the change's state does not allow it, the\n"
		"requester approving, an approval given twice), 2 usage error, unknown change,\n"
		"host or group, or failure.\n");
}

enum {
	O_TITLE = 256, O_TICKET, O_EMERGENCY, O_PRIORITY, O_KEV, O_CVE, O_PACKAGE, O_KIND,
	O_UPDATES, O_SECURITY, O_INSTALL, O_GROUP, O_HOST, O_PILOT, O_RINGS, O_PCT, O_SOAK,
	O_CONC, O_REBOOT, O_NOHEALTH, O_DRY, O_POLICY, O_CONFIG, O_STATE, O_HOSTS, O_REASON, O_FORMAT,
	O_DB,
};

static const struct option longopts[] = {
	{ "title", required_argument, NULL, O_TITLE },
	{ "ticket", required_argument, NULL, O_TICKET },
	{ "emergency", no_argument, NULL, O_EMERGENCY },
	{ "priority", required_argument, NULL, O_PRIORITY },
	{ "kev", no_argument, NULL, O_KEV },
	{ "cve", required_argument, NULL, O_CVE },
	{ "package", required_argument, NULL, O_PACKAGE },
	{ "kind", required_argument, NULL, O_KIND },
	{ "updates", no_argument, NULL, O_UPDATES },
	{ "security-only", no_argument, NULL, O_SECURITY },
	{ "install", required_argument, NULL, O_INSTALL },
	{ "group", required_argument, NULL, O_GROUP },
	{ "host", required_argument, NULL, O_HOST },
	{ "pilot", required_argument, NULL, O_PILOT },
	{ "rings", required_argument, NULL, O_RINGS },
	{ "success-pct", required_argument, NULL, O_PCT },
	{ "soak", required_argument, NULL, O_SOAK },
	{ "concurrency", required_argument, NULL, O_CONC },
	{ "reboot", required_argument, NULL, O_REBOOT },
	{ "no-health-check", no_argument, NULL, O_NOHEALTH },
	{ "dry-run", no_argument, NULL, O_DRY },
	{ "deploy-policy", required_argument, NULL, O_POLICY },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "state", required_argument, NULL, O_STATE },
	{ "hosts", no_argument, NULL, O_HOSTS },
	{ "reason", required_argument, NULL, O_REASON },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "db", required_argument, NULL, O_DB },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	struct pw_change_spec sp;
	const char *installs[MAX_ARGS];
	const char *host_args[MAX_ARGS];
	size_t nhost_args;
	bool updates, dry_run, with_hosts, json, any_filter;
	const char *config, *state, *reason, *db, *soak, *policy;
	const char *title, *ticket;
	int64_t pct, conc;
	const char *id_arg;
};

static bool number(const char *opt, const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi) {
		pw_cli_error(VERB, "%s must be a number from %lld to %lld, not '%s'", opt,
			     (long long)lo, (long long)hi, v);
		return false;
	}
	*out = x;
	return true;
}

/* Parse argv[1..] for subcommand `sub`; false after a message. */
static bool parse(int argc, char **argv, const char *sub, struct args *a, int *status)
{
	struct pw_change_spec *sp = &a->sp;
	int c;
	int64_t v;
	bool create = strcmp(sub, "create") == 0, edit = strcmp(sub, "edit") == 0;
	sp->success_pct = -1;
	sp->soak_s = -1;
	a->pct = -1;
	a->conc = -1;
	sp->health_check = true;
	*status = PW_EXIT_ERROR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		/* options of create (and edit) only */
		bool create_only = c >= O_EMERGENCY && c <= O_CONFIG && c != O_PCT && c != O_SOAK &&
				   c != O_CONC;
		if ((create_only && !create) ||
		    ((c == O_TITLE || c == O_TICKET || c == O_PCT || c == O_SOAK || c == O_CONC) &&
		     !create && !edit) ||
		    (c == O_STATE && strcmp(sub, "list")) || (c == O_HOSTS && strcmp(sub, "show")) ||
		    (c == O_REASON && strcmp(sub, "reject"))) {
			pw_cli_error(VERB, "%s does not take %s; see --help", sub, argv[optind - 1]);
			return false;
		}
		switch (c) {
		case O_TITLE: a->title = optarg; break;
		case O_TICKET: a->ticket = optarg; break;
		case O_EMERGENCY: sp->emergency = true; break;
		case O_PRIORITY:
			if ((optarg[0] != 'P' && optarg[0] != 'p') || optarg[1] < '1' ||
			    optarg[1] > '4' || optarg[2]) {
				pw_cli_error(VERB, "--priority must be P1, P2, P3 or P4, not '%s'", optarg);
				return false;
			}
			sp->priority = optarg[1] - '0';
			a->any_filter = true;
			break;
		case O_KEV: sp->kev = a->any_filter = true; break;
		case O_CVE: sp->cve = optarg; a->any_filter = true; break;
		case O_PACKAGE: sp->package = optarg; a->any_filter = true; break;
		case O_KIND:
			if (strcmp(optarg, "vulnerability") && strcmp(optarg, "update")) {
				pw_cli_error(VERB, "--kind must be vulnerability or update, not '%s'", optarg);
				return false;
			}
			sp->finding_kind = optarg;
			a->any_filter = true;
			break;
		case O_UPDATES: a->updates = true; break;
		case O_SECURITY: sp->security_only = true; break;
		case O_INSTALL:
			if (sp->npackages == MAX_ARGS) {
				pw_cli_error(VERB, "at most %d --install", MAX_ARGS);
				return false;
			}
			a->installs[sp->npackages++] = optarg;
			break;
		case O_GROUP: sp->group = optarg; break;
		case O_HOST:
			if (a->nhost_args == MAX_ARGS) {
				pw_cli_error(VERB, "at most %d --host; use a group", MAX_ARGS);
				return false;
			}
			a->host_args[a->nhost_args++] = optarg;
			break;
		case O_PILOT: sp->pilot_group = optarg; break;
		case O_RINGS: sp->rings = optarg; break;
		case O_PCT:
			if (!number("--success-pct", optarg, 0, 100, &a->pct))
				return false;
			break;
		case O_SOAK:
			if (strcmp(optarg, "0") == 0) {
				v = 0;
			} else if (!pw_registry_parse_duration(optarg, &v) || v > 30 * 86400) {
				pw_cli_error(VERB, "--soak must be a duration such as 30m or 2h (at most"
						   " 30d), not '%s'", optarg);
				return false;
			}
			sp->soak_s = v;
			a->soak = optarg;
			break;
		case O_CONC:
			if (!number("--concurrency", optarg, 1, 100000, &a->conc))
				return false;
			break;
		case O_REBOOT: sp->reboot = optarg; break;
		case O_NOHEALTH: sp->health_check = false; break;
		case O_DRY: a->dry_run = true; break;
		case O_CONFIG: a->config = optarg; break;
		case O_POLICY: a->policy = optarg; break;
		case O_STATE:
			if (!pw_change_state_valid(optarg)) {
				pw_cli_error(VERB, "--state: '%s' is not a change state (pending_approval,"
						   " approved, running, paused, halted, completed, ...)",
					     optarg);
				return false;
			}
			a->state = optarg;
			break;
		case O_HOSTS: a->with_hosts = true; break;
		case O_REASON: a->reason = optarg; break;
		case O_FORMAT: {
			enum pw_format fmt;
			if (!pw_cli_parse_format(optarg, (1u << PW_FORMAT_TABLE) | (1u << PW_FORMAT_JSON),
						 &fmt))
				return false;
			a->json = fmt == PW_FORMAT_JSON;
			break;
		}
		case O_DB: a->db = optarg; break;
		case 'h':
			usage(stdout);
			*status = PW_EXIT_OK;
			return false;
		default:
			usage(stderr);
			return false;
		}
	}
	bool takes_id = !create && strcmp(sub, "list") != 0;
	if (takes_id) {
		if (optind >= argc) {
			pw_cli_error(VERB, "%s: which change? (c-N)", sub);
			return false;
		}
		a->id_arg = argv[optind++];
	}
	if (optind != argc) {
		pw_cli_error(VERB, "unexpected argument '%s'", argv[optind]);
		return false;
	}
	if (create) {
		int kinds = (a->updates ? 1 : 0) + (sp->npackages ? 1 : 0) + (a->any_filter ? 1 : 0);
		if (kinds > 1) {
			pw_cli_error(VERB, "create: finding filters, --updates and --install are three"
					   " ways to say what to patch: give one");
			return false;
		}
		sp->source = a->updates ? PW_CHANGE_FROM_UPDATES
			   : sp->npackages ? PW_CHANGE_FROM_PACKAGES : PW_CHANGE_FROM_FINDINGS;
		sp->packages = a->installs;
		sp->title = a->title;
		sp->ticket = a->ticket;
		sp->success_pct = (int)a->pct;
		sp->concurrency = a->conc > 0 ? (int)a->conc : 0;
		if (!a->title) {
			pw_cli_error(VERB, "create: --title is required");
			return false;
		}
	}
	if (strcmp(sub, "reject") == 0 && !a->reason) {
		pw_cli_error(VERB, "reject: --reason is required");
		return false;
	}
	return true;
}

/* ---- output ---- */

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

static long long num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_plan(const json_t *plan)
{
	size_t i, k;
	const json_t *h, *p;
	printf("%-8s  %-24s  %-5s  %-28s  %-24s  %s\n", "HOST", "HOSTNAME", "RING", "PACKAGE",
	       "INSTALLED", "TARGET");
	json_array_foreach(json_object_get(plan, "hosts"), i, h) {
		json_array_foreach(json_object_get(h, "packages"), k, p) {
			printf("%-8lld  %-24.24s  %-5lld  %-28.28s  %-24.24s  %s\n", num(h, "host_id"),
			       str(h, "hostname"), num(h, "ring"), str(p, "name"), str(p, "installed"),
			       str(p, "version"));
		}
	}
	json_array_foreach(json_object_get(plan, "skipped"), i, h)
		printf("%-8lld  %-24.24s  skipped: %s\n", num(h, "host_id"), str(h, "hostname"),
		       str(h, "reason"));
	printf("rings:");
	json_array_foreach(json_object_get(plan, "rings"), i, h)
		printf(" %s %lld host%s%s", str(h, "name"), num(h, "hosts"),
		       num(h, "hosts") == 1 ? "" : "s",
		       i + 1 < json_array_size(json_object_get(plan, "rings")) ? "," : "");
	printf("\n%zu host%s to patch, %zu skipped\n", json_array_size(json_object_get(plan, "hosts")),
	       json_array_size(json_object_get(plan, "hosts")) == 1 ? "" : "s",
	       json_array_size(json_object_get(plan, "skipped")));
}

static void print_change(const json_t *c)
{
	size_t i;
	const json_t *x;
	printf("%s  %s\n", str(c, "id"), str(c, "title"));
	printf("  state      %s%s%s\n", str(c, "state"),
	       json_is_string(json_object_get(c, "halt_reason")) ? ": " : "",
	       json_is_string(json_object_get(c, "halt_reason")) ? str(c, "halt_reason") : "");
	printf("  kind       %s, ticket %s, requested by %s\n", str(c, "kind"), str(c, "ticket"),
	       str(c, "requester"));
	printf("  hosts      %lld (%s%s), pilot group %s\n", num(c, "hosts"),
	       json_is_string(json_object_get(c, "target_group")) ? "group " : "host list",
	       json_is_string(json_object_get(c, "target_group")) ? str(c, "target_group") : "",
	       str(c, "pilot_group"));
	const json_t *g = json_object_get(c, "gates");
	printf("  gates      success >= %lld%%, soak %llds, health checks %s; %lld jobs at once"
	       " per ring\n", num(g, "success_pct"), num(g, "soak_s"),
	       json_is_true(json_object_get(g, "health_check")) ? "on" : "off",
	       num(g, "concurrency"));
	printf("  approvals  %lld of %lld (revision %lld)\n", num(c, "approvals_given"),
	       num(c, "approvals_needed"), num(c, "revision"));
	json_array_foreach(json_object_get(c, "approvals"), i, x)
		printf("             %s %s %s%s%s%s\n", str(x, "at"), str(x, "actor"),
		       str(x, "decision"), json_is_true(json_object_get(x, "void")) ? " (void: edited since)" : "",
		       json_is_string(json_object_get(x, "reason")) ? ": " : "",
		       json_is_string(json_object_get(x, "reason")) ? str(x, "reason") : "");
	printf("  rings\n");
	json_array_foreach(json_object_get(c, "rings"), i, x) {
		const json_t *j = json_object_get(x, "jobs");
		printf("    %-6s %-8s %4lld hosts  jobs: %lld succeeded, %lld failed, %lld waiting%s\n",
		       str(x, "name"), str(x, "state"), num(x, "hosts"), num(j, "succeeded"),
		       num(j, "failed"), num(j, "waiting"),
		       num(j, "acknowledged") ? " (failures acknowledged)" : "");
	}
	const json_t *ev = json_object_get(c, "evidence");
	if (json_is_object(ev)) {
		printf("  test evidence (pilot ring, passed %s): %lld succeeded, %lld failed\n",
		       str(ev, "passed_at"), num(ev, "succeeded"), num(ev, "failed"));
		json_array_foreach(json_object_get(ev, "jobs"), i, x)
			printf("    host %-6lld %s %s verified=%s health=%s\n", num(x, "host_id"),
			       str(x, "job"), str(x, "state"),
			       json_is_true(json_object_get(x, "verified")) ? "yes" : "no",
			       str(x, "health"));
	} else {
		printf("  test evidence: none yet (the pilot ring has not passed)\n");
	}
	json_array_foreach(json_object_get(c, "targets"), i, x) {
		size_t k;
		const json_t *p;
		printf("  host %lld %s ring %lld:", num(x, "host_id"), str(x, "hostname"),
		       num(x, "ring"));
		json_array_foreach(json_object_get(x, "packages"), k, p)
			printf(" %s=%s", str(p, "name"), str(p, "version"));
		putchar('\n');
	}
	json_array_foreach(json_object_get(c, "jobs"), i, x)
		printf("  job %s host %lld ring %lld %s: %s\n", str(x, "id"), num(x, "host_id"),
		       num(x, "ring"), str(x, "action"), str(x, "state"));
}

static int emit(const struct args *a, json_t *doc, void (*table)(const json_t *))
{
	if (a->json)
		pw_cli_print_json(doc, JSON_INDENT(2));
	else
		table(doc);
	json_decref(doc);
	if (fflush(stdout) != 0) {
		pw_cli_error(VERB, "writing the output: %s", strerror(errno));
		return PW_EXIT_ERROR;
	}
	return PW_EXIT_OK;
}

static void print_list(const json_t *items)
{
	size_t i;
	const json_t *c;
	printf("%-8s  %-16s  %-9s  %5s  %-6s  %-14s  %s\n", "ID", "STATE", "KIND", "HOSTS", "RING",
	       "TICKET", "TITLE");
	json_array_foreach(items, i, c)
		printf("%-8s  %-16s  %-9s  %5lld  %-6lld  %-14.14s  %s\n", str(c, "id"),
		       str(c, "state"), str(c, "kind"), num(c, "hosts"), num(c, "current_ring"),
		       str(c, "ticket"), str(c, "title"));
	printf("%zu change%s\n", json_array_size(items), json_array_size(items) == 1 ? "" : "s");
}

/* ---- subcommands ---- */

static int do_create(struct pw_store *s, struct args *a, const struct pw_change_who *who)
{
	struct pw_error e = { 0 };
	int64_t hosts[MAX_ARGS];
	for (size_t i = 0; i < a->nhost_args; i++) {
		if (!(hosts[i] = pw_server_cli_resolve_host(VERB, s, a->host_args[i])))
			return PW_EXIT_ERROR;
	}
	a->sp.hosts = hosts;
	a->sp.nhosts = a->nhost_args;
	/* [changes] approvals from the server's configuration */
	struct pw_server_options o = { .config_path = a->config, .db_path = a->db };
	struct pw_server *srv = NULL;
	if (pw_server_load(&o, &srv, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	a->sp.approvals = (int)pw_server_setting_int(srv, "changes", "approvals", 1);
	const char *ppath = a->policy ? a->policy : pw_server_setting(srv, "deploy", "policy");
	if (!ppath && access(PW_DEPLOY_POLICY_DEFAULT_PATH, F_OK) == 0)
		ppath = PW_DEPLOY_POLICY_DEFAULT_PATH;
	struct pw_deploy_policy *policy = NULL;
	pw_err rc = ppath ? pw_deploy_policy_load(ppath, &policy, &e) : PW_OK;
	pw_server_free(srv);
	if (rc) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	a->sp.policy = policy;
	json_t *plan = NULL;
	if (pw_change_plan(s, &a->sp, &plan, &e)) {
		pw_deploy_policy_free(policy);
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (a->dry_run) {
		pw_deploy_policy_free(policy);
		return emit(a, plan, print_plan);
	}
	int64_t id;
	rc = pw_change_create(s, &a->sp, plan, who, pw_clock_now(), &id, &e);
	pw_deploy_policy_free(policy);
	json_decref(plan);
	if (rc) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	json_t *doc;
	if (pw_change_json(s, id, false, &doc, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	return emit(a, doc, print_change);
}

typedef pw_err (*step_fn)(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			  int64_t now, enum pw_change_refusal *why, struct pw_error *e);

static int run(struct pw_store *s, const char *sub, struct args *a,
	       const struct pw_change_who *who)
{
	struct pw_error e = { 0 };
	if (strcmp(sub, "create") == 0)
		return do_create(s, a, who);
	if (strcmp(sub, "list") == 0) {
		json_t *items;
		if (pw_change_list_json(s, a->state, 0, 0, &items, &e)) {
			pw_cli_report(VERB, &e);
			return PW_EXIT_ERROR;
		}
		return emit(a, items, print_list);
	}
	int64_t id;
	if (!pw_change_parse_id(a->id_arg, &id)) {
		pw_cli_error(VERB, "'%s' is not a change id (c-N)", a->id_arg);
		return PW_EXIT_ERROR;
	}
	enum pw_change_refusal why = PW_CHANGE_REFUSED_NOT;
	pw_err rc = PW_OK;
	int64_t now = pw_clock_now();
	static const struct {
		const char *name;
		step_fn fn;
	} steps[] = {
		{ "approve", pw_change_approve }, { "start", pw_change_start },
		{ "pause", pw_change_pause },     { "resume", pw_change_resume },
		{ "abort", pw_change_abort },     { "rollback", pw_change_rollback },
	};
	bool done = strcmp(sub, "show") == 0;
	for (size_t i = 0; !done && i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (strcmp(sub, steps[i].name) == 0) {
			rc = steps[i].fn(s, id, who, now, &why, &e);
			done = true;
		}
	}
	if (!done && strcmp(sub, "reject") == 0) {
		rc = pw_change_reject(s, id, who, a->reason, now, &why, &e);
	} else if (!done) { /* edit */
		rc = pw_change_edit(s, id, who, a->title, a->ticket, (int)a->pct, a->soak ? a->sp.soak_s : -1,
				    (int)a->conc, now, &why, &e);
	}
	if (rc) {
		pw_cli_report(VERB, &e);
		return why != PW_CHANGE_REFUSED_NOT ? EXIT_REFUSED : PW_EXIT_ERROR;
	}
	json_t *doc;
	if (pw_change_json(s, id, a->with_hosts, &doc, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	return emit(a, doc, print_change);
}

int cmd_change(int argc, char **argv)
{
	static const char *const subs[] = { "create", "list", "show", "approve", "reject",
					    "start", "pause", "resume", "abort", "rollback",
					    "edit", NULL };
	if (argc < 2) {
		usage(stderr);
		return PW_EXIT_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	const char *sub = NULL;
	for (size_t i = 0; subs[i]; i++) {
		if (strcmp(argv[1], subs[i]) == 0)
			sub = subs[i];
	}
	if (!sub) {
		pw_cli_error(VERB, "unknown subcommand '%s' (create, list, show, approve, reject,"
				   " start, pause, resume, abort, rollback, edit)", argv[1]);
		return PW_EXIT_ERROR;
	}
	struct args *a = calloc(1, sizeof(*a));
	if (!a) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	int status;
	if (!parse(argc - 1, argv + 1, sub, a, &status))
		goto out;
	struct pw_store *s;
	if (pw_server_cli_open_existing_store(VERB, a->db, &s)) {
		status = PW_EXIT_ERROR;
		goto out;
	}
	char actor[128];
	pw_server_cli_actor(actor, sizeof(actor));
	/* a local command is the person running it */
	struct pw_change_who who = { actor, actor };
	status = run(s, sub, a, &who);
	pw_store_close(s);
out:
	free(a);
	return status;
}
