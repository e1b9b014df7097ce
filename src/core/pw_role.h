/* pw_role.h - the roles people act in (RBAC): what the users store keeps,
 * what the server checks, what the CLI accepts. Permissions per role live
 * with each route (PW_ALLOW_ROLE in pw_auth.h). */
#ifndef PW_ROLE_H
#define PW_ROLE_H

#include <stdbool.h>

enum pw_role {
	PW_ROLE_ADMIN,
	PW_ROLE_SECURITY,  /* "security-analyst" */
	PW_ROLE_OPERATOR,  /* sysadmins */
	PW_ROLE_CHANGE,    /* "change-manager": approves */
	PW_ROLE_ASSET,     /* "asset-manager" */
	PW_ROLE_AUDITOR,   /* read-only, audit log included */
	PW_ROLE_COUNT,
};

/* "admin", "security-analyst", ...; NULL for an invalid role. */
const char *pw_role_name(enum pw_role r);
/* false when the name is not a role */
bool pw_role_parse(const char *name, enum pw_role *out);

#endif
