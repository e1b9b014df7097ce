/* rescore.c - a host's open findings scored again (pw_rescore.h). */
#include "pw_rescore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_advisory.h"
#include "pw_arena.h"
#include "pw_findings.h"
#include "pw_match.h"
#include "pw_registry.h"
#include "pw_risk.h"

struct stored {
	struct pw_findings fs;
	int64_t *ids;
	const char **old_reasons;
	int *old_score, *old_priority;
	size_t cap;
};

static const char *sdup(struct pw_arena *a, const char *s)
{
	return s ? pw_arena_strdup(a, s) : NULL;
}

static enum pw_patch patch_parse(const char *s)
{
	if (s && strcmp(s, "yes") == 0)
		return PW_PATCH_YES;
	if (s && strcmp(s, "no") == 0)
		return PW_PATCH_NO;
	return PW_PATCH_UNKNOWN;
}

static pw_err grow(struct stored *st, struct pw_error *e)
{
	if (st->fs.n < st->cap)
		return PW_OK;
	size_t cap = st->cap ? st->cap * 2 : 32;
	struct pw_finding *items = realloc(st->fs.items, cap * sizeof(*items));
	if (items)
		st->fs.items = items;
	int64_t *ids = items ? realloc(st->ids, cap * sizeof(*ids)) : NULL;
	if (ids)
		st->ids = ids;
	const char **reasons = ids ? realloc(st->old_reasons, cap * sizeof(*reasons)) : NULL;
	if (reasons)
		st->old_reasons = reasons;
	int *score = reasons ? realloc(st->old_score, cap * sizeof(*score)) : NULL;
	if (score)
		st->old_score = score;
	int *prio = score ? realloc(st->old_priority, cap * sizeof(*prio)) : NULL;
	if (!prio)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	st->old_priority = prio;
	st->cap = cap;
	st->fs.cap = cap;
	return PW_OK;
}

static pw_err stored_row(void *ctx, const struct pw_finding_row *row)
{
	struct stored *st = ctx;
	struct pw_error e;
	if (grow(st, &e))
		return PW_ERR_NOMEM;
	struct pw_arena *a = &st->fs.arena;
	size_t i = st->fs.n;
	struct pw_finding *f = &st->fs.items[i];
	memset(f, 0, sizeof(*f));
	f->vuln_id = sdup(a, row->vuln_id);
	f->fixed = sdup(a, row->fixed);
	f->fixable = row->fixable;
	f->status = row->fixable ? PW_AFFECT_FIXED : PW_AFFECT_VULNERABLE;
	if (row->affect_status)
		pw_affect_status_parse(row->affect_status, &f->status);
	f->patch = patch_parse(row->patch);
	st->ids[i] = row->id;
	st->old_reasons[i] = sdup(a, row->reasons ? row->reasons : "");
	st->old_score[i] = row->score;
	st->old_priority[i] = row->priority;
	if (!f->vuln_id || !st->old_reasons[i] || (row->fixed && !f->fixed))
		return PW_ERR_NOMEM;
	st->fs.n++;
	return PW_OK;
}

static void context_of(const struct pw_host_context *hc, struct pw_asset_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	if (hc->exposure)
		pw_exposure_parse(hc->exposure, &ctx->exposure);
	ctx->criticality = hc->criticality >= 1 && hc->criticality <= 5 ? hc->criticality : 0;
	ctx->environment = hc->environment;
}

pw_err pw_rescore_host(struct pw_store *s, int64_t host_id, const struct pw_policy *policy,
		       uint64_t *rescored, struct pw_error *e)
{
	struct stored st = { 0 };
	pw_findings_init(&st.fs);
	uint64_t moved = 0;
	char env[64], cursor[PW_FINDINGS_CURSOR_MAX];
	struct pw_host_context hc = { 0 };
	struct pw_asset_context ctx;
	struct pw_findings_filter f = { .host_id = host_id, .state = "open" };
	pw_err rc = pw_registry_host_context(s, host_id, &hc, e);
	if (rc)
		goto out;
	/* the context's strings live until the next registry call: keep them */
	snprintf(env, sizeof(env), "%s", hc.environment ? hc.environment : "");
	hc.environment = hc.environment ? env : NULL;
	char exposure[16];
	snprintf(exposure, sizeof(exposure), "%s", hc.exposure ? hc.exposure : "");
	hc.exposure = hc.exposure ? exposure : NULL;
	context_of(&hc, &ctx);
	rc = pw_findings_list(s, &f, stored_row, &st, cursor, e);
	if (rc == PW_ERR_NOMEM)
		rc = pw_error_set(e, rc, "out of memory reading the findings of host %lld",
				  (long long)host_id);
	if (rc || st.fs.n == 0)
		goto out;
	if ((rc = pw_risk_score_findings(&st.fs, s, policy, &ctx, e)))
		goto out;
	for (size_t i = 0; i < st.fs.n; i++) {
		const struct pw_finding *x = &st.fs.items[i];
		if (x->score == st.old_score[i] && x->priority == st.old_priority[i] &&
		    strcmp(x->reasons, st.old_reasons[i]) == 0)
			continue;
		if ((rc = pw_findings_set_risk(s, st.ids[i], x->score, x->priority, x->cvss, x->epss,
					       x->kev, x->reasons, e)))
			goto out;
		moved++;
	}
out:
	if (rescored)
		*rescored = moved;
	free(st.ids);
	free(st.old_reasons);
	free(st.old_score);
	free(st.old_priority);
	pw_findings_free(&st.fs);
	return rc;
}
