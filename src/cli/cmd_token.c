/* cmd_token.c - `patchwarden token`: create, list and revoke API tokens
 * (see pw_users.h) on the server's store, as its owner ("local:USER" in the
 * audit log). The secret is printed once, on stdout, and never again. */
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_role.h"
#include "pw_server.h"
#include "pw_server_cli.h"
#include "pw_store.h"
#include "pw_users.h"

#define VERB "token"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden token create --name NAME --role ROLE [--expires 90d]"
		" [--owner USER] [--format table|json]\n"
		"       patchwarden token list [--format table|json]\n"
		"       patchwarden token revoke ID\n"
		"\n"
		"API tokens ('Authorization: Bearer pwt_...') act with their role:\n"
		"  --name NAME    what the token is for (letters, digits, . _ @ -)\n"
		"  --role ROLE    admin, security-analyst, operator, change-manager,\n"
		"                 asset-manager or auditor\n"
		"  --expires E    30d, 12h, 90m, an RFC 3339 time, a date, or never\n"
		"                 (default 90d)\n"
		"  --owner USER   the user whose rights bound the token's: it never does\n"
		"                 more than USER may do now, and stops when USER is\n"
		"                 disabled or deleted (default: none, the store's owner)\n"
		"  --db PATH      the server's store (default $PATCHWARDEN_DB, else the\n"
		"                 standard location)\n"
		"The token is printed once; the store keeps only its hash.\n");
}

static const char *state_of(const struct pw_token *t, int64_t now)
{
	return t->revoked                           ? "revoked"
	       : t->expires && t->expires <= now    ? "expired"
	       : t->has_owner && t->owner_gone      ? "owner_deleted"
	       : t->has_owner && t->owner_disabled  ? "owner_disabled"
						    : "active";
}

static json_t *token_json(const struct pw_token *t, int64_t now)
{
	char c[32], x[32], u[32], r[32];
	return json_pack("{s:I,s:s,s:s,s:s,s:s?,s:s,s:s?,s:s?,s:s?,s:s}", "id", (json_int_t)t->id,
			 "name", t->name, "role", t->role, "created_by", t->created_by, "owner",
			 t->has_owner && !t->owner_gone ? t->owner : NULL, "created",
			 pw_clock_format(t->created, c, sizeof(c)), "expires",
			 t->expires ? pw_clock_format(t->expires, x, sizeof(x)) : NULL, "last_used",
			 t->last_used ? pw_clock_format(t->last_used, u, sizeof(u)) : NULL,
			 "revoked", t->revoked ? pw_clock_format(t->revoked, r, sizeof(r)) : NULL,
			 "state", state_of(t, now));
}

static int print_json(json_t *doc)
{
	if (!doc) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(doc);
	return PW_EXIT_OK;
}

static int do_create(struct pw_store *s, const char *name, const char *role, int64_t expires,
		     const char *owner, enum pw_format fmt)
{
	char actor[128], secret[PW_SECRET_SIZE];
	struct pw_token t;
	struct pw_error e = { 0 };
	struct pw_user u = { 0 };
	bool found = false;
	if (owner && pw_user_find(s, owner, &u, &found, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (owner && !found) {
		pw_cli_error(VERB, "--owner: no user '%s' (patchwarden user list)", owner);
		return PW_EXIT_ERROR;
	}
	pw_server_cli_actor(actor, sizeof(actor));
	if (pw_token_create_owned(s, actor, owner ? u.id : 0, name, role, expires, &t, secret,
				  &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	int rc = PW_EXIT_OK;
	if (fmt == PW_FORMAT_JSON) {
		json_t *doc = token_json(&t, pw_clock_now());
		if (doc)
			json_object_set_new(doc, "token", json_string(secret));
		rc = print_json(doc);
	} else {
		char x[32];
		printf("%s\n", secret);
		fprintf(stderr,
			"API token %lld '%s' (%s), expires %s.\n"
			"It is shown only this once: the server keeps its hash.\n",
			(long long)t.id, t.name, t.role,
			t.expires ? pw_clock_format(t.expires, x, sizeof(x)) : "never");
	}
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

struct list_ctx {
	enum pw_format fmt;
	json_t *items;
	int64_t now;
};

static pw_err list_row(void *ctx, const struct pw_token *t)
{
	struct list_ctx *l = ctx;
	if (l->fmt == PW_FORMAT_JSON) {
		json_t *o = token_json(t, l->now);
		if (!o || json_array_append_new(l->items, o))
			return PW_ERR_NOMEM;
		return PW_OK;
	}
	char x[32], u[32];
	printf("%-6lld %-24.24s %-17s %-8s %-20s %s\n", (long long)t->id, t->name, t->role,
	       state_of(t, l->now), t->expires ? pw_clock_format(t->expires, x, sizeof(x)) : "never",
	       t->last_used ? pw_clock_format(t->last_used, u, sizeof(u)) : "-");
	return PW_OK;
}

static int do_list(struct pw_store *s, enum pw_format fmt)
{
	struct list_ctx l = { fmt, fmt == PW_FORMAT_JSON ? json_array() : NULL, pw_clock_now() };
	struct pw_error e = { 0 };
	if (fmt == PW_FORMAT_JSON && !l.items)
		return print_json(NULL);
	if (fmt != PW_FORMAT_JSON)
		printf("%-6s %-24s %-17s %-8s %-20s %s\n", "ID", "NAME", "ROLE", "STATE", "EXPIRES",
		       "LAST USED");
	if (pw_token_each(s, list_row, &l, &e)) {
		json_decref(l.items);
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	return fmt == PW_FORMAT_JSON ? print_json(l.items) : PW_EXIT_OK;
}

static int do_revoke(struct pw_store *s, const char *arg)
{
	char *end;
	long long id = strtoll(arg, &end, 10);
	if (*end || end == arg || id <= 0) {
		pw_cli_error(VERB, "revoke: '%s' is not a token id", arg);
		return PW_EXIT_ERROR;
	}
	char actor[128];
	struct pw_error e = { 0 };
	bool changed = false;
	pw_server_cli_actor(actor, sizeof(actor));
	if (pw_token_revoke(s, actor, id, &changed, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	fprintf(stderr, "API token %lld %s\n", id, changed ? "revoked" : "was already revoked");
	return PW_EXIT_OK;
}

int cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'x' },
		{ "owner", required_argument, NULL, 'o' },
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
	const char *name = NULL, *role = NULL, *expires = "90d", *db = NULL, *owner = NULL;
	enum pw_format fmt = PW_FORMAT_TABLE;
	optind = 1;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'x': expires = optarg; break;
		case 'o': owner = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON,
						 &fmt)) {
				pw_cli_error(VERB, "--format: '%s' is not table or json", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'd': db = optarg; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool is_create = strcmp(sub, "create") == 0, is_list = strcmp(sub, "list") == 0,
	     is_revoke = strcmp(sub, "revoke") == 0;
	if (!is_create && !is_list && !is_revoke) {
		pw_cli_error(VERB, "unknown command '%s' (create, list, revoke)", sub);
		return PW_EXIT_ERROR;
	}
	if ((is_revoke && nargs != 1) || (!is_revoke && nargs != 0)) {
		if (is_revoke)
			pw_cli_error(VERB, "revoke needs one token id");
		else
			pw_cli_error(VERB, "unexpected argument '%s'", args[0]);
		return PW_EXIT_ERROR;
	}
	int64_t exp = 0;
	if (is_create) {
		enum pw_role r;
		struct pw_error e = { 0 };
		if (!name || !pw_token_name_valid(name)) {
			pw_cli_error(VERB, "create needs --name NAME (letters, digits, . _ @ -; at "
					   "most %d)",
				     PW_USER_NAME_MAX);
			return PW_EXIT_ERROR;
		}
		if (!role || !pw_role_parse(role, &r)) {
			pw_cli_error(VERB,
				     "create needs --role ROLE (admin, security-analyst, operator, "
				     "change-manager, asset-manager, auditor)");
			return PW_EXIT_ERROR;
		}
		if (pw_expiry_parse(expires, pw_clock_now(), &exp, &e)) {
			pw_cli_error(VERB, "--expires: %s", e.msg);
			return PW_EXIT_ERROR;
		}
	}
	if (sodium_init() < 0) {
		pw_cli_error(VERB, "libsodium could not be initialised");
		return PW_EXIT_ERROR;
	}
	struct pw_store *s = NULL;
	int rc = is_create ? pw_server_cli_open_store(VERB, db, &s)
			   : pw_server_cli_open_existing_store(VERB, db, &s);
	if (rc)
		return rc;
	if (is_create)
		rc = do_create(s, name, role, exp, owner, fmt);
	else if (is_list)
		rc = do_list(s, fmt);
	else
		rc = do_revoke(s, args[0]);
	pw_store_close(s);
	return rc;
}
