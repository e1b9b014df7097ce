/* server_cli.c - what the verbs of patchwarden-admin share: the store
 * with every server module's schema in place, the audit actor of a local
 * command, hosts named by id, hostname or machine id. */
#include "pw_server_cli.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pw_cli.h"
#include "pw_migrations.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_store.h"

void pw_server_cli_actor(char *out, size_t size)
{
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		snprintf(out, size, "local:%s", pw->pw_name);
	else
		snprintf(out, size, "local:%u", (unsigned)getuid());
}

static int open_store(const char *verb, const char *path, bool create, struct pw_store **s)
{
	struct pw_error e = { 0 };
	char *def = NULL;
	*s = NULL;
	if (!path)
		path = def = pw_store_default_path();
	if (!path) {
		pw_cli_error(verb, "out of memory");
		return PW_EXIT_ERROR;
	}
	pw_err rc = create ? pw_store_open(path, s, &e) : pw_store_open_existing(path, s, &e);
	if (!rc)
		rc = pw_migrations_run(*s, &e);
	free(def);
	if (rc) {
		pw_store_close(*s);
		*s = NULL;
		pw_cli_report(verb, &e);
		return PW_EXIT_ERROR;
	}
	return PW_EXIT_OK;
}

int pw_server_cli_open_store(const char *verb, const char *path, struct pw_store **s)
{
	return open_store(verb, path, true, s);
}

int pw_server_cli_open_existing_store(const char *verb, const char *path, struct pw_store **s)
{
	return open_store(verb, path, false, s);
}

struct find_ctx {
	const char *name;
	int64_t id;
	int n;
};

static pw_err find_cb(void *ctx, const struct pw_host *h)
{
	struct find_ctx *f = ctx;
	if ((h->hostname && strcasecmp(h->hostname, f->name) == 0) ||
	    (h->machine_id && strcmp(h->machine_id, f->name) == 0)) {
		f->id = h->id;
		f->n++;
	}
	return PW_OK;
}

int64_t pw_server_cli_resolve_host(const char *verb, struct pw_store *s, const char *arg)
{
	char *end;
	struct pw_error e = { 0 };
	long long v = strtoll(arg, &end, 10);
	if (*arg && *end == '\0' && v > 0) {
		/* an id must name a host too (retired ones included) */
		struct pw_host_context hc;
		pw_err rc = pw_registry_host_context(s, v, &hc, &e);
		if (rc == PW_ERR_NOTFOUND)
			pw_cli_error(verb, "no host with id or name '%s'", arg);
		else if (rc)
			pw_cli_report(verb, &e);
		return rc ? 0 : v;
	}
	struct find_ctx f = { arg, 0, 0 };
	struct pw_host_query q = { .include_retired = false };
	if (pw_registry_each_host_matching(s, &q, find_cb, &f, &e)) {
		pw_cli_report(verb, &e);
		return 0;
	}
	if (f.n == 1)
		return f.id;
	if (f.n)
		pw_cli_error(verb, "%d hosts are named '%s': give the id", f.n, arg);
	else
		pw_cli_error(verb, "no host with id or name '%s'", arg);
	return 0;
}
