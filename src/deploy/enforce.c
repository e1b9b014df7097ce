/* enforce.c - compliance and quarantine transitions (pw_enforce.h). The
 * inputs are read first into an arena, so the store is not written while
 * a query is open, then every transition goes into one transaction. */
#include "pw_enforce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_buf.h"
#include "pw_jsonw.h"
#include "pw_quarantine.h"
#include "pw_registry.h"
#include "pw_store.h"
#include "pw_tz.h"

const char *pw_compliance_name(enum pw_compliance c)
{
	switch (c) {
	case PW_COMPLIANT: return "compliant";
	case PW_NONCOMPLIANT: return "noncompliant";
	case PW_QUARANTINED: return "quarantined";
	case PW_UNCHECKED: return "unchecked";
	}
	return "compliant";
}

struct host {
	struct pw_compliance_input in;
	const struct pw_group_policy *g;
};

struct state {
	struct pw_arena arena;
	struct host *hosts;
	size_t n, cap;
	pw_err oom;
};

static pw_err collect(void *ctx, const struct pw_compliance_input *in)
{
	struct state *st = ctx;
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 256;
		struct host *nh = realloc(st->hosts, nc * sizeof(*nh));
		if (!nh)
			return PW_ERR_NOMEM;
		st->hosts = nh;
		st->cap = nc;
	}
	struct host *h = &st->hosts[st->n];
	h->in = *in;
	h->in.hostname = pw_arena_strdup(&st->arena, in->hostname);
	h->g = NULL;
	if (!h->in.hostname)
		return PW_ERR_NOMEM;
	st->n++;
	return PW_OK;
}

static struct host *find_host(struct state *st, int64_t id)
{
	size_t lo = 0, hi = st->n; /* hosts come in id order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->hosts[mid].in.host_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->n && st->hosts[lo].in.host_id == id ? &st->hosts[lo] : NULL;
}

struct member_ctx {
	struct state *st;
	const struct pw_group_policy *g;
};

static pw_err member(void *ctx, const struct pw_host *h)
{
	struct member_ctx *m = ctx;
	struct host *x = find_host(m->st, h->id);
	if (x && !x->g) /* the first section in file order wins */
		x->g = m->g;
	return PW_OK;
}

static int64_t sla_due(const struct pw_compliance_input *in, const struct pw_group_policy *g)
{
	int64_t due = 0;
	int64_t c[3] = {
		in->p1_first_seen ? in->p1_first_seen + (int64_t)g->sla_days[0] * 86400 : 0,
		in->p2_first_seen ? in->p2_first_seen + (int64_t)g->sla_days[1] * 86400 : 0,
		in->kev_due, /* a KEV due date wins when earlier */
	};
	for (int i = 0; i < 3; i++)
		if (c[i] > 0 && (due == 0 || c[i] < due))
			due = c[i];
	return due;
}

/* The webhook event: what a network access controller or a ticketing
 * system needs to act without asking back. */
static pw_err queue_event(struct pw_store *s, const char *event, int64_t qid,
			  const struct host *h, const char *reason, const char *detail, int64_t at,
			  struct pw_error *e)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "event", event);
	pw_jsonw_key(&w, "quarantine_id");
	pw_jsonw_int(&w, qid);
	pw_jsonw_key(&w, "host");
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "id");
	pw_jsonw_int(&w, h->in.host_id);
	pw_jsonw_kstr(&w, "hostname", h->in.hostname);
	pw_jsonw_end_object(&w);
	pw_jsonw_kstr(&w, "group", h->g->name);
	pw_jsonw_kstr(&w, "reason", reason);
	pw_jsonw_kstr(&w, "detail", detail);
	pw_jsonw_key(&w, "at");
	pw_jsonw_int(&w, at);
	pw_jsonw_end_object(&w);
	pw_err rc = pw_jsonw_finish(&w);
	if (rc) {
		pw_buf_free(&b);
		return pw_error_set(e, rc, "enforce: cannot write the %s event", event);
	}
	char key[64];
	snprintf(key, sizeof(key), "%s:%lld", event, (long long)qid);
	rc = pw_quarantine_outbox_add(s, key, b.data, at, e);
	pw_buf_free(&b);
	return rc;
}

static void format_day(int64_t t, char out[16])
{
	int64_t y;
	unsigned m, d;
	int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	pw_civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

static pw_err evaluate(struct pw_store *s, const struct pw_enforce_options *o, struct host *h,
		       struct pw_enforce_result *out, struct pw_error *e)
{
	const struct pw_group_policy *g = h->g;
	int64_t now = o->now;
	struct pw_host_compliance c = { h->in.host_id, h->in.hostname, g->name, PW_COMPLIANT,
					NULL, sla_due(&h->in, g), 0 };
	int64_t silent_at = h->in.last_seen + (int64_t)g->silent_days * 86400;
	bool overdue = h->in.n_urgent > 0 && c.due > 0 && c.due <= now; /* due: fixed by then */
	bool silent = silent_at < now;
	char detail[160] = "";
	if (overdue) {
		char day[16];
		format_day(c.due, day);
		c.reason = "overdue";
		c.since = c.due;
		snprintf(detail, sizeof(detail), "%lld open P1/P2 finding(s); the earliest was due "
			 "%s", (long long)h->in.n_urgent, day);
	} else if (silent) {
		char day[16];
		format_day(h->in.last_seen, day);
		c.reason = "silent";
		c.since = silent_at;
		snprintf(detail, sizeof(detail), "no check-in or inventory since %s (silent_days %d)",
			 day, g->silent_days);
	}
	int64_t qid, qsince;
	const char *qreason;
	pw_err rc = pw_quarantine_active(s, h->in.host_id, &qid, &qreason, &qsince, e);
	if (rc)
		return rc;
	const char *lift = NULL;
	if (g->quarantine != PW_QUARANTINE_ENFORCE) {
		lift = g->quarantine == PW_QUARANTINE_OFF ? "policy: quarantine = off"
							  : "policy: quarantine = report";
	} else if (!c.reason) {
		/* an overdue quarantine ends on evidence: an inventory from its
		 * start on, assessed, with nothing overdue left */
		bool verified = h->in.inventory_at >= qsince && h->in.assessed_at >= h->in.inventory_at;
		if (strcmp(qreason ? qreason : "", "silent") == 0)
			lift = "host reported again";
		else if (verified)
			lift = "remediated: a new inventory leaves no overdue finding";
	}
	if (qid && lift) {
		if ((rc = pw_quarantine_lift(s, qid, now, lift, o->actor, e)) ||
		    (o->notify && (rc = queue_event(s, "quarantine.lift", qid, h, qreason, lift, now,
						    e))))
			return rc;
		out->lifted++;
		qid = 0;
	}
	if (g->quarantine == PW_QUARANTINE_OFF) {
		c.state = PW_UNCHECKED;
	} else if (qid) {
		c.state = PW_QUARANTINED;
		if (!c.reason) /* compliant, waiting for the verifying inventory */
			c.reason = qreason;
	} else if (c.reason) {
		c.state = PW_NONCOMPLIANT;
		if (g->quarantine == PW_QUARANTINE_ENFORCE &&
		    now >= c.since + (int64_t)g->quarantine_after_days * 86400) {
			if ((rc = pw_quarantine_add(s, h->in.host_id, c.reason, detail, now, o->actor,
						    &qid, e)) ||
			    (o->notify && (rc = queue_event(s, "quarantine.add", qid, h, c.reason,
							    detail, now, e))))
				return rc;
			out->added++;
			c.state = PW_QUARANTINED;
		}
	}
	out->hosts++;
	out->noncompliant += c.state == PW_NONCOMPLIANT || c.state == PW_QUARANTINED;
	out->quarantined += c.state == PW_QUARANTINED;
	return o->each ? o->each(o->ctx, &c) : PW_OK;
}

pw_err pw_enforce_run(struct pw_store *s, const struct pw_deploy_policy *p,
		      const struct pw_enforce_options *o, struct pw_enforce_result *out,
		      struct pw_error *e)
{
	struct state st = { 0 };
	pw_arena_init(&st.arena);
	memset(out, 0, sizeof(*out));
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		goto out;
	rc = pw_quarantine_each_input(s, collect, &st, e);
	if (rc == PW_ERR_NOMEM)
		pw_error_set(e, rc, "enforce: out of memory");
	for (size_t i = 1; !rc && i < p->n_groups; i++) {
		struct member_ctx m = { &st, &p->groups[i] };
		struct pw_host_query q = { .group = p->groups[i].name };
		struct pw_error ge;
		pw_err grc = pw_registry_each_host_matching(s, &q, member, &m, &ge);
		if (grc && grc != PW_ERR_NOTFOUND) /* a section for a group not made yet */
			rc = pw_error_set(e, grc, "enforce: group '%s': %s", p->groups[i].name,
					  ge.msg);
	}
	for (size_t i = 0; !rc && i < st.n; i++) {
		if (!st.hosts[i].g)
			st.hosts[i].g = &p->groups[0];
		rc = evaluate(s, o, &st.hosts[i], out, e);
	}
	if (!rc)
		rc = pw_store_commit(s, e);
out:
	if (rc)
		pw_store_rollback(s);
	free(st.hosts);
	pw_arena_free(&st.arena);
	return rc;
}
