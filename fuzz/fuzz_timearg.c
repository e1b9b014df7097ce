/* fuzz_timearg.c - --since/--until/expires values on arbitrary input: the
 * parser never crashes, and what it accepts lies within ten years of now
 * (a duration) or is a date the clock formats back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_timearg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	const int64_t now = 1800000000;
	int64_t past, future;
	bool a = pw_timearg_parse(buf, now, PW_TIMEARG_PAST, &past);
	bool b = pw_timearg_parse(buf, now, PW_TIMEARG_FUTURE, &future);
	if (a != b)
		abort();
	/* a duration goes both ways by the same amount; a date is the same */
	if (a && past != future && now - past != future - now)
		abort();
	free(buf);
	return 0;
}
