/* scan.c - one full inventory: host facts, every package database found,
 * kernels and reboot state, pending updates.
 *
 * A host may carry several package databases (a Debian host with rpm
 * installed has an empty rpm database; a container image may have both dpkg
 * and apk). Each collector reports PW_ERR_NOTFOUND when its database is
 * absent, which is not an error here; anything else stops the scan, because
 * a partial inventory would later read as "patched". A root with no package
 * database at all says so in the document's database_errors: an empty
 * package list is then never mistaken for a host with nothing installed.
 */
#include "pw_scan.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_apkdb.h"
#include "pw_aptlists.h"
#include "pw_dpkg.h"
#include "pw_hostfacts.h"
#include "pw_reboot.h"
#include "pw_rpmdb.h"

static pw_err tolerate_absent(pw_err rc, struct pw_error *e)
{
	if (rc == PW_ERR_NOTFOUND) {
		pw_error_clear(e);
		return PW_OK;
	}
	return rc;
}

pw_err pw_scan(struct pw_inventory *inv, const struct pw_scan_options *opt, struct pw_error *e)
{
	pw_err rc;

	pw_error_clear(e);
	struct stat st;
	if (stat(inv->root, &st) != 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "root %s: %s", inv->root, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pw_error_set(e, PW_ERR_INVALID, "root %s: not a directory", inv->root);
	rc = pw_hostfacts_collect(inv, e);
	if (rc)
		return rc;
	rc = tolerate_absent(pw_dpkg_collect(inv, e), e);
	if (rc)
		return rc;
	rc = tolerate_absent(pw_apkdb_collect(inv, e), e);
	if (rc)
		return rc;
	rc = tolerate_absent(pw_rpmdb_collect(inv, opt ? opt->rpm_dbpath : NULL, e), e);
	if (rc)
		return rc;

	if (!pw_inventory_has_package_db(inv) &&
	    pw_inventory_add_db_error(inv, "no package database (dpkg, rpm or apk) found under %s",
				      inv->root))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");

	pw_reboot_mark_kernels(inv);
	rc = pw_reboot_collect(inv, e);
	if (rc)
		return rc;

	if (!opt || !opt->skip_updates) {
		rc = tolerate_absent(pw_aptlists_collect(inv, e), e);
		if (rc)
			return rc;
	}
	pw_inventory_sort(inv);
	return PW_OK;
}
