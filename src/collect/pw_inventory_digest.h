/* pw_inventory_digest.h - one short fingerprint of an inventory, computed
 * the same way by the agent (from its scan) and by the server (from the
 * uploaded document), so a check-in can say "nothing changed" in 64 bytes.
 *
 * The digest is SHA-256, in lowercase hex, over a canonical compact JSON
 * document holding exactly what the inventory document carries through a
 * round trip (pw_inventory_write_json -> pw_inventory_from_json) and what
 * the server keeps: host facts, package managers, every package with all its
 * fields, and the reboot state. Left out on purpose: the scan time, the
 * generator, the root path and the warnings, which change without the host
 * changing. Packages are ordered by all their fields, so the order a
 * database lists them in never matters, and absent and empty strings are the
 * same. docs/agent.md describes the document byte for byte.
 */
#ifndef PW_INVENTORY_DIGEST_H
#define PW_INVENTORY_DIGEST_H

#include "pw_buf.h"
#include "pw_err.h"
#include "pw_inventory.h"

#define PW_INVENTORY_DIGEST_SIZE 65 /* 64 hex digits and the NUL */

/* The canonical document the digest is taken over (appended to out). */
pw_err pw_inventory_canonical_json(const struct pw_inventory *inv, struct pw_buf *out);

/* digest: at least PW_INVENTORY_DIGEST_SIZE bytes. inv is not changed. */
pw_err pw_inventory_digest(const struct pw_inventory *inv, char *digest, struct pw_error *e);

/* True when s looks like a digest (64 lowercase hex digits). */
bool pw_inventory_digest_valid(const char *s);

#endif
