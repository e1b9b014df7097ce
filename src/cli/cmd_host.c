/* cmd_host.c - `patchwarden host list|show|set|retire|history`: the asset
 * register's hosts, read and changed on the server's store directly (the
 * CLI on the server machine; changes are audited as "local:<user>").
 */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_hosts.h"
#include "pw_inventory_hold.h"
#include "pw_jsonw.h"
#include "pw_list_csv.h"
#include "pw_policy.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_store.h"
#include "pw_timearg.h"

#define VERB "host"

static const char usage[] =
	"usage: patchwarden host list [--group G] [--stale|--fresh] [--os ID] [--release V]\n"
	"                             [--tag T] [--environment E] [--filter EXPR] [--search TEXT]\n"
	"                             [--retired] [--stale-after DURATION] [--since WHEN]\n"
	"                             [--until WHEN] [--db PATH] [--format table|json|csv]\n"
	"       patchwarden host show ID|HOSTNAME [--db PATH] [--format table|json]\n"
	"       patchwarden host set ID|HOSTNAME [--owner X] [--environment E] [--criticality 1-5]\n"
	"                             [--exposure internet|internal|isolated] [--site S]\n"
	"                             [--tag T]... [--no-tags] [--policy FILE] [--db PATH]\n"
	"       patchwarden host retire ID|HOSTNAME [--db PATH]\n"
	"       patchwarden host accept-inventory ID|HOSTNAME [--db PATH]\n"
	"       patchwarden host history ID|HOSTNAME [--limit N] [--db PATH] [--format table|json]\n"
	"\n"
	"The hosts of the asset register, on the server's store.\n"
	"list: hosts in id order; the filters are AND-ed. --filter takes the group\n"
	"  filter language (os=debian release=12 tag=web criticality>=4\n"
	"  package=openssl hostname~'web*' ...; see `patchwarden group --help`).\n"
	"  A host is stale when not seen for DURATION (default 3d; 72h, 3600...).\n"
	"  --since/--until: last seen in that range (a duration back from now, 30d,\n"
	"  a date or an RFC 3339 time). --format csv: RFC 4180, formula-safe.\n"
	"show: one host's attributes, facts and times.\n"
	"set: change the attributes people keep; an empty value clears one\n"
	"  (--owner ''); --tag replaces the whole tag set, --no-tags empties it.\n"
	"  Audited with the attributes before and after. A change of environment,\n"
	"  criticality or exposure scores the host's open findings again at once\n"
	"  with the risk policy (--policy FILE, default /etc/patchwarden/policy.ini\n"
	"  if present, else the built-in one) and marks the host for the server's\n"
	"  next assessment.\n"
	"retire: leave the host out of lists and assessment (kept with its\n"
	"  history); it comes back when its agent checks in again.\n"
	"history: package changes, newest first (default the last 50).\n"
	"accept-inventory: apply the inventory held for review (one that lost\n"
	"  most of the host's packages at once, or whose package database could\n"
	"  not be read; `host show` says why it was held). Audited.\n"
	"\n"
	"  --db PATH   the server's store (default $PATCHWARDEN_DB, else the\n"
	"              standard location)\n"
	"\n"
	"Exit status: 0 done; 2 usage error, unknown host, invalid value or failure.\n";

static void print_time(int64_t t)
{
	char buf[32];
	fputs(t ? pw_clock_format(t, buf, sizeof(buf)) : "-", stdout);
}

struct list_ctx {
	enum pw_format format;
	struct pw_jsonw w;
	struct pw_buf out;
	int64_t now, stale_after;
	int64_t n;
};

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

static pw_err list_cb(void *ctx, const struct pw_host *h)
{
	struct list_ctx *l = ctx;
	l->n++;
	if (l->format == PW_FORMAT_JSON) {
		pw_registry_write_host(&l->w, h, l->now, l->stale_after);
		return PW_OK;
	}
	if (l->format == PW_FORMAT_CSV) {
		struct pw_buf row = PW_BUF_INIT;
		pw_err rc = pw_host_csv_row(&row, h);
		if (!rc)
			pw_cli_put_csv(&row);
		pw_buf_free(&row);
		return rc;
	}
	char os[64];
	snprintf(os, sizeof(os), "%s %s", dash(h->os_id), h->os_version_id ? h->os_version_id : "");
	bool stale = h->origin != PW_HOST_DEVICE && h->last_seen < l->now - l->stale_after;
	printf("%-6lld %-28s %-7s %-16s %-12s %-4s %-9s ", (long long)h->id, dash(h->hostname),
	       pw_host_origin_name(h->origin), os, dash(h->environment),
	       h->criticality ? (char[2]){ (char)('0' + h->criticality), 0 } : "-",
	       dash(h->exposure));
	print_time(h->last_seen);
	printf("%s ", stale ? " STALE" : "      ");
	for (size_t i = 0; i < h->ntags; i++)
		printf("%s%s", i ? "," : "", h->tags[i]);
	if (!h->ntags)
		fputs("-", stdout);
	if (h->retired_at)
		fputs(" (retired)", stdout);
	putchar('\n');
	return PW_OK;
}

static int parse_format(const char *arg, enum pw_format *f)
{
	if (!pw_cli_parse_format(arg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON |
				 1u << PW_FORMAT_CSV, f)) {
		pw_cli_error(VERB, "--format: table, json or csv (list), not '%s'", arg);
		return PW_EXIT_ERROR;
	}
	return PW_EXIT_OK;
}

static int finish_json(struct pw_jsonw *w, struct pw_buf *out)
{
	if (pw_jsonw_finish(w)) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	fwrite(out->data, 1, out->len, stdout);
	putchar('\n');
	return PW_EXIT_OK;
}

/* The host's JSON object with its "inventory_held" member (the host
 * object is the registry's; the member is added to it). */
static int print_with_held(struct pw_jsonw *w, struct pw_buf *out,
			   const struct pw_inventory_held *held)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw hw;
	pw_jsonw_init(&hw, &b, false);
	pw_jsonw_begin_object(&hw);
	pw_inventory_hold_write_json(&hw, held);
	pw_jsonw_end_object(&hw);
	json_t *host = NULL, *member = NULL;
	char *text = NULL;
	if (!pw_jsonw_finish(w) && !pw_jsonw_finish(&hw) &&
	    (host = json_loadb(out->data, out->len, 0, NULL)) &&
	    (member = json_loadb(b.data, b.len, 0, NULL)) && !json_object_update(host, member))
		text = json_dumps(host, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(host);
	json_decref(member);
	pw_buf_free(&b);
	if (!text) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	puts(text);
	free(text);
	return PW_EXIT_OK;
}

/* --policy FILE, else the system's policy when there is one, else the
 * built-in weights: the choice `finding assess` makes. */
static pw_err load_policy(const char *path, struct pw_policy *policy, struct pw_error *e)
{
	pw_policy_defaults(policy);
	if (path)
		return pw_policy_load(policy, path, e);
	pw_err rc = pw_policy_load(policy, PW_POLICY_DEFAULT_PATH, e);
	if (rc == PW_ERR_NOTFOUND) {
		pw_error_clear(e);
		return PW_OK;
	}
	return rc;
}

static int accept_inventory(struct pw_store *s, int64_t id, int64_t now, const char *actor)
{
	struct pw_error e = { 0 };
	struct pw_inventory_delta d = { 0 };
	if (pw_hosts_accept_held(s, id, now, actor, &d, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	printf("host %lld: held inventory applied: %llu added, %llu removed, %llu changed,"
	       " %llu unchanged\n",
	       (long long)id, (unsigned long long)d.added, (unsigned long long)d.removed,
	       (unsigned long long)d.changed, (unsigned long long)d.unchanged);
	return PW_EXIT_OK;
}

struct history_ctx {
	enum pw_format format;
	struct pw_jsonw *w;
};

/* One history line (table) or object (JSON). */
static pw_err history_cb(void *ctx, const struct pw_package_change *ch)
{
	struct history_ctx *hc = ctx;
	char at[32];
	pw_clock_format(ch->at, at, sizeof(at));
	if (hc->format == PW_FORMAT_JSON) {
		struct pw_jsonw *w = hc->w;
		pw_jsonw_begin_object(w);
		pw_jsonw_key(w, "id");
		pw_jsonw_int(w, ch->id);
		pw_jsonw_kstr(w, "at", at);
		pw_jsonw_kstr(w, "family", ch->family);
		pw_jsonw_kstr(w, "name", ch->name);
		pw_jsonw_kstr(w, "arch", ch->arch);
		pw_jsonw_kstr(w, "old_version", ch->old_version);
		pw_jsonw_kstr(w, "new_version", ch->new_version);
		pw_jsonw_end_object(w);
		return PW_OK;
	}
	printf("%-20s %-4s %-32s %-8s %-24s %s\n", at, ch->family, ch->name, dash(ch->arch),
	       ch->old_version ? ch->old_version : "(installed)",
	       ch->new_version ? ch->new_version : "(removed)");
	return PW_OK;
}

enum {
	OPT_DB = 256, OPT_FORMAT, OPT_GROUP, OPT_STALE, OPT_FRESH, OPT_OS, OPT_RELEASE, OPT_TAG,
	OPT_ENV, OPT_FILTER, OPT_SEARCH, OPT_RETIRED, OPT_STALE_AFTER, OPT_OWNER, OPT_CRIT,
	OPT_EXPOSURE, OPT_SITE, OPT_NO_TAGS, OPT_LIMIT, OPT_POLICY, OPT_SINCE, OPT_UNTIL,
};

int cmd_host(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "stale", no_argument, NULL, OPT_STALE },
		{ "fresh", no_argument, NULL, OPT_FRESH },
		{ "os", required_argument, NULL, OPT_OS },
		{ "release", required_argument, NULL, OPT_RELEASE },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "environment", required_argument, NULL, OPT_ENV },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "search", required_argument, NULL, OPT_SEARCH },
		{ "retired", no_argument, NULL, OPT_RETIRED },
		{ "stale-after", required_argument, NULL, OPT_STALE_AFTER },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "criticality", required_argument, NULL, OPT_CRIT },
		{ "exposure", required_argument, NULL, OPT_EXPOSURE },
		{ "site", required_argument, NULL, OPT_SITE },
		{ "no-tags", no_argument, NULL, OPT_NO_TAGS },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	enum { LIST, SHOW, SET, RETIRE, HISTORY, ACCEPT } mode;
	if (strcmp(sub, "list") == 0)
		mode = LIST;
	else if (strcmp(sub, "show") == 0)
		mode = SHOW;
	else if (strcmp(sub, "set") == 0)
		mode = SET;
	else if (strcmp(sub, "retire") == 0)
		mode = RETIRE;
	else if (strcmp(sub, "history") == 0)
		mode = HISTORY;
	else if (strcmp(sub, "accept-inventory") == 0)
		mode = ACCEPT;
	else {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", sub);
		return PW_EXIT_ERROR;
	}
	const char *db = NULL;
	enum pw_format format = PW_FORMAT_TABLE;
	struct pw_host_query q = { 0 };
	struct pw_host_patch p = { 0 };
	const char *tags[64];
	size_t ntags = 0;
	int64_t stale_after = PW_REGISTRY_STALE_AFTER_DEFAULT, limit = 50;
	bool list_only = false, set_only = false;
	const char *policy_path = NULL;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: db = optarg; break;
		case OPT_FORMAT:
			if (parse_format(optarg, &format))
				return PW_EXIT_ERROR;
			break;
		case OPT_GROUP: q.group = optarg; list_only = true; break;
		case OPT_STALE: q.stale = 1; list_only = true; break;
		case OPT_FRESH: q.stale = -1; list_only = true; break;
		case OPT_OS: q.os = optarg; list_only = true; break;
		case OPT_RELEASE: q.release = optarg; list_only = true; break;
		case OPT_FILTER: q.filter = optarg; list_only = true; break;
		case OPT_SEARCH: q.q = optarg; list_only = true; break;
		case OPT_RETIRED: q.include_retired = true; list_only = true; break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (!pw_timearg_parse(optarg, pw_clock_now(), PW_TIMEARG_PAST,
					      c == OPT_SINCE ? &q.seen_since : &q.seen_until)) {
				pw_cli_error(VERB, "--%s: a duration (30d), a date (2026-11-01) or an "
					     "RFC 3339 time, not '%s'", c == OPT_SINCE ? "since" : "until",
					     optarg);
				return PW_EXIT_ERROR;
			}
			list_only = true;
			break;
		case OPT_STALE_AFTER:
			if (!pw_registry_parse_duration(optarg, &stale_after)) {
				pw_cli_error(
					VERB,
					"--stale-after: a duration such as 3d, 72h or 3600, not '%s'",
					optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case OPT_TAG:
			if (mode == LIST) {
				q.tag = optarg;
			} else {
				if (ntags == sizeof(tags) / sizeof(tags[0])) {
					pw_cli_error(VERB, "--tag: at most 64");
					return PW_EXIT_ERROR;
				}
				tags[ntags++] = optarg;
				p.set_tags = true;
			}
			break;
		case OPT_NO_TAGS: p.set_tags = true; set_only = true; break;
		case OPT_ENV:
			if (mode == LIST) {
				q.environment = optarg;
			} else {
				p.set_environment = true;
				p.environment = *optarg ? optarg : NULL;
			}
			break;
		case OPT_OWNER:
			p.set_owner = true;
			p.owner = *optarg ? optarg : NULL;
			set_only = true;
			break;
		case OPT_CRIT:
			p.set_criticality = true;
			set_only = true;
			if (!*optarg) {
				p.criticality = 0;
			} else if (optarg[0] >= '1' && optarg[0] <= '5' && !optarg[1]) {
				p.criticality = optarg[0] - '0';
			} else {
				pw_cli_error(VERB,
					     "--criticality: an integer from 1 to 5, not '%s'",
					     optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case OPT_EXPOSURE:
			p.set_exposure = true;
			p.exposure = *optarg ? optarg : NULL;
			set_only = true;
			break;
		case OPT_POLICY: policy_path = optarg; set_only = true; break;
		case OPT_SITE:
			p.set_site = true;
			p.site = *optarg ? optarg : NULL;
			set_only = true;
			break;
		case OPT_LIMIT: {
			char *end;
			limit = strtoll(optarg, &end, 10);
			if (*end || limit < 1 || limit > 1000000) {
				pw_cli_error(VERB, "--limit: a positive integer, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		}
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
	if ((list_only && mode != LIST) || ((set_only || p.set_environment) && mode != SET) ||
	    (format == PW_FORMAT_CSV && mode != LIST)) {
		pw_cli_error(VERB, "%s: option not for this subcommand; see --help", sub);
		return PW_EXIT_ERROR;
	}
	if (mode == LIST ? rest != 0 : rest != 1) {
		pw_cli_error(VERB, mode == LIST ? "list takes no arguments; see --help"
						: "%s takes one host (id or hostname); see --help",
			     sub);
		return PW_EXIT_ERROR;
	}
	if (mode == SET && !(p.set_owner || p.set_environment || p.set_criticality ||
			     p.set_exposure || p.set_site || p.set_tags)) {
		pw_cli_error(VERB, "set: nothing to change; see --help");
		return PW_EXIT_ERROR;
	}

	struct pw_store *s;
	if (pw_server_cli_open_existing_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	int status = PW_EXIT_ERROR;
	struct pw_error e = { 0 };
	int64_t now = pw_clock_now();
	char actor[160];
	pw_server_cli_actor(actor, sizeof(actor));
	struct list_ctx l = { .format = format, .now = now, .stale_after = stale_after };
	pw_buf_init(&l.out, 0);
	pw_jsonw_init(&l.w, &l.out, true);
	struct pw_arena a;
	pw_arena_init(&a);

	if (mode == LIST) {
		q.now = now;
		q.stale_after = stale_after;
		if (format == PW_FORMAT_JSON) {
			pw_jsonw_begin_array(&l.w);
		} else if (format == PW_FORMAT_CSV) {
			struct pw_buf head = PW_BUF_INIT;
			if (pw_host_csv_header(&head) == PW_OK)
				pw_cli_put_csv(&head);
			pw_buf_free(&head);
		} else
			printf("%-6s %-28s %-7s %-16s %-12s %-4s %-9s %-20s %-6s %s\n", "ID",
			       "HOSTNAME", "ORIGIN", "OS", "ENVIRONMENT", "CRIT", "EXPOSURE",
			       "LAST SEEN", "", "TAGS");
		if (pw_registry_each_host_matching(s, &q, list_cb, &l, &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		if (format == PW_FORMAT_JSON) {
			pw_jsonw_end_array(&l.w);
			if (finish_json(&l.w, &l.out))
				goto out;
		}
		status = PW_EXIT_OK;
		goto out;
	}

	int64_t id = pw_server_cli_resolve_host(VERB, s, args[0]);
	if (!id)
		goto out;
	struct pw_host h;
	struct pw_policy policy;
	bool risk = mode == SET && (p.set_environment || p.set_criticality || p.set_exposure);
	if (risk && load_policy(policy_path, &policy, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	if (mode == SET || mode == RETIRE) {
		p.tags = tags;
		p.ntags = ntags;
		pw_err rc = mode == SET ? pw_hosts_update(s, id, &p, risk ? &policy : NULL, actor, &e)
					: pw_hosts_retire(s, id, now, actor, &e);
		if (rc) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		if (mode == RETIRE) {
			printf("host %lld retired\n", (long long)id);
			status = PW_EXIT_OK;
			goto out;
		}
	}
	if (mode == ACCEPT) {
		status = accept_inventory(s, id, now, actor);
		goto out;
	}
	if (mode == HISTORY) {
		if (pw_registry_host_get(s, id, &a, &h, &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		struct history_ctx hc = { format, &l.w };
		if (format == PW_FORMAT_JSON)
			pw_jsonw_begin_array(&l.w);
		else
			printf("%-20s %-4s %-32s %-8s %-24s %s\n", "AT", "FAM", "PACKAGE", "ARCH",
			       "OLD", "NEW");
		if (pw_registry_each_change(s, id, 0, limit, history_cb, &hc, &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		if (format == PW_FORMAT_JSON) {
			pw_jsonw_end_array(&l.w);
			if (finish_json(&l.w, &l.out))
				goto out;
		}
		status = PW_EXIT_OK;
		goto out;
	}
	/* show, and set shows the result */
	if (pw_registry_host_get(s, id, &a, &h, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	struct pw_inventory_held held;
	bool is_held = false;
	if (pw_inventory_hold_get(s, id, &held, NULL, &is_held, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	if (format == PW_FORMAT_JSON) {
		pw_registry_write_host(&l.w, &h, now, stale_after);
		if (is_held ? print_with_held(&l.w, &l.out, &held) : finish_json(&l.w, &l.out))
			goto out;
	} else {
		printf("id:           %lld\n", (long long)h.id);
		printf("hostname:     %s\n", dash(h.hostname));
		printf("origin:       %s\n", pw_host_origin_name(h.origin));
		printf("machine id:   %s\n", dash(h.machine_id));
		printf("os:           %s\n", dash(h.os_pretty_name ? h.os_pretty_name : h.os_id));
		printf("arch:         %s\n", dash(h.arch));
		printf("kernel:       %s\n", dash(h.kernel_release));
		printf("owner:        %s\n", dash(h.owner));
		printf("environment:  %s\n", dash(h.environment));
		if (h.criticality)
			printf("criticality:  %d\n", h.criticality);
		else
			printf("criticality:  -\n");
		printf("exposure:     %s\n", dash(h.exposure));
		printf("site:         %s\n", dash(h.site));
		printf("tags:         ");
		for (size_t i = 0; i < h.ntags; i++)
			printf("%s%s", i ? "," : "", h.tags[i]);
		printf("%s\n", h.ntags ? "" : "-");
		printf("packages:     %lld\n", (long long)h.npackages);
		printf("first seen:   ");
		print_time(h.first_seen);
		printf("\nlast seen:    ");
		print_time(h.last_seen);
		if (h.origin != PW_HOST_DEVICE && h.last_seen < now - stale_after)
			printf(" (stale)");
		printf("\ninventory at: ");
		print_time(h.inventory_at);
		printf("\nassessed at:  ");
		print_time(h.assessed_at);
		printf("%s\n", h.needs_assessment ? " (re-assessment pending)" : "");
		if (is_held) {
			printf("inventory held for review since ");
			print_time(held.at);
			printf(" (%lld packages): %s\n", (long long)held.packages, held.reason);
			printf("              `patchwarden host accept-inventory %lld` applies it\n",
			       (long long)h.id);
		}
		if (h.reboot_required)
			printf("reboot:       required\n");
		if (h.retired_at) {
			printf("retired at:   ");
			print_time(h.retired_at);
			putchar('\n');
		}
	}
	status = PW_EXIT_OK;
out:
	pw_arena_free(&a);
	pw_buf_free(&l.out);
	pw_store_close(s);
	return status;
}
