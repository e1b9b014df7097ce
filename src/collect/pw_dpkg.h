/* pw_dpkg.h - the dpkg database: var/lib/dpkg/status and the distroless
 * var/lib/dpkg/status.d/ directory (one stanza file per package).
 */
#ifndef PW_DPKG_H
#define PW_DPKG_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* Parse a status file's contents. `path` is only used in warnings
 * ("path:line: ..."). Every stanza with a Package becomes a pw_package with
 * its state; stanzas that cannot be used (no Package, no Version for an
 * installed package) are skipped with a warning naming file:line. Returns
 * PW_ERR_PARSE only when the data is not a status file at all (e.g. binary
 * garbage), with e naming file:line. */
pw_err pw_dpkg_parse_status(struct pw_inventory *inv, struct pw_blob data, const char *path,
			    struct pw_error *e);

/* Read inv->root's dpkg database (status, then status.d/). Sets inv->has_dpkg.
 * PW_ERR_NOTFOUND when neither exists. */
pw_err pw_dpkg_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
