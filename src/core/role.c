/* role.c - role names (pw_role.h). */
#include "pw_role.h"

#include <string.h>

static const char *const role_names[PW_ROLE_COUNT] = {
	[PW_ROLE_ADMIN] = "admin",
	[PW_ROLE_SECURITY] = "security-analyst",
	[PW_ROLE_OPERATOR] = "operator",
	[PW_ROLE_CHANGE] = "change-manager",
	[PW_ROLE_ASSET] = "asset-manager",
	[PW_ROLE_AUDITOR] = "auditor",
};

const char *pw_role_name(enum pw_role r)
{
	return (unsigned)r < PW_ROLE_COUNT ? role_names[r] : NULL;
}

bool pw_role_parse(const char *name, enum pw_role *out)
{
	for (int i = 0; i < PW_ROLE_COUNT; i++) {
		if (name && strcmp(name, role_names[i]) == 0) {
			*out = (enum pw_role)i;
			return true;
		}
	}
	return false;
}
