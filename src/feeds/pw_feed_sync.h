/* pw_feed_sync.h - feeds into the store: import a file, directory or URL,
 * and sync the configured upstreams. `patchwarden feed import|sync` and the
 * server's scheduled sync (src/server/feed_sync_task.c) both call this; the
 * library never prints: progress and outcomes go to the caller's hooks.
 *
 * The one part of src/feeds that writes to the store: the importers
 * themselves only fill a pw_feed_sink. Every import is one transaction
 * holding its records, the feed's newest data date (pw_feed_dates.h) and its
 * audit entry (feed.import); a sync also keeps each feed's state (validators,
 * last check and change: pw_store_feed_state_put) and its outcome
 * (pw_feed_syncs.h), which system status shows.
 *
 * sync: each feed is fetched with the validators of its last fetch
 * (conditional GET) and imported only when it changed. NVD's API has no
 * validators and pages its answers: it is fetched page by page,
 * incrementally from the last sync (lastModStartDate), each page imported
 * in its own transaction.
 */
#ifndef PW_FEED_SYNC_H
#define PW_FEED_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_feeds.h"
#include "pw_store.h"

#define PW_FEED_SYNC_MAX_FEEDS 128
#define PW_FEED_SYNC_DEFAULT_MAX_DATA_AGE (30 * 86400) /* [feeds] max_data_age */

/* ---- configuration ---- */

struct pw_feed_sync_feed {
	char name[64];
	char url[1024];
	enum pw_feed_kind kind;
	bool off;
};

/* The compiled-in upstreams, then the configuration file's [feeds] (NAME =
 * [KIND] URL adds or overrides a feed, NAME = off drops one) and [sync]
 * (defaults = no drops every compiled-in feed; nvd_api_key, nvd_delay,
 * nvd_page_size, timeout, max_size_mb). */
struct pw_feed_sync_config {
	struct pw_feed_sync_feed feeds[PW_FEED_SYNC_MAX_FEEDS];
	size_t n;
	bool defaults;
	char nvd_api_key[128];
	double nvd_delay;     /* seconds between NVD pages; < 0: NVD's advice */
	int nvd_page_size;    /* results per NVD page, the API's maximum by default */
	long timeout;         /* seconds per download; 0: pw_fetch's default */
	uint64_t max_bytes;   /* per download; 0: pw_fetch's default */
	int64_t max_data_age; /* [feeds] max_data_age, for feed status; 0: never */
};

/* Read `file` over the defaults (NULL: the defaults alone). A missing file is an error only when
 * must_exist; errors name file:line and the key. Other sections are left to
 * their readers. */
pw_err pw_feed_sync_config_load(struct pw_feed_sync_config *cfg, const char *file,
				bool must_exist, struct pw_error *e);
/* The configured feed `name` (also when off), NULL when there is none. */
const struct pw_feed_sync_feed *pw_feed_sync_find(const struct pw_feed_sync_config *cfg,
						  const char *name);
/* The kind a feed name implies: a default feed's, else the longest kind
 * name that the name is or starts with ("osv-mine" -> osv). */
bool pw_feed_kind_from_name(const char *name, enum pw_feed_kind *out);

/* ---- one feed's outcome ---- */

struct pw_feed_sync_result {
	char name[256];       /* the feed's name, or the import's argument */
	const char *kind;     /* its kind's name, or kinds below; NULL when unknown */
	char kinds[96];       /* "dla+dsa" for a directory of several feeds */
	unsigned kindset;     /* their bits, 1 << kind */
	const char *outcome;  /* "imported", "not modified", "failed" */
	uint64_t bytes;       /* downloaded */
	struct pw_import_stats stats;
	int64_t started, finished; /* pw_clock_now() */
	pw_err rc;
	char error[PW_ERROR_MSG_MAX];
};

/* What the caller sees while it runs; every member may be NULL. */
struct pw_feed_sync_hooks {
	void *ctx;
	/* A download's bytes so far (total 0: unknown). */
	void (*download)(void *ctx, const char *label, uint64_t done, uint64_t total);
	/* An import's progress in the importer's own unit (done of total);
	 * input_bytes is the size of the file read, st the counts so far. */
	void (*import)(void *ctx, const char *label, uint64_t done, uint64_t total,
		       uint64_t input_bytes, const struct pw_import_stats *st);
	/* The download or import reported above has ended. */
	void (*progress_end)(void *ctx);
	/* A feed is done (also when it failed: r->rc, r->error). */
	void (*done)(void *ctx, const struct pw_feed_sync_result *r);
	/* Something went wrong that did not fail the feed (its state not kept). */
	void (*warn)(void *ctx, const char *msg);
	/* true: stop before the next feed or NVD page (a server shutting
	 * down). The feeds not started are left out of the results; an NVD
	 * sync cut short fails, its state unchanged, so the next one asks for
	 * the same window again. */
	bool (*cancelled)(void *ctx);
};

/* ---- import ---- */

/* Import one file, directory, .zip or URL (https://, http://, file://,
 * downloaded first) in one transaction; kind PW_FEED_KIND_COUNT detects it
 * (each file of a directory on its own: a tracker checkout holds a DSA and
 * a DLA list). Its feed state is kept for `feed status`. `actor` is the
 * audit entry's. *out is filled also on failure. */
pw_err pw_feed_import(struct pw_store *s, const char *arg, enum pw_feed_kind kind,
		      const char *actor, const struct pw_feed_sync_hooks *h,
		      struct pw_feed_sync_result *out, struct pw_error *e);

/* ---- sync ---- */

/* Sync every feed of cfg that is not off, or only those named in only[]
 * (each must be configured: PW_ERR_NOTFOUND before anything is fetched).
 * out[] has room for cfg->n results; *nout says how many were written. A
 * failing feed is reported in its result and the others are still synced:
 * PW_OK then, with *failed counting them. `via` says who asked ("cli",
 * "schedule"), kept with each outcome (pw_feed_syncs.h). */
pw_err pw_feed_sync(struct pw_store *s, const struct pw_feed_sync_config *cfg,
		    const char *const *only, size_t nonly, const char *actor, const char *via,
		    const struct pw_feed_sync_hooks *h, struct pw_feed_sync_result *out,
		    size_t *nout, size_t *failed, struct pw_error *e);

#endif
