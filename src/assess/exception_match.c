/* exception_match.c - the exceptions in force, matched against findings
 * (pw_exception_match.h). */
#include "pw_exception_match.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pw_exceptions.h"
#include "pw_findings.h"
#include "pw_registry.h"

/* a group with more hosts than this is refused rather than half applied */
#define MAX_GROUP_HOSTS 1000000

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

bool pw_exception_set_add(struct pw_exception_set *set, int64_t id, const char *vuln_id,
			  const char *package, const int64_t *hosts, size_t nhosts)
{
	if (set->n % 16 == 0) {
		struct pw_exception_rule *p =
			pw_arena_alloc(&set->arena, (set->n + 16) * sizeof(*p));
		if (!p)
			return false;
		if (set->n)
			memcpy(p, set->rules, set->n * sizeof(*p));
		set->rules = p;
	}
	int64_t *h = pw_arena_alloc(&set->arena, (nhosts ? nhosts : 1) * sizeof(*h));
	char *v = pw_arena_strdup(&set->arena, vuln_id);
	char *pkg = package ? pw_arena_strdup(&set->arena, package) : NULL;
	if (!h || !v || (package && !pkg))
		return false;
	if (nhosts)
		memcpy(h, hosts, nhosts * sizeof(*h));
	qsort(h, nhosts, sizeof(*h), cmp_id);
	set->rules[set->n++] = (struct pw_exception_rule){ id, v, pkg, h, nhosts };
	return true;
}

struct ids {
	int64_t *v;
	size_t n, cap;
};

static pw_err member(void *ctx, const struct pw_host *h)
{
	struct ids *s = ctx;
	if (s->n == MAX_GROUP_HOSTS)
		return PW_ERR_LIMIT;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		int64_t *p = realloc(s->v, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = h->id;
	return PW_OK;
}

/* Groups are resolved after the exceptions are read, not while their
 * statement is stepping: until then a group rule holds -group_id as its
 * one host. */
static pw_err rule_cb(void *ctx, const struct pw_exception *x)
{
	struct pw_exception_set *set = ctx;
	int64_t h = x->host_id ? x->host_id : -x->group_id;
	if (!pw_exception_set_add(set, x->id, x->vuln_id, x->package, &h, 1))
		return PW_ERR_NOMEM;
	return PW_OK;
}

pw_err pw_exception_set_load(struct pw_store *s, int64_t now, struct pw_exception_set *set,
			     struct pw_error *e)
{
	pw_exception_set_init(set);
	struct pw_exception_query q = { .state = PW_EXC_APPROVED, .now = now };
	pw_err rc = pw_exceptions_each(s, &q, rule_cb, set, e);
	if (rc)
		return rc == PW_ERR_NOMEM && !e->msg[0]
			? pw_error_set(e, rc, "out of memory loading exceptions") : rc;
	for (size_t i = 0; i < set->n; i++) {
		struct pw_exception_rule *r = &set->rules[i];
		if (r->hosts[0] >= 0)
			continue;
		struct pw_host_query hq = { .group_id = -r->hosts[0] };
		struct ids m = { 0 };
		rc = pw_registry_each_host_matching(s, &hq, member, &m, e);
		if (rc == PW_ERR_NOTFOUND) { /* the group was deleted: it covers no host */
			pw_error_clear(e);
			rc = PW_OK;
		}
		if (rc) {
			free(m.v);
			if (!e->msg[0])
				pw_error_set(e, rc, "exception %lld: loading group %lld's hosts",
					     (long long)r->id, (long long)hq.group_id);
			return rc;
		}
		int64_t *h = pw_arena_alloc(&set->arena, (m.n ? m.n : 1) * sizeof(*h));
		if (!h) {
			free(m.v);
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory loading exceptions");
		}
		if (m.n)
			memcpy(h, m.v, m.n * sizeof(*h));
		free(m.v);
		qsort(h, m.n, sizeof(*h), cmp_id);
		r->hosts = h;
		r->nhosts = m.n;
	}
	return PW_OK;
}

void pw_exception_set_init(struct pw_exception_set *set)
{
	memset(set, 0, sizeof(*set));
	pw_arena_init(&set->arena);
}

void pw_exception_set_free(struct pw_exception_set *set)
{
	pw_arena_free(&set->arena);
	set->rules = NULL;
	set->n = 0;
}

static bool has_host(const struct pw_exception_rule *r, int64_t id)
{
	return bsearch(&id, r->hosts, r->nhosts, sizeof(*r->hosts), cmp_id) != NULL;
}

/* package is the one matched, or one name of the comma list binaries */
static bool has_package(const char *want, const char *package, const char *binaries)
{
	if (package && strcmp(want, package) == 0)
		return true;
	size_t n = strlen(want);
	for (const char *p = binaries; p && *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && memcmp(p, want, n) == 0)
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

int64_t pw_exception_set_match(const struct pw_exception_set *set, int64_t host_id,
			       const char *vuln_id, const char *package, const char *binaries)
{
	if (!vuln_id)
		return 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct pw_exception_rule *r = &set->rules[i];
		if (strcmp(r->vuln_id, vuln_id) == 0 && has_host(r, host_id) &&
		    (!r->package || has_package(r->package, package, binaries)))
			return r->id;
	}
	return 0;
}

struct counting {
	const struct pw_exception_set *set;
	struct pw_accepted_counts *out;
};

static pw_err count_cb(void *ctx, const struct pw_finding_row *f)
{
	struct counting *c = ctx;
	if (pw_exception_set_match(c->set, f->host_id, f->vuln_id, f->package, f->binaries)) {
		c->out->total++;
		if (f->priority >= 1 && f->priority <= 4)
			c->out->by_priority[f->priority]++;
	}
	return PW_OK;
}

pw_err pw_exception_set_count_open(struct pw_store *s, const struct pw_exception_set *set,
				   struct pw_accepted_counts *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	if (set->n == 0)
		return PW_OK; /* nothing in force: no need to read the findings */
	struct pw_findings_filter f = { .state = "open" };
	struct counting c = { set, out };
	char next[PW_FINDINGS_CURSOR_MAX];
	return pw_findings_list(s, &f, count_cb, &c, next, e);
}
