/* pw_policy.h - the risk policy: the weights of the risk score and the
 * thresholds of priorities P1-P4, read from an INI file (inih).
 *
 * The compiled-in defaults equal dist/policy.ini (a unit test holds them
 * together); docs/risk.md explains each weight. A file only overrides what
 * it names. Weights are checked so that the score stays monotonic: raising
 * any risk input can never lower a score.
 */
#ifndef PW_POLICY_H
#define PW_POLICY_H

#include <stdint.h>

#include "pw_err.h"

#define PW_POLICY_DEFAULT_PATH "/etc/patchwarden/policy.ini"

struct pw_policy {
	double w_cvss;          /* points per CVSS base-score point */
	double w_epss;          /* points at EPSS probability 1.0 */
	double w_kev;           /* in CISA's KEV catalog */
	double w_ransomware;    /* ... used in ransomware campaigns */
	double w_overdue;       /* ... past the KEV due date */
	double w_internet;      /* exposure: internet-facing */
	double w_internal;      /*           internal */
	double w_isolated;      /*           isolated */
	double w_criticality;   /* points per criticality step above 3 (1-5) */
	double w_production;    /* environment: production */
	double w_nonproduction; /*              anything else (staging, dev) */
	double w_fix;           /* a fix exists: actionable now */
	double unknown_cvss;    /* CVSS counted when none is known (said in the reasons) */
	int p1, p2, p3;         /* score thresholds: >= p1 is P1, ... below p3 is P4 */
};

/* The compiled-in defaults (equal to dist/policy.ini). */
void pw_policy_defaults(struct pw_policy *p);

/* Read an INI policy over *p (start from pw_policy_defaults). A malformed
 * line, an unknown or repeated setting, or a value that is not a number is
 * PW_ERR_PARSE naming "file:line"; an unreadable file PW_ERR_NOTFOUND or
 * PW_ERR_IO; weights that would break monotonicity, or thresholds out of
 * order, PW_ERR_INVALID naming the file and the settings. *p is left as it
 * was on any error. */
pw_err pw_policy_load(struct pw_policy *p, const char *path, struct pw_error *e);

/* A digest of every weight and threshold: two policies that score alike
 * have the same one. The server keeps the one its findings were scored
 * with, to score them again when it starts with another policy. */
int64_t pw_policy_digest(const struct pw_policy *p);

/* The monotonicity and threshold checks alone (pw_policy_load runs them). */
pw_err pw_policy_check(const struct pw_policy *p, const char *path, struct pw_error *e);

#endif
