/* pw_risk.h - an explainable risk score (0-100) and priority P1-P4 per
 * finding, from CVSS, EPSS, CISA KEV, fix availability and the asset's
 * context. The formula is in docs/risk.md; its weights live in the policy
 * file (INI), whose defaults equal dist/policy.ini.
 */
#ifndef PW_RISK_H
#define PW_RISK_H

#include "pw_err.h"
#include "pw_match.h"
#include "pw_store.h"

enum pw_exposure { PW_EXPOSURE_UNKNOWN, PW_EXPOSURE_INTERNET, PW_EXPOSURE_INTERNAL, PW_EXPOSURE_ISOLATED };

struct pw_asset_context {
	enum pw_exposure exposure;
	int criticality;          /* 1-5, 0 unknown */
	const char *environment;  /* "production", "staging", "dev", or NULL */
};

struct pw_policy {
	double w_cvss;            /* points per CVSS point */
	double w_epss;            /* points at EPSS probability 1.0 */
	double w_kev;             /* known exploited */
	double w_ransomware;      /* ... in ransomware campaigns */
	double w_overdue;         /* ... and past the KEV due date */
	double w_internet, w_internal, w_isolated;
	double w_criticality;     /* points per criticality step above 3 */
	double w_production, w_nonproduction;
	double w_fix;             /* a fix exists: actionable now */
	double unknown_cvss;      /* CVSS assumed when none is known */
	int p1, p2, p3;           /* score thresholds */
};

/* The compiled-in defaults (equal to dist/policy.ini). */
void pw_policy_defaults(struct pw_policy *p);

/* Read an INI policy over the defaults; e names file:line of a bad line. */
pw_err pw_policy_load(struct pw_policy *p, const char *path, struct pw_error *e);

bool pw_exposure_parse(const char *s, enum pw_exposure *out);

/* Score one finding: look its CVSS, EPSS and KEV up in the store and fill
 * score, priority, the inputs and the reasons in words. */
pw_err pw_risk_score(struct pw_finding *f, struct pw_store *s, const struct pw_policy *policy,
		     const struct pw_asset_context *ctx, struct pw_error *e);

/* The pure formula, from the inputs already in f (for tests). */
void pw_risk_compute(struct pw_finding *f, int64_t kev_added, int64_t kev_due,
		     const struct pw_policy *policy, const struct pw_asset_context *ctx,
		     int64_t now);

#endif
