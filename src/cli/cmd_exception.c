/* cmd_exception.c - `patchwarden exception request|list|show|approve|
 * reject|revoke|check`: risk acceptance on the server's store, as its
 * owner ("local:USER" in the audit log). The rules are the store's
 * (pw_exceptions.h): the same as through /api/v1/exceptions. */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_exception_expiry.h"
#include "pw_exceptions.h"
#include "pw_jsonw.h"
#include "pw_registry.h"
#include "pw_store.h"
#include "pw_timearg.h"

#define VERB "exception"

static const char usage[] =
	"usage: patchwarden exception request --cve ID (--host HOST | --group G) [--package P]\n"
	"                                     --reason TEXT --control TEXT --expires WHEN\n"
	"       patchwarden exception list [--state S] [--since WHEN] [--until WHEN]\n"
	"                                  [--format table|json]\n"
	"       patchwarden exception show ID [--format table|json]\n"
	"       patchwarden exception approve|reject|revoke ID [--note TEXT]\n"
	"       patchwarden exception check\n"
	"\n"
	"An exception accepts the risk of one vulnerability on a host or on a group's\n"
	"hosts, for one package or all, until it expires (at most 365 days). Requested,\n"
	"it waits for a security analyst or an admin other than the requester; approved,\n"
	"the findings it covers are listed as accepted risk (never hidden) until it\n"
	"expires or is revoked, and are open again then. Every step is audited.\n"
	"\n"
	"  --cve ID        the vulnerability as findings name it (CVE-..., DSA-...)\n"
	"  --host HOST     a host: id, hostname or machine id\n"
	"  --group G       a group: id or name (its hosts as they are at each read)\n"
	"  --package P     one package (as matched, or an installed binary); default all\n"
	"  --reason TEXT   why the risk is accepted\n"
	"  --control TEXT  the compensating control\n"
	"  --expires WHEN  a duration from now (90d), a date (2026-12-31) or an RFC 3339\n"
	"                  time\n"
	"  --state S       requested, approved, rejected, expired or revoked\n"
	"  --since WHEN, --until WHEN\n"
	"                  requested in that range: a duration back from now (30d), a\n"
	"                  date or an RFC 3339 time\n"
	"  --note TEXT     the decision's comment\n"
	"  check           expire what is due now (the server does it every 30 s)\n"
	"  --db PATH       the server's store (default $PATCHWARDEN_DB, else the\n"
	"                  standard location)\n"
	"  --format F      table (default) or json\n"
	"\n"
	"Exit status: 0 done; 2 usage error, unknown exception, host or group, a value\n"
	"refused, or a decision not allowed (the requester's own, or a closed one).\n";

static void print_table(const struct pw_exception *x, bool header)
{
	char exp[32];
	if (header)
		printf("%-6s %-10s %-20s %-14s %-16s %-20s %s\n", "ID", "STATE", "VULNERABILITY",
		       "SCOPE", "PACKAGE", "EXPIRES", "REQUESTER");
	char scope[32];
	snprintf(scope, sizeof(scope), "%s:%lld", x->host_id ? "host" : "group",
		 (long long)(x->host_id ? x->host_id : x->group_id));
	printf("%-6lld %-10s %-20.20s %-14s %-16.16s %-20s %s\n", (long long)x->id,
	       pw_exception_state_name(x->state), x->vuln_id, scope,
	       x->package ? x->package : "(all)", pw_clock_format(x->expires_at, exp, 32),
	       x->requester);
}

static void print_detail(const struct pw_exception *x)
{
	char t[32];
	printf("id:                   %lld\n", (long long)x->id);
	printf("state:                %s\n", pw_exception_state_name(x->state));
	printf("vulnerability:        %s\n", x->vuln_id);
	if (x->host_id)
		printf("host:                 %lld\n", (long long)x->host_id);
	else
		printf("group:                %lld\n", (long long)x->group_id);
	printf("package:              %s\n", x->package ? x->package : "(all)");
	printf("reason:               %s\n", x->reason);
	printf("compensating control: %s\n", x->control);
	printf("requester:            %s\n", x->requester);
	printf("requested:            %s\n", pw_clock_format(x->requested_at, t, 32));
	printf("expires:              %s\n", pw_clock_format(x->expires_at, t, 32));
	if (x->approver)
		printf("decided by:           %s\n", x->approver);
	if (x->decided_at)
		printf("decided:              %s\n", pw_clock_format(x->decided_at, t, 32));
	if (x->note)
		printf("note:                 %s\n", x->note);
	if (x->closed_at)
		printf("closed:               %s\n", pw_clock_format(x->closed_at, t, 32));
}

struct out {
	enum pw_format format;
	struct pw_jsonw w;
	struct pw_buf buf;
	size_t n;
};

static pw_err list_cb(void *ctx, const struct pw_exception *x)
{
	struct out *o = ctx;
	if (o->format == PW_FORMAT_JSON)
		pw_exceptions_write(&o->w, x);
	else
		print_table(x, o->n == 0);
	o->n++;
	return PW_OK;
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

static void expiry_log(void *ctx, const char *level, const char *msg)
{
	(void)ctx;
	pw_cli_error(VERB, "%s: %s", level, msg);
}

int cmd_exception(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "cve", required_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' },
		{ "group", required_argument, NULL, 'g' },
		{ "package", required_argument, NULL, 'P' },
		{ "reason", required_argument, NULL, 'r' },
		{ "control", required_argument, NULL, 'C' },
		{ "expires", required_argument, NULL, 'e' },
		{ "state", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	static const char *const subs[] = { "request", "list", "show", "approve", "reject",
					    "revoke", "check" };
	enum { REQUEST, LIST, SHOW, APPROVE, REJECT, REVOKE, CHECK, NSUB } mode = NSUB;
	for (int i = 0; i < NSUB; i++) {
		if (strcmp(argv[1], subs[i]) == 0)
			mode = i;
	}
	if (mode == NSUB) {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", argv[1]);
		return PW_EXIT_ERROR;
	}
	const char *db = NULL, *host = NULL, *group = NULL, *expires = NULL, *since = NULL,
		   *until = NULL, *note = NULL, *state = NULL;
	struct pw_exception_request req = { 0 };
	enum pw_format format = PW_FORMAT_TABLE;
	int64_t now = pw_clock_now();
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'c': req.vuln_id = optarg; break;
		case 'H': host = optarg; break;
		case 'g': group = optarg; break;
		case 'P': req.package = optarg; break;
		case 'r': req.reason = optarg; break;
		case 'C': req.control = optarg; break;
		case 'e': expires = optarg; break;
		case 's': state = optarg; break;
		case 'S': since = optarg; break;
		case 'U': until = optarg; break;
		case 'n': note = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON,
						 &format)) {
				pw_cli_error(VERB, "--format: table or json, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return PW_EXIT_OK;
		default:
			pw_cli_error(VERB, "unknown option or missing value: %s; see --help",
				     argv[optind]);
			return PW_EXIT_ERROR;
		}
	}
	int rest = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool takes_id = mode == SHOW || mode == APPROVE || mode == REJECT || mode == REVOKE;
	if (rest != (takes_id ? 1 : 0)) {
		pw_cli_error(VERB, "%s: wrong number of arguments; see --help", subs[mode]);
		return PW_EXIT_ERROR;
	}
	bool req_opts = req.vuln_id || host || group || req.package || req.reason ||
			req.control || expires;
	if ((req_opts && mode != REQUEST) || ((state || since || until) && mode != LIST) ||
	    (note && mode != APPROVE && mode != REJECT && mode != REVOKE)) {
		pw_cli_error(VERB, "%s: option not for this subcommand; see --help", subs[mode]);
		return PW_EXIT_ERROR;
	}
	int64_t id = 0;
	if (takes_id && !positive_id(args[0], &id)) {
		pw_cli_error(VERB, "'%s' is not an exception id", args[0]);
		return PW_EXIT_ERROR;
	}
	struct pw_exception_query q = { .any_state = true, .now = now };
	if (state) {
		if (!pw_exception_state_parse(state, &q.state)) {
			pw_cli_error(VERB, "--state: requested, approved, rejected, expired or "
				     "revoked, not '%s'", state);
			return PW_EXIT_ERROR;
		}
		q.any_state = false;
	}
	const char *bad = since && !pw_timearg_parse(since, now, PW_TIMEARG_PAST, &q.since)
		? "since" : until && !pw_timearg_parse(until, now, PW_TIMEARG_PAST, &q.until)
		? "until" : NULL;
	if (bad) {
		pw_cli_error(VERB, "--%s: a duration (30d), a date (2026-11-01) or an RFC 3339 "
			     "time, not '%s'", bad, bad[0] == 's' ? since : until);
		return PW_EXIT_ERROR;
	}
	if (mode == REQUEST) {
		if (!req.vuln_id || !req.reason || !req.control || !expires || !host == !group) {
			pw_cli_error(VERB, "request: --cve, --host or --group, --reason, --control "
				     "and --expires are required; see --help");
			return PW_EXIT_ERROR;
		}
		if (!pw_timearg_parse(expires, now, PW_TIMEARG_FUTURE, &req.expires_at)) {
			pw_cli_error(VERB, "--expires: a duration (90d), a date (2026-12-31) or an "
				     "RFC 3339 time, not '%s'", expires);
			return PW_EXIT_ERROR;
		}
	}

	struct pw_store *s;
	if (pw_server_cli_open_existing_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	char actor[160];
	pw_server_cli_actor(actor, sizeof(actor));
	struct pw_error e = { 0 };
	int status = PW_EXIT_ERROR;
	struct out o = { .format = format };
	pw_buf_init(&o.buf, 0);
	pw_jsonw_init(&o.w, &o.buf, true);
	struct pw_arena a;
	pw_arena_init(&a);
	pw_err rc = PW_OK;

	switch (mode) {
	case REQUEST:
		if (host && !(req.host_id = pw_server_cli_resolve_host(VERB, s, host)))
			goto out;
		if (group && !positive_id(group, &req.group_id) &&
		    pw_registry_group_find(s, group, &req.group_id, &e))
			goto fail;
		if ((rc = pw_exceptions_request(s, &req, actor, 0, now, &id, &e)))
			goto fail;
		printf("exception %lld requested; it needs a security analyst's or an admin's "
		       "approval\n", (long long)id);
		break;
	case APPROVE:
	case REJECT:
	case REVOKE: {
		enum pw_exception_action act = mode == APPROVE ? PW_EXC_APPROVE
					       : mode == REJECT ? PW_EXC_REJECT : PW_EXC_REVOKE;
		if ((rc = pw_exceptions_decide(s, id, act, actor, 0, note, now, NULL, &e)))
			goto fail;
		printf("exception %lld %s\n", (long long)id,
		       mode == APPROVE ? "approved" : mode == REJECT ? "rejected" : "revoked");
		break;
	}
	case CHECK: {
		int64_t n = 0;
		if (pw_exception_expiry_run(s, now, expiry_log, NULL, &n, &e))
			goto fail;
		printf("%lld exception%s expired\n", (long long)n, n == 1 ? "" : "s");
		break;
	}
	case SHOW: {
		struct pw_exception x;
		if (pw_exceptions_get(s, id, now, &a, &x, &e))
			goto fail;
		if (format == PW_FORMAT_JSON)
			pw_exceptions_write(&o.w, &x);
		else
			print_detail(&x);
		break;
	}
	case LIST:
		if (format == PW_FORMAT_JSON)
			pw_jsonw_begin_array(&o.w);
		if (pw_exceptions_each(s, &q, list_cb, &o, &e))
			goto fail;
		if (format == PW_FORMAT_JSON)
			pw_jsonw_end_array(&o.w);
		else
			printf("%zu exception%s\n", o.n, o.n == 1 ? "" : "s");
		break;
	case NSUB:
		break;
	}
	if (format == PW_FORMAT_JSON && (mode == LIST || mode == SHOW)) {
		if (pw_jsonw_finish(&o.w)) {
			pw_cli_error(VERB, "out of memory");
			goto out;
		}
		fwrite(o.buf.data, 1, o.buf.len, stdout);
		putchar('\n');
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
	pw_arena_free(&a);
	pw_buf_free(&o.buf);
	pw_store_close(s);
	return status;
}
