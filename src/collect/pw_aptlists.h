/* pw_aptlists.h - pending updates from apt's lists: for each installed deb
 * package the candidate apt would install (by pin priority, then version)
 * and whether it comes from a -security suite.
 */
#ifndef PW_APTLISTS_H
#define PW_APTLISTS_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* Read var/lib/apt/lists/ *_Packages (plain, .gz, .xz, .lz4, .zst) under
 * inv->root with their Release/InRelease files, and fill candidate_version,
 * candidate_origin and candidate_security of the installed deb packages that
 * have a newer candidate. Sets inv->has_apt_lists. PW_ERR_NOTFOUND when there
 * are no lists. */
pw_err pw_aptlists_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
