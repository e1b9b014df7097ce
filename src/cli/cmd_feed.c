/* cmd_feed.c - `patchwarden feed import|sync|status`: vulnerability feeds
 * into the store, and how fresh they are.
 *
 * import: each argument (file, directory, zip, compressed file, URL) is one
 * transaction; a failing one is reported and rolls back only itself.
 * sync: every configured feed is fetched with the validators of its last
 * fetch (conditional GET), imported only when it changed, and its sync
 * state recorded. NVD's API has no validators and pages its answers: it is
 * fetched page by page, incrementally from the last sync (lastModStartDate),
 * each page imported in its own transaction (see sync_nvd).
 * status: each feed's source, records, last check, last change and age,
 * and the age of its data: the newest date the data carries (see
 * pw_feed_dates.h), warned about past a limit.
 * Every import is audited, in its own transaction (feed.import).
 */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_config.h"
#include "pw_feed_dates.h"
#include "pw_feeds.h"
#include "pw_fetch.h"
#include "pw_jsonw.h"
#include "pw_registry.h"
#include "pw_store.h"

#define VERB "feed"
#define DEFAULT_CONFIG PW_SYSCONFDIR "/patchwarden.conf"
#define DEFAULT_STALE_HOURS 48
#define DEFAULT_MAX_DATA_AGE (30 * 86400) /* [feeds] max_data_age */
#define NVD_PAGE_SIZE 2000
#define OSV_BUCKET "https://osv-vulnerabilities.storage.googleapis.com"
#define TRACKER_RAW "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master"

/* The upstreams `feed sync` uses unless the configuration says otherwise. */
static const struct default_feed {
	const char *name;
	enum pw_feed_kind kind;
	const char *url;
} default_feeds[] = {
	{ "osv-debian", PW_FEED_OSV, OSV_BUCKET "/Debian/all.zip" },
	{ "osv-ubuntu", PW_FEED_OSV, OSV_BUCKET "/Ubuntu/all.zip" },
	{ "osv-almalinux", PW_FEED_OSV, OSV_BUCKET "/AlmaLinux/all.zip" },
	{ "osv-rocky", PW_FEED_OSV, OSV_BUCKET "/Rocky%20Linux/all.zip" },
	{ "osv-alpine", PW_FEED_OSV, OSV_BUCKET "/Alpine/all.zip" },
	{ "debian-tracker", PW_FEED_DEBIAN_TRACKER, "https://security-tracker.debian.org/tracker/data/json" },
	{ "dsa", PW_FEED_DSA, TRACKER_RAW "/data/DSA/list" },
	{ "dla", PW_FEED_DLA, TRACKER_RAW "/data/DLA/list" },
	{ "alpine-secdb-v3.19-main", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.19/main.json" },
	{ "alpine-secdb-v3.19-community", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.19/community.json" },
	{ "alpine-secdb-v3.20-main", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.20/main.json" },
	{ "alpine-secdb-v3.20-community", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.20/community.json" },
	{ "alpine-secdb-v3.21-main", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.21/main.json" },
	{ "alpine-secdb-v3.21-community", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.21/community.json" },
	{ "alpine-secdb-v3.22-main", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.22/main.json" },
	{ "alpine-secdb-v3.22-community", PW_FEED_ALPINE_SECDB, "https://secdb.alpinelinux.org/v3.22/community.json" },
	{ "kev", PW_FEED_KEV, "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json" },
	{ "epss", PW_FEED_EPSS, "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz" },
	{ "nvd", PW_FEED_NVD, "https://services.nvd.nist.gov/rest/json/cves/2.0" },
};
#define NDEFAULTS (sizeof(default_feeds) / sizeof(default_feeds[0]))

static const char usage_import[] =
	"usage: patchwarden feed import [--kind K] [--db PATH] [--format table|json] PATH|URL...\n"
	"\n"
	"Import feeds into the store. Each PATH is a file (plain or .gz, .xz, .bz2,\n"
	".zst, .lz4), a directory (every file below it) or a .zip; a URL (https://,\n"
	"http://, file://) is downloaded first. Each argument is one transaction:\n"
	"a failure is reported and rolls back only that argument. Records already\n"
	"stored with the same content are left alone (unchanged).\n"
	"\n"
	"  --kind K      osv, debian-tracker, dsa, dla, alpine-secdb, kev, epss, nvd\n"
	"                (detected from the content when not given)\n"
	"  --db PATH     the store (default $PATCHWARDEN_DB, else\n"
	"                /var/lib/patchwarden/patchwarden.db for root,\n"
	"                ~/.local/share/patchwarden/patchwarden.db otherwise)\n"
	"  --format F    summary as table (default) or json\n"
	"\n"
	"A progress bar is drawn on stderr when it is a terminal.\n"
	"Exit status: 0 every argument imported; 2 usage error, or an argument failed.\n";

static const char usage_sync[] =
	"usage: patchwarden feed sync [--db PATH] [--config FILE] [--feed NAME]... [--format table|json]\n"
	"\n"
	"Fetch each configured feed with a conditional GET (the ETag and\n"
	"Last-Modified of its last fetch): an unchanged feed costs one request and\n"
	"no import; a changed one is imported in one transaction. NVD is fetched\n"
	"page by page, from the last sync onwards.\n"
	"\n"
	"  --config FILE  configuration (default " DEFAULT_CONFIG "):\n"
	"                 [feeds] NAME = [KIND] URL adds or overrides a feed,\n"
	"                 NAME = off drops a default one; [sync] defaults = no\n"
	"                 drops every compiled-in feed; nvd_api_key, nvd_delay,\n"
	"                 nvd_page_size, timeout, max_size_mb\n"
	"  --feed NAME    sync only this feed (repeatable)\n"
	"  --db PATH      the store\n"
	"  --format F     summary as table (default) or json\n"
	"\n"
	"Exit status: 0 every feed synced (or not modified); 2 usage error, or a\n"
	"feed failed (the others are still synced).\n";

static const char usage_status[] =
	"usage: patchwarden feed status [--db PATH] [--config FILE] [--format table|json]\n"
	"                               [--stale-after HOURS] [--max-age DURATION|never]\n"
	"\n"
	"Each feed the store knows: what it is and where it came from, records\n"
	"held, the newest date its data carries (an advisory's published or\n"
	"modified date, KEV's newest dateAdded, EPSS's score_date; the file's date\n"
	"for feeds without dates, said so) and that data's age, when it was last\n"
	"checked and changed. STALE: not checked for more than HOURS (default 48).\n"
	"OLD: its data is older than the limit, warned about on stderr.\n"
	"\n"
	"  --max-age D    the limit: 30d (the default), 72h, 3600, or never;\n"
	"                 else [feeds] max_data_age of the configuration\n"
	"  --config FILE  configuration (default " DEFAULT_CONFIG ", when present)\n"
	"\n"
	"Exit status: 0 shown, every feed's data within the limit; 1 some feed's\n"
	"data is older than the limit (or has no date); 2 usage error or an\n"
	"unreadable store.\n";

static const char usage_feed[] =
	"usage: patchwarden feed import [--kind K] [--db PATH] [--format F] PATH|URL...\n"
	"       patchwarden feed sync [--db PATH] [--config FILE] [--feed NAME]... [--format F]\n"
	"       patchwarden feed status [--db PATH] [--format F] [--stale-after HOURS] [--max-age D]\n"
	"\n"
	"Vulnerability feeds: import files, sync the configured upstreams with\n"
	"conditional GET, and show their freshness. `patchwarden feed SUBCOMMAND\n"
	"--help` describes each.\n"
	"Exit status: 0 success, 2 usage error or failure.\n";

/* ---- progress on a terminal ---- */

/* Wraps the store's sink: counts pass through, progress is drawn at most
 * ten times a second, and only on a terminal. */
struct progress {
	struct pw_feed_sink inner;
	bool tty;
	const char *label;
	double last;
	uint64_t input_bytes;
	const struct pw_import_stats *stats;
	bool drawn;
};

static double monotonic(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool progress_due(struct progress *p, bool final)
{
	if (!p->tty)
		return false;
	double t = monotonic();
	if (!final && t - p->last < 0.1)
		return false;
	p->last = t;
	return true;
}

static const char *short_label(const char *label)
{
	size_t n = strlen(label);
	return n > 28 ? label + n - 28 : label;
}

static void draw_import(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	if (!progress_due(p, total && done >= total))
		return;
	int pct = total ? (int)(done >= total ? 100 : done * 100 / total) : 0;
	int bar = pct / 5;
	/* importers report progress in their own unit (bytes, entries); the
	 * bytes shown are that fraction of the input file */
	double mib = (double)p->input_bytes / 1048576.0;
	fprintf(stderr, "\r%-28s [%.*s%*s] %3d%%  %llu records  %.1f/%.1f MiB", short_label(p->label),
		bar, "####################", 20 - bar, "", pct, (unsigned long long)p->stats->read,
		mib * pct / 100.0, mib);
	fflush(stderr);
	p->drawn = true;
}

static void draw_download(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	if (!progress_due(p, false))
		return;
	if (total)
		fprintf(stderr, "\r%-28s downloading %.1f / %.1f MiB   ", short_label(p->label),
			(double)done / 1048576.0, (double)total / 1048576.0);
	else
		fprintf(stderr, "\r%-28s downloading %.1f MiB   ", short_label(p->label),
			(double)done / 1048576.0);
	fflush(stderr);
	p->drawn = true;
}

static void progress_end(struct progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r%79s\r", "");
	p->drawn = false;
}

static pw_err fwd_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	struct progress *p = ctx;
	return p->inner.record(p->inner.ctx, r, e);
}

static pw_err fwd_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	struct progress *p = ctx;
	return p->inner.kev(p->inner.ctx, k, e);
}

static pw_err fwd_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	struct progress *p = ctx;
	return p->inner.epss(p->inner.ctx, x, e);
}

static void fwd_skip(void *ctx, const char *reason)
{
	struct progress *p = ctx;
	p->inner.skip(p->inner.ctx, reason);
}

/* ---- summaries ---- */

struct summary {
	char name[256];
	const char *kind;
	char kinds[96];       /* "dla+dsa" for a directory of several feeds */
	unsigned kindset;     /* their bits, 1 << kind */
	const char *outcome;  /* "imported", "not modified", "failed" */
	uint64_t bytes;       /* downloaded */
	struct pw_import_stats stats;
	pw_err rc;
	char error[PW_ERROR_MSG_MAX];
};

static void print_summaries(const struct summary *s, size_t n, enum pw_format format)
{
	if (format == PW_FORMAT_JSON) {
		struct pw_buf b = PW_BUF_INIT;
		struct pw_jsonw w;
		pw_jsonw_init(&w, &b, true);
		pw_jsonw_begin_array(&w);
		for (size_t i = 0; i < n; i++) {
			const struct pw_import_stats *st = &s[i].stats;
			pw_jsonw_begin_object(&w);
			pw_jsonw_kstr(&w, "input", s[i].name);
			pw_jsonw_kstr(&w, "kind", s[i].kind);
			pw_jsonw_kstr(&w, "outcome", s[i].outcome);
			pw_jsonw_kstr(&w, "error", s[i].rc ? s[i].error : NULL);
			const char *keys[] = { "read", "added", "updated", "unchanged", "skipped",
					       "bytes_downloaded" };
			uint64_t vals[] = { st->read, st->added, st->updated, st->unchanged,
					    st->skipped, s[i].bytes };
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
				pw_jsonw_key(&w, keys[k]);
				pw_jsonw_int(&w, (int64_t)vals[k]);
			}
			pw_jsonw_key(&w, "skip_reasons");
			pw_jsonw_begin_object(&w);
			for (size_t k = 0; k < st->nskips; k++) {
				pw_jsonw_key(&w, st->skips[k].reason);
				pw_jsonw_int(&w, (int64_t)st->skips[k].count);
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
	printf("%-40s %-20s %-12s %9s %9s %9s %9s %9s\n", "INPUT", "KIND", "OUTCOME", "READ",
	       "ADDED", "UPDATED", "UNCHANGED", "SKIPPED");
	for (size_t i = 0; i < n; i++) {
		const struct pw_import_stats *st = &s[i].stats;
		size_t len = strlen(s[i].name);
		/* the end of a long path says more than its start */
		const char *name = len > 40 ? s[i].name + len - 40 : s[i].name;
		if (s[i].rc) {
			printf("%-40s %-20s %-12s %s\n", name, s[i].kind ? s[i].kind : "?", "failed",
			       s[i].error);
			continue;
		}
		printf("%-40s %-20s %-12s %9llu %9llu %9llu %9llu %9llu\n", name, s[i].kind,
		       s[i].outcome, (unsigned long long)st->read, (unsigned long long)st->added,
		       (unsigned long long)st->updated, (unsigned long long)st->unchanged,
		       (unsigned long long)st->skipped);
		for (size_t k = 0; k < st->nskips; k++)
			printf("    skipped %llu: %s\n", (unsigned long long)st->skips[k].count,
			       st->skips[k].reason);
	}
}

/* ---- shared pieces ---- */

static bool parse_format(const char *arg, enum pw_format *format)
{
	if (pw_cli_parse_format(arg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON, format))
		return true;
	pw_cli_error(VERB, "--format must be table or json, not '%s'", arg);
	return false;
}

/* create: import and sync start a store; status only reads one. With the
 * server's components: imports are audited and their data dates kept. */
static int open_store(const char *db, bool create, struct pw_store **store)
{
	return create ? pw_server_cli_open_store(VERB, db, store)
		      : pw_server_cli_open_existing_store(VERB, db, store);
}

static bool is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0 ||
	       strncmp(s, "file://", 7) == 0;
}

/* A private directory for downloads, removed at the end. */
struct workdir {
	char path[512];
	bool made;
};

static pw_err workdir_make(struct workdir *w, struct pw_error *e)
{
	if (w->made)
		return PW_OK;
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(w->path, sizeof(w->path), "%s/patchwarden-feed-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(w->path))
		return pw_error_set(e, PW_ERR_LIMIT, "TMPDIR is too long");
	if (!mkdtemp(w->path))
		return pw_error_set(e, PW_ERR_IO, "%s: cannot create a temporary directory: %s",
				    w->path, strerror(errno));
	w->made = true;
	return PW_OK;
}

static void workdir_remove(struct workdir *w)
{
	if (w->made)
		rmdir(w->path);
	w->made = false;
}

/* The download's file name: the URL's last path segment without query,
 * which keeps the extension the importer uses (.zip, .gz), prefixed so two
 * feeds with the same file name (main.json) do not meet. */
static pw_err download_path(struct workdir *w, unsigned seq, const char *url, struct pw_buf *out,
			    struct pw_error *e)
{
	const char *end = url + strcspn(url, "?#");
	const char *base = end;
	while (base > url && base[-1] != '/')
		base--;
	size_t len = (size_t)(end - base);
	if (len == 0 || len > 128 || memchr(base, '.', len) == base) {
		base = "feed";
		len = 4;
	}
	pw_buf_reset(out);
	if (pw_buf_addf(out, "%s/%u-%.*s", w->path, seq, (int)len, base))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	return PW_OK;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

/* Feed `path` into an import that is already open. */
static pw_err feed_path(const struct pw_feed_sink *store_sink, const char *path,
			enum pw_feed_kind kind, const char *label, struct pw_import_stats *stats,
			struct pw_error *e)
{
	struct progress p = { .inner = *store_sink, .tty = isatty(STDERR_FILENO) == 1,
			      .label = label, .input_bytes = file_size(path), .stats = stats };
	struct pw_feed_sink sink = { &p, fwd_record, fwd_kev, fwd_epss, fwd_skip, draw_import };
	pw_err rc = pw_feed_import_path(path, kind, &sink, e);
	progress_end(&p);
	return rc;
}

/* Which kind `path` holds: the one given, or detected. */
static pw_err kind_of(const char *path, const char *label, enum pw_feed_kind given,
		      enum pw_feed_kind *out, struct pw_error *e)
{
	if (given != PW_FEED_KIND_COUNT) {
		*out = given;
		return PW_OK;
	}
	struct stat st;
	if (stat(path, &st) != 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "%s: %s", label, strerror(errno));
	if (!pw_feed_detect_path(path, out))
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "%s: cannot tell which feed this is; name it with --kind", label);
	return PW_OK;
}

/* ---- what an import leaves besides its data: an audit entry, a data date ---- */

/* Where an import's data came from. */
struct origin {
	const char *feed;      /* its name in feed status; NULL: the kind's name */
	const char *from;      /* the argument or URL, as given */
	const char *path;      /* the file or directory read */
	const char *http_date; /* a download's Last-Modified, or NULL */
	bool local;            /* path is the user's own: its mtime is its date */
};

/* "Wed, 21 Oct 2015 07:28:00 GMT" */
static int64_t parse_http_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
	if (!end || *end)
		return 0;
	time_t t = timegm(&tm);
	return t > 0 ? (int64_t)t : 0;
}

/* The date of the file the data came in, for feeds whose data carries none:
 * a download's Last-Modified, else a local file's modification time. */
static int64_t origin_file_date(const struct origin *o)
{
	int64_t t = parse_http_date(o->http_date);
	struct stat st;
	if (t == 0 && o->local && stat(o->path, &st) == 0)
		t = (int64_t)st.st_mtime;
	return t;
}

/* Keep the newest data date of `kind` read by the import under way. */
static pw_err note_data_date(struct pw_store *store, const struct origin *o, const char *kind,
			     const struct pw_import_stats *st, struct pw_error *e)
{
	struct pw_feed_date d = { .newest = pw_import_stats_newest(st, kind) };
	if (d.newest == 0) {
		d.newest = origin_file_date(o);
		d.from_file = true;
	}
	snprintf(d.feed, sizeof(d.feed), "%s", o->feed ? o->feed : kind);
	snprintf(d.kind, sizeof(d.kind), "%s", kind);
	return pw_feed_dates_note(store, &d, e);
}

/* The source as the audit log keeps it: a URL's user:password@ left out. */
static void audit_source(const char *from, char *out, size_t size)
{
	const char *scheme = from ? strstr(from, "://") : NULL;
	const char *host = scheme ? scheme + 3 : NULL;
	const char *at = host ? strchr(host, '@') : NULL;
	if (at && at < host + strcspn(host, "/?#"))
		snprintf(out, size, "%.*s%s", (int)(host - from), from, at + 1);
	else
		snprintf(out, size, "%s", from ? from : "");
}

/* The import's audit entry, in its transaction: it changes every result. */
static pw_err audit_import(struct pw_store *store, const struct origin *o, const char *kind,
			   const struct pw_import_stats *st, struct pw_error *e)
{
	char actor[160], object[128], newest[32], source[1024];
	const char *feed = o->feed ? o->feed : kind;
	int64_t t = 0;
	for (size_t i = 0; i < st->ndates; i++)
		if (st->dates[i].newest > t)
			t = st->dates[i].newest;
	pw_server_cli_actor(actor, sizeof(actor));
	snprintf(object, sizeof(object), "feed:%s", feed);
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "feed", feed);
	pw_jsonw_kstr(&w, "kind", kind);
	audit_source(o->from, source, sizeof(source));
	pw_jsonw_kstr(&w, "source", source);
	const char *keys[] = { "read", "added", "updated", "unchanged", "skipped" };
	uint64_t vals[] = { st->read, st->added, st->updated, st->unchanged, st->skipped };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		pw_jsonw_key(&w, keys[k]);
		pw_jsonw_int(&w, (int64_t)vals[k]);
	}
	pw_jsonw_kstr(&w, "newest_data", t ? pw_clock_format(t, newest, sizeof(newest)) : NULL);
	pw_jsonw_end_object(&w);
	pw_err rc = pw_jsonw_finish(&w);
	if (rc)
		rc = pw_error_set(e, rc, "feed %s: out of memory writing its audit entry", feed);
	else
		rc = pw_audit_append(store, actor, "feed.import", object, NULL, b.data, e);
	pw_buf_free(&b);
	return rc;
}

/* One path in one transaction. `kind` names the import (the given or
 * detected kind); `parse` is the given kind, or PW_FEED_KIND_COUNT so that
 * each file of a directory is recognised on its own (a tracker checkout
 * holds a DSA list and a DLA list side by side). */
static pw_err import_one(struct pw_store *store, const struct origin *o, const char *label,
			 enum pw_feed_kind kind, enum pw_feed_kind parse, struct summary *sum,
			 struct pw_error *e)
{
	struct pw_feed_sink sink;
	const char *kn = pw_feed_kind_name(kind);
	pw_err rc = pw_store_import_begin(store, kn, &sink, &sum->stats, e);
	if (rc)
		return rc;
	rc = feed_path(&sink, o->path, parse, label, &sum->stats, e);
	if (rc == PW_OK)
		rc = note_data_date(store, o, kn, &sum->stats, e);
	if (rc == PW_OK)
		rc = audit_import(store, o, kn, &sum->stats, e);
	if (rc) {
		pw_store_import_abort(store);
		return rc;
	}
	return pw_store_import_commit(store, e);
}

/* ---- directories holding several feeds ---- */

struct file_list {
	char **paths;
	size_t n, cap;
};

static void file_list_free(struct file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}

static int cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file below dir, dot files and dot directories left out. */
static pw_err list_files(const char *dir, int depth, struct file_list *l, struct pw_error *e)
{
	if (depth > 16)
		return pw_error_set(e, PW_ERR_LIMIT, "%s: directories nested too deep", dir);
	DIR *d = opendir(dir);
	if (!d)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", dir, strerror(errno));
	pw_err rc = PW_OK;
	struct dirent *de;
	while (rc == PW_OK && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct pw_buf p = PW_BUF_INIT;
		struct stat st;
		if (pw_buf_addf(&p, "%s/%s", dir, de->d_name)) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		} else if (stat(p.data, &st) != 0) {
			rc = pw_error_set(e, PW_ERR_IO, "%s: %s", p.data, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = list_files(p.data, depth + 1, l, e);
		} else if (S_ISREG(st.st_mode)) {
			if (l->n == l->cap) {
				size_t cap = l->cap ? l->cap * 2 : 64;
				char **np = realloc(l->paths, cap * sizeof(*np));
				if (!np) {
					rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
					pw_buf_free(&p);
					break;
				}
				l->paths = np;
				l->cap = cap;
			}
			l->paths[l->n++] = pw_buf_detach(&p);
		}
		pw_buf_free(&p);
	}
	closedir(d);
	return rc;
}

/* When a directory holds several kinds of feed (a tracker checkout: DSA
 * and DLA lists), each file is imported under its own kind, all in one
 * transaction, so each record is stored under the feed it came from.
 * *mixed is false (and nothing done) for a directory of one kind. */
static pw_err import_mixed_dir(struct pw_store *store, const struct origin *o, const char *label,
			       struct summary *sum, bool *mixed, struct pw_error *e)
{
	const char *dir = o->path;
	struct file_list l = { NULL, 0, 0 };
	enum pw_feed_kind *kinds = NULL;
	unsigned seen = 0;
	pw_err rc = list_files(dir, 0, &l, e);
	*mixed = false;
	if (rc)
		goto out;
	qsort(l.paths, l.n, sizeof(*l.paths), cmp_paths);
	if (!(kinds = calloc(l.n ? l.n : 1, sizeof(*kinds)))) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (!pw_feed_detect_path(l.paths[i], &kinds[i]))
			kinds[i] = PW_FEED_KIND_COUNT;
		else
			seen |= 1u << kinds[i];
	}
	if ((seen & (seen - 1)) == 0)
		goto out; /* one kind (or none): the importer walks it itself */
	*mixed = true;
	sum->kindset = seen;
	size_t len = 0;
	for (int k = 0; k < PW_FEED_KIND_COUNT; k++) {
		if (seen & (1u << k)) {
			int n = snprintf(sum->kinds + len, sizeof(sum->kinds) - len, "%s%s", len ? "+" : "",
					 pw_feed_kind_name((enum pw_feed_kind)k));
			if (n > 0 && (size_t)n < sizeof(sum->kinds) - len)
				len += (size_t)n;
		}
	}
	sum->kind = sum->kinds;
	struct pw_feed_sink sink;
	enum pw_feed_kind first = (enum pw_feed_kind)__builtin_ctz(seen);
	if ((rc = pw_store_import_begin(store, pw_feed_kind_name(first), &sink, &sum->stats, e)))
		goto out;
	for (size_t i = 0; rc == PW_OK && i < l.n; i++) {
		if (kinds[i] == PW_FEED_KIND_COUNT) {
			sink.skip(sink.ctx, "file of no known feed kind");
			continue;
		}
		rc = pw_store_import_set_source(store, pw_feed_kind_name(kinds[i]), e);
		if (rc == PW_OK)
			rc = feed_path(&sink, l.paths[i], kinds[i], label, &sum->stats, e);
	}
	for (int k = 0; rc == PW_OK && k < PW_FEED_KIND_COUNT; k++)
		if (seen & (1u << k))
			rc = note_data_date(store, o, pw_feed_kind_name((enum pw_feed_kind)k),
					    &sum->stats, e);
	if (rc == PW_OK)
		rc = audit_import(store, o, sum->kinds, &sum->stats, e);
	if (rc)
		pw_store_import_abort(store);
	else
		rc = pw_store_import_commit(store, e);
out:
	free(kinds);
	file_list_free(&l);
	return rc;
}

/* Download url to a file in w; *path gets its name. */
static pw_err download(struct workdir *w, unsigned seq, const char *url, const char *label,
		       const char *etag, const char *last_modified,
		       const struct pw_fetch_options *base, struct pw_buf *path,
		       struct pw_fetch_result *res, struct pw_error *e)
{
	pw_err rc = workdir_make(w, e);
	if (rc == PW_OK)
		rc = download_path(w, seq, url, path, e);
	if (rc)
		return rc;
	struct progress p = { .tty = isatty(STDERR_FILENO) == 1, .label = label };
	struct pw_fetch_options opt = *base;
	opt.progress = draw_download;
	opt.progress_ctx = &p;
	rc = pw_fetch_with(url, etag, last_modified, path->data, &opt, res, e);
	progress_end(&p);
	return rc;
}

static void remember_state(struct pw_store *store, const char *feed, const char *url,
			   const char *etag, const char *last_modified, bool changed,
			   int64_t checked, uint64_t records)
{
	struct pw_error e;
	struct pw_feed_state old, st = { .feed = feed, .url = url, .etag = etag,
					 .last_modified = last_modified, .last_checked = checked,
					 .records = records };
	bool found = false;
	if (pw_store_feed_state_get(store, feed, &old, &found, &e) == PW_OK && found)
		st.last_changed = old.last_changed;
	if (changed || !found)
		st.last_changed = checked;
	if (pw_store_feed_state_put(store, &st, &e))
		pw_cli_report(VERB, &e);
}

/* ---- import ---- */

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
				pw_cli_error(VERB, "unknown --kind '%s' (osv, debian-tracker, dsa, dla, "
					     "alpine-secdb, kev, epss, nvd)", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'd': db = optarg; break;
		case 'f':
			if (!parse_format(optarg, &format))
				return PW_EXIT_ERROR;
			break;
		case 'h': fputs(usage_import, stdout); return PW_EXIT_OK;
		default: fputs(usage_import, stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind == argc) {
		pw_cli_error(VERB, "import: name at least one file, directory or URL");
		fputs(usage_import, stderr);
		return PW_EXIT_ERROR;
	}
	struct pw_store *store;
	if (open_store(db, true, &store))
		return PW_EXIT_ERROR;
	size_t n = (size_t)(argc - optind);
	struct summary *sums = calloc(n, sizeof(*sums));
	struct workdir w = { .made = false };
	struct pw_buf tmp = PW_BUF_INIT;
	static const struct pw_fetch_options fetch_defaults;
	int status = PW_EXIT_OK;
	if (!sums) {
		pw_cli_error(VERB, "out of memory");
		pw_store_close(store);
		return PW_EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		const char *arg = argv[optind + (int)i];
		struct summary *sum = &sums[i];
		struct pw_error e;
		struct pw_fetch_result res = { .not_modified = false };
		enum pw_feed_kind k = kind;
		const char *path = arg;
		pw_error_clear(&e);
		snprintf(sum->name, sizeof(sum->name), "%s", arg);
		pw_err rc = PW_OK;
		if (is_url(arg)) {
			rc = download(&w, (unsigned)i, arg, arg, NULL, NULL, &fetch_defaults, &tmp, &res, &e);
			path = tmp.data;
			sum->bytes = res.bytes;
		}
		bool mixed = false;
		struct stat st;
		struct origin o = { .from = arg, .path = path, .local = path == arg,
				    .http_date = res.last_modified[0] ? res.last_modified : NULL };
		if (rc == PW_OK && kind == PW_FEED_KIND_COUNT && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			rc = import_mixed_dir(store, &o, arg, sum, &mixed, &e);
		if (rc == PW_OK && !mixed)
			rc = kind_of(path, arg, kind, &k, &e);
		if (rc == PW_OK && !mixed) {
			sum->kind = pw_feed_kind_name(k);
			rc = import_one(store, &o, arg, k, kind, sum, &e);
		}
		if (path && path != arg)
			unlink(path);
		if (rc) {
			sum->rc = rc;
			sum->outcome = "failed";
			snprintf(sum->error, sizeof(sum->error), "%s", e.msg);
			pw_cli_report(VERB, &e);
			status = PW_EXIT_ERROR;
			continue;
		}
		sum->outcome = "imported";
		/* for `feed status`: where each feed's data last came from */
		for (int kk = 0; kk < PW_FEED_KIND_COUNT; kk++) {
			const char *kn = pw_feed_kind_name((enum pw_feed_kind)kk);
			if (mixed ? !(sum->kindset & (1u << kk)) : kk != (int)k)
				continue;
			int64_t held = pw_store_count_source(store, kn);
			remember_state(store, kn, arg, res.etag[0] ? res.etag : NULL,
				       res.last_modified[0] ? res.last_modified : NULL,
				       sum->stats.added || sum->stats.updated, pw_clock_now(),
				       held > 0 ? (uint64_t)held : 0);
		}
	}
	print_summaries(sums, n, format);
	workdir_remove(&w);
	pw_buf_free(&tmp);
	free(sums);
	pw_store_close(store);
	return status;
}

/* ---- status ---- */

static bool kind_from_name(const char *name, enum pw_feed_kind *out);
static bool status_max_age(const char *file, bool must_exist, int64_t *max_age);

/* What each kind of feed is, and what its data's date is. */
static const struct kind_info {
	const char *source;   /* who publishes it */
	const char *dated_by; /* NULL: the data carries no dates; the file's is used */
} kind_infos[PW_FEED_KIND_COUNT] = {
	[PW_FEED_OSV] = { "OSV", "newest advisory modified or published date" },
	[PW_FEED_DEBIAN_TRACKER] = { "Debian security tracker JSON", NULL },
	[PW_FEED_DSA] = { "Debian security tracker DSA list", "newest [date] line" },
	[PW_FEED_DLA] = { "Debian security tracker DLA list", "newest [date] line" },
	[PW_FEED_ALPINE_SECDB] = { "Alpine secdb", NULL },
	[PW_FEED_KEV] = { "CISA KEV catalog", "newest dateAdded" },
	[PW_FEED_EPSS] = { "FIRST EPSS", "score_date" },
	[PW_FEED_NVD] = { "NVD CVE API", "newest lastModified or published date" },
};

/* "OSV AlmaLinux" from .../AlmaLinux/all.zip (the OSV bucket's layout, and
 * that of a local copy); OSV alone otherwise. */
static void source_name(enum pw_feed_kind kind, const char *url, char *out, size_t size)
{
	const char *name = kind < PW_FEED_KIND_COUNT ? kind_infos[kind].source : "unknown feed";
	snprintf(out, size, "%s", name);
	if (kind != PW_FEED_OSV || !url)
		return;
	size_t len = strlen(url);
	if (len < 9 || strcmp(url + len - 8, "/all.zip") != 0)
		return;
	const char *end = url + len - 8, *start = end;
	while (start > url && start[-1] != '/')
		start--;
	char eco[64];
	size_t n = 0;
	for (const char *p = start; p < end && n + 1 < sizeof(eco); p++) {
		if (strncmp(p, "%20", 3) == 0) {
			eco[n++] = ' ';
			p += 2;
		} else if ((unsigned char)*p >= 0x20 && *p != 0x7f) {
			eco[n++] = *p;
		}
	}
	eco[n] = '\0';
	if (n)
		snprintf(out, size, "OSV %s", eco);
}

struct status_ctx {
	enum pw_format format;
	struct pw_jsonw *w;
	struct pw_store *store;
	int64_t now;
	int64_t stale_after;
	int64_t max_age; /* data older than this is warned about; <= 0: never */
	size_t n;
	size_t too_old;  /* feeds whose data is older than max_age, or undated */
	struct pw_error *e;
};

static void format_age(int64_t age, char *out, size_t size)
{
	if (age < 0)
		snprintf(out, size, "-");
	else if (age < 3600)
		snprintf(out, size, "%lldm", (long long)(age / 60));
	else if (age < 48 * 3600)
		snprintf(out, size, "%.1fh", (double)age / 3600.0);
	else
		snprintf(out, size, "%.1fd", (double)age / 86400.0);
}

static pw_err print_state(void *ctx, const struct pw_feed_state *st)
{
	struct status_ctx *c = ctx;
	char checked[32] = "never", changed[32] = "never", age_text[32], data_text[32] = "unknown",
	     data_age_text[32], limit[32], source[128];
	if (st->last_checked)
		pw_clock_format(st->last_checked, checked, sizeof(checked));
	if (st->last_changed)
		pw_clock_format(st->last_changed, changed, sizeof(changed));
	int64_t age = st->last_checked ? c->now - st->last_checked : -1;
	if (age < -1)
		age = 0; /* a clock moved back: fresh, not negative */
	bool stale = age < 0 || age > c->stale_after;
	format_age(age, age_text, sizeof(age_text));

	/* the data's own age */
	struct pw_feed_date d;
	bool dated = false;
	if (pw_feed_dates_get(c->store, st->feed, &d, &dated, c->e))
		return PW_ERR_IO;
	enum pw_feed_kind kind = PW_FEED_KIND_COUNT;
	if (!(dated && pw_feed_kind_parse(d.kind, &kind)))
		kind_from_name(st->feed, &kind);
	const struct kind_info *ki = kind < PW_FEED_KIND_COUNT ? &kind_infos[kind] : NULL;
	const char *basis = !dated ? "no date known"
			    : d.from_file ? "the file's date (the feed's data carries no dates)"
			    : ki && ki->dated_by ? ki->dated_by : "newest date in the data";
	int64_t data_age = dated ? c->now - d.newest : -1;
	if (dated && data_age < 0)
		data_age = 0;
	if (dated) {
		pw_clock_format(d.newest, data_text, sizeof(data_text));
		data_text[10] = '\0'; /* the day says enough */
	}
	format_age(data_age, data_age_text, sizeof(data_age_text));
	bool too_old = c->max_age > 0 && (!dated || data_age > c->max_age);
	source_name(kind, st->url, source, sizeof(source));
	c->n++;
	if (too_old) {
		c->too_old++;
		format_age(c->max_age, limit, sizeof(limit));
		if (dated)
			pw_cli_error(VERB, "warning: %s (%s): its newest data is of %s, %s old, more "
				     "than the limit of %s", st->feed, source, data_text,
				     data_age_text, limit);
		else
			pw_cli_error(VERB, "warning: %s (%s): the date of its data is unknown",
				     st->feed, source);
	}
	if (c->format == PW_FORMAT_JSON) {
		pw_jsonw_begin_object(c->w);
		pw_jsonw_kstr(c->w, "feed", st->feed);
		pw_jsonw_kstr(c->w, "kind", kind < PW_FEED_KIND_COUNT ? pw_feed_kind_name(kind) : NULL);
		pw_jsonw_kstr(c->w, "source", source);
		pw_jsonw_kstr(c->w, "url", st->url);
		pw_jsonw_key(c->w, "records");
		pw_jsonw_int(c->w, (int64_t)st->records);
		char newest[32];
		pw_jsonw_kstr(c->w, "newest_data",
			      dated ? pw_clock_format(d.newest, newest, sizeof(newest)) : NULL);
		pw_jsonw_kstr(c->w, "newest_data_from", basis);
		if (dated) { /* absent when unknown, as other absent values */
			pw_jsonw_key(c->w, "data_age_seconds");
			pw_jsonw_int(c->w, data_age);
		}
		pw_jsonw_key(c->w, "data_too_old");
		pw_jsonw_bool(c->w, too_old);
		pw_jsonw_kstr(c->w, "last_checked", st->last_checked ? checked : NULL);
		pw_jsonw_kstr(c->w, "last_changed", st->last_changed ? changed : NULL);
		pw_jsonw_key(c->w, "age_seconds");
		pw_jsonw_int(c->w, age);
		pw_jsonw_key(c->w, "stale");
		pw_jsonw_bool(c->w, stale);
		pw_jsonw_kstr(c->w, "etag", st->etag);
		pw_jsonw_kstr(c->w, "last_modified", st->last_modified);
		pw_jsonw_end_object(c->w);
	} else {
		char flags[16];
		snprintf(flags, sizeof(flags), "%s%s%s", too_old ? "OLD" : "",
			 too_old && stale ? "," : "", stale ? "STALE" : "");
		printf("%-28s %9llu  %-10s%s %8s  %-20s %7s  %-9s  %s (%s)\n", st->feed,
		       (unsigned long long)st->records, data_text, dated && d.from_file ? "*" : " ",
		       data_age_text, checked, age_text, flags, source, st->url ? st->url : "");
	}
	return PW_OK;
}

static int feed_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "stale-after", required_argument, NULL, 's' },
		{ "max-age", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *config = DEFAULT_CONFIG, *max_age_arg = NULL;
	bool config_given = false;
	enum pw_format format = PW_FORMAT_TABLE;
	int64_t stale_hours = DEFAULT_STALE_HOURS;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'c': config = optarg; config_given = true; break;
		case 'f':
			if (!parse_format(optarg, &format))
				return PW_EXIT_ERROR;
			break;
		case 's': {
			char *end;
			errno = 0;
			long long h = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || h <= 0 || h > 24 * 365 * 10) {
				pw_cli_error(VERB, "--stale-after takes a number of hours, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			stale_hours = h;
			break;
		}
		case 'm': max_age_arg = optarg; break;
		case 'h': fputs(usage_status, stdout); return PW_EXIT_OK;
		default: fputs(usage_status, stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		pw_cli_error(VERB, "status takes no arguments");
		return PW_EXIT_ERROR;
	}
	int64_t max_age = DEFAULT_MAX_DATA_AGE;
	if (max_age_arg) {
		if (strcmp(max_age_arg, "never") == 0) {
			max_age = 0;
		} else if (!pw_registry_parse_duration(max_age_arg, &max_age)) {
			pw_cli_error(VERB, "--max-age takes a duration (30d, 72h, 3600) or never, not "
				     "'%s'", max_age_arg);
			return PW_EXIT_ERROR;
		}
	} else if (!status_max_age(config, config_given, &max_age)) {
		return PW_EXIT_ERROR;
	}
	struct pw_store *store;
	if (open_store(db, false, &store))
		return PW_EXIT_ERROR;
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	struct pw_error e;
	pw_error_clear(&e);
	struct status_ctx ctx = { format, &w, store, pw_clock_now(), stale_hours * 3600, max_age,
				  0, 0, &e };
	if (format == PW_FORMAT_JSON) {
		pw_jsonw_init(&w, &b, true);
		pw_jsonw_begin_array(&w);
	} else {
		printf("%-28s %9s  %-10s %8s  %-20s %7s  %-9s  %s\n", "FEED", "RECORDS", "NEWEST DATA",
		       "AGE", "LAST CHECKED", "AGE", "", "SOURCE");
	}
	pw_err rc = pw_store_each_feed_state(store, print_state, &ctx, &e);
	if (format == PW_FORMAT_JSON) {
		pw_jsonw_end_array(&w);
		if (rc == PW_OK && pw_jsonw_finish(&w) == PW_OK)
			printf("%s\n", b.data);
	} else if (rc == PW_OK && ctx.n == 0) {
		printf("(no feed imported yet: patchwarden feed sync, or feed import FILE)\n");
	} else if (rc == PW_OK && ctx.n > 0) {
		printf("(* the file's date: that feed's data carries no dates)\n");
	}
	pw_buf_free(&b);
	pw_store_close(store);
	if (rc) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	return ctx.too_old ? PW_EXIT_FOUND : PW_EXIT_OK;
}

/* ---- sync configuration ---- */

struct sync_feed {
	char name[64];
	char url[1024];
	enum pw_feed_kind kind;
	bool off;
};

#define MAX_FEEDS 128

struct sync_config {
	const char *file;
	struct sync_feed feeds[MAX_FEEDS];
	size_t n;
	bool defaults;
	char nvd_api_key[128];
	double nvd_delay;   /* seconds between NVD pages; < 0: NVD's advice */
	int nvd_page_size;  /* results per NVD page, the API's maximum by default */
	long timeout;
	uint64_t max_bytes;
	int64_t max_data_age; /* [feeds] max_data_age, for feed status; 0: never */
	char error[PW_ERROR_MSG_MAX];
};

/* The kind a feed name implies: a default feed's, else the longest kind
 * name that the name is or starts with ("osv-mine" -> osv). */
static bool kind_from_name(const char *name, enum pw_feed_kind *out)
{
	for (size_t i = 0; i < NDEFAULTS; i++) {
		if (strcmp(default_feeds[i].name, name) == 0) {
			*out = default_feeds[i].kind;
			return true;
		}
	}
	size_t best = 0;
	for (int k = 0; k < PW_FEED_KIND_COUNT; k++) {
		const char *kn = pw_feed_kind_name((enum pw_feed_kind)k);
		size_t len = strlen(kn);
		if (len > best && strncmp(name, kn, len) == 0 && (name[len] == '\0' || name[len] == '-')) {
			*out = (enum pw_feed_kind)k;
			best = len;
		}
	}
	return best > 0;
}

static struct sync_feed *find_feed(struct sync_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n; i++) {
		if (strcmp(cfg->feeds[i].name, name) == 0)
			return &cfg->feeds[i];
	}
	return NULL;
}

static bool parse_number(const char *v, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || d < lo || d > hi)
		return false;
	*out = d;
	return true;
}

/* inih calls this per key; 0 stops parsing with the line number as error. */
static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct sync_config *cfg = user;
	double d;
	if (strcmp(section, "sync") == 0) {
		if (strcmp(name, "defaults") == 0) {
			if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
				cfg->defaults = true;
			else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
				cfg->defaults = false;
			else
				goto bad;
		} else if (strcmp(name, "nvd_api_key") == 0) {
			if (strlen(value) >= sizeof(cfg->nvd_api_key) || strpbrk(value, "\r\n"))
				goto bad;
			memcpy(cfg->nvd_api_key, value, strlen(value) + 1);
		} else if (strcmp(name, "nvd_delay") == 0) {
			if (!parse_number(value, 0, 600, &d))
				goto bad;
			cfg->nvd_delay = d;
		} else if (strcmp(name, "nvd_page_size") == 0) {
			if (!parse_number(value, 1, NVD_PAGE_SIZE, &d))
				goto bad;
			cfg->nvd_page_size = (int)d;
		} else if (strcmp(name, "timeout") == 0) {
			if (!parse_number(value, 1, 86400, &d))
				goto bad;
			cfg->timeout = (long)d;
		} else if (strcmp(name, "max_size_mb") == 0) {
			if (!parse_number(value, 1, 1 << 20, &d))
				goto bad;
			cfg->max_bytes = (uint64_t)d << 20;
		} else {
			snprintf(cfg->error, sizeof(cfg->error), "unknown key '%s' in [sync]", name);
			return 0;
		}
		return 1;
	}
	if (strcmp(section, "feeds") != 0)
		return 1; /* other commands' sections */
	if (strcmp(name, "max_data_age") == 0) {
		/* feed status's limit, not a feed */
		if (strcmp(value, "never") == 0)
			cfg->max_data_age = 0;
		else if (!pw_registry_parse_duration(value, &cfg->max_data_age))
			goto bad;
		return 1;
	}
	if (strlen(name) >= sizeof(cfg->feeds[0].name)) {
		snprintf(cfg->error, sizeof(cfg->error), "feed name '%s' is too long", name);
		return 0;
	}
	struct sync_feed *f = find_feed(cfg, name);
	if (!f) {
		if (cfg->n == MAX_FEEDS) {
			snprintf(cfg->error, sizeof(cfg->error), "more than %d feeds", MAX_FEEDS);
			return 0;
		}
		f = &cfg->feeds[cfg->n++];
		memset(f, 0, sizeof(*f));
		memcpy(f->name, name, strlen(name) + 1);
	}
	f->off = strcmp(value, "off") == 0;
	if (f->off)
		return 1;
	/* "URL" or "KIND URL" */
	const char *url = value;
	size_t sp = strcspn(value, " \t");
	f->kind = PW_FEED_KIND_COUNT;
	if (value[sp]) {
		char kind[32];
		if (sp >= sizeof(kind))
			goto bad;
		memcpy(kind, value, sp);
		kind[sp] = '\0';
		if (!pw_feed_kind_parse(kind, &f->kind)) {
			snprintf(cfg->error, sizeof(cfg->error), "feed %s: unknown kind '%s'", name, kind);
			return 0;
		}
		url = value + sp + strspn(value + sp, " \t");
	} else if (!kind_from_name(name, &f->kind)) {
		snprintf(cfg->error, sizeof(cfg->error),
			 "feed %s: cannot tell its kind from its name; write '%s = KIND URL'", name, name);
		return 0;
	}
	if (!is_url(url) || strlen(url) >= sizeof(f->url) || strpbrk(url, " \t")) {
		snprintf(cfg->error, sizeof(cfg->error), "feed %s: '%s' is not an http(s):// or "
			 "file:// URL", name, url);
		return 0;
	}
	memcpy(f->url, url, strlen(url) + 1);
	return 1;
bad:
	snprintf(cfg->error, sizeof(cfg->error), "[%s] %s: bad value '%s'", section, name, value);
	return 0;
}

/* Defaults first, then the file: its [feeds] override by name, add, or
 * turn off; [sync] defaults = no keeps only the file's feeds. */
static bool load_config(struct sync_config *cfg, const char *file, bool must_exist)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->file = file;
	cfg->defaults = true;
	cfg->nvd_delay = -1;
	cfg->nvd_page_size = NVD_PAGE_SIZE;
	cfg->max_data_age = DEFAULT_MAX_DATA_AGE;
	FILE *in = fopen(file, "r");
	if (!in) {
		if (must_exist || errno != ENOENT) {
			pw_cli_error(VERB, "%s: %s", file, strerror(errno));
			return false;
		}
	} else {
		int r = ini_parse_file(in, on_ini, cfg);
		fclose(in);
		if (r != 0) {
			pw_cli_error(VERB, "%s:%d: %s", file, r > 0 ? r : 0,
				     cfg->error[0] ? cfg->error : "malformed line");
			return false;
		}
	}
	/* defaults go first, in their order, unless overridden or turned off */
	struct sync_feed *mine = malloc(sizeof(cfg->feeds));
	if (!mine) {
		pw_cli_error(VERB, "out of memory");
		return false;
	}
	size_t nmine = cfg->n;
	memcpy(mine, cfg->feeds, sizeof(cfg->feeds));
	cfg->n = 0;
	for (size_t i = 0; cfg->defaults && i < NDEFAULTS; i++) {
		struct sync_feed *f = &cfg->feeds[cfg->n++];
		memset(f, 0, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "%s", default_feeds[i].name);
		snprintf(f->url, sizeof(f->url), "%s", default_feeds[i].url);
		f->kind = default_feeds[i].kind;
	}
	for (size_t i = 0; i < nmine; i++) {
		struct sync_feed *f = find_feed(cfg, mine[i].name);
		if (!f) {
			if (cfg->n == MAX_FEEDS)
				break;
			f = &cfg->feeds[cfg->n++];
		}
		*f = mine[i];
	}
	free(mine);
	return true;
}

/* feed status's limit on the age of the data, from the configuration. */
static bool status_max_age(const char *file, bool must_exist, int64_t *max_age)
{
	struct sync_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		pw_cli_error(VERB, "out of memory");
		return false;
	}
	bool ok = load_config(cfg, file, must_exist);
	if (ok)
		*max_age = cfg->max_data_age;
	free(cfg);
	return ok;
}

/* ---- sync ---- */

struct sync_run {
	struct pw_store *store;
	struct sync_config *cfg;
	struct workdir w;
	struct pw_fetch_options fetch;
	const char *headers[2];
	char api_header[160];
	unsigned seq;
};

static void pause_seconds(double s)
{
	if (s <= 0)
		return;
	struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* totalResults from the head of an NVD API page ({"resultsPerPage": N,
 * "startIndex": N, "totalResults": N, ...}); -1 when absent. */
static int64_t nvd_total(const char *path)
{
	char head[4096];
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	const char *p = strstr(head, "\"totalResults\"");
	if (!p)
		return -1;
	p += strlen("\"totalResults\"");
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p++ != ':')
		return -1;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	int64_t v = 0;
	const char *start = p;
	while (*p >= '0' && *p <= '9' && p - start < 12)
		v = v * 10 + (*p++ - '0');
	return p > start ? v : -1;
}

/* Add one import's counts to a running total (NVD's pages). */
static void add_stats(struct pw_import_stats *sum, const struct pw_import_stats *page)
{
	sum->read += page->read;
	sum->added += page->added;
	sum->updated += page->updated;
	sum->unchanged += page->unchanged;
	sum->skipped += page->skipped;
	for (size_t i = 0; i < page->nskips; i++) {
		size_t k = 0;
		while (k < sum->nskips && strcmp(sum->skips[k].reason, page->skips[i].reason) != 0)
			k++;
		if (k == sum->nskips) {
			if (k == PW_IMPORT_SKIP_REASONS)
				k--; /* the last slot takes the overflow */
			else
				memcpy(sum->skips[sum->nskips++].reason, page->skips[i].reason,
				       sizeof(page->skips[i].reason));
		}
		sum->skips[k].count += page->skips[i].count;
	}
}

/* NVD: page by page, from the last successful sync (an hour of overlap) when
 * that is within the API's 120-day window. Each page is its own transaction
 * so the store is never locked across a download or NVD's pause between
 * requests (a first full sync is over a hundred pages); every CVE is a whole
 * record, so a sync cut short leaves a consistent store, and as the feed's
 * state is only written at the end, the next sync asks for the same window
 * again (what was imported comes back unchanged). */
static pw_err sync_nvd(struct sync_run *run, const struct sync_feed *f, const struct pw_feed_state *old,
		       bool found, struct summary *sum, struct pw_error *e)
{
	struct pw_buf url = PW_BUF_INIT, path = PW_BUF_INIT;
	int64_t now = pw_clock_now();
	char window[160] = "";
	if (found && old->url && strcmp(old->url, f->url) == 0 && old->last_checked > 0 &&
	    now - old->last_checked < 119LL * 86400) {
		char from[32], to[32];
		time_t a = (time_t)(old->last_checked - 3600), b = (time_t)now;
		struct tm ta, tb;
		gmtime_r(&a, &ta);
		gmtime_r(&b, &tb);
		strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%S", &ta);
		strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%S", &tb);
		snprintf(window, sizeof(window),
			 "&lastModStartDate=%s.000%%2B00:00&lastModEndDate=%s.000%%2B00:00", from, to);
	}
	double delay = run->cfg->nvd_delay >= 0 ? run->cfg->nvd_delay
						: run->cfg->nvd_api_key[0] ? 0.6 : 6.0;
	pw_err rc = PW_OK;
	int64_t start = 0, total = -1;
	for (unsigned page = 0; rc == PW_OK && (total < 0 || start < total); page++) {
		if (page > 0)
			pause_seconds(delay); /* NVD's rate limit: 5 requests in 30 s without a key */
		pw_buf_reset(&url);
		if (pw_buf_addf(&url, "%s%cresultsPerPage=%d&startIndex=%lld%s", f->url,
				strchr(f->url, '?') ? '&' : '?', run->cfg->nvd_page_size, (long long)start,
				window)) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			break;
		}
		struct pw_fetch_result res;
		rc = download(&run->w, run->seq++, url.data, f->name, NULL, NULL, &run->fetch, &path,
			      &res, e);
		if (rc)
			break;
		sum->bytes += res.bytes;
		int64_t t = nvd_total(path.data);
		struct pw_import_stats st;
		struct pw_feed_sink sink;
		rc = pw_store_import_begin(run->store, "nvd", &sink, &st, e);
		if (rc == PW_OK) {
			/* each page is an import of its own, audited as such */
			struct origin o = { .feed = f->name, .from = url.data, .path = path.data };
			rc = feed_path(&sink, path.data, PW_FEED_NVD, f->name, &st, e);
			if (rc == PW_OK)
				rc = note_data_date(run->store, &o, "nvd", &st, e);
			if (rc == PW_OK)
				rc = audit_import(run->store, &o, "nvd", &st, e);
			if (rc)
				pw_store_import_abort(run->store);
			else
				rc = pw_store_import_commit(run->store, e);
		}
		unlink(path.data);
		if (rc)
			break;
		add_stats(&sum->stats, &st);
		uint64_t got = st.read + st.skipped;
		if (t < 0 || got == 0)
			break; /* a single answer, or an empty page: nothing further */
		total = t;
		start += (int64_t)got;
	}
	pw_buf_free(&url);
	pw_buf_free(&path);
	return rc;
}

static bool kind_is_unique(const struct sync_config *cfg, enum pw_feed_kind kind)
{
	int n = 0;
	for (size_t i = 0; i < cfg->n; i++)
		n += !cfg->feeds[i].off && cfg->feeds[i].kind == kind;
	return n <= 1;
}

static void sync_one(struct sync_run *run, const struct sync_feed *f, struct summary *sum)
{
	struct pw_error e;
	pw_error_clear(&e);
	snprintf(sum->name, sizeof(sum->name), "%s", f->name);
	sum->kind = pw_feed_kind_name(f->kind);
	int64_t checked = pw_clock_now();

	/* the validators are only good for the URL they came from */
	struct pw_feed_state old;
	bool found = false;
	char etag[256] = "", lastmod[128] = "";
	uint64_t records = 0;
	pw_err rc = pw_store_feed_state_get(run->store, f->name, &old, &found, &e);
	if (rc == PW_OK && found) {
		records = old.records;
		if (old.url && strcmp(old.url, f->url) == 0) {
			snprintf(etag, sizeof(etag), "%s", old.etag ? old.etag : "");
			snprintf(lastmod, sizeof(lastmod), "%s", old.last_modified ? old.last_modified : "");
		}
	}
	struct pw_fetch_result res = { .not_modified = false };
	if (rc == PW_OK && f->kind == PW_FEED_NVD) {
		rc = sync_nvd(run, f, &old, found, sum, &e);
	} else if (rc == PW_OK) {
		struct pw_buf path = PW_BUF_INIT;
		rc = download(&run->w, run->seq++, f->url, f->name, etag, lastmod, &run->fetch, &path,
			      &res, &e);
		sum->bytes = res.bytes;
		struct origin o = { .feed = f->name, .from = f->url, .path = path.data,
				    .http_date = res.last_modified[0] ? res.last_modified : NULL };
		if (rc == PW_OK && !res.not_modified)
			rc = import_one(run->store, &o, f->name, f->kind, f->kind, sum, &e);
		if (path.data)
			unlink(path.data);
		pw_buf_free(&path);
		if (rc == PW_OK && !res.not_modified) {
			snprintf(etag, sizeof(etag), "%s", res.etag);
			snprintf(lastmod, sizeof(lastmod), "%s", res.last_modified);
		}
	}
	if (rc) {
		/* the state stays as it was: the feed shows its real age, and the
		 * next sync fetches it again */
		sum->rc = rc;
		sum->outcome = "failed";
		snprintf(sum->error, sizeof(sum->error), "%s", e.msg);
		pw_cli_error(VERB, "sync %s: %s", f->name, e.msg);
		return;
	}
	sum->outcome = res.not_modified ? "not modified" : "imported";
	if (!res.not_modified) {
		/* the store's own count when this feed is its kind's only one;
		 * several OSV feeds share the "osv" records, so each counts what
		 * its last import held */
		int64_t held = kind_is_unique(run->cfg, f->kind)
				       ? pw_store_count_source(run->store, sum->kind) : -1;
		records = held >= 0 ? (uint64_t)held : sum->stats.read - sum->stats.skipped;
	}
	remember_state(run->store, f->name, f->url, etag[0] ? etag : NULL,
		       lastmod[0] ? lastmod : NULL, sum->stats.added || sum->stats.updated, checked,
		       records);
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
	const char *db = NULL, *config = DEFAULT_CONFIG;
	const char *only[MAX_FEEDS];
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
			if (nonly == MAX_FEEDS) {
				pw_cli_error(VERB, "too many --feed options");
				return PW_EXIT_ERROR;
			}
			only[nonly++] = optarg;
			break;
		case 'f':
			if (!parse_format(optarg, &format))
				return PW_EXIT_ERROR;
			break;
		case 'h': fputs(usage_sync, stdout); return PW_EXIT_OK;
		default: fputs(usage_sync, stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		pw_cli_error(VERB, "sync takes no arguments (name feeds with --feed)");
		return PW_EXIT_ERROR;
	}
	struct sync_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	int status = PW_EXIT_OK;
	struct pw_store *store = NULL;
	struct summary *sums = NULL;
	if (!load_config(cfg, config, config_given)) {
		status = PW_EXIT_ERROR;
		goto out;
	}
	for (size_t k = 0; k < nonly; k++) {
		const struct sync_feed *f = find_feed(cfg, only[k]);
		if (!f || f->off) {
			pw_cli_error(VERB, "no feed named '%s' is configured", only[k]);
			status = PW_EXIT_ERROR;
			goto out;
		}
	}
	if (open_store(db, true, &store)) {
		status = PW_EXIT_ERROR;
		goto out;
	}
	sums = calloc(cfg->n ? cfg->n : 1, sizeof(*sums));
	if (!sums) {
		pw_cli_error(VERB, "out of memory");
		status = PW_EXIT_ERROR;
		goto out;
	}
	struct sync_run run = { .store = store, .cfg = cfg };
	run.fetch.timeout = cfg->timeout;
	run.fetch.max_bytes = cfg->max_bytes;
	if (cfg->nvd_api_key[0]) {
		snprintf(run.api_header, sizeof(run.api_header), "apiKey: %s", cfg->nvd_api_key);
		run.headers[0] = run.api_header;
		run.fetch.headers = run.headers;
	}
	size_t nsum = 0;
	for (size_t i = 0; i < cfg->n; i++) {
		const struct sync_feed *f = &cfg->feeds[i];
		bool wanted = nonly == 0;
		for (size_t k = 0; k < nonly; k++)
			wanted |= strcmp(only[k], f->name) == 0;
		if (!wanted || f->off)
			continue;
		struct summary *sum = &sums[nsum++];
		/* the API key goes to NVD only */
		run.fetch.headers = f->kind == PW_FEED_NVD && cfg->nvd_api_key[0] ? run.headers : NULL;
		sync_one(&run, f, sum);
		if (sum->rc)
			status = PW_EXIT_ERROR;
	}
	workdir_remove(&run.w);
	print_summaries(sums, nsum, format);
out:
	free(sums);
	pw_store_close(store);
	free(cfg);
	return status;
}

int cmd_feed(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_feed, stderr);
		return PW_EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_feed, stdout);
		return PW_EXIT_OK;
	}
	if (strcmp(argv[1], "import") == 0)
		return feed_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return feed_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "sync") == 0)
		return feed_sync(argc - 1, argv + 1);
	pw_cli_error(VERB, "'%s' is not a feed subcommand (import, sync, status)", argv[1]);
	return PW_EXIT_ERROR;
}
