/* pw_fetch.h - download a feed over HTTPS with a conditional GET
 * (If-None-Match / If-Modified-Since), so an unchanged upstream costs one
 * round trip and no import.
 *
 * TLS peers and host names are always verified. Redirects are followed (a
 * few, and only to http/https). The body goes to a temporary file beside
 * the destination and is renamed over it only when complete, so a failed or
 * cut download never leaves a half file where a whole one is expected.
 */
#ifndef PW_FETCH_H
#define PW_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_fetch_result {
	bool not_modified;      /* 304 (or file:// not newer): nothing downloaded */
	long http_status;       /* 0 for file:// */
	char etag[256];         /* the final response's validators, "" when none */
	char last_modified[128];
	uint64_t bytes;         /* body bytes written */
	char effective_url[1024]; /* after redirects */
};

/* Every field 0/NULL means the default. */
struct pw_fetch_options {
	long connect_timeout;   /* seconds to connect, default 30 */
	long timeout;           /* seconds for the whole transfer, default 3600 */
	long low_speed_time;    /* abort below 1 KiB/s for this long, default 60 s */
	uint64_t max_bytes;     /* refuse larger bodies (PW_ERR_LIMIT), default 4 GiB */
	long max_redirects;     /* default 5; negative: follow none */
	/* extra request headers ("apiKey: ..."), NULL-terminated; may be NULL */
	const char *const *headers;
	/* called as bytes arrive (total 0 when unknown); may be NULL */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

/* Fetch url into the file at dest_path. etag / last_modified are the
 * validators from the previous fetch (NULL or "" for none). Only https://,
 * http:// and file:// URLs. An HTTP status other than 2xx or 304 is
 * PW_ERR_IO naming the URL and the status; nothing is left at dest_path. */
pw_err pw_fetch(const char *url, const char *etag, const char *last_modified,
		const char *dest_path, struct pw_fetch_result *out, struct pw_error *e);
pw_err pw_fetch_with(const char *url, const char *etag, const char *last_modified,
		     const char *dest_path, const struct pw_fetch_options *opt,
		     struct pw_fetch_result *out, struct pw_error *e);

#endif
