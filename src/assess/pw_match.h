/* pw_match.h - the matcher: which vulnerabilities an installed package
 * version has, by each distribution's own rules, and the findings of a host.
 *
 * Naming follows each distribution's advisories:
 *  - Debian and Ubuntu speak of source packages: a host's deb package is
 *    matched by its source name and source version (a binNMU "1.2-3+b1" is
 *    a build of source "1.2-3", so a fix in 1.2-3 covers it), with dpkg's
 *    order (epochs, '~').
 *  - The RHEL family speaks of binary rpms: name and "[E:]V-R", compared as
 *    rpm does, a missing epoch being 0 on either side (so an advisory's
 *    "1:3.0.7-27.el9" is newer than an installed "3.0.7-28.el9", which dnf
 *    would upgrade). Reading an epoch-less advisory version "with the
 *    installed package's epoch" was considered and rejected: AlmaLinux's
 *    OSV data writes every non-zero epoch, and its epoch-less versions of
 *    packages that elsewhere carry one are module streams whose epoch
 *    really is 0; reading them otherwise makes false findings.
 *  - Alpine speaks of origins (source_name) and their version.
 * Only the host's own distro and release are consulted.
 *
 * Per vulnerability, the entries of every feed for the key are merged:
 *  - an applicable NOT_AFFECTED settles it: no finding;
 *  - FIXED entries whose range [introduced, fixed) holds the version make
 *    one fixable finding; the fix is the greatest of them (a later advisory
 *    completing an earlier one, or two feeds for the same release), with
 *    every such advisory listed;
 *  - otherwise open entries (VULNERABLE, WONT_FIX, EOL) holding the version
 *    (introduced <= v, v <= last_affected, v == exact) make a "no fix
 *    available" finding, unless a fix the version already has is known
 *    from another entry (a fix outweighs a stale "open"). Its status is the
 *    entries' status when they agree, else VULNERABLE (a fix may come).
 *
 * Evaluation is memoized per distinct (distro, release, package, version):
 * a fleet costs what its distinct pairs cost, not hosts x packages. A
 * memoized result carries the key's generation; when the key's entries
 * change (pw_vulndb_add, pw_vulndb_refresh) it is evaluated again, and
 * only then. Results are kept in the vulndb's arena and never move, so a
 * pw_hits pointer stays valid until pw_vulndb_free() (a result replaced
 * after a change is garbage until then: memory grows with changes, not
 * with lookups). Not thread-safe.
 */
#ifndef PW_MATCH_H
#define PW_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_advisory.h"
#include "pw_arena.h"
#include "pw_distro.h"
#include "pw_err.h"
#include "pw_index.h"
#include "pw_inventory.h"
#include "pw_store.h"

struct pw_vulndb;

pw_err pw_vulndb_new(struct pw_vulndb **out, struct pw_error *e);
void pw_vulndb_free(struct pw_vulndb *db);

/* The index underneath (to load it, or read its keys). */
struct pw_index *pw_vulndb_index(struct pw_vulndb *db);

/* Copy one affected entry in; memoized results of its key become stale. */
pw_err pw_vulndb_add(struct pw_vulndb *db, const struct pw_affected *a, struct pw_error *e);

/* Add every affected entry of the store for a distro/release (NULL: all). */
pw_err pw_vulndb_load(struct pw_vulndb *db, struct pw_store *s, const char *distro,
		      const char *release, struct pw_error *e);

/* Add the entries an assessment of this inventory reads: those of its
 * installed packages' keys (pw_match_package_key) in its own distro and
 * release, found by the store's index instead of reading the release. */
pw_err pw_vulndb_load_host(struct pw_vulndb *db, struct pw_store *s,
			   const struct pw_inventory *inv, struct pw_error *e);

/* Catch up with the store after generation `since` (pw_index_refresh):
 * the keys whose entries changed are added to *touched and their memoized
 * results become stale; nothing else is evaluated again. */
pw_err pw_vulndb_refresh(struct pw_vulndb *db, struct pw_store *s, int64_t since,
			 struct pw_keyset *touched, struct pw_error *e);

/* Forget the memoized results of one key (its generation is bumped). */
void pw_vulndb_invalidate(struct pw_vulndb *db, const char *distro, const char *release,
			  const char *package);

/* How many distinct (key, version) evaluations ran, and how many lookups
 * the memo answered: for benchmarks and tests. */
void pw_vulndb_stats(const struct pw_vulndb *db, uint64_t *evaluated, uint64_t *memo_hits);

/* One vulnerability of one (key, version). */
struct pw_hit {
	const char *vuln_id;
	enum pw_affect_status status; /* FIXED when fixable; else VULNERABLE, WONT_FIX or EOL */
	const char *fixed;            /* the greatest applicable fix; NULL when none */
	const char *advisories;       /* "DSA-5000-1,DLA-300-1"; NULL when none */
	const char *urgency;          /* the distribution's word, NULL unknown */
};

struct pw_hits {
	size_t n;
	struct pw_hit v[];
};

/* The vulnerabilities of `version` of key k, memoized. *out is NULL when
 * there are none. version need not outlive the call. */
pw_err pw_vulndb_evaluate(struct pw_vulndb *db, struct pw_index_key *k, const char *version,
			  const struct pw_hits **out, struct pw_error *e);

/* The host's canonical (distro, release). PW_ERR_UNSUPPORTED, naming the
 * os-release values, when patchwarden has no advisories for its OS:
 * never silently zero findings. */
pw_err pw_match_host(const struct pw_inventory *inv, struct pw_distro_release *out,
		     struct pw_error *e);

/* The name and version advisories use for p on a host whose packages use
 * `scheme` (see above); false when p is of another family. */
bool pw_match_package_key(const struct pw_package *p, enum pw_scheme scheme, const char **name,
			  const char **version);

/* Does the host's repository offer the fix? */
enum pw_patch {
	PW_PATCH_UNKNOWN, /* no repository metadata, or versions not comparable */
	PW_PATCH_NO,      /* the repositories offer nothing at or above the fix */
	PW_PATCH_YES,     /* the pending update reaches the fix */
};

const char *pw_patch_name(enum pw_patch p); /* "unknown", "no", "yes" */

/* What a finding is. A vulnerability is named by an advisory; an update
 * is a pending update the host's own repositories offer that no advisory
 * finding covers (pw_findings_add_updates): a security repository's update
 * is a fix whatever the feeds know (a feed snapshot older than the release
 * knows nothing of it). */
enum pw_finding_kind {
	PW_KIND_VULNERABILITY,
	PW_KIND_UPDATE,
};

const char *pw_finding_kind_name(enum pw_finding_kind k); /* "vulnerability", "update" */
bool pw_finding_kind_parse(const char *s, enum pw_finding_kind *out);

/* The vulnerability id of a security update no advisory names: one per
 * package, whatever the candidate version (so the finding lives until the
 * update is installed, not until a newer candidate replaces it). */
#define PW_UPDATE_SECURITY_ID "security-update"

/* One vulnerability (or pending update) of one installed package of one host. */
struct pw_finding {
	enum pw_finding_kind kind;
	enum pw_update_class update_class; /* pw_advisory.h */
	/* kind update: the repositories offering it as apt names them
	 * ("bookworm-security", "oldstable-security,stable-security"); NULL else */
	const char *repository;
	const char *host;             /* hostname (or machine id); NULL unknown */
	const struct pw_package *pkg; /* binary name and version, source name and version */
	const char *match_name;       /* what was matched: deb/apk source, rpm binary name */
	const char *match_version;    /* ... and its version */
	const char *vuln_id;
	enum pw_affect_status status; /* FIXED (a fix exists), VULNERABLE, WONT_FIX, EOL */
	bool fixable;                 /* a fixed version exists */
	const char *fixed;            /* the version that fixes it, or NULL */
	const char *advisories;       /* comma-separated advisory ids, or NULL */
	const char *urgency;          /* distribution urgency, or NULL */
	enum pw_patch patch;          /* for fixable findings */
	const char *patch_origin;     /* the pending update's origin ("bookworm-security"), or NULL */
	const char *patch_version;    /* the pending update's version, or NULL */
	/* risk, filled by pw_risk_score_findings() (pw_risk.h) */
	int score;                    /* 0-100 */
	int priority;                 /* 1 (P1) to 4 (P4); 0 not scored */
	double cvss;                  /* < 0 unknown */
	double epss, epss_percentile; /* < 0 unknown */
	bool kev, ransomware;
	int64_t kev_added, kev_due;   /* unix seconds, 0 unknown */
	const char *reasons;          /* "known exploited (...); EPSS 0.94, ...", in the arena */
};

/* The findings of one host. Strings are owned by the vulndb (ids,
 * versions), the inventory (packages) or the arena here: the vulndb and
 * the inventory must outlive the findings. */
struct pw_findings {
	struct pw_arena arena;
	struct pw_finding *items;
	size_t n, cap;
	char distro[PW_DISTRO_KEY_MAX], release[PW_DISTRO_KEY_MAX];
	const char *host;
	size_t packages_checked;      /* installed packages of the host's family */
	size_t packages_skipped;      /* present but not installed (half-installed, config-files, ...) */
	size_t packages_other_family; /* of another package family than the OS's */
	size_t advisory_entries;      /* entries the index holds for this release: 0 = no data */
	/* "libfoo 1.2-1: half-installed, not assessed" */
	const char **warnings;
	size_t nwarnings, cap_warnings;
};

void pw_findings_init(struct pw_findings *f);
void pw_findings_free(struct pw_findings *f);
/* Room for `more` findings after the n held (PW_ERR_NOMEM otherwise). */
pw_err pw_findings_reserve(struct pw_findings *out, size_t more, struct pw_error *e);
size_t pw_findings_fixable(const struct pw_findings *f);

/* Append one finding per hit of package p (patch availability from the
 * package's pending update). */
pw_err pw_findings_add_hits(struct pw_findings *out, const struct pw_inventory *inv,
			    const struct pw_package *p, enum pw_scheme scheme,
			    const struct pw_hits *hits, struct pw_error *e);

/* Append a finding of kind update, class security, for every installed
 * package of the host's family whose pending update comes from a security
 * repository (candidate_security) and that no finding already in out
 * covers: a fixable finding of the same package whose fix the candidate
 * reaches (patch yes) or cannot be compared with (patch unknown) covers it;
 * one whose fix the candidate does not reach (patch no) does not: the
 * update is pending all the same. Its fixed version is the candidate, its
 * patch "yes", its repository the candidate's origin. */
pw_err pw_findings_add_updates(struct pw_findings *out, const struct pw_inventory *inv,
			       enum pw_scheme scheme, struct pw_error *e);

/* Evaluate an inventory into out (initialised), advisories first, then the
 * pending security updates no advisory covers (pw_findings_add_updates).
 * PW_ERR_UNSUPPORTED when the host's distribution is not one patchwarden
 * assesses (pw_match_host). */
pw_err pw_match_inventory(struct pw_vulndb *db, const struct pw_inventory *inv,
			  struct pw_findings *out, struct pw_error *e);

#endif
