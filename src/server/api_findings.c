/* api_findings.c - the server's findings, vulnerabilities, feed freshness,
 * and running the assessor on demand. Every role reads; admins and
 * security analysts run an assessment. The documents are described in
 * docs/openapi/findings.json. */
#include "pw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_assess_task.h"
#include "pw_audit.h"
#include "pw_clock.h"
#include "pw_exception_match.h"
#include "pw_finding_json.h"
#include "pw_list_csv.h"
#include "pw_findings.h"
#include "pw_registry.h"
#include "pw_store.h"
#include "pw_timearg.h"

#define READERS PW_ALLOW_ANY_ROLE
#define RUNNERS (PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_SECURITY))
#define MAX_GROUP_HOSTS 1000000

/* Strings from inventories and feeds go out byte for byte (pw_jsonw.h). */
static json_t *str_or_null(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	if (t <= 0)
		return json_null();
	return json_string(pw_clock_format(t, buf, sizeof(buf)));
}

/* ---- query parameters ---- */

static bool bad(struct pw_response *resp, const char *fmt, const char *name, const char *v)
{
	pw_http_error(resp, 400, "invalid_request", fmt, name, v);
	return false;
}

static bool flag(const struct pw_request *r, struct pw_response *resp, const char *name,
		 bool *out)
{
	const char *v = pw_http_query(r, name);
	*out = false;
	if (!v)
		return true;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
		return bad(resp, "%s must be true or false, not '%.40s'", name, v);
	return true;
}

static bool positive_id(const char *v, int64_t *out)
{
	int64_t x = 0;
	if (!v || !*v || strlen(v) > 18)
		return false;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		x = x * 10 + (*p - '0');
	}
	*out = x;
	return x > 0;
}

/* A vulnerability or package name as it appears in feeds: printable, no
 * spaces, bounded. */
static bool plain_word(const char *v, size_t max)
{
	size_t n = strlen(v);
	if (!n || n > max)
		return false;
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	}
	return true;
}

struct id_set {
	int64_t *v;
	size_t n, cap;
};

static pw_err member(void *ctx, const struct pw_host *h)
{
	struct id_set *s = ctx;
	if (s->n == MAX_GROUP_HOSTS)
		return PW_ERR_LIMIT;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		int64_t *p = realloc(s->v, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = h->id; /* in id order: sorted */
	return PW_OK;
}

/* The filter from the query; false with resp filled on a bad value. The
 * group's members go into *members (the caller frees them). */
static bool filter_args(struct pw_request *r, struct pw_response *resp,
			struct pw_findings_filter *f, struct id_set *members)
{
	const char *v;
	if ((v = pw_http_query(r, "priority"))) {
		if ((v[0] != 'P' && v[0] != 'p') || v[1] < '1' || v[1] > '4' || v[2])
			return bad(resp, "%s must be P1, P2, P3 or P4, not '%.40s'", "priority", v);
		f->priority = v[1] - '0';
	}
	if (!flag(r, resp, "kev", &f->kev) || !flag(r, resp, "fixable", &f->fixable))
		return false;
	if ((v = pw_http_query(r, "cve"))) {
		if (!plain_word(v, 128))
			return bad(resp, "%s: '%.40s' is not a vulnerability id", "cve", v);
		f->vuln_id = v;
	}
	if ((v = pw_http_query(r, "package"))) {
		if (!plain_word(v, 256))
			return bad(resp, "%s: '%.40s' is not a package name", "package", v);
		f->package = v;
	}
	if ((v = pw_http_query(r, "kind"))) {
		if (strcmp(v, "vulnerability") != 0 && strcmp(v, "update") != 0)
			return bad(resp, "%s must be vulnerability or update, not '%.40s'", "kind", v);
		f->kind = v;
	}
	if ((v = pw_http_query(r, "status"))) {
		if (strcmp(v, "open") != 0 && strcmp(v, "fixed") != 0)
			return bad(resp, "%s must be open or fixed, not '%.40s'", "status", v);
		f->state = v;
	}
	const char *tn[2] = { "since", "until" };
	int64_t *tv[2] = { &f->since, &f->until };
	for (int i = 0; i < 2; i++) {
		if ((v = pw_http_query(r, tn[i])) &&
		    !pw_timearg_parse(v, pw_clock_now(), PW_TIMEARG_PAST, tv[i]))
			return bad(resp, "%s must be a duration (30d), a date (2026-11-01) or an "
				   "RFC 3339 time, not '%.40s'", tn[i], v);
	}
	if ((v = pw_http_query(r, "host")) && !f->host_id) {
		if (!positive_id(v, &f->host_id))
			return bad(resp, "%s must be a host id, not '%.40s'", "host", v);
		/* an unknown host is 404, as /hosts/{id}/findings: not an empty page */
		struct pw_host_context hc;
		struct pw_error e = { 0 };
		if (pw_registry_host_context(r->store, f->host_id, &hc, &e)) {
			pw_http_error_from(resp, &e);
			return false;
		}
	}
	if ((v = pw_http_query(r, "group"))) {
		struct pw_host_query q = { 0 };
		struct pw_error e = { 0 };
		if (!positive_id(v, &q.group_id)) {
			if (!plain_word(v, 64))
				return bad(resp, "%s must be a group id or name, not '%.40s'", "group", v);
			q.group = v;
		}
		pw_err rc = pw_registry_each_host_matching(r->store, &q, member, members, &e);
		if (rc == PW_ERR_LIMIT && !e.msg[0])
			pw_error_set(&e, rc, "group %s has more than %d hosts", v, MAX_GROUP_HOSTS);
		else if (rc == PW_ERR_NOMEM && !e.msg[0])
			pw_error_set(&e, rc, "out of memory");
		if (rc) {
			pw_http_error_from(resp, &e);
			return false;
		}
		f->hosts = members->v;
		f->nhosts = members->n;
		f->use_hosts = true;
	}
	return true;
}

struct list_ctx {
	json_t *items;
	const struct pw_exception_set *exceptions;
	struct pw_buf *csv; /* CSV instead of JSON */
};

static pw_err list_item(void *ctx, const struct pw_finding_row *row)
{
	struct list_ctx *l = ctx;
	struct pw_finding_row f = *row;
	f.exception_id = pw_exception_set_match(l->exceptions, f.host_id, f.vuln_id, f.package,
						f.binaries);
	if (l->csv)
		return pw_finding_csv_row(l->csv, &f);
	json_array_append_new(l->items, pw_finding_json(&f));
	return PW_OK;
}

static void list(struct pw_request *r, struct pw_response *resp, int64_t host_id)
{
	struct pw_page p;
	struct pw_findings_filter f = { .host_id = host_id };
	struct id_set members = { 0 };
	if (!pw_http_page_args(r, resp, &p) || !filter_args(r, resp, &f, &members)) {
		free(members.v);
		return;
	}
	bool csv;
	if (!pw_http_wants_csv(r, resp, &csv)) {
		free(members.v);
		return;
	}
	f.cursor = p.cursor;
	f.limit = p.limit;
	struct pw_exception_set exc;
	struct list_ctx l = { json_array(), &exc, csv ? &resp->body : NULL };
	if (csv)
		pw_finding_csv_header(&resp->body);
	char next[PW_FINDINGS_CURSOR_MAX];
	struct pw_error e = { 0 };
	pw_err rc = pw_exception_set_load(r->store, pw_clock_now(), &exc, &e);
	if (!rc)
		rc = pw_findings_list(r->store, &f, list_item, &l, next, &e);
	pw_exception_set_free(&exc);
	free(members.v);
	if (rc) {
		json_decref(l.items);
		pw_buf_reset(&resp->body);
		pw_http_error_from(resp, &e);
		return;
	}
	if (csv) {
		json_decref(l.items);
		pw_http_csv_page(resp, next[0] ? next : NULL);
		return;
	}
	pw_http_page(resp, l.items, next[0] ? next : NULL);
}

static void findings_list(struct pw_request *r, struct pw_response *resp)
{
	list(r, resp, 0);
}

static void host_findings(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	struct pw_host_context hc;
	struct pw_error e = { 0 };
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	if (pw_registry_host_context(r->store, id, &hc, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	list(r, resp, id);
}

/* ---- vulnerabilities ---- */

static void vulnerability(struct pw_request *r, struct pw_response *resp)
{
	const char *id = r->params[0];
	struct pw_error e = { 0 };
	struct pw_vuln v;
	bool found;
	if (!plain_word(id, 128)) {
		pw_http_error(resp, 404, "not_found", "no vulnerability '%.40s'", id);
		return;
	}
	if (pw_store_get_vuln(r->store, id, &v, &found, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	if (!found) {
		pw_http_error(resp, 404, "not_found", "no vulnerability %s in the store", id);
		return;
	}
	/* copies: the store's strings live until its next call */
	json_t *o = json_object();
	json_object_set_new(o, "id", str_or_null(v.id));
	json_t *aliases = json_array();
	const char *cve = strncmp(v.id, "CVE-", 4) == 0 ? v.id : NULL;
	for (size_t i = 0; i < v.naliases; i++) {
		json_array_append_new(aliases, str_or_null(v.aliases[i]));
		if (!cve && strncmp(v.aliases[i], "CVE-", 4) == 0)
			cve = v.aliases[i];
	}
	json_object_set_new(o, "aliases", aliases);
	json_object_set_new(o, "summary", str_or_null(v.summary));
	json_object_set_new(o, "published", time_or_null(v.published));
	json_object_set_new(o, "modified", time_or_null(v.modified));
	json_object_set_new(o, "severity", str_or_null(v.severity));
	json_object_set_new(o, "cvss", v.cvss_score >= 0 || v.cvss_vector
		? json_pack("{s:o, s:o, s:o}", "score",
			    v.cvss_score >= 0 ? json_real(v.cvss_score) : json_null(),
			    "vector", str_or_null(v.cvss_vector), "source", str_or_null(v.cvss_source))
		: json_null());
	char cvebuf[64] = "";
	if (cve)
		snprintf(cvebuf, sizeof(cvebuf), "%s", cve);
	struct pw_kev k;
	struct pw_epss x;
	json_t *kev = json_null(), *epss = json_null();
	if (cvebuf[0]) {
		if (pw_store_get_kev(r->store, cvebuf, &k, &found, &e))
			goto fail;
		if (found)
			kev = json_pack("{s:o, s:o, s:b, s:o, s:o, s:o}", "date_added",
					time_or_null(k.date_added), "due_date", time_or_null(k.due_date),
					"ransomware", k.ransomware, "vendor", str_or_null(k.vendor),
					"product", str_or_null(k.product), "required_action",
					str_or_null(k.required_action));
		if (pw_store_get_epss(r->store, cvebuf, &x, &found, &e))
			goto fail;
		if (found)
			epss = json_pack("{s:f, s:f, s:o}", "score", x.score, "percentile",
					 x.percentile, "date", time_or_null(x.score_date));
	}
	json_object_set_new(o, "cve", cvebuf[0] ? json_string(cvebuf) : json_null());
	json_object_set_new(o, "kev", kev);
	json_object_set_new(o, "epss", epss);
	kev = epss = NULL;
	int64_t hosts = 0;
	/* hosts with an open finding under this id or the CVE it is known by */
	if (pw_findings_vuln_hosts(r->store, id, cvebuf[0] ? cvebuf : NULL, &hosts, &e))
		goto fail;
	json_object_set_new(o, "affected_hosts", json_integer(hosts));
	pw_http_json(resp, 200, o);
	return;
fail:
	json_decref(kev);
	json_decref(epss);
	json_decref(o);
	pw_http_error_from(resp, &e);
}

/* ---- feeds ---- */

struct feeds_ctx {
	json_t *items;
	int64_t now;
};

static json_t *age(int64_t now, int64_t t)
{
	return t > 0 ? json_integer(now > t ? now - t : 0) : json_null();
}

static pw_err feed_item(void *ctx, const struct pw_feed_state *st)
{
	struct feeds_ctx *c = ctx;
	json_t *o = json_object();
	json_object_set_new(o, "feed", str_or_null(st->feed));
	json_object_set_new(o, "url", str_or_null(st->url));
	json_object_set_new(o, "records", json_integer((json_int_t)st->records));
	json_object_set_new(o, "last_checked", time_or_null(st->last_checked));
	json_object_set_new(o, "last_changed", time_or_null(st->last_changed));
	json_object_set_new(o, "checked_age_seconds", age(c->now, st->last_checked));
	json_object_set_new(o, "changed_age_seconds", age(c->now, st->last_changed));
	json_array_append_new(c->items, o);
	return PW_OK;
}

static void feeds(struct pw_request *r, struct pw_response *resp)
{
	struct feeds_ctx c = { json_array(), pw_clock_now() };
	struct pw_error e = { 0 };
	if (pw_store_each_feed_state(r->store, feed_item, &c, &e)) {
		json_decref(c.items);
		pw_http_error_from(resp, &e);
		return;
	}
	/* a handful of feeds: one page */
	pw_http_page(resp, c.items, NULL);
}

/* ---- running the assessor ---- */

static void assess_now(struct pw_request *r, struct pw_response *resp)
{
	struct pw_assess_run x;
	struct pw_error e = { 0 };
	if (pw_assessor_run_shared(r->server, r->store, &x, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	json_t *o = pw_assess_run_json(&x);
	/* who asked for it, in the audit log (the findings it wrote are the
	 * assessor's, not this caller's) */
	char *after = json_dumps(o, JSON_COMPACT);
	pw_err rc = pw_audit_record(r->store, r->who.actor, "assessment.run", "findings", NULL,
				    after, &e);
	free(after);
	if (rc) {
		json_decref(o);
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_json(resp, 200, o);
}

const struct pw_route pw_api_findings_routes[] = {
	{ "GET", "/api/v1/findings", findings_list, READERS },
	{ "GET", "/api/v1/hosts/{id}/findings", host_findings, READERS },
	{ "GET", "/api/v1/vulnerabilities/{id}", vulnerability, READERS },
	{ "GET", "/api/v1/feeds", feeds, READERS },
	{ "POST", "/api/v1/assessments", assess_now, RUNNERS },
	{ NULL, NULL, NULL, 0 },
};
