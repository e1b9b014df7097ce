/* cmd_user.c - `patchwarden user`: add, list, passwd, disable, enable, role,
 * remove. Works on the server's store directly, as its owner ("local:USER"
 * in the audit log): this is how the first admin is made.
 *
 * A password never comes from argv (other users see it in ps and shell
 * history): it is read from --password-file, or from standard input (one
 * line; asked twice without echo on a terminal).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_role.h"
#include "pw_server.h"
#include "pw_server_cli.h"
#include "pw_store.h"
#include "pw_users.h"

#define VERB "user"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden user add NAME --role ROLE [--password-file FILE]\n"
		"       patchwarden user list [--format table|json]\n"
		"       patchwarden user passwd NAME [--password-file FILE]\n"
		"       patchwarden user disable NAME\n"
		"       patchwarden user enable NAME\n"
		"       patchwarden user role NAME ROLE\n"
		"       patchwarden user remove NAME\n"
		"\n"
		"Users of the server's web interface and API. Roles: admin,\n"
		"security-analyst, operator, change-manager, asset-manager, auditor\n"
		"(docs/roles.md). The password is read from FILE, or from standard\n"
		"input (one line; asked twice on a terminal), never from the command\n"
		"line; 8 to 1024 bytes.\n"
		"  --db PATH   the server's store (default $PATCHWARDEN_DB, else the\n"
		"              standard location)\n");
}

/* One line from f into buf (without the newline); false when too long or
 * unreadable. */
static bool read_line(FILE *f, char *buf, size_t size, const char *what)
{
	if (!fgets(buf, (int)size, f)) {
		pw_cli_error(VERB, "%s: no password (%s)", what,
			     ferror(f) ? strerror(errno) : "empty input");
		return false;
	}
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f)) {
		pw_cli_error(VERB, "%s: the password is longer than %d bytes", what,
			     PW_PASSWORD_MAX);
		return false;
	}
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return true;
}

static bool prompt(const char *question, char *buf, size_t size)
{
	struct termios old, quiet;
	bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fputs(question, stderr);
	fflush(stderr);
	bool ok = read_line(stdin, buf, size, "standard input");
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return ok;
}

/* The new password from --password-file or standard input, hashed. */
static bool read_password(const char *file, char hash[PW_PASSWORD_HASH_SIZE])
{
	char pw[PW_PASSWORD_MAX + 2], again[PW_PASSWORD_MAX + 2];
	bool ok = false;
	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			pw_cli_error(VERB, "--password-file %s: %s", file, strerror(errno));
			return false;
		}
		ok = read_line(f, pw, sizeof(pw), file);
		fclose(f);
	} else if (isatty(STDIN_FILENO)) {
		ok = prompt("New password: ", pw, sizeof(pw)) &&
		     prompt("Again: ", again, sizeof(again));
		if (ok && strcmp(pw, again) != 0) {
			pw_cli_error(VERB, "the passwords differ");
			ok = false;
		}
		sodium_memzero(again, sizeof(again));
	} else {
		ok = read_line(stdin, pw, sizeof(pw), "standard input");
	}
	if (ok) {
		struct pw_error e = { 0 };
		if (pw_password_hash(pw, hash, &e)) {
			pw_cli_report(VERB, &e);
			ok = false;
		}
	}
	sodium_memzero(pw, sizeof(pw));
	return ok;
}

static bool check_role(const char *role)
{
	enum pw_role r;
	if (pw_role_parse(role, &r))
		return true;
	pw_cli_error(VERB,
		     "'%s' is not a role (admin, security-analyst, operator, change-manager, "
		     "asset-manager, auditor)",
		     role ? role : "");
	return false;
}

static bool find(struct pw_store *s, const char *name, struct pw_user *u)
{
	struct pw_error e = { 0 };
	bool found = false;
	if (pw_user_find(s, name, u, &found, &e)) {
		pw_cli_report(VERB, &e);
		return false;
	}
	if (!found)
		pw_cli_error(VERB, "no user '%s'", name);
	return found;
}

static int do_add(struct pw_store *s, const char *name, const char *role, const char *file)
{
	if (!pw_user_name_valid(name)) {
		pw_cli_error(VERB,
			     "'%s' is not a user name: 1 to %d of letters, digits, '.', '_', '@', "
			     "'-', not starting with '-'",
			     name, PW_USER_NAME_MAX);
		return PW_EXIT_ERROR;
	}
	struct pw_user u;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_user_find(s, name, &u, &found, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (found && strcmp(u.name, name) != 0) {
		pw_cli_error(VERB, "user '%s' already exists as '%s' (user names are not case-sensitive)",
			     name, u.name);
		return PW_EXIT_ERROR;
	}
	if (found) {
		pw_cli_error(VERB, "user '%s' already exists", name);
		return PW_EXIT_ERROR;
	}
	char hash[PW_PASSWORD_HASH_SIZE], actor[128];
	if (!read_password(file, hash))
		return PW_EXIT_ERROR;
	pw_server_cli_actor(actor, sizeof(actor));
	int64_t id = 0;
	if (pw_user_add(s, actor, name, role, hash, &id, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	fprintf(stderr, "user %s (%s) added with id %lld\n", name, role, (long long)id);
	return PW_EXIT_OK;
}

static int update(struct pw_store *s, const char *name, const char *role, int disabled,
		  const char *hash, const char *done)
{
	struct pw_user u;
	if (!find(s, name, &u))
		return PW_EXIT_ERROR;
	char actor[128];
	struct pw_error e = { 0 };
	bool changed = false;
	pw_server_cli_actor(actor, sizeof(actor));
	if (pw_user_update(s, actor, u.id, role, disabled, hash, &changed, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	fprintf(stderr, "user %s: %s\n", name, changed ? done : "unchanged");
	return PW_EXIT_OK;
}

struct list_ctx {
	enum pw_format fmt;
	json_t *items;
};

static pw_err list_row(void *ctx, const struct pw_user *u)
{
	struct list_ctx *l = ctx;
	char c[32];
	pw_clock_format(u->created, c, sizeof(c));
	if (l->fmt == PW_FORMAT_JSON) {
		json_t *o = json_pack("{s:I,s:s,s:s,s:b,s:s}", "id", (json_int_t)u->id, "name",
				      u->name, "role", u->role, "disabled", u->disabled, "created",
				      c);
		if (!o || json_array_append_new(l->items, o))
			return PW_ERR_NOMEM;
		return PW_OK;
	}
	printf("%-6lld %-32s %-17s %-8s %s\n", (long long)u->id, u->name, u->role,
	       u->disabled ? "disabled" : "enabled", c);
	return PW_OK;
}

static int do_list(struct pw_store *s, enum pw_format fmt)
{
	struct list_ctx l = { fmt, fmt == PW_FORMAT_JSON ? json_array() : NULL };
	struct pw_error e = { 0 };
	if (fmt == PW_FORMAT_JSON && !l.items) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	if (fmt != PW_FORMAT_JSON)
		printf("%-6s %-32s %-17s %-8s %s\n", "ID", "NAME", "ROLE", "STATE", "CREATED");
	if (pw_user_each(s, list_row, &l, &e)) {
		json_decref(l.items);
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (fmt == PW_FORMAT_JSON) {
		json_dumpf(l.items, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(l.items);
	}
	return PW_EXIT_OK;
}

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "password-file", required_argument, NULL, 'p' },
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
	const char *role = NULL, *file = NULL, *db = NULL;
	enum pw_format fmt = PW_FORMAT_TABLE;
	optind = 1;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': role = optarg; break;
		case 'p': file = optarg; break;
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
	static const struct {
		const char *name;
		int nargs;
	} subs[] = {
		{ "add", 1 }, { "list", 0 }, { "passwd", 1 }, { "disable", 1 },
		{ "enable", 1 }, { "role", 2 }, { "remove", 1 },
	};
	size_t k = 0;
	for (; k < sizeof(subs) / sizeof(subs[0]); k++)
		if (strcmp(sub, subs[k].name) == 0)
			break;
	if (k == sizeof(subs) / sizeof(subs[0])) {
		pw_cli_error(VERB,
			     "unknown command '%s' (add, list, passwd, disable, enable, role, remove)",
			     sub);
		return PW_EXIT_ERROR;
	}
	if (nargs != subs[k].nargs) {
		pw_cli_error(VERB, "%s takes %d argument%s; see 'patchwarden user --help'", sub,
			     subs[k].nargs, subs[k].nargs == 1 ? "" : "s");
		return PW_EXIT_ERROR;
	}
	bool is_add = strcmp(sub, "add") == 0;
	if (is_add && !role) {
		pw_cli_error(VERB, "add needs --role ROLE");
		return PW_EXIT_ERROR;
	}
	if (role && !is_add) {
		pw_cli_error(VERB, "--role is for add; use 'user role NAME ROLE'");
		return PW_EXIT_ERROR;
	}
	if (file && !is_add && strcmp(sub, "passwd") != 0) {
		pw_cli_error(VERB, "--password-file is for add and passwd");
		return PW_EXIT_ERROR;
	}
	if (is_add && !check_role(role))
		return PW_EXIT_ERROR;
	if (strcmp(sub, "role") == 0 && !check_role(args[1]))
		return PW_EXIT_ERROR;
	if (sodium_init() < 0) {
		pw_cli_error(VERB, "libsodium could not be initialised");
		return PW_EXIT_ERROR;
	}

	struct pw_store *s = NULL;
	int rc = is_add ? pw_server_cli_open_store(VERB, db, &s)
			: pw_server_cli_open_existing_store(VERB, db, &s);
	if (rc)
		return rc;
	if (is_add) {
		rc = do_add(s, args[0], role, file);
	} else if (strcmp(sub, "list") == 0) {
		rc = do_list(s, fmt);
	} else if (strcmp(sub, "passwd") == 0) {
		struct pw_user u;
		char hash[PW_PASSWORD_HASH_SIZE];
		/* the user first: no password is asked for nobody */
		if (!find(s, args[0], &u) || !read_password(file, hash))
			rc = PW_EXIT_ERROR;
		else
			rc = update(s, args[0], NULL, -1, hash, "password changed, sessions ended");
	} else if (strcmp(sub, "disable") == 0) {
		rc = update(s, args[0], NULL, 1, NULL, "disabled, sessions ended");
	} else if (strcmp(sub, "enable") == 0) {
		rc = update(s, args[0], NULL, 0, NULL, "enabled");
	} else if (strcmp(sub, "role") == 0) {
		rc = update(s, args[0], args[1], -1, NULL, "role changed");
	} else {
		struct pw_user u;
		char actor[128];
		struct pw_error e = { 0 };
		pw_server_cli_actor(actor, sizeof(actor));
		if (!find(s, args[0], &u)) {
			rc = PW_EXIT_ERROR;
		} else if (pw_user_remove(s, actor, u.id, &e)) {
			pw_cli_report(VERB, &e);
			rc = PW_EXIT_ERROR;
		} else {
			fprintf(stderr, "user %s removed\n", args[0]);
		}
	}
	pw_store_close(s);
	return rc;
}
