/* advisory.c - names of affect statuses. */
#include "pw_advisory.h"

#include <string.h>

static const char *const status_names[] = {
	[PW_AFFECT_FIXED] = "fixed",
	[PW_AFFECT_VULNERABLE] = "vulnerable",
	[PW_AFFECT_NOT_AFFECTED] = "not-affected",
	[PW_AFFECT_WONT_FIX] = "wont-fix",
	[PW_AFFECT_EOL] = "end-of-life",
};

const char *pw_affect_status_name(enum pw_affect_status s)
{
	if ((unsigned)s < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[s];
	return "unknown";
}

bool pw_affect_status_parse(const char *s, enum pw_affect_status *out)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum pw_affect_status)i;
			return true;
		}
	}
	return false;
}
