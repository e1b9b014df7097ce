/* pw_feeds.h - feed importers: each reads one upstream format and writes
 * the normalized advisory model (pw_advisory.h) into a sink. They know
 * nothing of the store.
 *
 * Inputs come as a whole file in memory (a pw_blob; compressed inputs are
 * decompressed first) or, for directories and zip archives, one member at a
 * time. Errors name the input and where in it (file:line, or the JSON path).
 */
#ifndef PW_FEEDS_H
#define PW_FEEDS_H

#include <stdbool.h>

#include "pw_advisory.h"
#include "pw_blob.h"
#include "pw_err.h"

enum pw_feed_kind {
	PW_FEED_OSV,            /* OSV JSON: one record, a directory, an all.zip */
	PW_FEED_DEBIAN_TRACKER, /* security-tracker.debian.org/tracker/data/json */
	PW_FEED_DSA,            /* security tracker data/DSA/list */
	PW_FEED_DLA,            /* security tracker data/DLA/list */
	PW_FEED_ALPINE_SECDB,   /* secdb.alpinelinux.org JSON, or the older YAML */
	PW_FEED_KEV,            /* CISA known_exploited_vulnerabilities.json */
	PW_FEED_EPSS,           /* FIRST epss_scores-YYYY-MM-DD.csv(.gz) */
	PW_FEED_NVD,            /* NVD CVE API 2.0 JSON */
	PW_FEED_KIND_COUNT,
};

/* "osv", "debian-tracker", "dsa", "dla", "alpine-secdb", "kev", "epss", "nvd" */
const char *pw_feed_kind_name(enum pw_feed_kind k);
bool pw_feed_kind_parse(const char *name, enum pw_feed_kind *out);

/* Guess the kind from a file name and its first bytes; false if unsure. */
bool pw_feed_detect(const char *name, struct pw_blob head, enum pw_feed_kind *out);

/* Detect the kind of a path's contents (decompressed; a zip's first
 * member; a directory's first file). */
bool pw_feed_detect_path(const char *path, enum pw_feed_kind *out);

/* One-input parsers. `name` is used in messages. Each record goes to the
 * sink; a record the parser cannot use is skipped through sink->skip with a
 * reason; malformed input as a whole is PW_ERR_PARSE naming where. */
pw_err pw_feed_parse_osv(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e);
pw_err pw_feed_parse_debian_tracker(struct pw_blob data, const char *name,
				    const struct pw_feed_sink *sink, struct pw_error *e);
/* kind is PW_FEED_DSA or PW_FEED_DLA */
pw_err pw_feed_parse_dsa_list(struct pw_blob data, const char *name, enum pw_feed_kind kind,
			      const struct pw_feed_sink *sink, struct pw_error *e);
/* JSON (today's secdb) or YAML (the older secdb); told apart by content. */
pw_err pw_feed_parse_alpine_secdb(struct pw_blob data, const char *name,
				  const struct pw_feed_sink *sink, struct pw_error *e);
pw_err pw_feed_parse_kev(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e);
pw_err pw_feed_parse_epss(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			  struct pw_error *e);
pw_err pw_feed_parse_nvd(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e);

/* Parse one input of the given kind. */
pw_err pw_feed_parse(enum pw_feed_kind kind, struct pw_blob data, const char *name,
		     const struct pw_feed_sink *sink, struct pw_error *e);

/* Import a path: a file (plain, .gz, .xz, .bz2, .zst, .lz4), a directory
 * (every regular file below it, sorted), or a .zip (every member). kind may
 * be PW_FEED_KIND_COUNT to detect it per file. */
pw_err pw_feed_import_path(const char *path, enum pw_feed_kind kind,
			   const struct pw_feed_sink *sink, struct pw_error *e);

#endif
