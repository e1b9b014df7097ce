/* hosts.c - the actions on hosts, one transaction each (pw_hosts.h). */
#include "pw_hosts.h"

#include "pw_intake.h"
#include "pw_rescore.h"
#include "pw_store.h"

struct host_action {
	int64_t id, now;
	const char *actor;
	const struct pw_host_patch *patch;
	const struct pw_policy *rescore;
	struct pw_inventory_delta *delta;
	const char *csv;
	size_t len;
	struct pw_device_import *devices;
	void (*bad)(void *ctx, size_t line, const char *field, const char *reason);
	void *bad_ctx;
};

static pw_err update_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	const struct host_action *h = ctx;
	pw_err rc = pw_registry_host_update(s, h->id, h->patch, h->actor, e);
	if (!rc && h->rescore)
		rc = pw_rescore_host(s, h->id, h->rescore, NULL, e);
	return rc;
}

pw_err pw_hosts_update(struct pw_store *s, int64_t id, const struct pw_host_patch *p,
		       const struct pw_policy *rescore, const char *actor, struct pw_error *e)
{
	struct host_action h = { .id = id, .patch = p, .rescore = rescore, .actor = actor };
	return pw_store_write(s, update_tx, &h, e);
}

static pw_err retire_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	const struct host_action *h = ctx;
	return pw_registry_host_retire(s, h->id, h->now, h->actor, e);
}

pw_err pw_hosts_retire(struct pw_store *s, int64_t id, int64_t now, const char *actor,
		       struct pw_error *e)
{
	struct host_action h = { .id = id, .now = now, .actor = actor };
	return pw_store_write(s, retire_tx, &h, e);
}

static pw_err accept_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	const struct host_action *h = ctx;
	return pw_intake_accept_held(s, h->id, h->now, h->actor, h->delta, e);
}

pw_err pw_hosts_accept_held(struct pw_store *s, int64_t id, int64_t now, const char *actor,
			    struct pw_inventory_delta *d, struct pw_error *e)
{
	struct host_action h = { .id = id, .now = now, .actor = actor, .delta = d };
	return pw_store_write(s, accept_tx, &h, e);
}

static pw_err devices_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	const struct host_action *h = ctx;
	return pw_registry_import_devices(s, h->csv, h->len, h->now, h->actor, h->devices, h->bad,
					  h->bad_ctx, e);
}

pw_err pw_hosts_import_devices(struct pw_store *s, const char *csv, size_t len, int64_t now,
			       const char *actor, struct pw_device_import *out,
			       void (*bad)(void *ctx, size_t line, const char *field,
					   const char *reason),
			       void *bad_ctx, struct pw_error *e)
{
	struct host_action h = { .csv = csv, .len = len, .now = now, .actor = actor,
				 .devices = out, .bad = bad, .bad_ctx = bad_ctx };
	return pw_store_write(s, devices_tx, &h, e);
}
