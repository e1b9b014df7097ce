/* cmd_finding.c - `patchwarden finding`: the server's findings (list) and
 * its assessor run once (assess), on the server's store directly, as its
 * owner ("local:USER" in the audit log). The JSON items are those of
 * GET /api/v1/findings (docs/openapi/findings.json). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_assessor.h"
#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_exception_match.h"
#include "pw_finding_json.h"
#include "pw_list_csv.h"
#include "pw_findings.h"
#include "pw_policy.h"
#include "pw_registry.h"
#include "pw_server_cli.h"
#include "pw_store.h"
#include "pw_timearg.h"

#define VERB "finding"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden finding list [--priority P1..P4] [--kev] [--fixable] [--cve ID]\n"
		"                                [--package P] [--group G] [--host HOST]\n"
		"                                [--status open|fixed|all] [--kind K] [--limit N]\n"
		"                                [--since WHEN] [--until WHEN]\n"
		"                                [--format table|json|csv] [--db PATH]\n"
		"       patchwarden finding assess [--policy FILE] [--format table|json] [--db PATH]\n"
		"\n"
		"The findings of the server's fleet assessment, most urgent first: one\n"
		"vulnerability of one package of one host, with its risk and its life (first\n"
		"seen, fixed at, reopened). Fixed findings stay as evidence.\n"
		"\n"
		"list:\n"
		"  --priority P    at priority P or more urgent (P2: P1 and P2)\n"
		"  --kev           only vulnerabilities in CISA's KEV catalog\n"
		"  --fixable       only findings with a fixed version\n"
		"  --cve ID        one vulnerability\n"
		"  --package P     a package as matched (deb source, rpm name) or an installed binary\n"
		"  --group G       a group's hosts (id or name)\n"
		"  --host HOST     one host: id, hostname or machine id (as `host show`)\n"
		"  --status S      open (default), fixed or all\n"
		"  --kind K        vulnerability (an advisory names it) or update (a pending\n"
		"                  update of the host's repositories no advisory covers)\n"
		"  --limit N       at most N findings\n"
		"  --since WHEN, --until WHEN\n"
		"                  first seen in that range: a duration back from now (30d),\n"
		"                  a date (2026-11-01) or an RFC 3339 time\n"
		"assess: run the assessor once (what changed since its last run: inventories,\n"
		"        feeds, KEV and EPSS, devices) and print what it did\n"
		"  --policy FILE   risk weights and priority thresholds (default\n"
		"                  " PW_POLICY_DEFAULT_PATH " if present, else built in)\n"
		"\n"
		"  --db PATH       the server's store (default $PATCHWARDEN_DB, else the\n"
		"                  standard location)\n"
		"  --format F      table (default), json or csv (RFC 4180; a cell starting\n"
		"                  = + - @ gets a ' in front)\n"
		"  -h, --help      show this help\n"
		"\n"
		"Exit status: 0 done, 2 usage error, unknown host or group, or failure.\n");
}

static bool positive_id(const char *v, int64_t *out)
{
	int64_t x = 0;
	if (!v || !*v || strlen(v) > 18)
		return false;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		x = x * 10 + (*p - '0');
	}
	*out = x;
	return x > 0;
}

/* ---- list ---- */

struct out {
	enum pw_format format;
	json_t *items;
	size_t n, accepted;
	const struct pw_exception_set *exceptions;
	struct pw_buf csv; /* one row */
};

static pw_err print_row(void *ctx, const struct pw_finding_row *row)
{
	struct out *o = ctx;
	char first[32];
	struct pw_finding_row copy = *row, *f = &copy;
	f->exception_id = pw_exception_set_match(o->exceptions, f->host_id, f->vuln_id,
						 f->package, f->binaries);
	bool accepted = f->exception_id && f->state && strcmp(f->state, "open") == 0;
	o->n++;
	o->accepted += accepted;
	switch (o->format) {
	case PW_FORMAT_JSON:
		json_array_append_new(o->items, pw_finding_json(f));
		break;
	case PW_FORMAT_CSV:
		pw_buf_reset(&o->csv);
		if (pw_finding_csv_row(&o->csv, f))
			return PW_ERR_NOMEM;
		pw_cli_put_csv(&o->csv);
		break;
	case PW_FORMAT_TABLE:
		pw_clock_format(f->first_seen, first, sizeof(first));
		first[10] = '\0';
		printf("P%d   %5d  %-20.20s  %-18.18s  %-20.20s  %-22.22s  %-22.22s  %-5s  %s%s%s\n",
		       f->priority, f->score, f->hostname ? f->hostname : "-", f->vuln_id, f->package,
		       f->installed, f->fixed ? f->fixed : "(no fix)", f->state, first,
		       f->kev ? "  KEV" : "", accepted ? "  ACCEPTED" : "");
		break;
	}
	return PW_OK;
}

struct members {
	int64_t *v;
	size_t n, cap;
};

static pw_err member(void *ctx, const struct pw_host *h)
{
	struct members *m = ctx;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		int64_t *p = realloc(m->v, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		m->v = p;
		m->cap = cap;
	}
	m->v[m->n++] = h->id;
	return PW_OK;
}

static int finding_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "priority", required_argument, NULL, 'p' },
		{ "kev", no_argument, NULL, 'k' },
		{ "fixable", no_argument, NULL, 'x' },
		{ "cve", required_argument, NULL, 'c' },
		{ "package", required_argument, NULL, 'P' },
		{ "group", required_argument, NULL, 'g' },
		{ "host", required_argument, NULL, 'H' },
		{ "status", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'K' },
		{ "limit", required_argument, NULL, 'l' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* open by default: fixed findings are evidence, not work to do */
	struct pw_findings_filter f = { .state = "open" };
	struct out o = { .format = PW_FORMAT_TABLE };
	const char *db = NULL, *group = NULL, *host = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((optarg[0] != 'P' && optarg[0] != 'p') || optarg[1] < '1' || optarg[1] > '4' ||
			    optarg[2]) {
				pw_cli_error(VERB, "--priority must be P1, P2, P3 or P4, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			f.priority = optarg[1] - '0';
			break;
		case 'k': f.kev = true; break;
		case 'x': f.fixable = true; break;
		case 'c': f.vuln_id = optarg; break;
		case 'P': f.package = optarg; break;
		case 'g': group = optarg; break;
		case 'H': host = optarg; break;
		case 's':
			if (strcmp(optarg, "open") != 0 && strcmp(optarg, "fixed") != 0 &&
			    strcmp(optarg, "all") != 0) {
				pw_cli_error(VERB, "--status must be open, fixed or all, not '%s'",
					     optarg);
				return PW_EXIT_ERROR;
			}
			f.state = strcmp(optarg, "all") == 0 ? NULL : optarg;
			break;
		case 'K':
			if (strcmp(optarg, "vulnerability") != 0 && strcmp(optarg, "update") != 0) {
				pw_cli_error(VERB, "--kind must be vulnerability or update, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			f.kind = optarg;
			break;
		case 'l':
			if (!positive_id(optarg, &f.limit)) {
				pw_cli_error(VERB, "--limit must be a positive number, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 7, &o.format))
				return PW_EXIT_ERROR;
			break;
		case 'S':
		case 'U':
			if (!pw_timearg_parse(optarg, pw_clock_now(), PW_TIMEARG_PAST,
					      c == 'S' ? &f.since : &f.until)) {
				pw_cli_error(VERB, "--%s: a duration (30d), a date (2026-11-01) or an "
					     "RFC 3339 time, not '%s'", c == 'S' ? "since" : "until",
					     optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'd': db = optarg; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		pw_cli_error(VERB, "unexpected argument '%s'", argv[optind]);
		return PW_EXIT_ERROR;
	}
	struct pw_store *s;
	if (pw_server_cli_open_existing_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	int status = PW_EXIT_ERROR;
	struct pw_error e = { 0 };
	struct members m = { 0 };
	struct pw_exception_set exc;
	pw_exception_set_init(&exc);
	char next[PW_FINDINGS_CURSOR_MAX];
	/* an unknown host is an error, not an empty list */
	if (host && !(f.host_id = pw_server_cli_resolve_host(VERB, s, host)))
		goto out;
	if (group) {
		struct pw_host_query q = { 0 };
		if (!positive_id(group, &q.group_id))
			q.group = group;
		pw_err rc = pw_registry_each_host_matching(s, &q, member, &m, &e);
		if (rc) {
			if (!e.msg[0])
				pw_error_set(&e, rc, "group %s: %s", group, pw_strerror(rc));
			goto fail;
		}
		f.hosts = m.v;
		f.nhosts = m.n;
		f.use_hosts = true;
	}
	if (pw_exception_set_load(s, pw_clock_now(), &exc, &e))
		goto fail;
	o.exceptions = &exc;
	if (o.format == PW_FORMAT_JSON)
		o.items = json_array();
	else if (o.format == PW_FORMAT_CSV)
	{
		pw_buf_reset(&o.csv);
		if (pw_finding_csv_header(&o.csv) == PW_OK)
			pw_cli_put_csv(&o.csv);
	}
	else
		printf("PRI  SCORE  %-20s  %-18s  %-20s  %-22s  %-22s  %-5s  %s\n", "HOST",
		       "VULNERABILITY", "PACKAGE", "INSTALLED", "FIXED IN", "STATE", "FIRST SEEN");
	if (pw_findings_list(s, &f, print_row, &o, next, &e))
		goto fail;
	if (o.format == PW_FORMAT_JSON) {
		pw_cli_print_json(o.items, JSON_INDENT(2));
	} else if (o.format == PW_FORMAT_TABLE) {
		/* accepted risk counted apart: still listed, not work to do now */
		printf("%zu finding%s, %zu of them accepted risk (an exception in force)\n", o.n,
		       o.n == 1 ? "" : "s", o.accepted);
	}
	status = PW_EXIT_OK;
	if (fflush(stdout) != 0) {
		pw_cli_error(VERB, "writing the output: %s", strerror(errno));
		status = PW_EXIT_ERROR;
	}
	goto out;
fail:
	pw_cli_report(VERB, &e);
out:
	json_decref(o.items);
	free(m.v);
	pw_exception_set_free(&exc);
	pw_buf_free(&o.csv);
	pw_store_close(s);
	return status;
}

/* ---- assess ---- */

static void log_line(void *ctx, const char *level, const char *msg)
{
	(void)ctx;
	pw_cli_error(VERB, "%s: %s", level, msg); /* escaped: messages name hosts */
}

static int finding_assess(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *policy = NULL;
	enum pw_format format = PW_FORMAT_TABLE;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': policy = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, (1u << PW_FORMAT_TABLE) | (1u << PW_FORMAT_JSON),
						 &format))
				return PW_EXIT_ERROR;
			break;
		case 'd': db = optarg; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		pw_cli_error(VERB, "unexpected argument '%s'", argv[optind]);
		return PW_EXIT_ERROR;
	}
	struct pw_store *s;
	if (pw_server_cli_open_existing_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	struct pw_assessor *a = NULL;
	struct pw_assess_run r;
	struct pw_error e = { 0 };
	char line[512], actor[128];
	int status = PW_EXIT_ERROR;
	if (pw_assessor_new(policy, log_line, NULL, &a, &e) || pw_assessor_run(a, s, &r, &e))
		goto fail;
	pw_assess_run_describe(&r, line, sizeof(line));
	json_t *doc = pw_assess_run_json(&r);
	if (!doc) {
		pw_error_set(&e, PW_ERR_NOMEM, "out of memory");
		goto fail;
	}
	/* the run, in the audit log */
	char *after = json_dumps(doc, JSON_COMPACT);
	pw_server_cli_actor(actor, sizeof(actor));
	pw_err rc = pw_audit_record(s, actor, "assessment.run", "findings", NULL, after, &e);
	free(after);
	if (rc) {
		json_decref(doc);
		goto fail;
	}
	if (format == PW_FORMAT_JSON) {
		pw_cli_print_json(doc, JSON_INDENT(2));
	} else {
		struct pw_findings_counts n;
		printf("%s\n", line);
		struct pw_exception_set exc;
		struct pw_accepted_counts acc = { 0 };
		if (pw_exception_set_load(s, pw_clock_now(), &exc, &e) == PW_OK)
			pw_exception_set_count_open(s, &exc, &acc, &e);
		pw_exception_set_free(&exc);
		if (pw_findings_count(s, 0, &n, &e) == PW_OK)
			printf("open findings: %lld (P1 %lld, P2 %lld, P3 %lld, P4 %lld), %lld of them "
			       "accepted risk; fixed: %lld\n",
			       (long long)n.open, (long long)n.by_priority[1],
			       (long long)n.by_priority[2], (long long)n.by_priority[3],
			       (long long)n.by_priority[4], (long long)acc.total, (long long)n.fixed);
	}
	json_decref(doc);
	status = fflush(stdout) == 0 ? PW_EXIT_OK : PW_EXIT_ERROR;
	goto out;
fail:
	pw_cli_report(VERB, &e);
out:
	pw_assessor_free(a);
	pw_store_close(s);
	return status;
}

int cmd_finding(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return PW_EXIT_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0)
		return finding_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "assess") == 0)
		return finding_assess(argc - 1, argv + 1);
	pw_cli_error(VERB, "unknown subcommand '%s' (list, assess)", argv[1]);
	return PW_EXIT_ERROR;
}
