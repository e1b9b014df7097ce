/* groups.c - the actions on host groups, one transaction each (pw_groups.h). */
#include "pw_groups.h"

#include "pw_registry.h"
#include "pw_store.h"

struct group_action {
	int64_t *id;
	const char *name, *filter, *description, *actor;
	const int64_t *hosts;
	size_t nhosts;
	int64_t now;
	int64_t *added;
};

static pw_err create_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	struct group_action *g = ctx;
	pw_err rc = pw_registry_group_create(s, g->name, g->filter, g->description, g->now,
					     g->actor, g->id, e);
	if (!rc && g->nhosts)
		rc = pw_registry_group_add_members(s, *g->id, g->hosts, g->nhosts, g->actor, NULL,
						   e);
	return rc;
}

pw_err pw_groups_create(struct pw_store *s, const char *name, const char *filter,
			const char *description, const int64_t *hosts, size_t nhosts,
			int64_t now, const char *actor, int64_t *id, struct pw_error *e)
{
	struct group_action g = { .id = id, .name = name, .filter = filter,
				  .description = description, .actor = actor, .hosts = hosts,
				  .nhosts = nhosts, .now = now };
	return pw_store_write(s, create_tx, &g, e);
}

static pw_err update_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	struct group_action *g = ctx;
	return pw_registry_group_update(s, *g->id, g->name, g->filter, g->description, g->actor,
					e);
}

pw_err pw_groups_update(struct pw_store *s, int64_t id, const char *name, const char *filter,
			const char *description, const char *actor, struct pw_error *e)
{
	struct group_action g = { .id = &id, .name = name, .filter = filter,
				  .description = description, .actor = actor };
	return pw_store_write(s, update_tx, &g, e);
}

static pw_err delete_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	struct group_action *g = ctx;
	return pw_registry_group_delete(s, *g->id, g->actor, e);
}

pw_err pw_groups_delete(struct pw_store *s, int64_t id, const char *actor, struct pw_error *e)
{
	struct group_action g = { .id = &id, .actor = actor };
	return pw_store_write(s, delete_tx, &g, e);
}

static pw_err add_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	struct group_action *g = ctx;
	return pw_registry_group_add_members(s, *g->id, g->hosts, g->nhosts, g->actor, g->added,
					     e);
}

pw_err pw_groups_add_members(struct pw_store *s, int64_t id, const int64_t *hosts,
			     size_t nhosts, const char *actor, int64_t *added,
			     struct pw_error *e)
{
	struct group_action g = { .id = &id, .actor = actor, .hosts = hosts, .nhosts = nhosts,
				  .added = added };
	return pw_store_write(s, add_tx, &g, e);
}
