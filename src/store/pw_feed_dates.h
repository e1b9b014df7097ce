/* pw_feed_dates.h - how old each feed's data is, as opposed to when it was
 * last imported: the newest date the data itself carries (an advisory's
 * published or modified date, KEV's newest dateAdded, EPSS's score_date),
 * or, for a feed without dates (the Debian tracker JSON, Alpine secdb), the
 * date of the file it came in. A snapshot imported today can be a year old.
 */
#ifndef PW_FEED_DATES_H
#define PW_FEED_DATES_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

/* The "feed_dates" component's table (pw_sql_migrate). */
pw_err pw_feed_dates_migrate(struct pw_store *s, struct pw_error *e);

struct pw_feed_date {
	char feed[64];   /* the name feed status shows: a kind, or a synced feed's name */
	char kind[32];   /* its feed kind name (pw_feed_kind_name) */
	int64_t newest;  /* Unix seconds */
	bool from_file;  /* the file's date, the data carrying none */
};

/* Note an import's newest data date for `feed`, inside the import's
 * transaction. Only ever raised: a re-import of an older snapshot does not
 * make the data the store holds look older. newest <= 0 writes nothing. */
pw_err pw_feed_dates_note(struct pw_store *s, const struct pw_feed_date *d, struct pw_error *e);

/* found=false when nothing was noted for `feed`. */
pw_err pw_feed_dates_get(struct pw_store *s, const char *feed, struct pw_feed_date *out,
			 bool *found, struct pw_error *e);

#endif
