/* pw_inventory_hold.h - inventories held for review instead of applied.
 *
 * An inventory that lists no package for a host that had some, that lost
 * more than a set share of the host's packages at once, or whose producer
 * says a package database could not be read, is far more likely a broken
 * scan (an empty --root, a failed rpm database, a buggy or hostile upload)
 * than a host that was emptied. Applied, it would mark every open finding
 * of the host fixed. Such an inventory is kept here instead, one per host
 * (a newer one replaces it), with the reason; the host's current inventory
 * and its findings stay as they were. An admin accepts it, or the next
 * inventory that passes the guard supersedes it (pw_inventory_hold_drop).
 *
 * Writes run in the caller's transaction, beside the caller's other
 * writes; the hold itself is audited here ("host.inventory_held").
 */
#ifndef PW_INVENTORY_HOLD_H
#define PW_INVENTORY_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_inventory.h"

struct pw_store;
struct pw_jsonw;

/* [assess] max_package_loss: a share of the stored packages, in percent. */
#define PW_INVENTORY_MAX_LOSS_DEFAULT 50

pw_err pw_inventory_hold_migrate(struct pw_store *s, struct pw_error *e);

/* "50%" or "50": an integer percentage from 1 to 100 (100: only a drop to
 * no package at all is held). false when malformed. */
bool pw_inventory_parse_loss(const char *s, int *percent);

#define PW_INVENTORY_HOLD_REASON_MAX 320

/* Whether inv must be held rather than applied to host_id, judged against
 * the host's stored package count; *held and reason (a sentence) say why.
 * A host without a stored inventory is held only for database errors. */
pw_err pw_inventory_hold_check(struct pw_store *s, int64_t host_id,
			       const struct pw_inventory *inv, int max_loss_percent, bool *held,
			       char reason[PW_INVENTORY_HOLD_REASON_MAX], struct pw_error *e);

/* Keep `document` (the inventory as JSON text) held for host_id with its
 * digest and reason, replacing one held before; audited by actor. */
pw_err pw_inventory_hold_put(struct pw_store *s, int64_t host_id, const char *digest,
			     const char *document, size_t npackages, const char *reason,
			     int64_t now, const char *actor, struct pw_error *e);

/* The host's held inventory, if any: *found false when none. reason and
 * digest are copied; *document (may be NULL: not wanted) is malloc'ed,
 * the caller frees it. */
struct pw_inventory_held {
	int64_t at;
	int64_t packages;
	char reason[PW_INVENTORY_HOLD_REASON_MAX];
	char digest[80];
};
pw_err pw_inventory_hold_get(struct pw_store *s, int64_t host_id, struct pw_inventory_held *out,
			     char **document, bool *found, struct pw_error *e);

/* Forget the host's held inventory (superseded or accepted); *dropped (may
 * be NULL) says whether there was one. */
pw_err pw_inventory_hold_drop(struct pw_store *s, int64_t host_id, bool *dropped,
			      struct pw_error *e);

/* "inventory_held": {"reason", "at", "packages", "digest"}, the member of
 * the host's JSON object, written only when h is not NULL. */
void pw_inventory_hold_write_json(struct pw_jsonw *w, const struct pw_inventory_held *h);

#endif
