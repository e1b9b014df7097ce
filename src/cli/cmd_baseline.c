/* cmd_baseline.c - `patchwarden baseline save|list|show|drift|delete`:
 * known-good package sets saved from a host, and the drift of hosts from
 * them, on the server's store (pw_drift.h; the same report as
 * GET /api/v1/baselines/{id}/drift). Changes are audited as "local:<user>".
 */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_drift.h"
#include "pw_jsonw.h"
#include "pw_store.h"

#define VERB "baseline"

static const char usage[] =
	"usage: patchwarden baseline save NAME --host HOST [--description TEXT]\n"
	"       patchwarden baseline list [--format table|json]\n"
	"       patchwarden baseline show NAME [--format table|json]\n"
	"       patchwarden baseline drift NAME [--group G | --host HOST] [--details]\n"
	"                                       [--format table|json]\n"
	"       patchwarden baseline delete NAME\n"
	"\n"
	"A baseline is the exact set of packages (family, name, arch, version) a host\n"
	"has installed when it is saved: a tested pilot host, a golden image. It never\n"
	"changes; save a new one for a new state. drift compares hosts with it:\n"
	"  missing  in the baseline, not installed on the host\n"
	"  changed  installed in another version (newer or older)\n"
	"  extra    installed on the host, not in the baseline\n"
	"\n"
	"  --host HOST        save: the host to take the packages from; drift: only it\n"
	"                     (id, hostname or machine id)\n"
	"  --group G          drift: the hosts of this group (default: every host)\n"
	"  --description TEXT what the baseline stands for\n"
	"  --details          drift: list each difference, not only the counts\n"
	"  --db PATH          the server's store (default $PATCHWARDEN_DB, else the\n"
	"                     standard location)\n"
	"  --format F         table (default) or json\n"
	"\n"
	"Exit status: 0 done (drift: every host in line with the baseline); 1 drift:\n"
	"some host differs; 2 usage error, unknown baseline, host or group, invalid\n"
	"value.\n";

struct list_ctx {
	enum pw_format format;
	struct pw_jsonw *w;
};

static pw_err list_cb(void *ctx, const struct pw_baseline *b)
{
	struct list_ctx *l = ctx;
	if (l->format == PW_FORMAT_JSON) {
		pw_baselines_write(l->w, b);
		return PW_OK;
	}
	char t[32];
	printf("%-6lld %-24s %-8lld %-24s %s\n", (long long)b->id, b->name,
	       (long long)b->npackages, b->source_hostname ? b->source_hostname : "-",
	       pw_clock_format(b->created_at, t, sizeof(t)));
	return PW_OK;
}

static pw_err package_cb(void *ctx, const char *family, const char *name, const char *arch,
			 const char *version)
{
	struct list_ctx *l = ctx;
	if (l->format == PW_FORMAT_JSON) {
		pw_jsonw_begin_object(l->w);
		pw_jsonw_kstr(l->w, "family", family);
		pw_jsonw_kstr(l->w, "name", name);
		pw_jsonw_kstr(l->w, "arch", arch);
		pw_jsonw_kstr(l->w, "version", version);
		pw_jsonw_end_object(l->w);
	} else {
		printf("  %-4s %-40s %-8s %s\n", family, name, arch, version);
	}
	return PW_OK;
}

static int show(struct pw_store *s, int64_t id, enum pw_format format, struct pw_jsonw *w,
		struct pw_error *e)
{
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_baseline b;
	struct list_ctx l = { format, w };
	pw_err rc = pw_baselines_get(s, id, &a, &b, e);
	if (!rc && format == PW_FORMAT_JSON) {
		pw_jsonw_begin_object(w);
		pw_jsonw_key(w, "baseline");
		pw_baselines_write(w, &b);
		pw_jsonw_key(w, "package_list");
		pw_jsonw_begin_array(w);
	} else if (!rc) {
		char t[32];
		printf("baseline %s (id %lld): %lld packages from host %lld (%s), saved %s by %s\n",
		       b.name, (long long)b.id, (long long)b.npackages, (long long)b.source_host_id,
		       b.source_hostname ? b.source_hostname : "-",
		       pw_clock_format(b.created_at, t, sizeof(t)), b.created_by);
		if (b.description)
			printf("  %s\n", b.description);
	}
	if (!rc)
		rc = pw_baselines_each_package(s, id, package_cb, &l, e);
	if (!rc && format == PW_FORMAT_JSON) {
		pw_jsonw_end_array(w);
		pw_jsonw_end_object(w);
	}
	pw_arena_free(&a);
	return rc;
}

/* The report as a table: one line per host, its differences below it. */
static void print_drift(const json_t *doc)
{
	const json_t *sum = json_object_get(doc, "summary");
	const json_t *hosts = json_object_get(doc, "hosts");
	printf("%-6s %-28s %8s %8s %8s\n", "ID", "HOST", "MISSING", "CHANGED", "EXTRA");
	size_t i;
	const json_t *h;
	json_array_foreach(hosts, i, h) {
		printf("%-6lld %-28s %8lld %8lld %8lld\n",
		       (long long)json_integer_value(json_object_get(h, "host_id")),
		       json_string_value(json_object_get(h, "hostname")),
		       (long long)json_integer_value(json_object_get(h, "missing")),
		       (long long)json_integer_value(json_object_get(h, "changed")),
		       (long long)json_integer_value(json_object_get(h, "extra")));
		size_t j;
		const json_t *d;
		json_array_foreach(json_object_get(h, "differences"), j, d) {
			const char *bv = json_string_value(json_object_get(d, "baseline_version"));
			const char *hv = json_string_value(json_object_get(d, "host_version"));
			printf("         %-8s %-36s %s -> %s\n",
			       json_string_value(json_object_get(d, "kind")),
			       json_string_value(json_object_get(d, "name")), bv ? bv : "(none)",
			       hv ? hv : "(none)");
		}
	}
	printf("%lld host%s: %lld in line with the baseline, %lld drifted\n",
	       (long long)json_integer_value(json_object_get(sum, "hosts")),
	       json_integer_value(json_object_get(sum, "hosts")) == 1 ? "" : "s",
	       (long long)json_integer_value(json_object_get(sum, "in_line")),
	       (long long)json_integer_value(json_object_get(sum, "drifted")));
}

static int drift(struct pw_store *s, int64_t id, const struct pw_host_query *q,
		 int64_t host_id, bool details, enum pw_format format, struct pw_buf *buf, struct pw_jsonw *w, struct pw_error *e)
{
	int64_t drifted = 0;
	if (pw_drift_report(s, id, q, host_id, details, 0, w, &drifted, e) || pw_jsonw_finish(w)) {
		if (!e->code)
			pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		pw_cli_report(VERB, e);
		return PW_EXIT_ERROR;
	}
	if (format == PW_FORMAT_JSON) {
		fwrite(buf->data, 1, buf->len, stdout);
		putchar('\n');
	} else {
		json_t *doc = json_loadb(buf->data, buf->len, 0, NULL);
		if (!doc) {
			pw_cli_error(VERB, "out of memory");
			return PW_EXIT_ERROR;
		}
		print_drift(doc);
		json_decref(doc);
	}
	if (fflush(stdout) != 0)
		return PW_EXIT_ERROR;
	return drifted ? PW_EXIT_FOUND : PW_EXIT_OK;
}

int cmd_baseline(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "host", required_argument, NULL, 'H' },
		{ "group", required_argument, NULL, 'g' },
		{ "description", required_argument, NULL, 'D' },
		{ "details", no_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	static const char *const subs[] = { "save", "list", "show", "drift", "delete" };
	enum { SAVE, LIST, SHOW, DRIFT, DELETE, NSUBS } mode = NSUBS;
	for (int i = 0; i < NSUBS; i++)
		if (strcmp(argv[1], subs[i]) == 0)
			mode = i;
	if (mode == NSUBS) {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", argv[1]);
		return PW_EXIT_ERROR;
	}
	const char *db = NULL, *host = NULL, *group = NULL, *description = NULL;
	bool details = false;
	enum pw_format format = PW_FORMAT_TABLE;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'H': host = optarg; break;
		case 'g': group = optarg; break;
		case 'D': description = optarg; break;
		case 'x': details = true; break;
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
	if ((mode == LIST) != (rest == 0) || rest > 1) {
		pw_cli_error(VERB, "%s: wrong number of arguments; see --help", subs[mode]);
		return PW_EXIT_ERROR;
	}
	if ((mode == SAVE && !host) || (host && mode != SAVE && mode != DRIFT) ||
	    (group && (mode != DRIFT || host)) || (description && mode != SAVE) ||
	    (details && mode != DRIFT)) {
		pw_cli_error(VERB, "%s: %s; see --help", subs[mode],
			     mode == SAVE && !host ? "--host is required"
						   : "option not for this subcommand");
		return PW_EXIT_ERROR;
	}
	struct pw_store *s;
	if (mode == SAVE ? pw_server_cli_open_store(VERB, db, &s)
			 : pw_server_cli_open_existing_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	char actor[160];
	pw_server_cli_actor(actor, sizeof(actor));
	struct pw_error e = { 0 };
	struct pw_buf buf;
	pw_buf_init(&buf, 0);
	struct pw_jsonw w;
	pw_jsonw_init(&w, &buf, format == PW_FORMAT_JSON);
	int status = PW_EXIT_ERROR;
	int64_t id = 0, host_id = 0;
	if (host && !(host_id = pw_server_cli_resolve_host(VERB, s, host)))
		goto out;
	if (mode == SAVE) {
		if (pw_drift_save_baseline(s, args[0], description, host_id, pw_clock_now(), actor,
					   &id, &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		printf("baseline %s saved (id %lld) from host %lld\n", args[0], (long long)id,
		       (long long)host_id);
		status = PW_EXIT_OK;
		goto out;
	}
	if (mode == LIST) {
		struct list_ctx l = { format, &w };
		if (format == PW_FORMAT_JSON)
			pw_jsonw_begin_array(&w);
		else
			printf("%-6s %-24s %-8s %-24s %s\n", "ID", "NAME", "PACKAGES", "FROM HOST",
			       "SAVED");
		if (pw_baselines_each(s, list_cb, &l, &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		if (format == PW_FORMAT_JSON)
			pw_jsonw_end_array(&w);
		goto print;
	}
	if (pw_baselines_find(s, args[0], &id, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	if (mode == DELETE) {
		if (pw_drift_delete_baseline(s, id, actor, &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		printf("baseline %s deleted\n", args[0]);
		status = PW_EXIT_OK;
		goto out;
	}
	if (mode == DRIFT) {
		struct pw_host_query q = { .group = group, .include_retired = false };
		status = drift(s, id, &q, host_id, details, format, &buf, &w, &e);
		goto out;
	}
	if (show(s, id, format, &w, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
print:
	if (format == PW_FORMAT_JSON) {
		if (pw_jsonw_finish(&w)) {
			pw_cli_error(VERB, "out of memory");
			goto out;
		}
		fwrite(buf.data, 1, buf.len, stdout);
		putchar('\n');
	}
	status = fflush(stdout) == 0 ? PW_EXIT_OK : PW_EXIT_ERROR;
out:
	pw_buf_free(&buf);
	pw_store_close(s);
	return status;
}
