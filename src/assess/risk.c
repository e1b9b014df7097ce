/* risk.c - risk score and priority, with the reasons in words.
 *
 * Additive on purpose: each input adds its weight's points, so the reasons
 * list is the whole explanation and raising an input can only raise the
 * score (pw_policy_check keeps weights that way). */
#include "pw_risk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"

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

const char *pw_exposure_name(enum pw_exposure x)
{
	switch (x) {
	case PW_EXPOSURE_INTERNET: return "internet-facing";
	case PW_EXPOSURE_INTERNAL: return "internal";
	case PW_EXPOSURE_ISOLATED: return "isolated";
	case PW_EXPOSURE_UNKNOWN: break;
	}
	return "unknown";
}

static const char *ordinal(int n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	switch (n % 10) {
	case 1: return "st";
	case 2: return "nd";
	case 3: return "rd";
	default: return "th";
	}
}

/* "2024-01-10" from unix seconds. */
static void day(int64_t t, char out[11])
{
	char full[32];
	pw_clock_format(t, full, sizeof(full));
	memcpy(out, full, 10);
	out[10] = '\0';
}

struct why {
	struct pw_buf *b;
	pw_err err;
};

static void say(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct why *w, const char *fmt, ...)
{
	if (!w->b || w->err)
		return;
	char text[384];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->err = PW_ERR_INVALID;
		return;
	}
	if ((size_t)n >= sizeof(text)) /* a very long version: cut visibly */
		memcpy(text + sizeof(text) - 4, "...", 4);
	if ((w->b->len && (w->err = pw_buf_add(w->b, "; ", 2))) || (w->err = pw_buf_adds(w->b, text)))
		return;
}

static bool is_production(const char *env)
{
	return strcmp(env, "production") == 0 || strcmp(env, "prod") == 0;
}

pw_err pw_risk_compute(const struct pw_risk_input *in, const struct pw_policy *pol,
		       const struct pw_asset_context *ctx, int64_t now, struct pw_risk *out,
		       struct pw_buf *reasons)
{
	static const struct pw_asset_context nothing = { PW_EXPOSURE_UNKNOWN, 0, NULL };
	struct why w = { reasons, PW_OK };
	double score = 0;
	if (!ctx)
		ctx = &nothing;
	if (in->kind == PW_KIND_UPDATE && in->update_class != PW_CLASS_SECURITY) {
		/* listed as an available update, never ranked as a risk */
		say(&w, "%s update%s%s, not a vulnerability: lowest priority",
		    in->update_class == PW_CLASS_BUGFIX ? "bug-fix" : "enhancement",
		    in->repository ? " from " : "", in->repository ? in->repository : "");
		out->score = 0;
		out->priority = 4;
		return w.err;
	}
	if (in->kind == PW_KIND_UPDATE) /* the repository is said with the fix below */
		say(&w, "pending security update that no advisory in the feeds names "
		    "(severity unknown)");

	if (in->kev) {
		char added[11], due[11];
		day(in->kev_added, added);
		score += pol->w_kev;
		if (in->kev_due) {
			day(in->kev_due, due);
			bool overdue = now > in->kev_due;
			if (overdue)
				score += pol->w_overdue;
			say(&w, "known exploited (KEV since %s, due %s%s)", added, due,
			    overdue ? ", overdue" : "");
		} else {
			say(&w, "known exploited (KEV since %s)", added);
		}
		if (in->ransomware) {
			score += pol->w_ransomware;
			say(&w, "used in ransomware campaigns");
		}
	}
	if (in->epss >= 0) {
		score += pol->w_epss * in->epss;
		if (in->epss_percentile >= 0) {
			int pct = (int)(in->epss_percentile * 100.0);
			say(&w, "EPSS %.3g, %d%s percentile", in->epss, pct, ordinal(pct));
		} else {
			say(&w, "EPSS %.3g", in->epss);
		}
	} else {
		say(&w, "no EPSS score known");
	}
	if (in->cvss >= 0) {
		score += pol->w_cvss * in->cvss;
		say(&w, "CVSS %.1f", in->cvss);
	} else {
		score += pol->w_cvss * pol->unknown_cvss;
		if (in->severity)
			say(&w, "no CVSS score known (counted as %.1f; vendor severity %s)",
			    pol->unknown_cvss, in->severity);
		else
			say(&w, "no CVSS score known (counted as %.1f)", pol->unknown_cvss);
	}
	switch (ctx->exposure) {
	case PW_EXPOSURE_INTERNET: score += pol->w_internet; break;
	case PW_EXPOSURE_INTERNAL: score += pol->w_internal; break;
	case PW_EXPOSURE_ISOLATED: score += pol->w_isolated; break;
	case PW_EXPOSURE_UNKNOWN: break;
	}
	if (ctx->exposure != PW_EXPOSURE_UNKNOWN)
		say(&w, "%s", pw_exposure_name(ctx->exposure));
	else
		say(&w, "exposure unknown");
	if (ctx->criticality >= 1 && ctx->criticality <= 5) {
		score += pol->w_criticality * (ctx->criticality - 3);
		say(&w, "criticality %d", ctx->criticality);
	}
	if (ctx->environment) {
		score += is_production(ctx->environment) ? pol->w_production : pol->w_nonproduction;
		say(&w, "%s", ctx->environment);
	}
	if (in->fixable) {
		score += pol->w_fix;
		if (in->patch == PW_PATCH_YES)
			say(&w, "fix available (%s%s%s)", in->patch_origin ? in->patch_origin : "",
			    in->patch_origin ? " " : "", in->patch_version ? in->patch_version : in->fixed);
		else if (in->patch == PW_PATCH_NO)
			say(&w, "fixed in %s, not yet offered by the host's repositories", in->fixed);
		else
			say(&w, "fixed in %s", in->fixed);
	} else if (in->status == PW_AFFECT_WONT_FIX) {
		say(&w, "no fix available (the distribution will not fix it)");
	} else if (in->status == PW_AFFECT_EOL) {
		say(&w, "no fix available (end of life)");
	} else {
		say(&w, "no fix available yet");
	}

	if (score < 0)
		score = 0;
	if (score > 100)
		score = 100;
	out->score = (int)(score + 0.5);
	out->priority = out->score >= pol->p1 ? 1 : out->score >= pol->p2 ? 2 : out->score >= pol->p3 ? 3 : 4;
	/* known exploited and reachable from the internet is urgent whatever
	 * the other inputs say */
	if (in->kev && ctx->exposure == PW_EXPOSURE_INTERNET)
		out->priority = 1;
	return w.err;
}

/* The CVE a finding's KEV and EPSS entries are under: its id, or the
 * first CVE among its aliases (an advisory with no CVE id of its own). */
static void cve_of(const char *id, const struct pw_vuln *v, bool found, char *out, size_t size)
{
	snprintf(out, size, "%s", id);
	if (strncmp(id, "CVE-", 4) == 0 || !found)
		return;
	for (size_t i = 0; i < v->naliases; i++) {
		if (strncmp(v->aliases[i], "CVE-", 4) == 0 && strlen(v->aliases[i]) < size) {
			snprintf(out, size, "%s", v->aliases[i]);
			return;
		}
	}
}

/* What the store says of one vulnerability. */
struct vuln_facts {
	double cvss, epss, epss_percentile;
	bool kev, ransomware;
	int64_t kev_added, kev_due;
	char severity[32]; /* copied: the store's strings live until its next call */
};

static pw_err look_up(struct pw_store *s, const char *id, struct vuln_facts *out,
		      struct pw_error *e)
{
	struct pw_vuln v;
	struct pw_kev k;
	struct pw_epss x;
	bool found;
	char cve[64];
	pw_err rc;
	memset(out, 0, sizeof(*out));
	out->cvss = out->epss = out->epss_percentile = -1;
	if ((rc = pw_store_get_vuln(s, id, &v, &found, e)))
		return rc;
	if (found && v.cvss_score >= 0)
		out->cvss = v.cvss_score;
	if (found && v.severity)
		snprintf(out->severity, sizeof(out->severity), "%s", v.severity);
	cve_of(id, &v, found, cve, sizeof(cve));
	if ((rc = pw_store_get_kev(s, cve, &k, &found, e)))
		return rc;
	if (found) {
		out->kev = true;
		out->ransomware = k.ransomware;
		out->kev_added = k.date_added;
		out->kev_due = k.due_date;
	}
	if ((rc = pw_store_get_epss(s, cve, &x, &found, e)))
		return rc;
	if (found) {
		out->epss = x.score;
		out->epss_percentile = x.percentile;
	}
	return PW_OK;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Does f rank as prev did? The same vulnerability's facts and the same fix
 * and patch give the same score and reasons (the binary packages of one
 * source package, mostly), computed once. */
static bool ranks_as(const struct pw_finding *f, const struct pw_finding *prev)
{
	return prev && prev->kind == f->kind && prev->update_class == f->update_class &&
	       prev->fixable == f->fixable && prev->status == f->status && prev->patch == f->patch &&
	       strcmp(prev->vuln_id, f->vuln_id) == 0 && same_str(prev->fixed, f->fixed) &&
	       same_str(prev->patch_origin, f->patch_origin) &&
	       same_str(prev->patch_version, f->patch_version) &&
	       same_str(prev->repository, f->repository);
}

static int cmp_by_vuln(const void *pa, const void *pb)
{
	const struct pw_finding *a = *(const struct pw_finding *const *)pa;
	const struct pw_finding *b = *(const struct pw_finding *const *)pb;
	return strcmp(a->vuln_id, b->vuln_id);
}

pw_err pw_risk_score_findings(struct pw_findings *fs, struct pw_store *s,
			      const struct pw_policy *policy, const struct pw_asset_context *ctx,
			      struct pw_error *e)
{
	struct pw_buf reasons = PW_BUF_INIT;
	int64_t now = pw_clock_now();
	pw_err rc = PW_OK;
	struct vuln_facts facts;
	/* one look-up per vulnerability, however many packages have it */
	struct pw_finding **order = malloc((fs->n ? fs->n : 1) * sizeof(*order));
	if (!order)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < fs->n; i++)
		order[i] = &fs->items[i];
	if (fs->n > 1)
		qsort(order, fs->n, sizeof(*order), cmp_by_vuln);
	for (size_t i = 0; i < fs->n; i++) {
		struct pw_finding *f = order[i];
		const struct pw_finding *prev = i ? order[i - 1] : NULL;
		if (ranks_as(f, prev)) {
			f->score = prev->score;
			f->priority = prev->priority;
			f->cvss = prev->cvss;
			f->epss = prev->epss;
			f->epss_percentile = prev->epss_percentile;
			f->kev = prev->kev;
			f->ransomware = prev->ransomware;
			f->kev_added = prev->kev_added;
			f->kev_due = prev->kev_due;
			f->reasons = prev->reasons;
			continue;
		}
		if (f->kind == PW_KIND_UPDATE) {
			/* no advisory names it: nothing to look up */
			memset(&facts, 0, sizeof(facts));
			facts.cvss = facts.epss = facts.epss_percentile = -1;
		} else if ((i == 0 || strcmp(order[i - 1]->vuln_id, f->vuln_id) != 0) &&
			   (rc = look_up(s, f->vuln_id, &facts, e))) {
			goto out;
		}
		struct pw_risk_input in = {
			.cvss = facts.cvss, .severity = facts.severity[0] ? facts.severity : NULL,
			.epss = facts.epss, .epss_percentile = facts.epss_percentile,
			.kev = facts.kev, .ransomware = facts.ransomware,
			.kev_added = facts.kev_added, .kev_due = facts.kev_due,
			.fixable = f->fixable, .status = f->status, .fixed = f->fixed, .patch = f->patch,
			.patch_origin = f->patch_origin, .patch_version = f->patch_version,
			.kind = f->kind, .update_class = f->update_class, .repository = f->repository,
		};
		struct pw_risk r;
		pw_buf_reset(&reasons);
		if ((rc = pw_risk_compute(&in, policy, ctx, now, &r, &reasons))) {
			pw_error_set(e, rc, "out of memory writing the reasons");
			goto out;
		}
		f->score = r.score;
		f->priority = r.priority;
		f->cvss = in.cvss;
		f->epss = in.epss;
		f->epss_percentile = in.epss_percentile;
		f->kev = in.kev;
		f->ransomware = in.ransomware;
		f->kev_added = in.kev_added;
		f->kev_due = in.kev_due;
		f->reasons = pw_arena_strdup(&fs->arena, reasons.data ? reasons.data : "");
		if (!f->reasons) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	free(order);
	pw_buf_free(&reasons);
	return rc;
}
