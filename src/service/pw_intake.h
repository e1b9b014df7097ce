/* pw_intake.h - how an inventory becomes a host's current state, for every
 * way one arrives (agent check-in, agentless upload over the API, `asset
 * import-inventory`): through the collapse guard (pw_inventory_hold.h).
 *
 * An inventory that passes the guard is stored (pw_registry_put_inventory)
 * and supersedes one held before; one that fails it is held, with its
 * reason, and the host's findings stay as they were until an admin accepts
 * it (pw_intake_accept_held) or a good inventory comes.
 */
#ifndef PW_INTAKE_H
#define PW_INTAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_inventory.h"
#include "pw_inventory_hold.h"
#include "pw_registry.h"

struct pw_store;

struct pw_intake {
	bool held;                                  /* kept for review, not applied */
	char reason[PW_INVENTORY_HOLD_REASON_MAX];  /* why, when held */
	bool superseded;                            /* applied, and a held one was dropped */
	struct pw_inventory_delta d;                /* when applied */
};

/* Offer inv (digest: pw_inventory_digest of it) as host_id's inventory, in
 * the caller's transaction. Holding and superseding are audited here by
 * actor; an applied inventory is the caller's to audit, as before. */
pw_err pw_intake_inventory(struct pw_store *s, int64_t host_id, const struct pw_inventory *inv,
			   const char *digest, int64_t now, int max_loss_percent,
			   const char *actor, struct pw_intake *out, struct pw_error *e);

/* Apply the host's held inventory as it was uploaded, in the caller's
 * transaction; audited as "host.accept_inventory". PW_ERR_NOTFOUND when
 * none is held. */
pw_err pw_intake_accept_held(struct pw_store *s, int64_t host_id, int64_t now,
			     const char *actor, struct pw_inventory_delta *d, struct pw_error *e);

#endif
