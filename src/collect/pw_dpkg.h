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
 * ("path:line: ...") and errors. Every stanza whose state is not
 * not-installed becomes a pw_package (config-files included: dpkg-query -W
 * lists them too). Names are folded to lower case as dpkg does.
 *
 * Outcomes, none silent:
 * - a stanza without Package, or a listed one without Version: skipped,
 *   with a warning naming path:line;
 * - a malformed Status: kept as PW_STATE_OTHER, with a warning;
 * - a line that is not "Field: value" (or holds a NUL byte), a continuation
 *   line with no field before it, a field given twice, an invalid version,
 *   a last line without its newline: a warning, the stanza still used;
 * - data with no usable stanza and something malformed in it (not a status
 *   file at all): PW_ERR_PARSE naming path:line of the first bad line.
 * At most 50 warnings per call. Lines of only spaces and tabs separate
 * stanzas, CR before LF is ignored (dpkg accepts neither).
 *
 * A stanza without Status is not installed in the status file (dpkg's rule),
 * but installed in status.d/ (distroless images write no Status):
 * `default_installed` says which. */
pw_err pw_dpkg_parse_status(struct pw_inventory *inv, struct pw_blob data, const char *path,
			    bool default_installed, struct pw_error *e);

/* Read inv->root's dpkg database: var/lib/dpkg/status, then every regular
 * file in var/lib/dpkg/status.d/ in name order except *.md5sums. Sets
 * inv->has_dpkg when either exists; PW_ERR_NOTFOUND (no message) when
 * neither does; PW_ERR_IO naming the path when one cannot be read. A
 * status.d/ file that is not a status file becomes a warning, as it is one
 * package's record; an unusable status file is an error. */
pw_err pw_dpkg_collect(struct pw_inventory *inv, struct pw_error *e);

/* Append dpkg's ${binary:Package} for p to out (dpkg's pnaw_nonambig rule):
 * "name", or "name:arch" when Multi-Arch is "same" or the architecture is
 * foreign (neither native_arch nor "all"); never qualified when the
 * architecture is empty. native_arch is what `dpkg --print-architecture`
 * says on the host the database belongs to (NULL: every arch but "all" is
 * foreign). */
pw_err pw_dpkg_binary_package(const struct pw_package *p, const char *native_arch,
			      struct pw_buf *out);

#endif
