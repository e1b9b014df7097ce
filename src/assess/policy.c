/* policy.c - the risk policy file (INI, through inih). */
#include "pw_policy.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Every setting the file may hold: a table, so parsing and the "set twice"
 * check share one list. */
static const struct setting {
	const char *section, *name;
	size_t off;
	bool is_int;
} settings[] = {
	{ "weights", "cvss", offsetof(struct pw_policy, w_cvss), false },
	{ "weights", "epss", offsetof(struct pw_policy, w_epss), false },
	{ "weights", "kev", offsetof(struct pw_policy, w_kev), false },
	{ "weights", "ransomware", offsetof(struct pw_policy, w_ransomware), false },
	{ "weights", "kev_overdue", offsetof(struct pw_policy, w_overdue), false },
	{ "weights", "internet_facing", offsetof(struct pw_policy, w_internet), false },
	{ "weights", "internal", offsetof(struct pw_policy, w_internal), false },
	{ "weights", "isolated", offsetof(struct pw_policy, w_isolated), false },
	{ "weights", "criticality", offsetof(struct pw_policy, w_criticality), false },
	{ "weights", "production", offsetof(struct pw_policy, w_production), false },
	{ "weights", "non_production", offsetof(struct pw_policy, w_nonproduction), false },
	{ "weights", "fix_available", offsetof(struct pw_policy, w_fix), false },
	{ "weights", "unknown_cvss", offsetof(struct pw_policy, unknown_cvss), false },
	{ "priority", "p1", offsetof(struct pw_policy, p1), true },
	{ "priority", "p2", offsetof(struct pw_policy, p2), true },
	{ "priority", "p3", offsetof(struct pw_policy, p3), true },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

struct parse {
	struct pw_policy p;
	bool seen[NSETTINGS];
	char bad[160]; /* the first problem; inih reports its line */
};

static int fail(struct parse *pp, const char *fmt, const char *section, const char *name,
		const char *value)
{
	if (!pp->bad[0]) /* inih returns the first bad line: keep its message */
		snprintf(pp->bad, sizeof(pp->bad), fmt, section, name, value);
	return 0;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct parse *pp = user;
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		if (strcmp(section, s->section) != 0 || strcmp(name, s->name) != 0)
			continue;
		if (pp->seen[i])
			return fail(pp, "[%s] %s set twice%s", section, name, "");
		pp->seen[i] = true;
		char *end;
		errno = 0;
		if (s->is_int) {
			long v = strtol(value, &end, 10);
			if (end == value || *end || errno || v < 0 || v > 100)
				return fail(pp, "[%s] %s: '%s' is not a whole number from 0 to 100", section,
					    name, value);
			*(int *)(void *)((char *)&pp->p + s->off) = (int)v;
		} else {
			double v = strtod(value, &end);
			if (end == value || *end || errno || !isfinite(v) || v > 1000 || v < -1000)
				return fail(pp, "[%s] %s: '%s' is not a number (-1000 to 1000)", section,
					    name, value);
			*(double *)(void *)((char *)&pp->p + s->off) = v;
		}
		return 1;
	}
	return fail(pp, "unknown setting [%s] %s%s", section, name, "");
}

pw_err pw_policy_check(const struct pw_policy *p, const char *path, struct pw_error *e)
{
	static const struct {
		const char *name;
		size_t off;
	} nonneg[] = {
		{ "cvss", offsetof(struct pw_policy, w_cvss) },
		{ "epss", offsetof(struct pw_policy, w_epss) },
		{ "kev", offsetof(struct pw_policy, w_kev) },
		{ "ransomware", offsetof(struct pw_policy, w_ransomware) },
		{ "kev_overdue", offsetof(struct pw_policy, w_overdue) },
		{ "criticality", offsetof(struct pw_policy, w_criticality) },
		{ "fix_available", offsetof(struct pw_policy, w_fix) },
	};
	for (size_t i = 0; i < sizeof(nonneg) / sizeof(nonneg[0]); i++) {
		double v = *(const double *)(const void *)((const char *)p + nonneg[i].off);
		if (v < 0)
			return pw_error_set(e, PW_ERR_INVALID,
					    "%s: [weights] %s is %g: a risk input's weight must not be "
					    "negative (a riskier finding would score lower)",
					    path, nonneg[i].name, v);
	}
	if (!(p->w_isolated <= p->w_internal && p->w_internal <= p->w_internet))
		return pw_error_set(e, PW_ERR_INVALID,
				    "%s: [weights] needs isolated <= internal <= internet_facing "
				    "(%g, %g, %g): a more exposed asset must not score lower",
				    path, p->w_isolated, p->w_internal, p->w_internet);
	if (p->w_nonproduction > p->w_production)
		return pw_error_set(e, PW_ERR_INVALID,
				    "%s: [weights] needs non_production <= production (%g, %g)", path,
				    p->w_nonproduction, p->w_production);
	if (p->unknown_cvss < 0 || p->unknown_cvss > 10)
		return pw_error_set(e, PW_ERR_INVALID, "%s: [weights] unknown_cvss %g is not a CVSS "
				    "score (0 to 10)", path, p->unknown_cvss);
	if (!(p->p1 >= p->p2 && p->p2 >= p->p3))
		return pw_error_set(e, PW_ERR_INVALID,
				    "%s: [priority] needs p1 >= p2 >= p3 (%d, %d, %d)", path, p->p1,
				    p->p2, p->p3);
	return PW_OK;
}

pw_err pw_policy_load(struct pw_policy *p, const char *path, struct pw_error *e)
{
	struct parse pp = { .p = *p };
	FILE *f = fopen(path, "r");
	if (!f)
		return pw_error_set(e, errno == ENOENT ? PW_ERR_NOTFOUND : PW_ERR_IO,
				    "%s: cannot read the policy: %s", path, strerror(errno));
	int r = ini_parse_file(f, on_setting, &pp);
	fclose(f);
	if (r < 0)
		return pw_error_set(e, PW_ERR_IO, "%s: cannot read the policy", path);
	if (r > 0)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d: %s", path, r,
				    pp.bad[0] ? pp.bad : "not a [section] or name = value line");
	pw_err rc = pw_policy_check(&pp.p, path, e);
	if (rc == PW_OK)
		*p = pp.p;
	return rc;
}

int64_t pw_policy_digest(const struct pw_policy *p)
{
	char text[512];
	int n = snprintf(text, sizeof(text), "%.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g"
			 " %.17g %.17g %.17g %.17g %.17g %d %d %d",
			 p->w_cvss, p->w_epss, p->w_kev, p->w_ransomware, p->w_overdue,
			 p->w_internet, p->w_internal, p->w_isolated, p->w_criticality,
			 p->w_production, p->w_nonproduction, p->w_fix, p->unknown_cvss, p->p1, p->p2,
			 p->p3);
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (int i = 0; i < n && i < (int)sizeof(text); i++)
		h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
	return (int64_t)(h >> 1); /* kept as a non-negative BIGINT */
}
