/* sync.c - feeds into the store: import and sync (pw_feed_sync.h).
 *
 * import: one argument (file, directory, zip, compressed file, URL) is one
 * transaction. sync: each configured feed is fetched with the validators of
 * its last fetch (conditional GET), imported only when it changed, and its
 * sync state recorded; NVD page by page (see sync_nvd). Every import is
 * audited in its own transaction (feed.import).
 */
#include "pw_feed_sync.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_feed_dates.h"
#include "pw_feed_syncs.h"
#include "pw_fetch.h"
#include "pw_jsonw.h"
#include "pw_registry.h"

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

/* What one import or sync carries along. */
struct run {
	struct pw_store *store;
	const struct pw_feed_sync_hooks *h;
	const char *actor;
	const struct pw_feed_sync_config *cfg; /* sync only */
	struct workdir w;
	struct pw_fetch_options fetch;
	const char *headers[2];
	char api_header[160];
	unsigned seq;
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

/* ---- progress: the store's sink wrapped, counts passed through ---- */

struct progress {
	struct pw_feed_sink inner;
	const struct pw_feed_sync_hooks *h;
	const char *label;
	uint64_t input_bytes;
	const struct pw_import_stats *stats;
	bool shown;
};

static void on_import(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	if (p->h && p->h->import) {
		p->h->import(p->h->ctx, p->label, done, total, p->input_bytes, p->stats);
		p->shown = true;
	}
}

static void on_download(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	if (p->h && p->h->download) {
		p->h->download(p->h->ctx, p->label, done, total);
		p->shown = true;
	}
}

static void progress_end(struct progress *p)
{
	if (p->shown && p->h && p->h->progress_end)
		p->h->progress_end(p->h->ctx);
	p->shown = false;
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

static void warn(const struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const struct run *run, const char *fmt, ...)
{
	if (!run->h || !run->h->warn)
		return;
	char msg[PW_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	run->h->warn(run->h->ctx, msg);
}

static bool cancelled(const struct run *run)
{
	return run->h && run->h->cancelled && run->h->cancelled(run->h->ctx);
}

/* Feed `path` into an import that is already open. */
static pw_err feed_path(const struct run *run, const struct pw_feed_sink *store_sink,
			const char *path, enum pw_feed_kind kind, const char *label,
			struct pw_import_stats *stats, struct pw_error *e)
{
	struct progress p = { .inner = *store_sink, .h = run->h, .label = label,
			      .input_bytes = file_size(path), .stats = stats };
	struct pw_feed_sink sink = { &p, fwd_record, fwd_kev, fwd_epss, fwd_skip, on_import };
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
static pw_err audit_import(const struct run *run, const struct origin *o, const char *kind,
			   const struct pw_import_stats *st, struct pw_error *e)
{
	char object[128], newest[32], source[1024];
	const char *feed = o->feed ? o->feed : kind;
	int64_t t = 0;
	for (size_t i = 0; i < st->ndates; i++)
		if (st->dates[i].newest > t)
			t = st->dates[i].newest;
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
		rc = pw_audit_append(run->store, run->actor, "feed.import", object, NULL, b.data,
				     e);
	pw_buf_free(&b);
	return rc;
}

/* One path in one transaction. `kind` names the import (the given or
 * detected kind); `parse` is the given kind, or PW_FEED_KIND_COUNT so that
 * each file of a directory is recognised on its own (a tracker checkout
 * holds a DSA list and a DLA list side by side). */
static pw_err import_one(const struct run *run, const struct origin *o, const char *label,
			 enum pw_feed_kind kind, enum pw_feed_kind parse,
			 struct pw_feed_sync_result *sum, struct pw_error *e)
{
	struct pw_store *store = run->store;
	struct pw_feed_sink sink;
	const char *kn = pw_feed_kind_name(kind);
	pw_err rc = pw_store_import_begin(store, kn, &sink, &sum->stats, e);
	if (rc)
		return rc;
	rc = feed_path(run, &sink, o->path, parse, label, &sum->stats, e);
	if (rc == PW_OK)
		rc = note_data_date(store, o, kn, &sum->stats, e);
	if (rc == PW_OK)
		rc = audit_import(run, o, kn, &sum->stats, e);
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
static pw_err import_mixed_dir(const struct run *run, const struct origin *o, const char *label,
			       struct pw_feed_sync_result *sum, bool *mixed, struct pw_error *e)
{
	struct pw_store *store = run->store;
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
			rc = feed_path(run, &sink, l.paths[i], kinds[i], label, &sum->stats, e);
	}
	for (int k = 0; rc == PW_OK && k < PW_FEED_KIND_COUNT; k++)
		if (seen & (1u << k))
			rc = note_data_date(store, o, pw_feed_kind_name((enum pw_feed_kind)k),
					    &sum->stats, e);
	if (rc == PW_OK)
		rc = audit_import(run, o, sum->kinds, &sum->stats, e);
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
static pw_err download(struct run *run, const char *url, const char *label, const char *etag,
		       const char *last_modified, struct pw_buf *path,
		       struct pw_fetch_result *res, struct pw_error *e)
{
	pw_err rc = workdir_make(&run->w, e);
	if (rc == PW_OK)
		rc = download_path(&run->w, run->seq++, url, path, e);
	if (rc)
		return rc;
	struct progress p = { .h = run->h, .label = label };
	struct pw_fetch_options opt = run->fetch;
	opt.progress = on_download;
	opt.progress_ctx = &p;
	rc = pw_fetch_with(url, etag, last_modified, path->data, &opt, res, e);
	progress_end(&p);
	return rc;
}

static void remember_state(const struct run *run, const char *feed, const char *url,
			   const char *etag, const char *last_modified, bool changed,
			   int64_t checked, uint64_t records)
{
	struct pw_store *store = run->store;
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
		warn(run, "feed %s: its state was not kept: %s", feed, e.msg);
}

/* ---- configuration ---- */

struct ini_ctx {
	struct pw_feed_sync_config *cfg;
	char error[PW_ERROR_MSG_MAX];
};

/* The kind a feed name implies: a default feed's, else the longest kind
 * name that the name is or starts with ("osv-mine" -> osv). */
bool pw_feed_kind_from_name(const char *name, enum pw_feed_kind *out)
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

static struct pw_feed_sync_feed *find_feed_rw(struct pw_feed_sync_config *cfg, const char *name)
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
	struct ini_ctx *c = user;
	struct pw_feed_sync_config *cfg = c->cfg;
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
			snprintf(c->error, sizeof(c->error), "unknown key '%s' in [sync]", name);
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
		snprintf(c->error, sizeof(c->error), "feed name '%s' is too long", name);
		return 0;
	}
	struct pw_feed_sync_feed *f = find_feed_rw(cfg, name);
	if (!f) {
		if (cfg->n == PW_FEED_SYNC_MAX_FEEDS) {
			snprintf(c->error, sizeof(c->error), "more than %d feeds", PW_FEED_SYNC_MAX_FEEDS);
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
			snprintf(c->error, sizeof(c->error), "feed %s: unknown kind '%s'", name, kind);
			return 0;
		}
		url = value + sp + strspn(value + sp, " \t");
	} else if (!pw_feed_kind_from_name(name, &f->kind)) {
		snprintf(c->error, sizeof(c->error),
			 "feed %s: cannot tell its kind from its name; write '%s = KIND URL'", name, name);
		return 0;
	}
	if (!is_url(url) || strlen(url) >= sizeof(f->url) || strpbrk(url, " \t")) {
		snprintf(c->error, sizeof(c->error), "feed %s: '%s' is not an http(s):// or "
			 "file:// URL", name, url);
		return 0;
	}
	memcpy(f->url, url, strlen(url) + 1);
	return 1;
bad:
	snprintf(c->error, sizeof(c->error), "[%s] %s: bad value '%s'", section, name, value);
	return 0;
}

/* Defaults first, then the file: its [feeds] override by name, add, or
 * turn off; [sync] defaults = no keeps only the file's feeds. */
pw_err pw_feed_sync_config_load(struct pw_feed_sync_config *cfg, const char *file,
				bool must_exist, struct pw_error *e)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->defaults = true;
	cfg->nvd_delay = -1;
	cfg->nvd_page_size = NVD_PAGE_SIZE;
	cfg->max_data_age = PW_FEED_SYNC_DEFAULT_MAX_DATA_AGE;
	FILE *in = file ? fopen(file, "r") : NULL;
	if (!in) {
		if (file && (must_exist || errno != ENOENT))
			return pw_error_set(e, PW_ERR_IO, "%s: %s", file, strerror(errno));
	} else {
		struct ini_ctx c = { .cfg = cfg };
		int r = ini_parse_file(in, on_ini, &c);
		fclose(in);
		if (r != 0)
			return pw_error_set(e, PW_ERR_PARSE, "%s:%d: %s", file, r > 0 ? r : 0,
					    c.error[0] ? c.error : "malformed line");
	}
	/* defaults go first, in their order, unless overridden or turned off */
	struct pw_feed_sync_feed *mine = malloc(sizeof(cfg->feeds));
	if (!mine)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	size_t nmine = cfg->n;
	memcpy(mine, cfg->feeds, sizeof(cfg->feeds));
	cfg->n = 0;
	for (size_t i = 0; cfg->defaults && i < NDEFAULTS; i++) {
		struct pw_feed_sync_feed *f = &cfg->feeds[cfg->n++];
		memset(f, 0, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "%s", default_feeds[i].name);
		snprintf(f->url, sizeof(f->url), "%s", default_feeds[i].url);
		f->kind = default_feeds[i].kind;
	}
	for (size_t i = 0; i < nmine; i++) {
		struct pw_feed_sync_feed *f = find_feed_rw(cfg, mine[i].name);
		if (!f) {
			if (cfg->n == PW_FEED_SYNC_MAX_FEEDS)
				break;
			f = &cfg->feeds[cfg->n++];
		}
		*f = mine[i];
	}
	free(mine);
	return PW_OK;
}

const struct pw_feed_sync_feed *pw_feed_sync_find(const struct pw_feed_sync_config *cfg,
						  const char *name)
{
	for (size_t i = 0; i < cfg->n; i++) {
		if (strcmp(cfg->feeds[i].name, name) == 0)
			return &cfg->feeds[i];
	}
	return NULL;
}

/* ---- sync ---- */

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
static pw_err sync_nvd(struct run *run, const struct pw_feed_sync_feed *f,
		       const struct pw_feed_state *old, bool found, struct pw_feed_sync_result *sum,
		       struct pw_error *e)
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
		if (page > 0 && cancelled(run)) {
			/* the state is written only at the end: the next sync asks again */
			rc = pw_error_set(e, PW_ERR_IO, "%s: stopped after %u pages (asked to stop)",
					  f->name, page);
			break;
		}
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
		rc = download(run, url.data, f->name, NULL, NULL, &path, &res, e);
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
			rc = feed_path(run, &sink, path.data, PW_FEED_NVD, f->name, &st, e);
			if (rc == PW_OK)
				rc = note_data_date(run->store, &o, "nvd", &st, e);
			if (rc == PW_OK)
				rc = audit_import(run, &o, "nvd", &st, e);
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

static bool kind_is_unique(const struct pw_feed_sync_config *cfg, enum pw_feed_kind kind)
{
	int n = 0;
	for (size_t i = 0; i < cfg->n; i++)
		n += !cfg->feeds[i].off && cfg->feeds[i].kind == kind;
	return n <= 1;
}

static void sync_one(struct run *run, const struct pw_feed_sync_feed *f,
		     struct pw_feed_sync_result *sum)
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
		rc = download(run, f->url, f->name, etag, lastmod, &path, &res, &e);
		sum->bytes = res.bytes;
		struct origin o = { .feed = f->name, .from = f->url, .path = path.data,
				    .http_date = res.last_modified[0] ? res.last_modified : NULL };
		if (rc == PW_OK && !res.not_modified)
			rc = import_one(run, &o, f->name, f->kind, f->kind, sum, &e);
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
	remember_state(run, f->name, f->url, etag[0] ? etag : NULL,
		       lastmod[0] ? lastmod : NULL, sum->stats.added || sum->stats.updated, checked,
		       records);
}

/* The outcome kept for system status; a failure to keep it is only warned
 * about: the feed itself was synced. */
static void record_outcome(const struct run *run, const struct pw_feed_sync_result *r,
			   const char *via)
{
	struct pw_feed_sync_outcome o = {
		.started = r->started, .finished = r->finished, .outcome = r->outcome,
		.error = r->rc ? r->error : NULL, .via = via, .read = r->stats.read,
		.added = r->stats.added, .updated = r->stats.updated,
		.unchanged = r->stats.unchanged, .skipped = r->stats.skipped, .bytes = r->bytes,
	};
	snprintf(o.feed, sizeof(o.feed), "%.63s", r->name); /* a feed's name: 64 bytes at most */
	struct pw_error e;
	if (pw_feed_syncs_put(run->store, &o, &e))
		warn(run, "feed %s: its sync outcome was not kept: %s", r->name, e.msg);
}

pw_err pw_feed_sync(struct pw_store *s, const struct pw_feed_sync_config *cfg,
		    const char *const *only, size_t nonly, const char *actor, const char *via,
		    const struct pw_feed_sync_hooks *h, struct pw_feed_sync_result *out,
		    size_t *nout, size_t *failed, struct pw_error *e)
{
	*nout = 0;
	*failed = 0;
	for (size_t k = 0; k < nonly; k++) {
		const struct pw_feed_sync_feed *f = pw_feed_sync_find(cfg, only[k]);
		if (!f || f->off)
			return pw_error_set(e, PW_ERR_NOTFOUND, "no feed named '%s' is configured",
					    only[k]);
	}
	struct run run = { .store = s, .h = h, .actor = actor, .cfg = cfg };
	run.fetch.timeout = cfg->timeout;
	run.fetch.max_bytes = cfg->max_bytes;
	if (cfg->nvd_api_key[0]) {
		snprintf(run.api_header, sizeof(run.api_header), "apiKey: %s", cfg->nvd_api_key);
		run.headers[0] = run.api_header;
	}
	for (size_t i = 0; i < cfg->n; i++) {
		const struct pw_feed_sync_feed *f = &cfg->feeds[i];
		bool wanted = nonly == 0;
		for (size_t k = 0; k < nonly; k++)
			wanted |= strcmp(only[k], f->name) == 0;
		if (!wanted || f->off)
			continue;
		if (cancelled(&run))
			break;
		struct pw_feed_sync_result *r = &out[(*nout)++];
		memset(r, 0, sizeof(*r));
		/* the API key goes to NVD only */
		run.fetch.headers = f->kind == PW_FEED_NVD && cfg->nvd_api_key[0] ? run.headers : NULL;
		r->started = pw_clock_now();
		sync_one(&run, f, r);
		r->finished = pw_clock_now();
		if (r->rc)
			(*failed)++;
		record_outcome(&run, r, via);
		if (h && h->done)
			h->done(h->ctx, r);
	}
	workdir_remove(&run.w);
	return PW_OK;
}

pw_err pw_feed_import(struct pw_store *s, const char *arg, enum pw_feed_kind kind,
		      const char *actor, const struct pw_feed_sync_hooks *h,
		      struct pw_feed_sync_result *out, struct pw_error *e)
{
	struct run run = { .store = s, .h = h, .actor = actor };
	struct pw_feed_sync_result *sum = out;
	struct pw_fetch_result res = { .not_modified = false };
	struct pw_buf tmp = PW_BUF_INIT;
	enum pw_feed_kind k = kind;
	const char *path = arg;
	memset(sum, 0, sizeof(*sum));
	snprintf(sum->name, sizeof(sum->name), "%s", arg);
	sum->started = pw_clock_now();
	pw_err rc = PW_OK;
	if (is_url(arg)) {
		rc = download(&run, arg, arg, NULL, NULL, &tmp, &res, e);
		path = tmp.data;
		sum->bytes = res.bytes;
	}
	bool mixed = false;
	struct stat st;
	struct origin o = { .from = arg, .path = path, .local = path == arg,
			    .http_date = res.last_modified[0] ? res.last_modified : NULL };
	if (rc == PW_OK && kind == PW_FEED_KIND_COUNT && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		rc = import_mixed_dir(&run, &o, arg, sum, &mixed, e);
	if (rc == PW_OK && !mixed)
		rc = kind_of(path, arg, kind, &k, e);
	if (rc == PW_OK && !mixed) {
		sum->kind = pw_feed_kind_name(k);
		rc = import_one(&run, &o, arg, k, kind, sum, e);
	}
	if (path && path != arg)
		unlink(path);
	sum->finished = pw_clock_now();
	if (rc) {
		sum->rc = rc;
		sum->outcome = "failed";
		snprintf(sum->error, sizeof(sum->error), "%s", e->msg);
		goto out;
	}
	sum->outcome = "imported";
	/* for `feed status`: where each feed's data last came from */
	for (int kk = 0; kk < PW_FEED_KIND_COUNT; kk++) {
		const char *kn = pw_feed_kind_name((enum pw_feed_kind)kk);
		if (mixed ? !(sum->kindset & (1u << kk)) : kk != (int)k)
			continue;
		int64_t held = pw_store_count_source(s, kn);
		remember_state(&run, kn, arg, res.etag[0] ? res.etag : NULL,
			       res.last_modified[0] ? res.last_modified : NULL,
			       sum->stats.added || sum->stats.updated, pw_clock_now(),
			       held > 0 ? (uint64_t)held : 0);
	}
out:
	workdir_remove(&run.w);
	pw_buf_free(&tmp);
	return rc;
}
