/* drift.c - baselines saved and deleted in one transaction each, and the
 * drift report of a set of hosts (pw_drift.h). */
#include "pw_drift.h"

#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_jsonw.h"
#include "pw_store.h"

struct baseline_action {
	const char *name, *description, *actor;
	int64_t host_id, now, *id;
};

static pw_err save_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	struct baseline_action *b = ctx;
	return pw_baselines_save(s, b->name, b->description, b->host_id, b->now, b->actor, b->id,
				 e);
}

pw_err pw_drift_save_baseline(struct pw_store *s, const char *name, const char *description,
			      int64_t host_id, int64_t now, const char *actor, int64_t *id,
			      struct pw_error *e)
{
	struct baseline_action b = { name, description, actor, host_id, now, id };
	return pw_store_write(s, save_tx, &b, e);
}

static pw_err delete_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	struct baseline_action *b = ctx;
	return pw_baselines_delete(s, *b->id, b->actor, e);
}

pw_err pw_drift_delete_baseline(struct pw_store *s, int64_t id, const char *actor,
				struct pw_error *e)
{
	struct baseline_action b = { .actor = actor, .id = &id };
	return pw_store_write(s, delete_tx, &b, e);
}

/* ---- the report ---- */

struct host_ref {
	int64_t id;
	const char *hostname;
};

struct hosts {
	struct host_ref *v;
	size_t n, cap;
	struct pw_arena *a;
};

static pw_err add_host(void *ctx, const struct pw_host *h)
{
	struct hosts *hs = ctx;
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? hs->cap * 2 : 64;
		struct host_ref *v = realloc(hs->v, cap * sizeof(*v));
		if (!v)
			return PW_ERR_NOMEM;
		hs->v = v;
		hs->cap = cap;
	}
	const char *name = pw_arena_strdup(hs->a, h->hostname ? h->hostname : "");
	if (!name)
		return PW_ERR_NOMEM;
	hs->v[hs->n++] = (struct host_ref){ h->id, name };
	return PW_OK;
}

struct host_drift {
	struct pw_jsonw *w;
	bool details;
	int64_t max, shown;
	int64_t count[3]; /* by enum pw_drift_kind */
};

static pw_err one_difference(void *ctx, const struct pw_drift *d)
{
	struct host_drift *h = ctx;
	h->count[d->kind]++;
	if (!h->details || (h->max && h->shown >= h->max))
		return PW_OK;
	h->shown++;
	struct pw_jsonw *w = h->w;
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "kind", pw_drift_kind_name(d->kind));
	pw_jsonw_kstr(w, "family", d->family);
	pw_jsonw_kstr(w, "name", d->name);
	pw_jsonw_kstr(w, "arch", d->arch);
	pw_jsonw_key(w, "baseline_version");
	if (d->baseline_version)
		pw_jsonw_string(w, d->baseline_version);
	else
		pw_jsonw_null(w);
	pw_jsonw_key(w, "host_version");
	if (d->host_version)
		pw_jsonw_string(w, d->host_version);
	else
		pw_jsonw_null(w);
	if (d->kind == PW_DRIFT_CHANGED)
		pw_jsonw_kstr(w, "direction", d->direction > 0 ? "newer" : "older");
	pw_jsonw_end_object(w);
	return PW_OK;
}

static void write_counts(struct pw_jsonw *w, const int64_t count[3])
{
	for (int k = PW_DRIFT_MISSING; k <= PW_DRIFT_EXTRA; k++) {
		pw_jsonw_key(w, pw_drift_kind_name((enum pw_drift_kind)k));
		pw_jsonw_int(w, count[k]);
	}
}

static pw_err report(struct pw_store *s, int64_t baseline_id, const struct pw_host_query *q,
		     int64_t host_id, bool with_details, int64_t max_details, struct pw_jsonw *w,
		     int64_t *drifted_out, struct pw_arena *a, struct hosts *hs,
		     struct pw_error *e)
{
	struct pw_baseline b;
	pw_err rc = pw_baselines_get(s, baseline_id, a, &b, e);
	struct pw_host one;
	if (!rc && host_id && !(rc = pw_registry_host_get(s, host_id, a, &one, e)))
		rc = add_host(hs, &one);
	else if (!rc && !host_id)
		rc = pw_registry_each_host_matching(s, q, add_host, hs, e);
	if (rc)
		return rc == PW_ERR_NOMEM ? pw_error_set(e, rc, "out of memory") : rc;
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "baseline");
	pw_baselines_write(w, &b);
	pw_jsonw_key(w, "hosts");
	pw_jsonw_begin_array(w);
	int64_t total[3] = { 0 }, drifted = 0;
	for (size_t i = 0; i < hs->n; i++) {
		struct host_drift h = { .w = w, .details = with_details, .max = max_details };
		pw_jsonw_begin_object(w);
		pw_jsonw_key(w, "host_id");
		pw_jsonw_int(w, hs->v[i].id);
		pw_jsonw_kstr(w, "hostname", hs->v[i].hostname);
		if (with_details) {
			pw_jsonw_key(w, "differences");
			pw_jsonw_begin_array(w);
		}
		if ((rc = pw_baselines_drift(s, baseline_id, hs->v[i].id, one_difference, &h, e)))
			return rc;
		if (with_details)
			pw_jsonw_end_array(w);
		write_counts(w, h.count);
		pw_jsonw_end_object(w);
		if (h.count[0] + h.count[1] + h.count[2])
			drifted++;
		for (int k = 0; k < 3; k++)
			total[k] += h.count[k];
	}
	pw_jsonw_end_array(w);
	pw_jsonw_key(w, "summary");
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "hosts");
	pw_jsonw_int(w, (int64_t)hs->n);
	pw_jsonw_key(w, "drifted");
	pw_jsonw_int(w, drifted);
	pw_jsonw_key(w, "in_line");
	pw_jsonw_int(w, (int64_t)hs->n - drifted);
	write_counts(w, total);
	pw_jsonw_end_object(w);
	pw_jsonw_end_object(w);
	if (drifted_out)
		*drifted_out = drifted;
	return PW_OK;
}

pw_err pw_drift_report(struct pw_store *s, int64_t baseline_id, const struct pw_host_query *q,
		       int64_t host_id, bool with_details, int64_t max_details, struct pw_jsonw *w,
		       int64_t *drifted, struct pw_error *e)
{
	struct pw_arena a;
	pw_arena_init(&a);
	struct hosts hs = { .a = &a };
	pw_err rc = pw_store_read_begin(s, e);
	if (!rc) {
		rc = report(s, baseline_id, q, host_id, with_details, max_details, w, drifted, &a, &hs, e);
		pw_store_read_end(s);
	}
	free(hs.v);
	pw_arena_free(&a);
	return rc;
}
