/* registry.c - (being written): the asset register, see pw_registry.h.
 * Until then every function says it is not there. */
#include "pw_registry.h"

#define NOT_YET(e) pw_error_set(e, PW_ERR_UNSUPPORTED, "the asset register is not built yet")

pw_err pw_registry_migrate(struct pw_store *s, struct pw_error *e)
{
	return PW_OK;
}

pw_err pw_registry_host_ensure(struct pw_store *s, enum pw_host_origin origin,
			       const char *machine_id, const char *hostname, const char *group,
			       int64_t now, int64_t *host_id, bool *created, struct pw_error *e)
{
	return NOT_YET(e);
}

pw_err pw_registry_inventory_digest(struct pw_store *s, int64_t host_id, char *digest,
				    size_t digest_size, struct pw_error *e)
{
	return NOT_YET(e);
}

pw_err pw_registry_put_inventory(struct pw_store *s, int64_t host_id, const struct pw_inventory *inv,
				 const char *digest, int64_t now, struct pw_inventory_delta *delta,
				 struct pw_error *e)
{
	return NOT_YET(e);
}

pw_err pw_registry_touch(struct pw_store *s, int64_t host_id, int64_t now, struct pw_error *e)
{
	return NOT_YET(e);
}

pw_err pw_registry_load_inventory(struct pw_store *s, int64_t host_id, struct pw_inventory *inv,
				  struct pw_error *e)
{
	return NOT_YET(e);
}

pw_err pw_registry_host_context(struct pw_store *s, int64_t host_id, struct pw_host_context *out,
				struct pw_error *e)
{
	return NOT_YET(e);
}

pw_err pw_registry_each_dirty_host(struct pw_store *s,
				   pw_err (*cb)(void *ctx, int64_t host_id), void *ctx,
				   struct pw_error *e)
{
	return PW_OK;
}

pw_err pw_registry_mark_assessed(struct pw_store *s, int64_t host_id, int64_t now,
				 struct pw_error *e)
{
	return NOT_YET(e);
}

pw_err pw_registry_each_host(struct pw_store *s, pw_err (*cb)(void *ctx, int64_t host_id),
			     void *ctx, struct pw_error *e)
{
	return PW_OK;
}

pw_err pw_registry_each_device_cpe(struct pw_store *s,
				   pw_err (*cb)(void *ctx, int64_t host_id, const char *cpe),
				   void *ctx, struct pw_error *e)
{
	return PW_OK;
}
