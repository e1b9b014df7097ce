/* cmd_asset.c - `patchwarden asset import-inventory|import-devices`: hosts
 * where no agent runs, brought into the asset register by hand.
 *
 * import-inventory: each FILE is the JSON of `patchwarden scan --format json`
 * run on such a host; the host is found by its machine id (created the first
 * time, origin "import") and its inventory stored as a difference, in one
 * transaction per file with its audit entry.
 * import-devices: a CSV of devices without a package manager (vendor,
 * product, version, CPE); every bad line is named and then nothing is stored.
 */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_file.h"
#include "pw_hosts.h"
#include "pw_import.h"
#include "pw_inventory_json.h"
#include "pw_jsonw.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_store.h"

#define VERB "asset"
#define MAX_INPUT ((size_t)256 << 20)

static const char usage[] =
	"usage: patchwarden asset import-inventory [--group G] [--max-package-loss PCT]\n"
	"                                          [--db PATH] [--format table|json] FILE.json...\n"
	"       patchwarden asset import-devices [--db PATH] [--format table|json] FILE.csv\n"
	"\n"
	"import-inventory: hosts without an agent. Each FILE is the output of\n"
	"  `patchwarden scan --format json` on such a host ('-' reads standard\n"
	"  input). The host is found by its machine id (or its hostname when the\n"
	"  document has none) and created the first time; only the packages that\n"
	"  changed are written, each change kept in the host's history. One\n"
	"  transaction per file: a bad file is reported and the others imported.\n"
	"  --group G puts new and existing hosts in the static group G.\n"
	"  An inventory that lists no package for a host that had some, that lost\n"
	"  more than PCT of them at once (--max-package-loss, default 50%), or that\n"
	"  says a package database could not be read, is held for review instead:\n"
	"  the host's inventory and findings stay as they were until an admin runs\n"
	"  `patchwarden host accept-inventory HOST` or a good inventory comes.\n"
	"import-devices: devices without a package manager (appliances,\n"
	"  firmware), one CPE a line:\n"
	"    vendor,product,version,cpe[,hostname,owner,environment,criticality,exposure,site]\n"
	"  A first line of column names is a header (columns then in any order).\n"
	"  Lines with one hostname are one device with several CPEs. Every bad\n"
	"  line is reported as FILE:LINE:FIELD and then nothing is stored.\n"
	"\n"
	"  --db PATH   the server's store (default $PATCHWARDEN_DB, else the\n"
	"              standard location)\n"
	"\n"
	"Exit status: 0 everything imported; 1 an inventory was held for review (the\n"
	"others imported); 2 usage error, or a file or line was bad.\n";

/* A whole file, or standard input for "-". */
static pw_err read_input(const char *path, struct pw_buf *out, struct pw_error *e)
{
	pw_buf_init(out, MAX_INPUT);
	if (strcmp(path, "-") != 0) {
		struct pw_file f;
		pw_err rc = pw_file_read(&f, path, e);
		if (rc)
			return rc;
		rc = pw_buf_add(out, f.data.ptr, f.data.len);
		pw_file_close(&f);
		if (!out->data && !rc)
			rc = pw_buf_adds(out, "");
		return rc ? pw_error_set(e, rc, "%s: larger than 256 MiB", path) : PW_OK;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (pw_buf_add(out, chunk, n))
			return pw_error_set(e, PW_ERR_LIMIT, "standard input: larger than 256 MiB");
	}
	if (ferror(stdin))
		return pw_error_set(e, PW_ERR_IO, "standard input: %s", strerror(errno));
	if (!out->data && pw_buf_adds(out, ""))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	return PW_OK;
}

struct import_result {
	struct pw_import_result res;
	char hostname[256];
};

/* e's message prefixed with the file it is about */
static pw_err at_path(struct pw_error *e, pw_err rc, const char *path)
{
	char msg[PW_ERROR_MSG_MAX];
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return pw_error_set(e, rc, "%s: %s", path, msg);
}

/* One scan document into the register, in one transaction (pw_import.h). */
static pw_err import_one(struct pw_store *s, const char *path, const char *group,
			 int max_loss, const char *actor, struct import_result *r,
			 struct pw_error *e)
{
	struct pw_buf text;
	struct pw_inventory inv;
	pw_inventory_init(&inv, "/");
	json_t *doc = NULL;
	pw_err rc = read_input(path, &text, e);
	if (rc)
		goto out;
	json_error_t je;
	doc = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		rc = pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: %s", path, je.line, je.column,
				  je.text);
		goto out;
	}
	if ((rc = pw_inventory_from_json(&inv, doc, e))) {
		rc = at_path(e, rc, path);
		goto out;
	}
	struct pw_import_request rq = { .inv = &inv, .group = group, .max_loss_percent = max_loss,
					.actor = actor, .now = pw_clock_now() };
	if ((rc = pw_import_inventory(s, &rq, &r->res, e))) {
		rc = at_path(e, rc, path);
		goto out;
	}
	snprintf(r->hostname, sizeof(r->hostname), "%s",
		 inv.host.hostname ? inv.host.hostname : "");
out:
	json_decref(doc);
	pw_inventory_free(&inv);
	pw_buf_free(&text);
	return rc;
}

struct bad_ctx {
	const char *path;
	struct pw_jsonw *w; /* JSON: collected; table: printed */
};

static void bad_line(void *ctx, size_t line, const char *field, const char *reason)
{
	struct bad_ctx *b = ctx;
	if (b->w) {
		pw_jsonw_begin_object(b->w);
		pw_jsonw_key(b->w, "line");
		pw_jsonw_int(b->w, (int64_t)line);
		pw_jsonw_kstr(b->w, "field", field);
		pw_jsonw_kstr(b->w, "message", reason);
		pw_jsonw_end_object(b->w);
	}
	pw_cli_message("%s:%zu:%s: %s", b->path, line, field, reason);
}

int cmd_asset(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-package-loss", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	bool inventory = strcmp(sub, "import-inventory") == 0;
	bool devices = strcmp(sub, "import-devices") == 0;
	if (!inventory && !devices) {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", sub);
		return PW_EXIT_ERROR;
	}
	const char *db = NULL, *group = NULL;
	int max_loss = PW_INVENTORY_MAX_LOSS_DEFAULT;
	enum pw_format format = PW_FORMAT_TABLE;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'g': group = optarg; break;
		case 'l':
			if (!pw_inventory_parse_loss(optarg, &max_loss)) {
				pw_cli_error(VERB, "--max-package-loss: a percentage from 1%% to 100%%,"
					     " not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			break;
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
	if (inventory && rest < 1) {
		pw_cli_error(VERB, "import-inventory: give at least one FILE.json; see --help");
		return PW_EXIT_ERROR;
	}
	if (devices && (rest != 1 || group)) {
		pw_cli_error(VERB,
			     "import-devices takes one FILE.csv (and no --group); see --help");
		return PW_EXIT_ERROR;
	}
	struct pw_store *s;
	if (pw_server_cli_open_store(VERB, db, &s))
		return PW_EXIT_ERROR;
	char actor[160];
	pw_server_cli_actor(actor, sizeof(actor));
	int status = PW_EXIT_OK;
	struct pw_buf out = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &out, true);

	if (inventory) {
		if (format == PW_FORMAT_JSON)
			pw_jsonw_begin_array(&w);
		for (int i = 0; i < rest; i++) {
			struct pw_error e = { 0 };
			struct import_result r = { 0 };
			pw_err rc = import_one(s, args[i], group, max_loss, actor, &r, &e);
			const struct pw_inventory_delta *d = &r.res.in.d;
			if (rc) {
				pw_cli_report(VERB, &e);
				status = PW_EXIT_ERROR;
			} else if (r.res.in.held) {
				pw_cli_error(VERB, "%s: host %lld (%s): held for review, not applied: %s",
					     args[i], (long long)r.res.host_id, r.hostname, r.res.in.reason);
				if (status == PW_EXIT_OK)
					status = PW_EXIT_FOUND;
			}
			if (format == PW_FORMAT_JSON) {
				pw_jsonw_begin_object(&w);
				pw_jsonw_kstr(&w, "file", args[i]);
				if (rc) {
					pw_jsonw_kstr(&w, "error", e.msg);
				} else {
					pw_jsonw_key(&w, "host_id");
					pw_jsonw_int(&w, r.res.host_id);
					pw_jsonw_kstr(&w, "hostname", r.hostname);
					pw_jsonw_key(&w, "created");
					pw_jsonw_bool(&w, r.res.created);
					pw_jsonw_kstr(&w, "status", r.res.in.held ? "held" : "applied");
					if (r.res.in.held)
						pw_jsonw_kstr(&w, "reason", r.res.in.reason);
					pw_jsonw_key(&w, "added");
					pw_jsonw_int(&w, (int64_t)d->added);
					pw_jsonw_key(&w, "removed");
					pw_jsonw_int(&w, (int64_t)d->removed);
					pw_jsonw_key(&w, "changed");
					pw_jsonw_int(&w, (int64_t)d->changed);
					pw_jsonw_key(&w, "unchanged");
					pw_jsonw_int(&w, (int64_t)d->unchanged);
				}
				pw_jsonw_end_object(&w);
			} else if (!rc && !r.res.in.held) {
				printf("%s: host %lld (%s)%s: %llu added, %llu removed, %llu changed,"
				       " %llu unchanged\n",
				       args[i], (long long)r.res.host_id, r.hostname,
				       r.res.created ? " created" : "", (unsigned long long)d->added,
				       (unsigned long long)d->removed,
				       (unsigned long long)d->changed,
				       (unsigned long long)d->unchanged);
			}
		}
		if (format == PW_FORMAT_JSON)
			pw_jsonw_end_array(&w);
	} else {
		struct pw_error e = { 0 };
		struct pw_buf text;
		struct pw_device_import r = { 0 };
		if (format == PW_FORMAT_JSON) {
			pw_jsonw_begin_object(&w);
			pw_jsonw_key(&w, "errors");
			pw_jsonw_begin_array(&w);
		}
		struct bad_ctx b = { args[0], format == PW_FORMAT_JSON ? &w : NULL };
		pw_err rc = read_input(args[0], &text, &e);
		if (!rc)
			rc = pw_hosts_import_devices(s, text.data, text.len, pw_clock_now(), actor,
						     &r, bad_line, &b, &e);
		pw_buf_free(&text);
		if (rc) {
			pw_cli_error(VERB, "%s: %s", args[0], e.msg);
			status = PW_EXIT_ERROR;
		}
		if (format == PW_FORMAT_JSON) {
			pw_jsonw_end_array(&w);
			if (!rc) {
				static const char *const keys[] = { "lines", "created", "updated",
								    "cpes_added" };
				int64_t v[] = { r.lines, r.created, r.updated, r.cpes_added };
				for (int i = 0; i < 4; i++) {
					pw_jsonw_key(&w, keys[i]);
					pw_jsonw_int(&w, v[i]);
				}
			}
			pw_jsonw_end_object(&w);
		} else if (!rc) {
			printf("%s: %lld lines, %lld devices created, %lld updated, %lld CPEs added\n",
			       args[0], (long long)r.lines, (long long)r.created,
			       (long long)r.updated, (long long)r.cpes_added);
		}
	}
	if (format == PW_FORMAT_JSON) {
		if (pw_jsonw_finish(&w)) {
			pw_cli_error(VERB, "out of memory");
			status = PW_EXIT_ERROR;
		} else {
			fwrite(out.data, 1, out.len, stdout);
			putchar('\n');
		}
	}
	pw_buf_free(&out);
	pw_store_close(s);
	return status;
}
