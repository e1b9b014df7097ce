/* cmd_feed.c - `patchwarden feed import|sync|status`: vulnerability feeds
 * into the store, and their freshness. */
#include "pw_cli.h"

#include <getopt.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_config.h"
#include "pw_feeds.h"
#include "pw_fetch.h"
#include "pw_jsonw.h"
#include "pw_store.h"

/* Upstream sources `feed sync` uses unless the [feeds] section of the
 * configuration names others (key = feed name, value = URL). */
static const struct {
	const char *feed;
	enum pw_feed_kind kind;
	const char *url;
} default_feeds[] = {
	{ "kev", PW_FEED_KEV, "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json" },
	{ "epss", PW_FEED_EPSS, "https://epss.cyentia.com/epss_scores-current.csv.gz" },
	{ "debian-tracker", PW_FEED_DEBIAN_TRACKER, "https://security-tracker.debian.org/tracker/data/json" },
	{ "dsa", PW_FEED_DSA, "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DSA/list" },
	{ "dla", PW_FEED_DLA, "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DLA/list" },
	{ "osv-debian", PW_FEED_OSV, "https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip" },
	{ "osv-ubuntu", PW_FEED_OSV, "https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip" },
	{ "osv-almalinux", PW_FEED_OSV, "https://osv-vulnerabilities.storage.googleapis.com/AlmaLinux/all.zip" },
	{ "osv-rocky", PW_FEED_OSV, "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip" },
	{ "osv-alpine", PW_FEED_OSV, "https://osv-vulnerabilities.storage.googleapis.com/Alpine/all.zip" },
	{ "alpine-secdb-3.20-main", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.20/main.json" },
	{ "alpine-secdb-3.20-community", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.20/community.json" },
};

#define STALE_AFTER (2 * 24 * 3600)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: patchwarden feed import [--kind K] [--db PATH] [--format table|json] PATH|URL...\n"
		"       patchwarden feed sync [--db PATH] [--config FILE] [--feed NAME]... [--format table|json]\n"
		"       patchwarden feed status [--db PATH] [--format table|json]\n"
		"\n"
		"Import vulnerability feeds into the store, fetch the configured upstreams\n"
		"(conditional GET: unchanged feeds cost one request), and show freshness.\n"
		"\n"
		"  --kind K        osv, debian-tracker, dsa, dla, alpine-secdb, kev, epss, nvd\n"
		"                  (detected from each file when not given)\n"
		"  --db PATH       the store (default $PATCHWARDEN_DB, else\n"
		"                  /var/lib/patchwarden/patchwarden.db as root)\n"
		"  --config FILE   configuration with a [feeds] section: name = URL\n"
		"                  (default /etc/patchwarden/patchwarden.conf)\n"
		"  --feed NAME     sync only this feed (repeatable)\n"
		"  --format F      table (default) or json\n"
		"\n"
		"Each PATH is a file (plain, .gz, .xz, .zst, .bz2), a directory or a .zip;\n"
		"each is imported in its own transaction: a failure rolls back only it.\n"
		"Exit status: 0 success, 2 usage error or an input that failed.\n");
}

/* ---- progress on a terminal ---- */

struct progress {
	bool tty;
	const char *label;
	double last;
	struct pw_import_stats *stats;
};

static double now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct progress progress_state;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	struct progress *p = &progress_state;
	double t = now_seconds();
	if (!p->tty || (t - p->last < 0.1 && done < total))
		return;
	p->last = t;
	int pct = total ? (int)(done * 100 / total) : 0;
	int bar = pct / 5;
	fprintf(stderr, "\r%-28.28s [%.*s%*s] %3d%%  %llu records", p->label, bar,
		"####################", 20 - bar, "", pct, (unsigned long long)p->stats->read);
	fflush(stderr);
}

static void end_progress(void)
{
	if (progress_state.tty)
		fprintf(stderr, "\r%*s\r", 79, "");
}

/* ---- import ---- */

struct summary {
	char name[256];
	const char *kind;
	struct pw_import_stats stats;
	pw_err rc;
	char error[PW_ERROR_MSG_MAX];
};

static pw_err import_one(struct pw_store *store, const char *path, enum pw_feed_kind kind,
			 struct summary *sum, struct pw_error *e)
{
	enum pw_feed_kind detected = kind;
	/* the source name the store keys records by: the kind, detected from
	 * the first file when not given */
	if (kind == PW_FEED_KIND_COUNT && !pw_feed_detect_path(path, &detected))
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "%s: cannot tell which feed this is; name it with --kind", path);
	sum->kind = pw_feed_kind_name(detected);
	struct pw_feed_sink sink;
	pw_err rc = pw_store_import_begin(store, sum->kind, &sink, &sum->stats, e);
	if (rc)
		return rc;
	sink.progress = on_progress;
	progress_state = (struct progress){ isatty(STDERR_FILENO) == 1, path, 0, &sum->stats };
	rc = pw_feed_import_path(path, kind, &sink, e);
	end_progress();
	if (rc) {
		pw_store_import_abort(store);
		return rc;
	}
	return pw_store_import_commit(store, e);
}

static void print_summaries(const struct summary *s, size_t n, enum pw_format format)
{
	if (format == PW_FORMAT_JSON) {
		struct pw_buf b = PW_BUF_INIT;
		struct pw_jsonw w;
		pw_jsonw_init(&w, &b, true);
		pw_jsonw_begin_array(&w);
		for (size_t i = 0; i < n; i++) {
			pw_jsonw_begin_object(&w);
			pw_jsonw_kstr(&w, "input", s[i].name);
			pw_jsonw_kstr(&w, "kind", s[i].kind);
			pw_jsonw_kstr(&w, "error", s[i].rc ? s[i].error : NULL);
			const char *keys[] = { "read", "added", "updated", "unchanged", "skipped" };
			uint64_t vals[] = { s[i].stats.read, s[i].stats.added, s[i].stats.updated,
					    s[i].stats.unchanged, s[i].stats.skipped };
			for (size_t k = 0; k < 5; k++) {
				pw_jsonw_key(&w, keys[k]);
				pw_jsonw_int(&w, (int64_t)vals[k]);
			}
			pw_jsonw_key(&w, "skip_reasons");
			pw_jsonw_begin_object(&w);
			for (size_t k = 0; k < s[i].stats.nskips; k++) {
				pw_jsonw_key(&w, s[i].stats.skips[k].reason);
				pw_jsonw_int(&w, (int64_t)s[i].stats.skips[k].count);
			}
			pw_jsonw_end_object(&w);
			pw_jsonw_end_object(&w);
		}
		pw_jsonw_end_array(&w);
		if (pw_jsonw_finish(&w) == PW_OK)
			printf("%s\n", b.data);
		pw_buf_free(&b);
		return;
	}
	printf("%-40s %-14s %9s %9s %9s %9s %9s\n", "INPUT", "KIND", "READ", "ADDED", "UPDATED",
	       "UNCHANGED", "SKIPPED");
	for (size_t i = 0; i < n; i++) {
		const struct pw_import_stats *st = &s[i].stats;
		const char *name = s[i].name;
		size_t len = strlen(name);
		if (len > 40)
			name += len - 40;
		if (s[i].rc) {
			printf("%-40s %-14s FAILED: %s\n", name, s[i].kind, s[i].error);
			continue;
		}
		printf("%-40s %-14s %9llu %9llu %9llu %9llu %9llu\n", name, s[i].kind,
		       (unsigned long long)st->read, (unsigned long long)st->added,
		       (unsigned long long)st->updated, (unsigned long long)st->unchanged,
		       (unsigned long long)st->skipped);
		for (size_t k = 0; k < st->nskips; k++)
			printf("    skipped %llu: %s\n", (unsigned long long)st->skips[k].count,
			       st->skips[k].reason);
	}
}

static int open_store(const char *db, struct pw_store **store)
{
	char *path = db ? strdup(db) : pw_store_default_path();
	struct pw_error e;
	pw_err rc = pw_store_open(path, store, &e);
	free(path);
	if (rc) {
		pw_cli_report("feed", &e);
		return PW_EXIT_ERROR;
	}
	return PW_EXIT_OK;
}

static bool is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0 ||
	       strncmp(s, "file://", 7) == 0;
}

/* Fetch url into a temporary file; returns its path (caller unlinks, frees). */
static char *fetch_to_temp(const char *url, struct pw_error *e)
{
	char dir[] = "/tmp/patchwarden-fetch-XXXXXX";
	if (!mkdtemp(dir)) {
		pw_error_set(e, PW_ERR_IO, "cannot create a temporary directory");
		return NULL;
	}
	const char *base = strrchr(url, '/');
	struct pw_buf path = PW_BUF_INIT;
	pw_buf_addf(&path, "%s/%s", dir, base && base[1] ? base + 1 : "feed");
	struct pw_fetch_result res;
	if (pw_fetch(url, NULL, NULL, path.data, &res, e)) {
		rmdir(dir);
		pw_buf_free(&path);
		return NULL;
	}
	return pw_buf_detach(&path);
}

static void remove_temp(char *path)
{
	unlink(path);
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);
	}
	free(path);
}

static int feed_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum pw_feed_kind kind = PW_FEED_KIND_COUNT;
	enum pw_format format = PW_FORMAT_TABLE;
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (!pw_feed_kind_parse(optarg, &kind)) {
				pw_cli_error("feed", "unknown --kind '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'd': db = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON, &format)) {
				pw_cli_error("feed", "--format must be table or json");
				return PW_EXIT_ERROR;
			}
			break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind == argc) {
		pw_cli_error("feed", "import: name at least one file, directory or URL");
		return PW_EXIT_ERROR;
	}
	struct pw_store *store;
	if (open_store(db, &store))
		return PW_EXIT_ERROR;
	size_t n = (size_t)(argc - optind);
	struct summary *sums = calloc(n, sizeof(*sums));
	int status = PW_EXIT_OK;
	for (size_t i = 0; sums && i < n; i++) {
		const char *arg = argv[optind + (int)i];
		struct pw_error e;
		pw_error_clear(&e);
		snprintf(sums[i].name, sizeof(sums[i].name), "%s", arg);
		char *tmp = NULL;
		const char *path = arg;
		if (is_url(arg) && !(path = tmp = fetch_to_temp(arg, &e))) {
			sums[i].rc = e.code;
			sums[i].kind = "?";
		} else {
			sums[i].rc = import_one(store, path, kind, &sums[i], &e);
		}
		if (tmp)
			remove_temp(tmp);
		if (sums[i].rc) {
			snprintf(sums[i].error, sizeof(sums[i].error), "%s", e.msg);
			pw_cli_error("feed", "%s", e.msg);
			status = PW_EXIT_ERROR;
			continue;
		}
		/* remember where it came from, for `feed status` */
		struct pw_feed_state st = { .feed = sums[i].kind, .url = arg,
					    .last_checked = pw_clock_now(),
					    .records = (uint64_t)(sums[i].stats.read - sums[i].stats.skipped) };
		bool found;
		struct pw_feed_state old;
		if (pw_store_feed_state_get(store, sums[i].kind, &old, &found, &e) == PW_OK && found)
			st.last_changed = old.last_changed;
		if (sums[i].stats.added || sums[i].stats.updated)
			st.last_changed = st.last_checked;
		pw_store_feed_state_put(store, &st, &e);
	}
	if (sums)
		print_summaries(sums, n, format);
	free(sums);
	pw_store_close(store);
	return status;
}

/* ---- status ---- */

struct status_ctx {
	enum pw_format format;
	struct pw_jsonw *w;
	int64_t now;
};

static pw_err print_state(void *ctx, const struct pw_feed_state *st)
{
	struct status_ctx *c = ctx;
	char checked[32] = "never", changed[32] = "never";
	if (st->last_checked)
		pw_clock_format(st->last_checked, checked, sizeof(checked));
	if (st->last_changed)
		pw_clock_format(st->last_changed, changed, sizeof(changed));
	int64_t age = st->last_checked ? c->now - st->last_checked : -1;
	bool stale = age < 0 || age > STALE_AFTER;
	if (c->format == PW_FORMAT_JSON) {
		pw_jsonw_begin_object(c->w);
		pw_jsonw_kstr(c->w, "feed", st->feed);
		pw_jsonw_kstr(c->w, "url", st->url);
		pw_jsonw_key(c->w, "records");
		pw_jsonw_int(c->w, (int64_t)st->records);
		pw_jsonw_kstr(c->w, "last_checked", st->last_checked ? checked : NULL);
		pw_jsonw_kstr(c->w, "last_changed", st->last_changed ? changed : NULL);
		pw_jsonw_key(c->w, "age_seconds");
		pw_jsonw_int(c->w, age);
		pw_jsonw_key(c->w, "stale");
		pw_jsonw_bool(c->w, stale);
		pw_jsonw_end_object(c->w);
	} else {
		printf("%-16s %9llu  %-20s  %-20s  %6.1fh%s  %s\n", st->feed,
		       (unsigned long long)st->records, checked, changed,
		       age < 0 ? 0.0 : (double)age / 3600.0, stale ? " STALE" : "      ",
		       st->url ? st->url : "");
	}
	return PW_OK;
}

static int feed_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	enum pw_format format = PW_FORMAT_TABLE;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON, &format)) {
				pw_cli_error("feed", "--format must be table or json");
				return PW_EXIT_ERROR;
			}
			break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	struct pw_store *store;
	if (open_store(db, &store))
		return PW_EXIT_ERROR;
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	struct status_ctx ctx = { format, &w, pw_clock_now() };
	struct pw_error e;
	if (format == PW_FORMAT_JSON) {
		pw_jsonw_init(&w, &b, true);
		pw_jsonw_begin_array(&w);
	} else {
		printf("%-16s %9s  %-20s  %-20s  %13s  %s\n", "FEED", "RECORDS", "LAST CHECKED",
		       "LAST CHANGED", "AGE", "SOURCE");
	}
	pw_err rc = pw_store_each_feed_state(store, print_state, &ctx, &e);
	if (format == PW_FORMAT_JSON) {
		pw_jsonw_end_array(&w);
		if (pw_jsonw_finish(&w) == PW_OK)
			printf("%s\n", b.data);
	}
	pw_buf_free(&b);
	pw_store_close(store);
	if (rc) {
		pw_cli_report("feed", &e);
		return PW_EXIT_ERROR;
	}
	return PW_EXIT_OK;
}

/* ---- sync ---- */

struct sync_feed {
	char name[64];
	char url[1024];
	enum pw_feed_kind kind;
};

struct sync_config {
	struct sync_feed feeds[64];
	size_t n;
	bool replaced; /* a [feeds] section replaces the defaults */
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct sync_config *cfg = user;
	if (strcmp(section, "feeds") != 0)
		return 1;
	if (!cfg->replaced) {
		cfg->n = 0;
		cfg->replaced = true;
	}
	if (cfg->n == sizeof(cfg->feeds) / sizeof(cfg->feeds[0]))
		return 0;
	struct sync_feed *f = &cfg->feeds[cfg->n];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->url, sizeof(f->url), "%s", value);
	/* the kind: a default feed's, or the name's prefix ("osv-...") */
	f->kind = PW_FEED_KIND_COUNT;
	for (size_t i = 0; i < sizeof(default_feeds) / sizeof(default_feeds[0]); i++) {
		if (strcmp(default_feeds[i].feed, name) == 0)
			f->kind = default_feeds[i].kind;
	}
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s", name);
	for (char *p = prefix; *p && f->kind == PW_FEED_KIND_COUNT; p++) {
		char saved = *p;
		if (*p == '-') {
			*p = '\0';
			pw_feed_kind_parse(prefix, &f->kind);
			*p = saved;
		}
	}
	if (f->kind == PW_FEED_KIND_COUNT)
		pw_feed_kind_parse(name, &f->kind);
	cfg->n++;
	return 1;
}

static int feed_sync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "feed", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *config = PW_SYSCONFDIR "/patchwarden.conf";
	const char *only[32];
	size_t nonly = 0;
	bool config_given = false;
	enum pw_format format = PW_FORMAT_TABLE;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'c': config = optarg; config_given = true; break;
		case 'F':
			if (nonly < 32)
				only[nonly++] = optarg;
			break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON, &format)) {
				pw_cli_error("feed", "--format must be table or json");
				return PW_EXIT_ERROR;
			}
			break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	struct sync_config cfg = { .n = 0 };
	for (size_t i = 0; i < sizeof(default_feeds) / sizeof(default_feeds[0]); i++) {
		snprintf(cfg.feeds[i].name, sizeof(cfg.feeds[i].name), "%s", default_feeds[i].feed);
		snprintf(cfg.feeds[i].url, sizeof(cfg.feeds[i].url), "%s", default_feeds[i].url);
		cfg.feeds[i].kind = default_feeds[i].kind;
		cfg.n++;
	}
	int r = ini_parse(config, on_ini, &cfg);
	if (r > 0 || (r < 0 && config_given)) {
		if (r > 0)
			pw_cli_error("feed", "%s:%d: malformed configuration line", config, r);
		else
			pw_cli_error("feed", "%s: cannot read the configuration", config);
		return PW_EXIT_ERROR;
	}
	struct pw_store *store;
	if (open_store(db, &store))
		return PW_EXIT_ERROR;
	struct summary *sums = calloc(cfg.n, sizeof(*sums));
	size_t nsum = 0;
	int status = PW_EXIT_OK;
	for (size_t i = 0; sums && i < cfg.n; i++) {
		struct sync_feed *f = &cfg.feeds[i];
		bool wanted = nonly == 0;
		for (size_t k = 0; k < nonly; k++)
			wanted |= strcmp(only[k], f->name) == 0;
		if (!wanted)
			continue;
		struct summary *s = &sums[nsum++];
		struct pw_error e;
		pw_error_clear(&e);
		snprintf(s->name, sizeof(s->name), "%s", f->name);
		s->kind = pw_feed_kind_name(f->kind);
		struct pw_feed_state old = { 0 };
		bool found = false;
		pw_store_feed_state_get(store, f->name, &old, &found, &e);
		char etag[256] = "", lastmod[128] = "";
		if (found) {
			snprintf(etag, sizeof(etag), "%s", old.etag ? old.etag : "");
			snprintf(lastmod, sizeof(lastmod), "%s", old.last_modified ? old.last_modified : "");
		}
		int64_t last_changed = found ? old.last_changed : 0;
		uint64_t records = found ? old.records : 0;
		char dir[] = "/tmp/patchwarden-sync-XXXXXX";
		struct pw_buf path = PW_BUF_INIT;
		struct pw_fetch_result res;
		pw_err rc = mkdtemp(dir) ? PW_OK : pw_error_set(&e, PW_ERR_IO, "temporary directory");
		if (rc == PW_OK) {
			const char *base = strrchr(f->url, '/');
			pw_buf_addf(&path, "%s/%s", dir, base && base[1] ? base + 1 : "feed");
			rc = pw_fetch(f->url, etag, lastmod, path.data, &res, &e);
		}
		if (rc == PW_OK && !res.not_modified) {
			rc = import_one(store, path.data, f->kind, s, &e);
			snprintf(etag, sizeof(etag), "%s", res.etag);
			snprintf(lastmod, sizeof(lastmod), "%s", res.last_modified);
			if (rc == PW_OK && (s->stats.added || s->stats.updated))
				last_changed = pw_clock_now();
			if (rc == PW_OK)
				records = s->stats.read - s->stats.skipped;
		}
		if (path.data)
			unlink(path.data);
		rmdir(dir);
		pw_buf_free(&path);
		if (rc) {
			s->rc = rc;
			snprintf(s->error, sizeof(s->error), "%s", e.msg);
			pw_cli_error("feed", "%s: %s", f->name, e.msg);
			status = PW_EXIT_ERROR;
			continue;
		}
		if (res.not_modified)
			s->kind = "not modified";
		struct pw_feed_state st = { .feed = f->name, .url = f->url,
					    .etag = etag[0] ? etag : NULL,
					    .last_modified = lastmod[0] ? lastmod : NULL,
					    .last_checked = pw_clock_now(), .last_changed = last_changed,
					    .records = records };
		pw_store_feed_state_put(store, &st, &e);
	}
	if (sums)
		print_summaries(sums, nsum, format);
	free(sums);
	pw_store_close(store);
	return status;
}

int cmd_feed(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	if (strcmp(argv[1], "import") == 0)
		return feed_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return feed_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "sync") == 0)
		return feed_sync(argc - 1, argv + 1);
	pw_cli_error("feed", "'%s' is not a feed subcommand (import, sync, status)", argv[1]);
	return PW_EXIT_ERROR;
}
