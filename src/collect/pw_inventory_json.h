/* pw_inventory_json.h - the inventory as the documented JSON document
 * (docs/inventory-schema.json), both ways: `scan --format json` writes it,
 * `assess --inventory` and the server read it.
 */
#ifndef PW_INVENTORY_JSON_H
#define PW_INVENTORY_JSON_H

#include <jansson.h>

#include "pw_buf.h"
#include "pw_err.h"
#include "pw_inventory.h"

#define PW_INVENTORY_SCHEMA_VERSION 1

/* Append the document to out (one line, or indented when pretty).
 * Absent values are omitted, never written as null. */
pw_err pw_inventory_write_json(const struct pw_inventory *inv, struct pw_buf *out, bool pretty);

/* The same document handed to sink in pieces of at most about
 * PW_INVENTORY_JSON_PIECE bytes, out holding one piece at a time (empty
 * when this returns): `scan` writes a 180 KB document through 64 KiB of
 * memory. NULL sink: as pw_inventory_write_json. */
#define PW_INVENTORY_JSON_PIECE ((size_t)1 << 16)
pw_err pw_inventory_write_json_to(const struct pw_inventory *inv, struct pw_buf *out, bool pretty,
				  pw_err (*sink)(void *ctx, const char *data, size_t len), void *ctx);

/* The same document as a jansson tree: a new reference the caller releases
 * with json_decref(); NULL on ENOMEM. */
json_t *pw_inventory_to_json(const struct pw_inventory *inv);

/* Fill an initialised inventory from a document; e names the field at fault. */
pw_err pw_inventory_from_json(struct pw_inventory *inv, const json_t *doc, struct pw_error *e);

#endif
