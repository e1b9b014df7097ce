/* pw_risk.h - an explainable risk score (0-100) and priority P1-P4 per
 * finding, from CVSS, EPSS, CISA KEV, fix availability and the asset's
 * context. The formula is in docs/risk.md; its weights are the policy
 * (pw_policy.h). Every input shows up in the reasons, in words; an unknown
 * one is said to be unknown, never silently counted as zero.
 */
#ifndef PW_RISK_H
#define PW_RISK_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_buf.h"
#include "pw_err.h"
#include "pw_match.h"
#include "pw_policy.h"
#include "pw_store.h"

enum pw_exposure {
	PW_EXPOSURE_UNKNOWN,
	PW_EXPOSURE_INTERNET,
	PW_EXPOSURE_INTERNAL,
	PW_EXPOSURE_ISOLATED,
};

/* "internet" (or "internet-facing"), "internal", "isolated". */
bool pw_exposure_parse(const char *s, enum pw_exposure *out);
const char *pw_exposure_name(enum pw_exposure x); /* "internet-facing", ..., "unknown" */

/* What is known of the asset; zero means unknown. */
struct pw_asset_context {
	enum pw_exposure exposure;
	int criticality;          /* 1-5, 0 unknown */
	const char *environment;  /* "production" (or "prod"), "staging", "dev", ...; NULL unknown */
};

/* The inputs of one finding's score. */
struct pw_risk_input {
	double cvss;              /* base score 0-10; < 0 unknown */
	const char *severity;     /* vendor word, said when no CVSS is known; NULL */
	double epss;              /* probability 0-1; < 0 unknown */
	double epss_percentile;   /* 0-1; < 0 unknown */
	bool kev, ransomware;
	int64_t kev_added, kev_due; /* unix seconds; 0 unknown */
	bool fixable;
	enum pw_affect_status status;
	const char *fixed;
	enum pw_patch patch;
	const char *patch_origin, *patch_version;
	/* a pending update no advisory names (pw_findings_add_updates): a
	 * security one is scored as a fix available with no CVSS or EPSS
	 * known, and says so; a bug-fix or enhancement one is no risk: score
	 * 0, P4 */
	enum pw_finding_kind kind;
	enum pw_update_class update_class;
	const char *repository;
};

struct pw_risk {
	int score;    /* 0-100 */
	int priority; /* 1-4 */
};

/* The formula, pure: `now` decides "overdue". Appends the reasons ("; "
 * separated) to `reasons` when not NULL; PW_ERR_NOMEM/LIMIT only from it. */
pw_err pw_risk_compute(const struct pw_risk_input *in, const struct pw_policy *policy,
		       const struct pw_asset_context *ctx, int64_t now, struct pw_risk *out,
		       struct pw_buf *reasons);

/* Score every finding of fs: CVSS, EPSS and KEV looked up in the store (a
 * finding named by an advisory id uses the CVE among its aliases), the
 * result and the inputs written into the finding, the reasons into fs's
 * arena. The time is pw_clock_now(). */
pw_err pw_risk_score_findings(struct pw_findings *fs, struct pw_store *s,
			      const struct pw_policy *policy, const struct pw_asset_context *ctx,
			      struct pw_error *e);

#endif
