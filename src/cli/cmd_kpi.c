/* cmd_kpi.c - `patchwarden kpi`: the patch management KPIs of the
 * server's store (pw_kpi.h, docs/kpis.md), the figures GET /api/v1/kpis
 * gives. */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_jsonw.h"
#include "pw_kpi.h"
#include "pw_store.h"
#include "pw_timearg.h"

#define VERB "kpi"

static const char usage[] =
	"usage: patchwarden kpi [--group G] [--environment E] [--since WHEN] [--until WHEN]\n"
	"                       [--format table|json|csv] [--db PATH]\n"
	"\n"
	"The KPIs of the fleet (or a group's or an environment's hosts) over a\n"
	"period, computed from evidence: patch coverage, time to patch (median and\n"
	"90th percentile), mean time to verify, unpatched critical systems,\n"
	"remediation rate, SLA compliance and breaches, open exceptions.\n"
	"docs/kpis.md defines each one.\n"
	"\n"
	"  --group G        a group's hosts (by name)\n"
	"  --environment E  an environment's hosts\n"
	"  --since WHEN     start of the period: a duration back from now (30d), a\n"
	"                   date (2026-11-01) or an RFC 3339 time (default: 30 days\n"
	"                   before --until)\n"
	"  --until WHEN     end of the period, as --since (default: now)\n"
	"  --format F       table (default), json (with the daily series) or csv\n"
	"  --db PATH        the server's store (default $PATCHWARDEN_DB, else the\n"
	"                   standard location)\n"
	"\n"
	"Exit status: 0 done; 2 usage error, unknown group, or failure.\n";

static void na(char *buf, size_t size, double v, const char *fmt)
{
	if (v < 0)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, fmt, v);
}

static void print_table(const struct pw_kpi_report *r)
{
	char a[32], b[32], since[32], until[32];
	printf("period:                      %s to %s\n", pw_clock_format(r->since, since, 32),
	       pw_clock_format(r->until, until, 32));
	na(a, sizeof(a), r->patch_coverage * 100, "%.1f%%");
	printf("patch coverage:              %s (%lld of %lld hosts without an open fixable "
	       "vulnerability)\n", r->patch_coverage < 0 ? "n/a" : a, (long long)r->hosts_covered,
	       (long long)r->hosts);
	na(a, sizeof(a), r->ttp_median_days, "%.1f");
	na(b, sizeof(b), r->ttp_p90_days, "%.1f");
	printf("time to patch (days):        median %s, p90 %s (%lld findings fixed)\n", a, b,
	       (long long)r->patched);
	if (!r->mttv_available)
		printf("mean time to verify:         n/a until deployments exist\n");
	else if (r->mttv_days < 0)
		printf("mean time to verify:         n/a: no deployment job verified in the period\n");
	else
		printf("mean time to verify (days):  %.2f (%lld jobs verified)\n", r->mttv_days,
		       (long long)r->verified_jobs);
	printf("unpatched critical systems:  %lld (of %lld with criticality 4 or 5)\n",
	       (long long)r->unpatched_critical, (long long)r->critical_hosts);
	na(a, sizeof(a), r->remediation_rate, "%.2f");
	printf("remediation rate:            %s (%lld closed, %lld opened)\n", a,
	       (long long)r->closed, (long long)r->opened);
	na(a, sizeof(a), r->sla_compliance * 100, "%.1f%%");
	printf("SLA compliance:              %s (%lld met, %lld breaches: %lld fixed late, %lld "
	       "open overdue)\n", r->sla_compliance < 0 ? "n/a" : a, (long long)r->sla_met,
	       (long long)(r->sla_fixed_late + r->sla_open_overdue),
	       (long long)r->sla_fixed_late, (long long)r->sla_open_overdue);
	printf("open exceptions:             %lld\n", (long long)r->open_exceptions);
}

static void csv_real(const char *name, double v)
{
	if (v < 0)
		printf("%s,\n", name);
	else
		printf("%s,%.4f\n", name, v);
}

static void print_csv(const struct pw_kpi_report *r)
{
	printf("kpi,value\n");
	printf("hosts,%lld\n", (long long)r->hosts);
	printf("hosts_covered,%lld\n", (long long)r->hosts_covered);
	csv_real("patch_coverage", r->patch_coverage);
	printf("patched_findings,%lld\n", (long long)r->patched);
	csv_real("time_to_patch_median_days", r->ttp_median_days);
	csv_real("time_to_patch_p90_days", r->ttp_p90_days);
	csv_real("mean_time_to_verify_days", r->mttv_days);
	printf("verified_jobs,%lld\n", (long long)r->verified_jobs);
	printf("unpatched_critical_systems,%lld\n", (long long)r->unpatched_critical);
	printf("critical_hosts,%lld\n", (long long)r->critical_hosts);
	printf("opened,%lld\n", (long long)r->opened);
	printf("closed,%lld\n", (long long)r->closed);
	csv_real("remediation_rate", r->remediation_rate);
	csv_real("sla_compliance", r->sla_compliance);
	printf("sla_met,%lld\n", (long long)r->sla_met);
	printf("sla_fixed_late,%lld\n", (long long)r->sla_fixed_late);
	printf("sla_open_overdue,%lld\n", (long long)r->sla_open_overdue);
	printf("open_exceptions,%lld\n", (long long)r->open_exceptions);
}

int cmd_kpi(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "group", required_argument, NULL, 'g' },
		{ "environment", required_argument, NULL, 'E' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *since_arg = NULL, *until_arg = NULL;
	struct pw_kpi_scope scope = { 0 };
	enum pw_format format = PW_FORMAT_TABLE;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'g': scope.group = optarg; break;
		case 'E': scope.environment = optarg; break;
		case 'S': since_arg = optarg; break;
		case 'U': until_arg = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON |
						 1u << PW_FORMAT_CSV, &format)) {
				pw_cli_error(VERB, "--format: table, json or csv, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return PW_EXIT_OK;
		default:
			pw_cli_error(VERB, "unknown option or missing value: %s; see --help",
				     argv[optind - 1]);
			return PW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		pw_cli_error(VERB, "unexpected argument '%s'; see --help", argv[optind]);
		return PW_EXIT_ERROR;
	}
	int64_t now = pw_clock_now(), until = now, since;
	if (until_arg && !pw_timearg_parse(until_arg, now, PW_TIMEARG_PAST, &until)) {
		pw_cli_error(VERB, "--until: a duration (30d), a date (2026-11-01) or an RFC 3339 "
			     "time, not '%s'", until_arg);
		return PW_EXIT_ERROR;
	}
	since = until - 30 * 86400;
	if (since_arg && !pw_timearg_parse(since_arg, now, PW_TIMEARG_PAST, &since)) {
		pw_cli_error(VERB, "--since: a duration (30d), a date (2026-11-01) or an RFC 3339 "
			     "time, not '%s'", since_arg);
		return PW_EXIT_ERROR;
	}
	if (since >= until) {
		pw_cli_error(VERB, "--since must be before --until");
		return PW_EXIT_ERROR;
	}
	struct pw_store *s;
	if (pw_server_cli_open_existing_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	struct pw_error e = { 0 };
	int status = PW_EXIT_ERROR;
	struct pw_buf b = PW_BUF_INIT;
	if (format == PW_FORMAT_JSON) {
		struct pw_jsonw w;
		pw_jsonw_init(&w, &b, true);
		if (pw_kpi_write_document(s, &w, &scope, since, until, &e))
			goto fail;
		if (pw_jsonw_finish(&w)) {
			pw_cli_error(VERB, "out of memory");
			goto out;
		}
		fwrite(b.data, 1, b.len, stdout);
		putchar('\n');
	} else {
		struct pw_kpi_report r;
		if (pw_kpi_compute(s, &scope, since, until, &r, &e))
			goto fail;
		if (format == PW_FORMAT_CSV)
			print_csv(&r);
		else
			print_table(&r);
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
	pw_buf_free(&b);
	pw_store_close(s);
	return status;
}
