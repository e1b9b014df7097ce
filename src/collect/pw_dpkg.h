/* pw_dpkg.h - the dpkg database: var/lib/dpkg/status and the distroless
 * var/lib/dpkg/status.d/ directory (one or more stanzas per file).
 */
#ifndef PW_DPKG_H
#define PW_DPKG_H

#include <stdbool.h>

#include "pw_blob.h"
#include "pw_buf.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* Parse a status file's contents. `path` is used in warnings
 * ("path:line: ..."). Every stanza whose state is not not-installed becomes
 * a pw_package. A stanza that cannot be used (no Package, no Version, a line
 * that is not a field) is skipped with a warning naming path:line. A stanza
 * without Status is not installed in the status file (dpkg's rule), but
 * installed in status.d/ (distroless images write no Status): `default_installed`
 * says which. Returns PW_ERR_PARSE, naming path:line, only when nothing in the
 * data is a usable stanza but something in it is malformed (not a status
 * file at all). */
pw_err pw_dpkg_parse_status(struct pw_inventory *inv, struct pw_blob data, const char *path,
			    bool default_installed, struct pw_error *e);

/* Read inv->root's dpkg database (status, then status.d/). Sets inv->has_dpkg.
 * PW_ERR_NOTFOUND when neither exists. */
pw_err pw_dpkg_collect(struct pw_inventory *inv, struct pw_error *e);

/* Append dpkg's ${binary:Package} for p to out: "name", or "name:arch" when
 * Multi-Arch is "same" or the architecture is foreign (neither native_arch
 * nor "all"). */
pw_err pw_dpkg_binary_package(const struct pw_package *p, const char *native_arch,
			      struct pw_buf *out);

#endif
