/* pw_apkdb.h - Alpine's installed database: lib/apk/db/installed. */
#ifndef PW_APKDB_H
#define PW_APKDB_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* Parse the installed database's contents: records separated by lines
 * shorter than two bytes (blank lines), each line "X:value"; P name,
 * V version, A arch, o origin (the source package; the name when absent).
 * Every package is PW_STATE_INSTALLED with source_version = version.
 *
 * Outcomes, none silent (warnings name path:line, at most 50 per call):
 * - a record without P or V: skipped, with a warning;
 * - a line that is not "X:value", a P/V/A/o value holding a NUL byte, a key
 *   given twice, an invalid version, a last line without its newline: a
 *   warning, the record still used;
 * - data with no usable record and something malformed in it (not an
 *   installed database at all): PW_ERR_PARSE naming path:line. */
pw_err pw_apkdb_parse_installed(struct pw_inventory *inv, struct pw_blob data, const char *path,
				struct pw_error *e);

/* Read inv->root's lib/apk/db/installed. Sets inv->has_apk when it exists;
 * PW_ERR_NOTFOUND (no message) when it does not; PW_ERR_IO naming the path
 * when it cannot be read. */
pw_err pw_apkdb_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
