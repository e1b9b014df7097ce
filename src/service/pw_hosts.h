/* pw_hosts.h - the actions on registered hosts, each one transaction with
 * its audit entries, for the CLI and the API alike (see pw_import.h for
 * inventories).
 */
#ifndef PW_HOSTS_H
#define PW_HOSTS_H

#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_policy.h"
#include "pw_registry.h"

struct pw_store;

/* Change a host's attributes (pw_registry_host_update); with rescore
 * (may be NULL) its open findings are scored again with that policy in
 * the same transaction, so no reader sees the new criticality with the
 * old priorities. */
pw_err pw_hosts_update(struct pw_store *s, int64_t id, const struct pw_host_patch *p,
		       const struct pw_policy *rescore, const char *actor, struct pw_error *e);

pw_err pw_hosts_retire(struct pw_store *s, int64_t id, int64_t now, const char *actor,
		       struct pw_error *e);

/* Apply the host's held inventory (pw_intake_accept_held). PW_ERR_NOTFOUND
 * when none is held. */
pw_err pw_hosts_accept_held(struct pw_store *s, int64_t id, int64_t now, const char *actor,
			    struct pw_inventory_delta *d, struct pw_error *e);

/* Register or update the devices of a CSV list (pw_registry_import_devices):
 * all lines or, when one is bad, none. */
pw_err pw_hosts_import_devices(struct pw_store *s, const char *csv, size_t len, int64_t now,
			       const char *actor, struct pw_device_import *out,
			       void (*bad)(void *ctx, size_t line, const char *field,
					   const char *reason),
			       void *bad_ctx, struct pw_error *e);

#endif
