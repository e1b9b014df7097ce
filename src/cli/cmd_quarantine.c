/* cmd_quarantine.c - `patchwarden quarantine list|export|evaluate`: the hosts
 * quarantined under the deployment policy, on the server's store directly.
 * export writes what network access control loads (an nft script, CSV,
 * JSON); evaluate recomputes compliance now, as the server's task does,
 * audited as "local:USER". */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_config.h"
#include "pw_deploy_policy.h"
#include "pw_enforce.h"
#include "pw_jsonw.h"
#include "pw_quarantine.h"
#include "pw_quarantine_export.h"
#include "pw_server.h"
#include "pw_server_cli.h"
#include "pw_store.h"

#define VERB "quarantine"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden quarantine list [--all] [--format table|json|csv]\n"
		"       patchwarden quarantine export --format nft|csv|json [--output FILE]\n"
		"       patchwarden quarantine evaluate [--format table|json]\n"
		"       (each with [--db PATH] [--config FILE])\n"
		"\n"
		"Hosts quarantined under the deployment policy (docs/deploy-policy.md): open\n"
		"P1/P2 findings past their SLA, or silent for silent_days, in a group with\n"
		"quarantine = enforce. A quarantine lifts by itself when a new inventory\n"
		"shows the host remediated (or it reports again, if it was silent).\n"
		"\n"
		"list:     the active quarantines (--all: lifted ones too)\n"
		"export:   the active quarantines for network access control: nft (a script\n"
		"          for `nft -f` defining the sets quarantine_v4 and quarantine_v6 of\n"
		"          table inet patchwarden), csv or json\n"
		"  --output FILE   write there instead of stdout\n"
		"evaluate: recompute compliance and quarantine now, with the server's\n"
		"          [deploy] policy, and list the hosts that are not compliant (what\n"
		"          quarantine = report reports); events are queued for [webhook]\n"
		"\n"
		"  --db PATH       the server's store (default $PATCHWARDEN_DB, else [store]\n"
		"                  path of the configuration, else the standard location)\n"
		"  --config FILE   configuration (default " PW_SYSCONFDIR "/patchwarden.conf)\n"
		"  -h, --help      show this help\n"
		"\n"
		"Exit status: 0 done, 2 usage error or failure.\n");
}

struct list_ctx {
	enum pw_format fmt;
	struct pw_jsonw w;
	size_t n;
};

static pw_err list_row(void *ctx, const struct pw_quarantine *q)
{
	struct list_ctx *c = ctx;
	char since[32], lifted[32];
	c->n++;
	if (c->fmt == PW_FORMAT_JSON) {
		pw_quarantine_write_json(&c->w, q);
		return PW_OK;
	}
	pw_clock_format(q->since, since, sizeof(since));
	if (q->lifted_at)
		pw_clock_format(q->lifted_at, lifted, sizeof(lifted));
	if (c->fmt == PW_FORMAT_CSV)
		printf("%lld,%lld,%s,%s,%s,%s,%s\n", (long long)q->id, (long long)q->host_id,
		       q->address ? q->address : "", q->reason, since, q->lifted_at ? lifted : "",
		       q->hostname);
	else
		printf("%-5lld %-24s %-39s %-8s %-20s %s\n", (long long)q->id, q->hostname,
		       q->address ? q->address : "-", q->reason, since,
		       q->lifted_at ? lifted : (q->detail ? q->detail : ""));
	return PW_OK;
}

static int do_list(struct pw_store *s, bool all, enum pw_format fmt)
{
	struct list_ctx c = { .fmt = fmt };
	struct pw_buf b = PW_BUF_INIT;
	struct pw_error e = { 0 };
	if (fmt == PW_FORMAT_JSON) {
		pw_jsonw_init(&c.w, &b, true);
		pw_jsonw_begin_object(&c.w);
		pw_jsonw_key(&c.w, "items");
		pw_jsonw_begin_array(&c.w);
	} else if (fmt == PW_FORMAT_CSV) {
		printf("id,host_id,address,reason,since,lifted_at,hostname\n");
	} else {
		printf("%-5s %-24s %-39s %-8s %-20s %s\n", "ID", "HOST", "ADDRESS", "REASON",
		       "SINCE", all ? "LIFTED / DETAIL" : "DETAIL");
	}
	pw_err rc = pw_quarantine_each(s, !all, list_row, &c, &e);
	if (rc) {
		pw_buf_free(&b);
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (fmt == PW_FORMAT_JSON) {
		pw_jsonw_end_array(&c.w);
		pw_jsonw_key(&c.w, "next_cursor");
		pw_jsonw_null(&c.w);
		pw_jsonw_end_object(&c.w);
		if (pw_jsonw_finish(&c.w)) {
			pw_buf_free(&b);
			pw_cli_error(VERB, "cannot write the list as JSON");
			return PW_EXIT_ERROR;
		}
		puts(b.data);
	} else if (fmt == PW_FORMAT_TABLE && c.n == 0) {
		printf("(no host is quarantined)\n");
	}
	pw_buf_free(&b);
	return PW_EXIT_OK;
}

static int do_export(struct pw_store *s, enum pw_export_format f, const char *output)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_error e = { 0 };
	if (pw_quarantine_export(s, f, &b, &e)) {
		pw_buf_free(&b);
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	int status = PW_EXIT_OK;
	FILE *out = output ? fopen(output, "w") : stdout;
	if (!out) {
		pw_cli_error(VERB, "%s: cannot write: %m", output);
		status = PW_EXIT_ERROR;
	} else {
		if (b.len && fwrite(b.data, 1, b.len, out) != b.len)
			status = PW_EXIT_ERROR;
		if (output && fclose(out) != 0)
			status = PW_EXIT_ERROR;
		if (status)
			pw_cli_error(VERB, "%s: write failed", output ? output : "stdout");
	}
	pw_buf_free(&b);
	return status;
}

/* the hosts that are not compliant, a line each (table format) */
static pw_err print_noncompliant(void *ctx, const struct pw_host_compliance *h)
{
	enum pw_format *fmt = ctx;
	if (*fmt != PW_FORMAT_TABLE || (h->state != PW_NONCOMPLIANT && h->state != PW_QUARANTINED))
		return PW_OK;
	char since[32];
	printf("%-24s %-16s %-12s %-8s since %s\n", h->hostname, h->group,
	       pw_compliance_name(h->state), h->reason ? h->reason : "-",
	       pw_clock_format(h->since, since, sizeof(since)));
	return PW_OK;
}

static int do_evaluate(struct pw_server *srv, struct pw_store *s, enum pw_format fmt)
{
	char actor[128];
	pw_server_cli_actor(actor, sizeof(actor));
	struct pw_enforce_options o = { .actor = actor, .each = print_noncompliant, .ctx = &fmt };
	struct pw_enforce_result r;
	struct pw_error e = { 0 };
	/* the policy the server reads ([deploy] policy, else the default file
	 * when present, else the built-in one), loaded here: this program does
	 * not link the server */
	const char *path = pw_server_setting(srv, "deploy", "policy");
	if (!path && access(PW_DEPLOY_POLICY_DEFAULT_PATH, F_OK) == 0)
		path = PW_DEPLOY_POLICY_DEFAULT_PATH;
	struct pw_deploy_policy *p = NULL;
	o.now = pw_clock_now();
	o.notify = pw_server_setting(srv, "webhook", "url") != NULL;
	pw_err rc = path ? pw_deploy_policy_load(path, &p, &e) : pw_deploy_policy_defaults(&p, &e);
	if (!rc)
		rc = pw_enforce_run(s, p, &o, &r, &e);
	pw_deploy_policy_free(p);
	if (rc) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (fmt == PW_FORMAT_JSON)
		printf("{\"hosts\": %lld, \"noncompliant\": %lld, \"quarantined\": %lld, "
		       "\"added\": %lld, \"lifted\": %lld}\n", (long long)r.hosts,
		       (long long)r.noncompliant, (long long)r.quarantined, (long long)r.added,
		       (long long)r.lifted);
	else
		printf("%lld host(s): %lld non-compliant, %lld quarantined (%lld new, %lld lifted)\n",
		       (long long)r.hosts, (long long)r.noncompliant, (long long)r.quarantined,
		       (long long)r.added, (long long)r.lifted);
	return PW_EXIT_OK;
}

int cmd_quarantine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	bool list = strcmp(sub, "list") == 0, export = strcmp(sub, "export") == 0,
	     evaluate = strcmp(sub, "evaluate") == 0;
	if (!list && !export && !evaluate) {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", sub);
		return PW_EXIT_ERROR;
	}
	struct pw_server_options so = { 0 };
	const char *format = NULL, *output = NULL;
	bool all = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'd': so.db_path = optarg; break;
		case 'c': so.config_path = optarg; break;
		case 'h':
			usage(stdout);
			return PW_EXIT_OK;
		default:
			pw_cli_error(VERB, "unknown option or missing value: %s; see --help",
				     argv[optind]);
			return PW_EXIT_ERROR;
		}
	}
	if (argc - 1 - optind != 0) {
		pw_cli_error(VERB, "%s takes no arguments; see --help", sub);
		return PW_EXIT_ERROR;
	}
	if ((all && !list) || (output && !export)) {
		pw_cli_error(VERB, "%s is for %s; see --help", all ? "--all" : "--output",
			     all ? "list" : "export");
		return PW_EXIT_ERROR;
	}
	enum pw_format fmt = PW_FORMAT_TABLE;
	enum pw_export_format xf = PW_EXPORT_NFT;
	if (export) {
		if (!format || !pw_export_format_parse(format, &xf)) {
			pw_cli_error(VERB, "export needs --format nft, csv or json");
			return PW_EXIT_ERROR;
		}
	} else if (format) {
		unsigned allowed = 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON |
				   (list ? 1u << PW_FORMAT_CSV : 0);
		if (!pw_cli_parse_format(format, allowed, &fmt))
			return PW_EXIT_ERROR;
	}
	struct pw_error e = { 0 };
	struct pw_server *srv = NULL;
	struct pw_store *s = NULL;
	int status = PW_EXIT_ERROR;
	if (pw_server_load(&so, &srv, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	if (pw_server_cli_open_existing_store(VERB, pw_server_db_path(srv), &s))
		goto out;
	if (list)
		status = do_list(s, all, fmt);
	else if (export)
		status = do_export(s, xf, output);
	else
		status = do_evaluate(srv, s, fmt);
out:
	pw_store_close(s);
	pw_server_free(srv);
	return status;
}
