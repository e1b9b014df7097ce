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

/* The same document as a jansson tree: a new reference the caller releases
 * with json_decref(); NULL on ENOMEM. */
json_t *pw_inventory_to_json(const struct pw_inventory *inv);

/* Fill an initialised inventory from a document; e names the field at fault. */
pw_err pw_inventory_from_json(struct pw_inventory *inv, const json_t *doc, struct pw_error *e);

#endif
