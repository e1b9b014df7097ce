/* pw_advisory.h - the one normalized advisory model every feed importer
 * produces and the store keeps, and the sink importers write into.
 *
 * A feed is read as a stream of records. A record is what its source
 * publishes as one unit (an OSV file, a DSA entry, a tracker source package,
 * one Alpine secdb package, one NVD CVE): its vulnerabilities, and the
 * per-distribution "affected" entries that say which package versions in
 * which release are vulnerable and which version fixes them. KEV and EPSS
 * are per-CVE enrichments and come as their own small structs.
 *
 * Importers own the memory of what they pass to the sink: it is valid only
 * during the call. The sink copies what it keeps.
 */
#ifndef PW_ADVISORY_H
#define PW_ADVISORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

/* Status of a package in a release for one vulnerability. Only VULNERABLE
 * and FIXED (when the installed version is below the fix) produce findings;
 * NOT_AFFECTED never does. WONT_FIX and EOL are "no fix coming" and are
 * reported apart from fixable findings. */
enum pw_affect_status {
	PW_AFFECT_FIXED,        /* fixed in `fixed`; versions below are vulnerable */
	PW_AFFECT_VULNERABLE,   /* affected, no fix released yet */
	PW_AFFECT_NOT_AFFECTED, /* this release's package was never affected */
	PW_AFFECT_WONT_FIX,     /* affected; the distribution will not fix it */
	PW_AFFECT_EOL,          /* affected; the package/release is out of support */
};

const char *pw_affect_status_name(enum pw_affect_status s); /* "fixed", "vulnerable", ... */
bool pw_affect_status_parse(const char *s, enum pw_affect_status *out);

/* An update's class, as errata are typed (Red Hat's RHSA/RHBA/RHEA, and
 * Uyuni and Katello after them): security, bug fix, enhancement. A
 * vulnerability is always security. */
enum pw_update_class {
	PW_CLASS_SECURITY,
	PW_CLASS_BUGFIX,
	PW_CLASS_ENHANCEMENT,
};

const char *pw_update_class_name(enum pw_update_class c); /* "security", "bugfix", "enhancement" */

/* The class an advisory id says: the RHEL family writes the erratum type in
 * the prefix ("ALBA-2024:1234", "RLEA-...", "RHBA-..."): BA bug fix, EA
 * enhancement. Every other id (CVEs, ALSA, DSA, USN, ...) is security. */
enum pw_update_class pw_advisory_class(const char *id);

struct pw_vuln {
	const char *id;            /* preferred id: the CVE when there is one */
	const char *const *aliases; /* other ids: DSA-5000-1, ALSA-2024:1234, USN-6000-1, GHSA-... */
	size_t naliases;
	const char *summary;       /* may be NULL */
	int64_t published;         /* unix seconds, 0 unknown */
	int64_t modified;          /* unix seconds, 0 unknown */
	const char *cvss_vector;   /* "CVSS:3.1/AV:N/..." or "CVSS:4.0/..."; NULL unknown */
	double cvss_score;         /* base score 0-10; < 0 unknown */
	const char *cvss_source;   /* who scored it: "nvd", "osv:AlmaLinux", ... */
	const char *severity;      /* vendor severity word ("Important", "high"), NULL unknown */
};

struct pw_affected {
	const char *vuln_id;       /* a pw_vuln.id of the same record */
	const char *distro;        /* canonical distro key, see pw_distro.h: "debian", "ubuntu", "almalinux", "rocky", "rhel", "alpine" */
	const char *release;       /* canonical release: "12", "22.04", "9", "3.11", "edge", "sid" */
	const char *package;       /* deb/ubuntu: source package; RHEL family: binary rpm name; alpine: origin */
	enum pw_affect_status status;
	const char *introduced;    /* first affected version; NULL = since the beginning */
	const char *fixed;         /* fix version for PW_AFFECT_FIXED, else NULL */
	const char *last_affected; /* last affected version (OSV), NULL when not given */
	const char *exact;         /* only this version is affected (OSV "versions"), else NULL */
	const char *urgency;       /* distribution urgency/severity ("high", "unimportant"), NULL unknown */
	const char *advisory;      /* the advisory that carries the fix: DSA-5000-1, ALSA-2024:1234 */
};

/* An NVD CPE match: for assets without a package manager. */
struct pw_cpe_match {
	const char *vuln_id;
	const char *criteria;       /* cpe:2.3:a:vendor:product:version:... */
	const char *version_start_including;
	const char *version_start_excluding;
	const char *version_end_including;
	const char *version_end_excluding;
	bool vulnerable;
};

struct pw_feed_record {
	const char *source;        /* the feed kind name (pw_feed_kind_name) */
	const char *id;            /* unique within the source: OSV id, DSA id, tracker source package, "v3.11/main/openssl" */
	const struct pw_vuln *vulns;
	size_t nvulns;
	const struct pw_affected *affected;
	size_t naffected;
	const struct pw_cpe_match *cpes;
	size_t ncpes;
};

struct pw_kev {
	const char *cve;
	const char *vendor;
	const char *product;
	const char *name;
	int64_t date_added;        /* unix seconds */
	int64_t due_date;          /* unix seconds, 0 unknown */
	bool ransomware;           /* knownRansomwareCampaignUse == "Known" */
	const char *required_action;
	const char *short_description;
};

struct pw_epss {
	const char *cve;
	double score;              /* probability 0-1 */
	double percentile;         /* 0-1 */
	int64_t score_date;        /* unix seconds */
	const char *model_version; /* may be "unknown" */
};

/* Where importers write. Every callback returns PW_OK or an error that stops
 * the import (with e filled). `skip` counts a record the importer could not
 * use, with a short reason ("no fixed version", "unknown ecosystem Foo:1");
 * the summary groups skips by reason. `progress` may be NULL. */
struct pw_feed_sink {
	void *ctx;
	pw_err (*record)(void *ctx, const struct pw_feed_record *r, struct pw_error *e);
	pw_err (*kev)(void *ctx, const struct pw_kev *k, struct pw_error *e);
	pw_err (*epss)(void *ctx, const struct pw_epss *s, struct pw_error *e);
	void (*skip)(void *ctx, const char *reason);
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
};

#endif
