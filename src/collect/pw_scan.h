/* pw_scan.h - one full inventory of a host or a root directory: host facts,
 * every package database found, reboot state and pending updates.
 */
#ifndef PW_SCAN_H
#define PW_SCAN_H

#include <stdbool.h>

#include "pw_err.h"
#include "pw_inventory.h"

struct pw_scan_options {
	const char *root;      /* NULL or "/" for the live host */
	const char *rpm_dbpath; /* an rpm database directory outside the root, or NULL */
	bool skip_updates;     /* do not read apt lists */
};

/* Fill inv (already initialised with the same root). A missing package
 * database is not an error; an unreadable or unparseable one is. When none
 * is found at all, inv->db_errors says so (the scan still succeeds). */
pw_err pw_scan(struct pw_inventory *inv, const struct pw_scan_options *opt, struct pw_error *e);

#endif
