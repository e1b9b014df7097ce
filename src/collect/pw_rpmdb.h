/* pw_rpmdb.h - the rpm database, read through the rpm program itself
 * (`rpm --dbpath DIR -qa --qf FMT`), which understands sqlite, ndb and
 * Berkeley DB databases. Executed with argv, never a shell.
 */
#ifndef PW_RPMDB_H
#define PW_RPMDB_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* The --qf format the collector passes to rpm; its output is what
 * pw_rpmdb_parse_qf() reads: one line per package, six tab-separated fields
 * NAME EPOCH VERSION RELEASE ARCH SOURCERPM, "(none)" for an absent tag. */
extern const char pw_rpmdb_queryformat[];

/* Parse rpm's output for pw_rpmdb_queryformat into rpm packages of inv.
 * Malformed lines (wrong field count, empty name/version/release, an epoch
 * that is not a number, an unterminated last line) are skipped with a
 * warning naming the line; after 100 such warnings the rest are counted in
 * one. gpg-pubkey entries (imported signing keys, not software) are
 * skipped. Fails only on ENOMEM. */
pw_err pw_rpmdb_parse_qf(struct pw_inventory *inv, struct pw_blob out, struct pw_error *e);

/* Query the rpm database under inv->root (usr/lib/sysimage/rpm, else
 * var/lib/rpm, resolved inside the root) or, when dbpath is not NULL, that
 * database directory. Sets inv->has_rpm when a database is found.
 * PW_ERR_NOTFOUND when there is none; PW_ERR_EXEC when rpm is missing
 * ("rpm not found: install the rpm package") or fails (e names the command
 * and its stderr). A database in a directory rpm cannot write to (a
 * read-only image: sqlite wants its -shm file) is read from a private copy,
 * with a warning. */
pw_err pw_rpmdb_collect(struct pw_inventory *inv, const char *dbpath, struct pw_error *e);

#endif
