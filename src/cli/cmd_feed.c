/* cmd_feed.c - `patchwarden feed import|sync|status`: vulnerability feeds
 * into the store, and how fresh they are. Options and printing only: the
 * import and the sync are pw_feed_sync.h's, which the server's schedule
 * runs too.
 *
 * status: each feed's source, records, last check, last change and age,
 * and the age of its data: the newest date the data carries (see
 * pw_feed_dates.h), warned about past a limit.
 */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_config.h"
#include "pw_feed_dates.h"
#include "pw_feed_sync.h"
#include "pw_feeds.h"
#include "pw_jsonw.h"
#include "pw_registry.h"
#include "pw_store.h"

#define VERB "feed"
#define DEFAULT_CONFIG PW_SYSCONFDIR "/patchwarden.conf"
#define DEFAULT_STALE_HOURS 48


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
/* Draws progress on stderr when it is a terminal, at most ten times a
 * second: the library's hooks (pw_feed_sync_hooks). */
struct progress {
	bool tty;
	double last;
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
static void draw_import(void *ctx, const char *label, uint64_t done, uint64_t total,
			uint64_t input_bytes, const struct pw_import_stats *st)
{
	struct progress *p = ctx;
	if (!progress_due(p, total && done >= total))
		return;
	int pct = total ? (int)(done >= total ? 100 : done * 100 / total) : 0;
	int bar = pct / 5;
	/* importers report progress in their own unit (bytes, entries); the
	 * bytes shown are that fraction of the input file */
	double mib = (double)input_bytes / 1048576.0;
	fprintf(stderr, "\r%-28s [%.*s%*s] %3d%%  %llu records  %.1f/%.1f MiB", short_label(label),
		bar, "####################", 20 - bar, "", pct, (unsigned long long)st->read,
		mib * pct / 100.0, mib);
	fflush(stderr);
	p->drawn = true;
}

static void draw_download(void *ctx, const char *label, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	if (!progress_due(p, false))
		return;
	if (total)
		fprintf(stderr, "\r%-28s downloading %.1f / %.1f MiB   ", short_label(label),
			(double)done / 1048576.0, (double)total / 1048576.0);
	else
		fprintf(stderr, "\r%-28s downloading %.1f MiB   ", short_label(label),
			(double)done / 1048576.0);
	fflush(stderr);
	p->drawn = true;
}

static void progress_end(void *ctx)
{
	struct progress *p = ctx;
	if (p->drawn)
		fprintf(stderr, "\r%79s\r", "");
	p->drawn = false;
}

static void warn(void *ctx, const char *msg)
{
	progress_end(ctx);
	pw_cli_error(VERB, "%s", msg);
}

static void sync_done(void *ctx, const struct pw_feed_sync_result *r)
{
	progress_end(ctx);
	if (r->rc)
		pw_cli_error(VERB, "sync %s: %s", r->name, r->error);
}

static struct pw_feed_sync_hooks hooks(struct progress *p)
{
	p->tty = isatty(STDERR_FILENO) == 1;
	return (struct pw_feed_sync_hooks){ .ctx = p, .download = draw_download,
					    .import = draw_import, .progress_end = progress_end,
					    .warn = warn, .done = sync_done };
}

/* ---- summaries ---- */

static void print_summaries(const struct pw_feed_sync_result *s, size_t n, enum pw_format format)
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
	struct pw_feed_sync_result *sums = calloc(n, sizeof(*sums));
	int status = PW_EXIT_OK;
	if (!sums) {
		pw_cli_error(VERB, "out of memory");
		pw_store_close(store);
		return PW_EXIT_ERROR;
	}
	char actor[160];
	pw_server_cli_actor(actor, sizeof(actor));
	struct progress p = { .tty = false };
	struct pw_feed_sync_hooks h = hooks(&p);
	for (size_t i = 0; i < n; i++) {
		struct pw_error e;
		pw_error_clear(&e);
		if (pw_feed_import(store, argv[optind + (int)i], kind, actor, &h, &sums[i], &e)) {
			progress_end(&p);
			pw_cli_report(VERB, &e);
			status = PW_EXIT_ERROR;
		}
	}
	print_summaries(sums, n, format);
	free(sums);
	pw_store_close(store);
	return status;
}

/* ---- status ---- */

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
		pw_feed_kind_from_name(st->feed, &kind);
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
	int64_t max_age = PW_FEED_SYNC_DEFAULT_MAX_DATA_AGE;
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

/* feed status's limit on the age of the data, from the configuration. */
static bool status_max_age(const char *file, bool must_exist, int64_t *max_age)
{
	struct pw_feed_sync_config *cfg = calloc(1, sizeof(*cfg));
	struct pw_error e;
	if (!cfg) {
		pw_cli_error(VERB, "out of memory");
		return false;
	}
	bool ok = pw_feed_sync_config_load(cfg, file, must_exist, &e) == PW_OK;
	if (ok)
		*max_age = cfg->max_data_age;
	else
		pw_cli_report(VERB, &e);
	free(cfg);
	return ok;
}

/* ---- sync ---- */

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
	const char *only[PW_FEED_SYNC_MAX_FEEDS];
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
			if (nonly == PW_FEED_SYNC_MAX_FEEDS) {
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
	struct pw_feed_sync_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	int status = PW_EXIT_OK;
	struct pw_store *store = NULL;
	struct pw_feed_sync_result *sums = NULL;
	struct pw_error e;
	pw_error_clear(&e);
	if (pw_feed_sync_config_load(cfg, config, config_given, &e)) {
		pw_cli_report(VERB, &e);
		status = PW_EXIT_ERROR;
		goto out;
	}
	for (size_t k = 0; k < nonly; k++) {
		const struct pw_feed_sync_feed *f = pw_feed_sync_find(cfg, only[k]);
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
	char actor[160];
	pw_server_cli_actor(actor, sizeof(actor));
	struct progress p = { .tty = false };
	struct pw_feed_sync_hooks h = hooks(&p);
	size_t nsum = 0, failed = 0;
	if (pw_feed_sync(store, cfg, only, nonly, actor, "cli", &h, sums, &nsum, &failed, &e)) {
		pw_cli_report(VERB, &e);
		status = PW_EXIT_ERROR;
		goto out;
	}
	if (failed)
		status = PW_EXIT_ERROR;
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
