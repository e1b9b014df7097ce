/* pw_groups.h - the actions on host groups, one transaction each with
 * their audit entries, for the CLI and the API alike.
 */
#ifndef PW_GROUPS_H
#define PW_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

/* A group (dynamic with a filter, else static) and, for a static one, its
 * first members: created together or not at all. PW_ERR_NOTFOUND names an
 * unknown host. */
pw_err pw_groups_create(struct pw_store *s, const char *name, const char *filter,
			const char *description, const int64_t *hosts, size_t nhosts,
			int64_t now, const char *actor, int64_t *id, struct pw_error *e);
/* NULL fields are kept */
pw_err pw_groups_update(struct pw_store *s, int64_t id, const char *name, const char *filter,
			const char *description, const char *actor, struct pw_error *e);
pw_err pw_groups_delete(struct pw_store *s, int64_t id, const char *actor, struct pw_error *e);
/* Static groups only; *added (may be NULL) counts the hosts new to it. */
pw_err pw_groups_add_members(struct pw_store *s, int64_t id, const int64_t *hosts,
			     size_t nhosts, const char *actor, int64_t *added,
			     struct pw_error *e);

#endif
