/* pw_aptlists.h - pending updates from apt's lists: for each installed deb
 * package the candidate apt would install (by pin priority, then version)
 * and whether it comes from a security suite.
 */
#ifndef PW_APTLISTS_H
#define PW_APTLISTS_H

#include <stdbool.h>

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* What a Release or InRelease file says about its suite. */
struct pw_apt_release {
	char suite[64];    /* "oldstable-security" (apt list prints this) */
	char codename[64]; /* "bookworm-security" */
	char origin[64];
	char label[64];
	bool not_automatic;
	bool but_automatic_upgrades;
};

/* Parse a Release file, or the signed body of an InRelease file (the
 * signature itself is not checked here: apt checked it when it fetched). */
pw_err pw_aptlists_parse_release(struct pw_blob data, const char *path,
				 struct pw_apt_release *out, struct pw_error *e);

/* The default pin priority of a suite: 500, 100 for NotAutomatic with
 * ButAutomaticUpgrades, 1 for NotAutomatic. */
int pw_aptlists_priority(const struct pw_apt_release *r);

/* A security suite: its Suite or Codename ends in "-security" or its Label
 * is "Debian-Security". */
bool pw_aptlists_is_security(const struct pw_apt_release *r);

/* Feed one Packages index (uncompressed text) for a suite into the
 * candidate selection of inv's installed deb packages. Malformed stanzas are
 * skipped with warnings naming path:line. Call pw_aptlists_finish() after
 * the last index. */
struct pw_aptlists;
pw_err pw_aptlists_begin(struct pw_inventory *inv, struct pw_aptlists **out, struct pw_error *e);
pw_err pw_aptlists_feed(struct pw_aptlists *s, struct pw_blob packages, const char *path,
			const struct pw_apt_release *suite, struct pw_error *e);
/* Fill candidate_* of the packages with a newer candidate; frees s. */
pw_err pw_aptlists_finish(struct pw_aptlists *s, struct pw_error *e);
void pw_aptlists_abort(struct pw_aptlists *s);

/* Read var/lib/apt/lists/ *_Packages (plain, .gz, .xz, .lz4, .zst, .bz2)
 * under inv->root with their Release/InRelease files, and fill
 * candidate_version, candidate_origin and candidate_security of the installed
 * deb packages that have a newer candidate. Sets inv->has_apt_lists.
 * PW_ERR_NOTFOUND when there are no lists. apt preferences (pins) are not
 * applied: a warning says so when the host has any. */
pw_err pw_aptlists_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
