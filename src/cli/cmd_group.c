/* cmd_group.c - `patchwarden group create|add|list|show|delete`: static
 * groups (members listed) and dynamic groups (a saved filter), on the
 * server's store; changes are audited as "local:<user>".
 */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_groups.h"
#include "pw_jsonw.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_store.h"

#define VERB "group"

static const char usage[] =
	"usage: patchwarden group create NAME [--filter EXPR] [--description TEXT] [--db PATH]\n"
	"       patchwarden group add NAME HOST... [--db PATH]\n"
	"       patchwarden group list [--db PATH] [--format table|json]\n"
	"       patchwarden group show NAME [--db PATH] [--format table|json]\n"
	"       patchwarden group set NAME [--name NEW] [--filter EXPR] [--description TEXT]\n"
	"       patchwarden group delete NAME [--db PATH]\n"
	"\n"
	"A static group lists its members (group add, by host id or hostname); a\n"
	"dynamic group (--filter) holds the hosts its filter matches now. The\n"
	"filter is a list of terms, all of which must hold:\n"
	"  os=debian release=12 codename=bookworm arch=amd64 tag=web\n"
	"  environment=production exposure=internet site=par1 owner=\"Team A\"\n"
	"  origin=agent|import|device criticality>=4 (also =, >, <=, <)\n"
	"  package=openssl (installed) hostname=web1 hostname~'web*' (glob)\n"
	"A bad filter is refused, naming the term at fault.\n"
	"Group names: 1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit.\n"
	"\n"
	"  --db PATH   the server's store (default $PATCHWARDEN_DB, else the\n"
	"              standard location)\n"
	"\n"
	"Exit status: 0 done; 2 usage error, unknown group or host, invalid value.\n";

struct out_ctx {
	enum pw_format format;
	struct pw_jsonw w;
	struct pw_buf buf;
};

static pw_err list_cb(void *ctx, const struct pw_group *g)
{
	struct out_ctx *o = ctx;
	if (o->format == PW_FORMAT_JSON) {
		pw_registry_write_group(&o->w, g);
		return PW_OK;
	}
	char members[24];
	if (g->dynamic)
		snprintf(members, sizeof(members), "-");
	else
		snprintf(members, sizeof(members), "%lld", (long long)g->members);
	printf("%-6lld %-24s %-8s %-8s %s\n", (long long)g->id, g->name,
	       g->dynamic ? "dynamic" : "static", members, g->filter ? g->filter : "-");
	return PW_OK;
}

static pw_err member_cb(void *ctx, const struct pw_host *h)
{
	struct out_ctx *o = ctx;
	if (o->format == PW_FORMAT_JSON) {
		pw_registry_write_host(&o->w, h, pw_clock_now(), PW_REGISTRY_STALE_AFTER_DEFAULT);
		return PW_OK;
	}
	printf("  %-6lld %-28s %s %s\n", (long long)h->id, h->hostname ? h->hostname : "-",
	       h->os_id ? h->os_id : "-", h->os_version_id ? h->os_version_id : "");
	return PW_OK;
}

/* A service call's outcome, reported when it failed. */
static pw_err done(pw_err rc, struct pw_error *e)
{
	if (rc)
		pw_cli_report(VERB, e);
	return rc;
}

int cmd_group(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "filter", required_argument, NULL, 'F' },
		{ "description", required_argument, NULL, 'D' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	enum { CREATE, ADD, LIST, SHOW, SET, DELETE } mode;
	if (strcmp(sub, "create") == 0)
		mode = CREATE;
	else if (strcmp(sub, "add") == 0)
		mode = ADD;
	else if (strcmp(sub, "list") == 0)
		mode = LIST;
	else if (strcmp(sub, "show") == 0)
		mode = SHOW;
	else if (strcmp(sub, "set") == 0)
		mode = SET;
	else if (strcmp(sub, "delete") == 0)
		mode = DELETE;
	else {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", sub);
		return PW_EXIT_ERROR;
	}
	const char *db = NULL, *filter = NULL, *description = NULL, *rename = NULL;
	enum pw_format format = PW_FORMAT_TABLE;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'F': filter = optarg; break;
		case 'D': description = optarg; break;
		case 'n': rename = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg,
						 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON,
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
	if (((filter || description) && mode != CREATE && mode != SET) || (rename && mode != SET)) {
		pw_cli_error(VERB, "%s: option not for this subcommand; see --help", sub);
		return PW_EXIT_ERROR;
	}
	if ((mode == LIST && rest != 0) || (mode == ADD && rest < 2) ||
	    (mode != LIST && mode != ADD && rest != 1)) {
		pw_cli_error(VERB, "%s: wrong number of arguments; see --help", sub);
		return PW_EXIT_ERROR;
	}
	struct pw_store *s;
	if (mode == CREATE ? pw_server_cli_open_store(VERB, db, &s)
			   : pw_server_cli_open_existing_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	char actor[160];
	pw_server_cli_actor(actor, sizeof(actor));
	struct pw_error e = { 0 };
	int status = PW_EXIT_ERROR;
	struct out_ctx o = { .format = format };
	pw_buf_init(&o.buf, 0);
	pw_jsonw_init(&o.w, &o.buf, true);
	struct pw_arena a;
	pw_arena_init(&a);
	int64_t gid = 0, *hosts = NULL;

	if (mode == CREATE) {
		if (done(pw_groups_create(s, args[0], filter, description, NULL, 0, pw_clock_now(),
					  actor, &gid, &e),
			 &e))
			goto out;
		printf("group %s created (id %lld, %s)\n", args[0], (long long)gid,
		       filter ? "dynamic" : "static");
		status = PW_EXIT_OK;
		goto out;
	}
	if (mode == LIST) {
		if (format == PW_FORMAT_JSON)
			pw_jsonw_begin_array(&o.w);
		else
			printf("%-6s %-24s %-8s %-8s %s\n", "ID", "NAME", "KIND", "MEMBERS",
			       "FILTER");
		if (pw_registry_each_group(s, list_cb, &o, &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		if (format == PW_FORMAT_JSON)
			pw_jsonw_end_array(&o.w);
		status = PW_EXIT_OK;
		goto json;
	}
	if (pw_registry_group_find(s, args[0], &gid, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	if (mode == ADD) {
		size_t n = (size_t)rest - 1;
		if (!(hosts = calloc(n, sizeof(*hosts)))) {
			pw_cli_error(VERB, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (!(hosts[i] = pw_server_cli_resolve_host(VERB, s, args[1 + i])))
				goto out;
		}
		int64_t added = 0;
		if (done(pw_groups_add_members(s, gid, hosts, n, actor, &added, &e), &e))
			goto out;
		printf("group %s: %lld host%s added\n", args[0], (long long)added,
		       added == 1 ? "" : "s");
		status = PW_EXIT_OK;
		goto out;
	}
	if (mode == SET) {
		if (!rename && !filter && !description) {
			pw_cli_error(VERB, "set: nothing to change; see --help");
			goto out;
		}
		if (done(pw_groups_update(s, gid, rename, filter, description, actor, &e), &e))
			goto out;
		printf("group %s changed\n", rename ? rename : args[0]);
		status = PW_EXIT_OK;
		goto out;
	}
	if (mode == DELETE) {
		if (done(pw_groups_delete(s, gid, actor, &e), &e))
			goto out;
		printf("group %s deleted\n", args[0]);
		status = PW_EXIT_OK;
		goto out;
	}
	/* show: the group and its members, evaluated now */
	struct pw_group g;
	if (pw_registry_group_get(s, gid, &a, &g, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	struct pw_host_query q = { .group_id = gid };
	if (format == PW_FORMAT_JSON) {
		pw_jsonw_begin_object(&o.w);
		pw_jsonw_key(&o.w, "group");
		pw_registry_write_group(&o.w, &g);
		pw_jsonw_key(&o.w, "hosts");
		pw_jsonw_begin_array(&o.w);
	} else {
		printf("id:          %lld\nname:        %s\nkind:        %s\n", (long long)g.id,
		       g.name, g.dynamic ? "dynamic" : "static");
		if (g.filter)
			printf("filter:      %s\n", g.filter);
		if (g.description)
			printf("description: %s\n", g.description);
		printf("hosts:\n");
	}
	if (pw_registry_each_host_matching(s, &q, member_cb, &o, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	if (format == PW_FORMAT_JSON) {
		pw_jsonw_end_array(&o.w);
		pw_jsonw_end_object(&o.w);
	}
	status = PW_EXIT_OK;
json:
	if (format == PW_FORMAT_JSON) {
		if (pw_jsonw_finish(&o.w)) {
			pw_cli_error(VERB, "out of memory");
			status = PW_EXIT_ERROR;
		} else {
			fwrite(o.buf.data, 1, o.buf.len, stdout);
			putchar('\n');
		}
	}
out:
	free(hosts);
	pw_arena_free(&a);
	pw_buf_free(&o.buf);
	pw_store_close(s);
	return status;
}
