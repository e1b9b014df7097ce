/* risk.c - risk score and priority, with reasons in words. */
#include "pw_risk.h"

#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"

void pw_policy_defaults(struct pw_policy *p)
{
	*p = (struct pw_policy){
		.w_cvss = 4.0,
		.w_epss = 25.0,
		.w_kev = 25.0,
		.w_ransomware = 5.0,
		.w_overdue = 5.0,
		.w_internet = 10.0,
		.w_internal = 3.0,
		.w_isolated = -5.0,
		.w_criticality = 3.0,
		.w_production = 3.0,
		.w_nonproduction = -3.0,
		.w_fix = 5.0,
		.unknown_cvss = 5.0,
		.p1 = 80,
		.p2 = 60,
		.p3 = 35,
	};
}

struct policy_parse {
	struct pw_policy *p;
	char bad[128];
};

static int on_policy(void *user, const char *section, const char *name, const char *value)
{
	struct policy_parse *pp = user;
	struct pw_policy *p = pp->p;
	static const struct {
		const char *section, *name;
		size_t off;
	} doubles[] = {
		{ "weights", "cvss", offsetof(struct pw_policy, w_cvss) },
		{ "weights", "epss", offsetof(struct pw_policy, w_epss) },
		{ "weights", "kev", offsetof(struct pw_policy, w_kev) },
		{ "weights", "ransomware", offsetof(struct pw_policy, w_ransomware) },
		{ "weights", "kev_overdue", offsetof(struct pw_policy, w_overdue) },
		{ "weights", "internet_facing", offsetof(struct pw_policy, w_internet) },
		{ "weights", "internal", offsetof(struct pw_policy, w_internal) },
		{ "weights", "isolated", offsetof(struct pw_policy, w_isolated) },
		{ "weights", "criticality", offsetof(struct pw_policy, w_criticality) },
		{ "weights", "production", offsetof(struct pw_policy, w_production) },
		{ "weights", "non_production", offsetof(struct pw_policy, w_nonproduction) },
		{ "weights", "fix_available", offsetof(struct pw_policy, w_fix) },
		{ "weights", "unknown_cvss", offsetof(struct pw_policy, unknown_cvss) },
	};
	static const struct {
		const char *name;
		size_t off;
	} ints[] = {
		{ "p1", offsetof(struct pw_policy, p1) },
		{ "p2", offsetof(struct pw_policy, p2) },
		{ "p3", offsetof(struct pw_policy, p3) },
	};
	char *end;
	for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
		if (strcmp(section, doubles[i].section) == 0 && strcmp(name, doubles[i].name) == 0) {
			double v = strtod(value, &end);
			if (*end || end == value) {
				snprintf(pp->bad, sizeof(pp->bad), "[%s] %s: '%s' is not a number", section, name, value);
				return 0;
			}
			*(double *)((char *)p + doubles[i].off) = v;
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (strcmp(section, "priority") == 0 && strcmp(name, ints[i].name) == 0) {
			long v = strtol(value, &end, 10);
			if (*end || end == value || v < 0 || v > 100) {
				snprintf(pp->bad, sizeof(pp->bad), "[priority] %s: '%s' is not 0-100", name, value);
				return 0;
			}
			*(int *)((char *)p + ints[i].off) = (int)v;
			return 1;
		}
	}
	snprintf(pp->bad, sizeof(pp->bad), "unknown setting [%s] %s", section, name);
	return 0;
}

pw_err pw_policy_load(struct pw_policy *p, const char *path, struct pw_error *e)
{
	struct policy_parse pp = { .p = p };
	int r = ini_parse(path, on_policy, &pp);
	if (r < 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "%s: cannot read the policy", path);
	if (r > 0)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d: %s", path, r,
				    pp.bad[0] ? pp.bad : "malformed line");
	if (!(p->p1 >= p->p2 && p->p2 >= p->p3))
		return pw_error_set(e, PW_ERR_INVALID, "%s: [priority] needs p1 >= p2 >= p3", path);
	return PW_OK;
}

bool pw_exposure_parse(const char *s, enum pw_exposure *out)
{
	if (strcmp(s, "internet") == 0 || strcmp(s, "internet-facing") == 0)
		*out = PW_EXPOSURE_INTERNET;
	else if (strcmp(s, "internal") == 0)
		*out = PW_EXPOSURE_INTERNAL;
	else if (strcmp(s, "isolated") == 0)
		*out = PW_EXPOSURE_ISOLATED;
	else
		return false;
	return true;
}

/* Append a reason, separated by "; ". */
static void reason(struct pw_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(struct pw_finding *f, const char *fmt, ...)
{
	size_t n = strlen(f->reasons);
	if (n + 3 >= sizeof(f->reasons))
		return;
	if (n) {
		strcpy(f->reasons + n, "; ");
		n += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->reasons + n, sizeof(f->reasons) - n, fmt, ap);
	va_end(ap);
}

static int ordinal_suffix(int n)
{
	return (n % 100 >= 11 && n % 100 <= 13) ? 0 : n % 10;
}

void pw_risk_compute(struct pw_finding *f, int64_t kev_added, int64_t kev_due,
		     const struct pw_policy *pol, const struct pw_asset_context *ctx, int64_t now)
{
	double score = 0;
	f->reasons[0] = '\0';
	if (f->kev) {
		char added[32] = "?", due[32] = "";
		pw_clock_format(kev_added, added, sizeof(added));
		added[10] = '\0';
		score += pol->w_kev;
		if (kev_due) {
			pw_clock_format(kev_due, due, sizeof(due));
			due[10] = '\0';
		}
		if (kev_due && now > kev_due) {
			score += pol->w_overdue;
			reason(f, "known exploited (KEV since %s, due %s, overdue)", added, due);
		} else if (kev_due) {
			reason(f, "known exploited (KEV since %s, due %s)", added, due);
		} else {
			reason(f, "known exploited (KEV since %s)", added);
		}
		if (f->ransomware) {
			score += pol->w_ransomware;
			reason(f, "used in ransomware campaigns");
		}
	}
	if (f->epss >= 0) {
		score += pol->w_epss * f->epss;
		int pct = (int)(f->epss_percentile * 100.0);
		static const char *const suffix[] = { "th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th" };
		reason(f, "EPSS %.2f, %d%s percentile", f->epss, pct, suffix[ordinal_suffix(pct)]);
	} else {
		reason(f, "no EPSS score known");
	}
	if (f->cvss >= 0) {
		score += pol->w_cvss * f->cvss;
		reason(f, "CVSS %.1f", f->cvss);
	} else {
		score += pol->w_cvss * pol->unknown_cvss;
		reason(f, "no CVSS score known (counted as %.1f)", pol->unknown_cvss);
	}
	switch (ctx ? ctx->exposure : PW_EXPOSURE_UNKNOWN) {
	case PW_EXPOSURE_INTERNET:
		score += pol->w_internet;
		reason(f, "internet-facing");
		break;
	case PW_EXPOSURE_INTERNAL:
		score += pol->w_internal;
		reason(f, "internal");
		break;
	case PW_EXPOSURE_ISOLATED:
		score += pol->w_isolated;
		reason(f, "isolated");
		break;
	case PW_EXPOSURE_UNKNOWN:
		break;
	}
	if (ctx && ctx->criticality >= 1 && ctx->criticality <= 5) {
		score += pol->w_criticality * (ctx->criticality - 3);
		reason(f, "criticality %d", ctx->criticality);
	}
	if (ctx && ctx->environment) {
		bool prod = strcmp(ctx->environment, "production") == 0 || strcmp(ctx->environment, "prod") == 0;
		score += prod ? pol->w_production : pol->w_nonproduction;
		reason(f, "%s", ctx->environment);
	}
	if (f->fixable) {
		score += pol->w_fix;
		if (f->patch_available)
			reason(f, "fix %s available in the host's repositories", f->fixed);
		else
			reason(f, "fix released (%s)", f->fixed);
	} else {
		reason(f, "no fix available yet (%s)", pw_affect_status_name(f->status));
	}
	if (score < 0)
		score = 0;
	if (score > 100)
		score = 100;
	f->score = (int)(score + 0.5);
	f->priority = f->score >= pol->p1 ? 1 : f->score >= pol->p2 ? 2 : f->score >= pol->p3 ? 3 : 4;
	/* known exploited and reachable from the internet is always urgent */
	if (f->kev && ctx && ctx->exposure == PW_EXPOSURE_INTERNET)
		f->priority = 1;
}

pw_err pw_risk_score(struct pw_finding *f, struct pw_store *s, const struct pw_policy *policy,
		     const struct pw_asset_context *ctx, struct pw_error *e)
{
	struct pw_vuln v;
	struct pw_kev k;
	struct pw_epss x;
	bool found;
	pw_err rc;
	f->cvss = -1;
	if ((rc = pw_store_get_vuln(s, f->vuln_id, &v, &found, e)))
		return rc;
	if (found && v.cvss_score >= 0)
		f->cvss = v.cvss_score;
	int64_t added = 0, due = 0;
	if ((rc = pw_store_get_kev(s, f->vuln_id, &k, &found, e)))
		return rc;
	f->kev = found;
	if (found) {
		f->ransomware = k.ransomware;
		added = k.date_added;
		due = k.due_date;
	}
	if ((rc = pw_store_get_epss(s, f->vuln_id, &x, &found, e)))
		return rc;
	f->epss = found ? x.score : -1;
	f->epss_percentile = found ? x.percentile : -1;
	pw_risk_compute(f, added, due, policy, ctx, pw_clock_now());
	return PW_OK;
}
