/* pw_match.h - the matching engine: an index of affected ranges and the
 * evaluation of inventories against it.
 *
 * The index maps (distro, release, package) to the affected entries of
 * every feed, built once. Evaluation is memoized per distinct (distro,
 * release, package, version): a fleet of hosts sharing package versions
 * costs what its distinct pairs cost, not hosts x packages.
 *
 * Package naming follows each distribution's advisories: Debian and Ubuntu
 * match the source package and source version (binNMUs, epochs), RHEL
 * family the binary rpm and its [E:]V-R, Alpine the origin.
 */
#ifndef PW_MATCH_H
#define PW_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_advisory.h"
#include "pw_arena.h"
#include "pw_distro.h"
#include "pw_err.h"
#include "pw_inventory.h"
#include "pw_store.h"

struct pw_vulndb;

pw_err pw_vulndb_new(struct pw_vulndb **out, struct pw_error *e);
void pw_vulndb_free(struct pw_vulndb *db);

/* Copy one affected entry into the index. */
pw_err pw_vulndb_add(struct pw_vulndb *db, const struct pw_affected *a, struct pw_error *e);

/* Add every affected entry of the store for a distro/release (NULL: all). */
pw_err pw_vulndb_load(struct pw_vulndb *db, struct pw_store *s, const char *distro,
		      const char *release, struct pw_error *e);

/* Forget the memoized results of one key (after its entries changed). */
void pw_vulndb_invalidate(struct pw_vulndb *db, const char *distro, const char *release,
			  const char *package);

/* How many distinct (package, version) evaluations ran, and how many were
 * answered from the memo: for benchmarks and tests. */
void pw_vulndb_stats(const struct pw_vulndb *db, uint64_t *evaluated, uint64_t *memo_hits);

/* One vulnerability of one installed package. */
struct pw_finding {
	const struct pw_package *pkg;
	const char *vuln_id;
	enum pw_affect_status status; /* FIXED (a fix exists), VULNERABLE, WONT_FIX, EOL */
	bool fixable;                 /* a fixed version exists */
	const char *fixed;            /* the version that fixes it, or NULL */
	const char *advisories;       /* comma-separated advisory ids, or NULL */
	const char *urgency;          /* distribution urgency, or NULL */
	bool patch_available;         /* the host's repositories offer >= fixed */
	/* risk, filled by pw_risk_score() */
	int score;                    /* 0-100 */
	int priority;                 /* 1 (P1) to 4 (P4) */
	double cvss;                  /* < 0 unknown */
	double epss, epss_percentile; /* < 0 unknown */
	bool kev, ransomware;
	char reasons[512];
};

struct pw_findings {
	struct pw_arena arena;
	struct pw_finding *items;
	size_t n, cap;
	char distro[PW_DISTRO_KEY_MAX], release[PW_DISTRO_KEY_MAX];
	size_t packages_checked;
	size_t packages_skipped;      /* not installed (half-installed etc.) */
};

void pw_findings_init(struct pw_findings *f);
void pw_findings_free(struct pw_findings *f);

/* Evaluate an inventory. PW_ERR_UNSUPPORTED (naming the OS) when the host's
 * distribution is not one patchwarden assesses: never silently zero. */
pw_err pw_match_inventory(struct pw_vulndb *db, const struct pw_inventory *inv,
			  struct pw_findings *out, struct pw_error *e);

#endif
