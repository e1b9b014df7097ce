/* pw_apkdb.h - Alpine's installed database: lib/apk/db/installed. */
#ifndef PW_APKDB_H
#define PW_APKDB_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* Parse the installed database's contents (blank-line separated records of
 * "X:value" lines; P name, V version, A arch, o origin). Records that cannot
 * be used are skipped with a warning naming file:line; PW_ERR_PARSE only when
 * the data is not an installed database at all. */
pw_err pw_apkdb_parse_installed(struct pw_inventory *inv, struct pw_blob data, const char *path,
				struct pw_error *e);

/* Read inv->root's lib/apk/db/installed. Sets inv->has_apk. PW_ERR_NOTFOUND
 * when absent. */
pw_err pw_apkdb_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
