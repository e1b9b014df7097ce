/* pw_fetch.h - download a feed over HTTPS with a conditional GET
 * (If-None-Match / If-Modified-Since), so an unchanged upstream costs one
 * round trip and no import.
 */
#ifndef PW_FETCH_H
#define PW_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "pw_err.h"

struct pw_fetch_result {
	bool not_modified;      /* 304: nothing downloaded */
	long http_status;
	char etag[256];         /* new validators, empty when the server sent none */
	char last_modified[128];
	size_t bytes;
};

/* Fetch url into the file at dest_path (written to a temporary file beside it
 * and renamed on success). etag / last_modified may be NULL. Only https://,
 * http:// and file:// URLs. */
pw_err pw_fetch(const char *url, const char *etag, const char *last_modified,
		const char *dest_path, struct pw_fetch_result *out, struct pw_error *e);

#endif
