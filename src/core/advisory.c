/* advisory.c - names of affect statuses and update classes; the class of
 * an advisory id. */
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

static const char *const class_names[] = {
	[PW_CLASS_SECURITY] = "security",
	[PW_CLASS_BUGFIX] = "bugfix",
	[PW_CLASS_ENHANCEMENT] = "enhancement",
};

const char *pw_update_class_name(enum pw_update_class c)
{
	return (unsigned)c < sizeof(class_names) / sizeof(class_names[0]) ? class_names[c]
									   : "unknown";
}

enum pw_update_class pw_advisory_class(const char *id)
{
	/* the RHEL family's errata: two letters of the vendor, then the type */
	static const char *const vendors[] = { "AL", "RL", "RX", "RH" };
	if (!id || strlen(id) < 5 || id[4] != '-')
		return PW_CLASS_SECURITY;
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		if (strncmp(id, vendors[i], 2) != 0)
			continue;
		if (id[2] == 'B' && id[3] == 'A')
			return PW_CLASS_BUGFIX;
		if (id[2] == 'E' && id[3] == 'A')
			return PW_CLASS_ENHANCEMENT;
	}
	return PW_CLASS_SECURITY;
}
