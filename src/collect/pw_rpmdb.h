/* pw_rpmdb.h - the rpm database, read through the rpm program itself
 * (`rpm --root R` or `--dbpath D`, `-qa --qf`), which understands sqlite,
 * ndb and Berkeley DB databases. Executed with argv, never a shell.
 */
#ifndef PW_RPMDB_H
#define PW_RPMDB_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* The --qf format the collector passes to rpm; its output is what
 * pw_rpmdb_parse_qf() reads. */
extern const char pw_rpmdb_queryformat[];

/* Parse rpm's output for pw_rpmdb_queryformat. Malformed lines are skipped
 * with a warning naming the line. */
pw_err pw_rpmdb_parse_qf(struct pw_inventory *inv, struct pw_blob out, struct pw_error *e);

/* Query the rpm database under inv->root (var/lib/rpm, usr/lib/sysimage/rpm)
 * or, when dbpath is not NULL, that database directory. Sets inv->has_rpm.
 * PW_ERR_NOTFOUND when there is no database; PW_ERR_EXEC when rpm is missing
 * or fails (e names the command and its stderr). */
pw_err pw_rpmdb_collect(struct pw_inventory *inv, const char *dbpath, struct pw_error *e);

#endif
