/* cmd_enrollment.c - `patchwarden enrollment`: create, list and revoke the
 * tokens agents enroll with (see pw_agents.h). Works on the server's store
 * directly, as its owner ("local:USER" in the audit log). */
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_agents.h"
#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_server_cli.h"
#include "pw_store.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden enrollment create [--group G] [--expires 7d] [--uses N]"
		" [--format table|json]\n"
		"       patchwarden enrollment list [--format table|json]\n"
		"       patchwarden enrollment revoke ID\n"
		"       patchwarden enrollment agents [--format table|json]\n"
		"       patchwarden enrollment revoke-agent ID\n"
		"       patchwarden enrollment pending [--format table|json]\n"
		"       patchwarden enrollment approve ID | reject ID\n"
		"\n"
		"Enrollment tokens let agents join the server (patchwarden-agent enroll):\n"
		"  --group G      enrolled hosts join group G (created when missing)\n"
		"  --expires D    valid for D: seconds, or 30m, 12h, 7d, 2w (default 7d)\n"
		"  --uses N       at most N enrollments (default 1)\n"
		"  --db PATH      the server's store (default $PATCHWARDEN_DB, else the\n"
		"                 standard location)\n"
		"The token is printed once; the store keeps only its hash.\n"
		"'agents' lists the enrolled agents; 'revoke-agent' makes an agent's\n"
		"credential fail at once (its host stays in the register).\n"
		"An enrollment for a machine that already has a live agent waits for an\n"
		"admin: 'pending' lists them, 'approve' replaces the host's agent with it,\n"
		"'reject' refuses it for good. Until then the agent in place works on.\n");
}

static const char *state_of(const struct pw_enrollment_token *t, int64_t now)
{
	return t->revoked_at ? "revoked"
	     : t->expires_at <= now ? "expired"
	     : t->uses >= t->max_uses ? "used_up"
	     : "active";
}

static json_t *token_json(const struct pw_enrollment_token *t, int64_t now)
{
	char c[32], x[32], r[32];
	return json_pack("{s:I,s:s?,s:s,s:s,s:I,s:I,s:s?,s:s,s:s?}", "id", (json_int_t)t->id,
			 "group", t->group, "created_at", pw_clock_format(t->created_at, c, sizeof(c)),
			 "expires_at", pw_clock_format(t->expires_at, x, sizeof(x)), "max_uses",
			 (json_int_t)t->max_uses, "uses", (json_int_t)t->uses, "revoked_at",
			 t->revoked_at ? pw_clock_format(t->revoked_at, r, sizeof(r)) : NULL, "state",
			 state_of(t, now), "created_by", t->created_by);
}

static int print_json(json_t *doc)
{
	if (!doc) {
		pw_cli_error("enrollment", "out of memory");
		return PW_EXIT_ERROR;
	}
	json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(doc);
	return PW_EXIT_OK;
}

static int do_create(struct pw_store *s, const char *group, int64_t secs, int64_t uses,
		     enum pw_format fmt)
{
	char actor[128], token[PW_AGENT_SECRET_SIZE];
	int64_t id;
	struct pw_error e;
	pw_server_cli_actor(actor, sizeof(actor));
	if (pw_enrollment_create(s, actor, group, pw_clock_now() + secs, uses, token, &id, &e)) {
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	struct pw_enrollment_token t;
	bool found = false;
	if (pw_enrollment_get(s, id, &t, &found, &e) || !found) {
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	if (fmt == PW_FORMAT_JSON) {
		json_t *doc = token_json(&t, pw_clock_now());
		if (doc)
			json_object_set_new(doc, "token", json_string(token));
		return print_json(doc);
	}
	char x[32];
	printf("%s\n", token);
	fprintf(stderr,
		"enrollment token %lld: group %s, %lld use%s, expires %s\n"
		"It is shown only this once: the server keeps its hash.\n",
		(long long)t.id, t.group ? t.group : "(none)", (long long)t.max_uses,
		t.max_uses == 1 ? "" : "s", pw_clock_format(t.expires_at, x, sizeof(x)));
	return PW_EXIT_OK;
}

struct list_ctx {
	enum pw_format fmt;
	json_t *items;
	int64_t now;
};

static pw_err list_row(void *ctx, const struct pw_enrollment_token *t)
{
	struct list_ctx *l = ctx;
	if (l->fmt == PW_FORMAT_JSON) {
		json_array_append_new(l->items, token_json(t, l->now));
		return PW_OK;
	}
	char x[32];
	printf("%-6lld %-20.20s %-9s %5lld/%-5lld %s\n", (long long)t->id,
	       t->group ? t->group : "-", state_of(t, l->now), (long long)t->uses,
	       (long long)t->max_uses, pw_clock_format(t->expires_at, x, sizeof(x)));
	return PW_OK;
}

static int do_list(struct pw_store *s, enum pw_format fmt)
{
	struct list_ctx l = { fmt, fmt == PW_FORMAT_JSON ? json_array() : NULL, pw_clock_now() };
	struct pw_error e;
	if (fmt != PW_FORMAT_JSON)
		printf("%-6s %-20s %-9s %11s %s\n", "ID", "GROUP", "STATE", "USES", "EXPIRES");
	if (pw_enrollment_each(s, 0, 0, list_row, &l, &e)) {
		json_decref(l.items);
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	return fmt == PW_FORMAT_JSON ? print_json(l.items) : PW_EXIT_OK;
}

static int do_revoke(struct pw_store *s, const char *arg)
{
	char *end;
	long long id = strtoll(arg, &end, 10);
	if (*end || end == arg || id <= 0) {
		pw_cli_error("enrollment", "revoke: '%s' is not a token id", arg);
		return PW_EXIT_ERROR;
	}
	char actor[128];
	struct pw_error e;
	pw_server_cli_actor(actor, sizeof(actor));
	if (pw_enrollment_revoke(s, actor, id, &e)) {
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	fprintf(stderr, "enrollment token %lld revoked\n", id);
	return PW_EXIT_OK;
}

static pw_err agent_row(void *ctx, const struct pw_agent_info *a)
{
	struct list_ctx *l = ctx;
	char seen[32], enrolled[32];
	if (l->fmt == PW_FORMAT_JSON) {
		json_array_append_new(
			l->items,
			json_pack("{s:I, s:I, s:s?, s:s?, s:s, s:s?, s:I, s:b}", "id",
				  (json_int_t)a->id, "host_id", (json_int_t)a->host_id, "hostname",
				  a->hostname, "machine_id", a->machine_id, "enrolled_at",
				  pw_clock_format(a->enrolled_at, enrolled, sizeof(enrolled)),
				  "last_seen",
				  a->last_seen ? pw_clock_format(a->last_seen, seen, sizeof(seen)) : NULL,
				  "uploads", (json_int_t)a->uploads, "revoked", a->revoked_at != 0));
		json_object_set_new(json_array_get(l->items, json_array_size(l->items) - 1),
				    "pending", json_boolean(a->pending));
		return PW_OK;
	}
	printf("%-6lld %-6lld %-28.28s %-8s %-21s %lld\n", (long long)a->id, (long long)a->host_id,
	       a->hostname ? a->hostname : "-",
	       a->revoked_at ? "revoked" : a->pending ? "pending" : "live",
	       a->last_seen ? pw_clock_format(a->last_seen, seen, sizeof(seen)) : "never",
	       (long long)a->uploads);
	return PW_OK;
}

static int do_agents(struct pw_store *s, enum pw_format fmt)
{
	struct list_ctx l = { fmt, fmt == PW_FORMAT_JSON ? json_array() : NULL, pw_clock_now() };
	struct pw_error e;
	if (fmt != PW_FORMAT_JSON)
		printf("%-6s %-6s %-28s %-8s %-21s %s\n", "ID", "HOST", "HOSTNAME", "STATE",
		       "LAST SEEN", "UPLOADS");
	if (pw_agents_each(s, 0, 0, agent_row, &l, &e)) {
		json_decref(l.items);
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	return fmt == PW_FORMAT_JSON ? print_json(l.items) : PW_EXIT_OK;
}

static int do_revoke_agent(struct pw_store *s, const char *arg)
{
	char *end;
	long long id = strtoll(arg, &end, 10);
	if (*end || end == arg || id <= 0) {
		pw_cli_error("enrollment", "revoke-agent: '%s' is not an agent id", arg);
		return PW_EXIT_ERROR;
	}
	char actor[128];
	struct pw_error e;
	pw_server_cli_actor(actor, sizeof(actor));
	if (pw_agents_revoke(s, actor, id, &e)) {
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	fprintf(stderr, "agent %lld revoked: its credential no longer works\n", id);
	return PW_EXIT_OK;
}

static pw_err pending_row(void *ctx, const struct pw_agent_info *a)
{
	struct list_ctx *l = ctx;
	char at[32];
	pw_clock_format(a->enrolled_at, at, sizeof(at));
	if (l->fmt == PW_FORMAT_JSON) {
		json_t *o = json_pack("{s:I, s:I, s:s?, s:s?, s:s?, s:s}", "id", (json_int_t)a->id,
				      "host_id", (json_int_t)a->host_id, "hostname", a->hostname,
				      "machine_id", a->machine_id, "enrolled_from", a->enrolled_from,
				      "enrolled_at", at);
		return !o || json_array_append_new(l->items, o) ? PW_ERR_NOMEM : PW_OK;
	}
	printf("%-6lld %-6lld %-28.28s %-21s %s\n", (long long)a->id,
	       (long long)a->host_id, a->hostname ? a->hostname : "-", at,
	       a->enrolled_from ? a->enrolled_from : "-");
	return PW_OK;
}

static int do_pending(struct pw_store *s, enum pw_format fmt)
{
	struct list_ctx l = { fmt, fmt == PW_FORMAT_JSON ? json_array() : NULL, pw_clock_now() };
	struct pw_error e;
	if (fmt != PW_FORMAT_JSON)
		printf("%-6s %-6s %-28s %-21s %s\n", "ID", "HOST", "HOSTNAME", "ENROLLED", "FROM");
	if (pw_agents_each_pending(s, pending_row, &l, &e)) {
		json_decref(l.items);
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	return fmt == PW_FORMAT_JSON ? print_json(l.items) : PW_EXIT_OK;
}

static int do_decide(struct pw_store *s, const char *arg, bool approve)
{
	char *end;
	long long id = strtoll(arg, &end, 10);
	if (*end || end == arg || id <= 0) {
		pw_cli_error("enrollment", "%s: '%s' is not an enrollment id (enrollment pending)",
			     approve ? "approve" : "reject", arg);
		return PW_EXIT_ERROR;
	}
	char actor[128];
	struct pw_error e;
	pw_server_cli_actor(actor, sizeof(actor));
	if ((approve ? pw_agents_approve : pw_agents_reject)(s, actor, id, &e)) {
		pw_cli_report("enrollment", &e);
		return PW_EXIT_ERROR;
	}
	fprintf(stderr,
		approve ? "enrollment %lld approved: it is the host's agent now, the one before it "
			  "is revoked\n"
			: "enrollment %lld rejected: its credential never works\n",
		id);
	return PW_EXIT_OK;
}

int cmd_enrollment(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "expires", required_argument, NULL, 'x' },
		{ "uses", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	const char *group = NULL, *db = NULL;
	int64_t secs = 7 * 86400, uses = 1;
	enum pw_format fmt = PW_FORMAT_TABLE;
	optind = 1;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (!*optarg || strlen(optarg) > 200) {
				pw_cli_error("enrollment", "--group: a name of 1 to 200 characters");
				return PW_EXIT_ERROR;
			}
			group = optarg;
			break;
		case 'x':
			if (!pw_registry_parse_duration(optarg, &secs)) {
				pw_cli_error("enrollment",
					     "--expires: '%s' is not a duration (e.g. 3600, 12h, 7d, 2w;"
					     " at most 10 years)", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'u': {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 1000000) {
				pw_cli_error("enrollment", "--uses: '%s' is not a number from 1 to 1000000",
					     optarg);
				return PW_EXIT_ERROR;
			}
			uses = v;
			break;
		}
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON,
						 &fmt))
				return PW_EXIT_ERROR;
			break;
		case 'd': db = optarg; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool is_create = strcmp(sub, "create") == 0, is_list = strcmp(sub, "list") == 0,
	     is_revoke = strcmp(sub, "revoke") == 0, is_agents = strcmp(sub, "agents") == 0,
	     is_revoke_agent = strcmp(sub, "revoke-agent") == 0,
	     is_pending = strcmp(sub, "pending") == 0, is_approve = strcmp(sub, "approve") == 0,
	     is_reject = strcmp(sub, "reject") == 0;
	if (!is_create && !is_list && !is_revoke && !is_agents && !is_revoke_agent &&
	    !is_pending && !is_approve && !is_reject) {
		pw_cli_error("enrollment",
			     "unknown command '%s' (create, list, revoke, agents, revoke-agent, "
			     "pending, approve, reject)",
			     sub);
		return PW_EXIT_ERROR;
	}
	bool takes_id = is_revoke || is_revoke_agent || is_approve || is_reject;
	if ((takes_id && nargs != 1) || (!takes_id && nargs != 0)) {
		pw_cli_error("enrollment", takes_id ? "%s needs one id" : "unexpected argument '%s'",
			     takes_id ? sub : nargs ? args[0] : "");
		return PW_EXIT_ERROR;
	}
	struct pw_store *s = NULL;
	int rc = is_create ? pw_server_cli_open_store("enrollment", db, &s)
			   : pw_server_cli_open_existing_store("enrollment", db, &s);
	if (rc)
		return rc;
	if (is_create)
		rc = do_create(s, group, secs, uses, fmt);
	else if (is_list)
		rc = do_list(s, fmt);
	else if (is_agents)
		rc = do_agents(s, fmt);
	else if (is_revoke_agent)
		rc = do_revoke_agent(s, args[0]);
	else if (is_pending)
		rc = do_pending(s, fmt);
	else if (is_approve || is_reject)
		rc = do_decide(s, args[0], is_approve);
	else
		rc = do_revoke(s, args[0]);
	pw_store_close(s);
	return rc;
}
