/* pw_tz.h - IANA time zones read from the system's TZif files.
 *
 * The maintenance windows of the deployment policy are wall-clock times in
 * a named zone (Europe/Berlin). libc offers that only through setenv("TZ") +
 * tzset(), which changes the whole process: another thread's localtime_r
 * would see the other zone for a moment, and a mutex of ours cannot stop it.
 * So the zone is read once, at policy load, from /usr/share/zoneinfo (or
 * $TZDIR) into an immutable table that any thread may query: the version 2+
 * 64-bit transitions, and the POSIX TZ rule of the footer for instants after
 * the last transition (RFC 8536).
 */
#ifndef PW_TZ_H
#define PW_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_tz;

/* Parse TZif data (any version; v1 files use their 32-bit table). `what`
 * names the data in messages. The caller frees *out with pw_tz_free. */
pw_err pw_tz_parse(const unsigned char *data, size_t len, const char *what, struct pw_tz **out,
		   struct pw_error *e);

/* Load zone `name` ("Europe/Berlin", "UTC") from $TZDIR or
 * /usr/share/zoneinfo. A name with "..", a leading '/' or characters other
 * than letters, digits and "/_+-" is PW_ERR_INVALID; a missing zone
 * PW_ERR_NOTFOUND. */
pw_err pw_tz_load(const char *name, struct pw_tz **out, struct pw_error *e);

/* UTC itself, without a file (never NULL; never to be freed). */
const struct pw_tz *pw_tz_utc(void);

void pw_tz_free(struct pw_tz *tz);

/* Seconds east of UTC in force at instant t (Unix seconds). */
int32_t pw_tz_offset(const struct pw_tz *tz, int64_t t);

/* Instants in (after, ...] where the offset changes: the first one after
 * `after`, or INT64_MAX when there is none within ~2 years. */
int64_t pw_tz_next_change(const struct pw_tz *tz, int64_t after);

/* Civil calendar helpers (proleptic Gregorian, days since 1970-01-01). */
int64_t pw_days_from_civil(int64_t y, unsigned m, unsigned d);
void pw_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
