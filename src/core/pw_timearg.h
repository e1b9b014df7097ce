/* pw_timearg.h - a time people type on a list (--since, ?until=) or an
 * expiry: a duration ("30d", "12h", "90m", "45s", "2w": that long before
 * now for a bound in the past, after now for one in the future), a date
 * ("2026-11-01": its midnight UTC) or an RFC 3339 UTC time
 * ("2026-11-01T08:00:00Z").
 */
#ifndef PW_TIMEARG_H
#define PW_TIMEARG_H

#include <stdbool.h>
#include <stdint.h>

enum pw_timearg_dir { PW_TIMEARG_PAST, PW_TIMEARG_FUTURE };

/* false when s is none of the three, a duration is zero or over ten
 * years, or a date is out of range. */
bool pw_timearg_parse(const char *s, int64_t now, enum pw_timearg_dir dir, int64_t *out);

#endif
