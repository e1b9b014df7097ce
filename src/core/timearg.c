/* timearg.c - durations, dates and RFC 3339 times (pw_timearg.h). */
#include "pw_timearg.h"

#include "pw_clock.h"

#define TEN_YEARS (10 * 366 * 86400LL)

bool pw_timearg_parse(const char *s, int64_t now, enum pw_timearg_dir dir, int64_t *out)
{
	if (!s || !*s)
		return false;
	/* a duration: digits and one unit letter, nothing else */
	const char *p = s;
	int64_t n = 0;
	int digits = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 9)
			return false;
		n = n * 10 + (*p - '0');
	}
	if (digits > 0 && digits < 5 && p[0] && !p[1]) {
		int64_t unit = p[0] == 's' ? 1 : p[0] == 'm' ? 60 : p[0] == 'h' ? 3600
			       : p[0] == 'd' ? 86400 : p[0] == 'w' ? 7 * 86400 : 0;
		if (!unit || n == 0 || n * unit > TEN_YEARS)
			return false;
		*out = dir == PW_TIMEARG_PAST ? now - n * unit : now + n * unit;
		return true;
	}
	int64_t t;
	if (digits != 4 || pw_clock_parse(s, &t) != 0)
		return false;
	*out = t;
	return true;
}
