/* pw_fleet.h - many hosts assessed with one index and one memo, and
 * re-assessed incrementally when advisories change.
 *
 * The fleet keeps each distinct (distro, release, package, version) its
 * hosts have once, with its result; a host keeps, per package, the number
 * of its version (4 bytes), so a fleet costs one lookup per host package
 * and one evaluation per distinct version. Each version lists the hosts
 * having it: when a refresh reports the keys whose entries changed,
 * pw_fleet_update evaluates each distinct version of those keys once and
 * brings the hosts having it up to date (their counts), however many.
 *
 *   pw_vulndb_load(db, store, NULL, NULL, &e);
 *   int64_t seen = pw_store_generation(store);
 *   for each host: pw_fleet_add(fleet, inv, &id, &e);
 *   ... later, after imports:
 *   pw_vulndb_refresh(db, store, seen, &touched, &e);
 *   seen = pw_store_generation(store);
 *   pw_fleet_update(fleet, &touched, &hosts, &e);
 *
 * Inventories are borrowed: each must outlive the fleet or be replaced
 * first (pw_fleet_set). Not thread-safe.
 */
#ifndef PW_FLEET_H
#define PW_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "pw_err.h"
#include "pw_index.h"
#include "pw_inventory.h"
#include "pw_match.h"

struct pw_fleet;

pw_err pw_fleet_new(struct pw_vulndb *db, struct pw_fleet **out, struct pw_error *e);
void pw_fleet_free(struct pw_fleet *f);

/* Assess one more host; *id is its number (0, 1, ...). A host whose OS is
 * not assessed is PW_ERR_UNSUPPORTED (pw_match_host) and is not added. */
pw_err pw_fleet_add(struct pw_fleet *f, const struct pw_inventory *inv, size_t *id,
		    struct pw_error *e);

/* Replace host id's inventory (a new check-in) and assess it again. On
 * PW_ERR_UNSUPPORTED the host keeps no results. */
pw_err pw_fleet_set(struct pw_fleet *f, size_t id, const struct pw_inventory *inv,
		    struct pw_error *e);

size_t pw_fleet_nhosts(const struct pw_fleet *f);

struct pw_fleet_summary {
	size_t packages_checked; /* installed packages of the OS's family */
	size_t fixable;          /* findings with a fix */
	size_t nofix;            /* findings with no fix available */
};

void pw_fleet_summary(const struct pw_fleet *f, size_t id, struct pw_fleet_summary *out);

/* Host id's findings, into out (initialised), as pw_match_inventory gives. */
pw_err pw_fleet_findings(const struct pw_fleet *f, size_t id, struct pw_findings *out,
			 struct pw_error *e);

/* Evaluate the touched keys again for the hosts having them; *hosts (may
 * be NULL) says how many hosts were re-assessed. */
pw_err pw_fleet_update(struct pw_fleet *f, const struct pw_keyset *touched, size_t *hosts,
		       struct pw_error *e);

/* Did the last pw_fleet_update re-assess host id? (Which hosts' findings
 * to write again.) */
bool pw_fleet_host_updated(const struct pw_fleet *f, size_t id);

#endif
