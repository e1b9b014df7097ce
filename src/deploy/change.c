/* change.c - a change's life: plan, approvals, rings and gates (see
 * pw_change.h). SQL lives in src/store (pw_changes.h); this file holds the
 * rules. */
#include "pw_change.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_audit.h"
#include "pw_changes.h"
#include "pw_clock.h"
#include "pw_deploy_policy.h"
#include "pw_findings.h"
#include "pw_registry.h"
#include "pw_rings.h"
#include "pw_store.h"
#include "pw_text.h"
#include "pw_version.h"

#define MAX_HOSTS 1000000
#define MAX_PACKAGES 4096 /* per host */

static const char *const states[] = {
	"pending_approval", "approved", "rejected", "running", "paused", "halted",
	"completed", "aborted", "rolling_back", "rolled_back",
};

bool pw_change_state_valid(const char *state)
{
	for (size_t i = 0; state && i < sizeof(states) / sizeof(states[0]); i++) {
		if (strcmp(state, states[i]) == 0)
			return true;
	}
	return false;
}

bool pw_change_parse_id(const char *s, int64_t *id)
{
	int64_t v = 0;
	if (!s)
		return false;
	if (s[0] == 'c' && s[1] == '-')
		s += 2;
	if (!*s || strlen(s) > 18)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return v > 0;
}

const char *pw_change_event_name(enum pw_change_event ev)
{
	switch (ev) {
	case PW_CHANGE_EVENT_RING_PASSED: return "ring_passed";
	case PW_CHANGE_EVENT_RING_STARTED: return "ring_started";
	case PW_CHANGE_EVENT_HALTED: return "halted";
	case PW_CHANGE_EVENT_COMPLETED: return "completed";
	case PW_CHANGE_EVENT_ROLLED_BACK: return "rolled_back";
	}
	return "unknown";
}

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	return t > 0 ? json_string(pw_clock_format(t, buf, sizeof(buf))) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

static pw_err refuse(enum pw_change_refusal *why, enum pw_change_refusal r, struct pw_error *e,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static pw_err refuse(enum pw_change_refusal *why, enum pw_change_refusal r, struct pw_error *e,
		     const char *fmt, ...)
{
	va_list ap;
	if (why)
		*why = r;
	va_start(ap, fmt);
	pw_error_setv(e, PW_ERR_INVALID, fmt, ap);
	va_end(ap);
	return PW_ERR_INVALID;
}

static bool in_states(const char *state, const char *const *list)
{
	for (; *list; list++) {
		if (strcmp(state, *list) == 0)
			return true;
	}
	return false;
}

static pw_err audit(struct pw_store *s, const char *actor, const char *action, int64_t id,
		    const char *before_state, json_t *after, struct pw_error *e)
{
	char object[40], before[64];
	snprintf(object, sizeof(object), "change:c-%lld", (long long)id);
	if (before_state)
		snprintf(before, sizeof(before), "{\"state\":\"%s\"}", before_state);
	char *doc = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(after);
	if (after && !doc)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory writing the audit entry");
	pw_err rc = pw_audit_append(s, actor, action, object, before_state ? before : NULL, doc, e);
	free(doc);
	return rc;
}

/* ---- planning ---- */

struct host_set {
	int64_t *ids;
	const char **names;
	size_t n, cap;
	struct pw_arena *a;
};

static pw_err set_add(struct host_set *hs, int64_t id, const char *name)
{
	if (hs->n == MAX_HOSTS)
		return PW_ERR_LIMIT;
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? hs->cap * 2 : 256;
		int64_t *ids = realloc(hs->ids, cap * sizeof(*ids));
		if (!ids)
			return PW_ERR_NOMEM;
		hs->ids = ids;
		const char **names = realloc(hs->names, cap * sizeof(*names));
		if (!names)
			return PW_ERR_NOMEM;
		hs->names = names;
		hs->cap = cap;
	}
	hs->ids[hs->n] = id;
	hs->names[hs->n] = name && hs->a ? pw_arena_strdup(hs->a, name) : NULL;
	hs->n++;
	return PW_OK;
}

static void set_free(struct host_set *hs)
{
	free(hs->ids);
	free(hs->names);
}

static pw_err member_cb(void *ctx, const struct pw_host *h)
{
	return set_add(ctx, h->id, h->hostname);
}

static bool set_has(const struct host_set *hs, int64_t id)
{
	size_t lo = 0, hi = hs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (hs->ids[mid] == id)
			return true;
		if (hs->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static pw_err group_members(struct pw_store *s, const char *group, struct host_set *hs,
			    struct pw_error *e)
{
	struct pw_host_query q = { .group = group };
	pw_err rc = pw_registry_each_host_matching(s, &q, member_cb, hs, e);
	if (rc == PW_ERR_LIMIT || rc == PW_ERR_NOMEM)
		rc = pw_error_set(e, rc, "group %s: %s", group,
				  rc == PW_ERR_LIMIT ? "too many hosts" : "out of memory");
	return rc; /* id order: sorted */
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* One package target being gathered for a host. */
struct target {
	const char *name, *version, *installed;
	bool have;
};

struct host_plan {
	struct target *t;
	size_t n, cap;
	struct pw_arena *a;
};

static struct target *target_of(struct host_plan *hp, const char *name)
{
	for (size_t i = 0; i < hp->n; i++) {
		if (strcmp(hp->t[i].name, name) == 0)
			return &hp->t[i];
	}
	if (hp->n == MAX_PACKAGES)
		return NULL;
	if (hp->n == hp->cap) {
		size_t cap = hp->cap ? hp->cap * 2 : 16;
		struct target *t = realloc(hp->t, cap * sizeof(*t));
		if (!t)
			return NULL;
		hp->t = t;
		hp->cap = cap;
	}
	struct target *t = &hp->t[hp->n];
	memset(t, 0, sizeof(*t));
	t->name = pw_arena_strdup(hp->a, name);
	if (!t->name)
		return NULL;
	hp->n++;
	return t;
}

static enum pw_scheme scheme_of(const char *family)
{
	enum pw_scheme sc = PW_SCHEME_DEB;
	if (family)
		pw_scheme_parse(family, &sc);
	return sc;
}

/* packages mode: the wanted (name, version) pairs */
struct wanted {
	const char *const *names;
	const char **versions;
	size_t n;
};

struct pkgs_ctx {
	const struct pw_deploy_policy *policy;
	const char *group;
	const char *held;           /* the first package the policy held back */
	struct host_plan *hp;
	const struct wanted *w;     /* packages mode */
	struct host_plan *fixed;    /* findings mode: name -> fixed version */
	pw_err err;
};

static pw_err installed_cb(void *ctx, const char *family, const char *name, const char *version,
			   const char *candidate, bool security)
{
	struct pkgs_ctx *c = ctx;
	(void)security;
	const char *want = NULL;
	if (c->w) {
		for (size_t i = 0; i < c->w->n; i++) {
			if (strcmp(c->w->names[i], name) == 0)
				want = c->w->versions[i];
		}
	} else if (c->fixed) {
		/* findings: the fixed version, or the repository's candidate when
		 * it is at least that (the fixed version itself may no longer be
		 * offered) */
		struct target *f = NULL;
		for (size_t i = 0; i < c->fixed->n; i++) {
			if (strcmp(c->fixed->t[i].name, name) == 0)
				f = &c->fixed->t[i];
		}
		if (!f)
			return PW_OK;
		want = f->version;
		if (candidate && pw_version_cmp(scheme_of(family), candidate, want) >= 0)
			want = candidate;
	} else {
		want = candidate; /* updates */
	}
	if (!want || strcmp(want, version) == 0)
		return PW_OK;
	if (c->policy && pw_policy_held(c->policy, c->group, name)) {
		if (!c->held)
			c->held = pw_arena_strdup(c->hp->a, name);
		return PW_OK;
	}
	struct target *t = target_of(c->hp, name);
	if (!t)
		return PW_ERR_NOMEM;
	/* several installed rows (multi-arch): the newest target wins */
	if (!t->have || pw_version_cmp(scheme_of(family), want, t->version) > 0) {
		t->version = pw_arena_strdup(c->hp->a, want);
		t->installed = pw_arena_strdup(c->hp->a, version);
		t->have = true;
		if (!t->version || !t->installed)
			return PW_ERR_NOMEM;
	}
	return PW_OK;
}

/* findings mode: per host, each binary's needed version */
struct fix {
	int64_t host;
	const char *name, *version;
};

struct fixes {
	struct fix *v;
	size_t n, cap;
	struct pw_arena *a;
};

static pw_err fix_add(struct fixes *f, int64_t host, const char *name, size_t len,
		      const char *version)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		struct fix *v = realloc(f->v, cap * sizeof(*v));
		if (!v)
			return PW_ERR_NOMEM;
		f->v = v;
		f->cap = cap;
	}
	char *n = pw_arena_alloc(f->a, len + 1);
	const char *ver = pw_arena_strdup(f->a, version);
	if (!n || !ver)
		return PW_ERR_NOMEM;
	memcpy(n, name, len);
	n[len] = '\0';
	f->v[f->n++] = (struct fix){ host, n, ver };
	return PW_OK;
}

static pw_err finding_cb(void *ctx, const struct pw_finding_row *r)
{
	struct fixes *f = ctx;
	if (!r->fixed || !r->fixable)
		return PW_OK;
	/* deb findings name the source package; what is installed are its
	 * binaries, which carry the source's version */
	const char *list = r->binaries && *r->binaries ? r->binaries : r->package;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			pw_err rc = fix_add(f, r->host_id, p, len, r->fixed);
			if (rc)
				return rc;
		}
		p += len + (end ? 1 : 0);
	}
	return PW_OK;
}

static int fix_cmp(const void *a, const void *b)
{
	const struct fix *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return strcmp(x->name, y->name);
}

static pw_err check_spec(const struct pw_change_spec *sp, int *pcts, size_t *npcts,
			 struct pw_error *e)
{
	if (!sp->title || !*sp->title || strlen(sp->title) > 200 ||
	    pw_text_find_control(sp->title, strlen(sp->title), NULL) != strlen(sp->title))
		return pw_error_set(e, PW_ERR_INVALID,
				    "title: expected 1 to 200 characters without control characters");
	if (sp->ticket && (strlen(sp->ticket) > 200 ||
			   pw_text_find_control(sp->ticket, strlen(sp->ticket), NULL) !=
				   strlen(sp->ticket)))
		return pw_error_set(e, PW_ERR_INVALID,
				    "ticket: at most 200 characters without control characters");
	if (!sp->group && !sp->nhosts)
		return pw_error_set(e, PW_ERR_INVALID, "hosts: give a group or a list of hosts");
	if (sp->group && sp->nhosts)
		return pw_error_set(e, PW_ERR_INVALID, "hosts: a group or a list of hosts, not both");
	if (sp->source == PW_CHANGE_FROM_PACKAGES && !sp->npackages)
		return pw_error_set(e, PW_ERR_INVALID, "packages: give at least one name=version");
	for (size_t i = 0; i < sp->npackages; i++) {
		const char *eq = strchr(sp->packages[i], '=');
		if (!eq || eq == sp->packages[i] || !eq[1] || strlen(sp->packages[i]) > 512 ||
		    strchr(eq + 1, '=') ||
		    pw_text_find_control(sp->packages[i], strlen(sp->packages[i]), NULL) !=
			    strlen(sp->packages[i]))
			return pw_error_set(e, PW_ERR_INVALID,
					    "packages: '%.80s' is not name=version", sp->packages[i]);
	}
	if (sp->priority < 0 || sp->priority > 4)
		return pw_error_set(e, PW_ERR_INVALID, "priority: expected 1 to 4");
	if (sp->success_pct > 100)
		return pw_error_set(e, PW_ERR_INVALID, "success_pct: expected 0 to 100");
	if (sp->concurrency > 100000)
		return pw_error_set(e, PW_ERR_INVALID, "concurrency: at most 100000");
	if (sp->approvals > 10)
		return pw_error_set(e, PW_ERR_INVALID, "approvals: at most 10");
	if (sp->soak_s > 30LL * 86400)
		return pw_error_set(e, PW_ERR_INVALID, "soak: at most 30 days");
	if (sp->reboot && strcmp(sp->reboot, "never") && strcmp(sp->reboot, "if_required") &&
	    strcmp(sp->reboot, "always"))
		return pw_error_set(e, PW_ERR_INVALID,
				    "reboot: expected never, if_required or always, not '%.40s'",
				    sp->reboot);
	return pw_rings_parse(sp->rings ? sp->rings : PW_RINGS_DEFAULT, pcts, npcts, e);
}

static uint64_t seed_of(const struct pw_change_spec *sp)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a of title and ticket */
	for (const char *p = sp->title; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (const char *p = sp->ticket ? sp->ticket : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static json_t *ring_names(const int *pcts, size_t npcts, const size_t *counts)
{
	json_t *rings = json_array();
	for (size_t k = 0; k <= npcts; k++) {
		char name[16];
		if (k == 0)
			snprintf(name, sizeof(name), "pilot");
		else
			snprintf(name, sizeof(name), "%d%%", pcts[k - 1]);
		json_array_append_new(rings, json_pack("{s:I,s:s,s:I}", "ring", (json_int_t)k,
						       "name", name, "hosts",
						       (json_int_t)counts[k]));
	}
	return rings;
}

pw_err pw_change_plan(struct pw_store *s, const struct pw_change_spec *sp, json_t **plan,
		      struct pw_error *e)
{
	int pcts[PW_RINGS_MAX];
	size_t npcts = 0;
	*plan = NULL;
	pw_err rc = check_spec(sp, pcts, &npcts, e);
	if (rc)
		return rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct host_set hosts = { .a = &a }, pilot = { 0 };
	struct fixes fixes = { .a = &a };
	struct host_plan hp = { .a = &a };
	struct wanted w = { 0 };
	int *ring_of = NULL;
	bool *in_pilot = NULL;
	json_t **per = NULL;
	json_t *out_hosts = json_array(), *skipped = json_array();
	/* the hosts */
	if (sp->group) {
		if ((rc = group_members(s, sp->group, &hosts, e)))
			goto out;
	} else {
		int64_t *ids = malloc(sp->nhosts * sizeof(*ids));
		if (!ids) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(ids, sp->hosts, sp->nhosts * sizeof(*ids));
		qsort(ids, sp->nhosts, sizeof(*ids), id_cmp);
		for (size_t i = 0; i < sp->nhosts && !rc; i++) {
			struct pw_host_context hc;
			if (i && ids[i] == ids[i - 1])
				continue;
			rc = pw_registry_host_context(s, ids[i], &hc, e);
			if (!rc && (rc = set_add(&hosts, ids[i], hc.hostname)))
				pw_error_set(e, rc, "out of memory");
		}
		free(ids);
		if (rc)
			goto out;
	}
	if (sp->pilot_group && (rc = group_members(s, sp->pilot_group, &pilot, e)))
		goto out;
	/* what each host needs */
	if (sp->source == PW_CHANGE_FROM_FINDINGS) {
		struct pw_findings_filter f = {
			.priority = sp->priority, .kev = sp->kev, .fixable = true,
			.vuln_id = sp->cve, .package = sp->package, .state = "open",
			.kind = sp->finding_kind, .hosts = hosts.ids, .nhosts = hosts.n,
			.use_hosts = true,
		};
		char next[PW_FINDINGS_CURSOR_MAX];
		if ((rc = pw_findings_list(s, &f, finding_cb, &fixes, next, e))) {
			if (!e->msg[0])
				pw_error_set(e, rc, "reading the findings: %s", pw_strerror(rc));
			goto out;
		}
		qsort(fixes.v, fixes.n, sizeof(*fixes.v), fix_cmp);
	} else if (sp->source == PW_CHANGE_FROM_PACKAGES) {
		w.n = sp->npackages;
		w.names = calloc(w.n, sizeof(char *));
		w.versions = calloc(w.n, sizeof(char *));
		if (!w.names || !w.versions) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < w.n; i++) {
			const char *eq = strchr(sp->packages[i], '=');
			char *name = pw_arena_alloc(&a, (size_t)(eq - sp->packages[i]) + 1);
			if (!name) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				goto out;
			}
			memcpy(name, sp->packages[i], (size_t)(eq - sp->packages[i]));
			name[eq - sp->packages[i]] = '\0';
			((const char **)w.names)[i] = name;
			w.versions[i] = eq + 1;
		}
	}
	per = calloc(hosts.n ? hosts.n : 1, sizeof(*per));
	ring_of = calloc(hosts.n ? hosts.n : 1, sizeof(*ring_of));
	in_pilot = calloc(hosts.n ? hosts.n : 1, sizeof(*in_pilot));
	int64_t *kept = calloc(hosts.n ? hosts.n : 1, sizeof(*kept));
	bool *kept_pilot = calloc(hosts.n ? hosts.n : 1, sizeof(*kept_pilot));
	if (!per || !ring_of || !in_pilot || !kept || !kept_pilot) {
		free(kept);
		free(kept_pilot);
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	size_t nkept = 0, fi = 0;
	for (size_t i = 0; i < hosts.n; i++) {
		int64_t h = hosts.ids[i];
		hp.n = 0;
		struct pkgs_ctx c = { sp->policy, sp->group, NULL, &hp, NULL, NULL, PW_OK };
		if (sp->policy && hosts.names[i] &&
		    pw_policy_host_excluded(sp->policy, sp->group, hosts.names[i])) {
			json_array_append_new(skipped,
					      json_pack("{s:I,s:o,s:s}", "host_id", (json_int_t)h,
							"hostname", str_or_null(hosts.names[i]),
							"reason", "excluded by the deploy policy"));
			continue;
		}
		if (sp->source == PW_CHANGE_FROM_UPDATES) {
			rc = pw_changes_host_updates(s, h, sp->security_only, installed_cb, &c, e);
		} else if (sp->source == PW_CHANGE_FROM_PACKAGES) {
			c.w = &w;
			rc = pw_changes_host_packages(s, h, w.names, w.n, installed_cb, &c, e);
		} else {
			/* this host's fixes, folded to the highest version per name */
			struct host_plan fx = { .a = &a };
			const char **names = NULL;
			size_t nn = 0;
			while (fi < fixes.n && fixes.v[fi].host < h)
				fi++;
			for (; fi < fixes.n && fixes.v[fi].host == h; fi++) {
				struct target *t = target_of(&fx, fixes.v[fi].name);
				if (!t) {
					rc = PW_ERR_NOMEM;
					break;
				}
				if (!t->have || pw_version_cmp(PW_SCHEME_DEB, fixes.v[fi].version,
								t->version) > 0) {
					t->version = fixes.v[fi].version;
					t->have = true;
				}
			}
			if (!rc && fx.n) {
				names = malloc(fx.n * sizeof(*names));
				if (!names)
					rc = PW_ERR_NOMEM;
				for (size_t k = 0; names && k < fx.n; k++)
					names[nn++] = fx.t[k].name;
			}
			if (rc)
				pw_error_set(e, rc, "out of memory");
			c.fixed = &fx;
			if (!rc && nn)
				rc = pw_changes_host_packages(s, h, names, nn, installed_cb, &c, e);
			free(names);
			free(fx.t);
		}
		if (rc) {
			if (!e->msg[0])
				pw_error_set(e, rc, "planning host %lld: %s", (long long)h,
					     pw_strerror(rc));
			free(kept);
			free(kept_pilot);
			goto out;
		}
		if (!hp.n) {
			char why[160];
			if (c.held)
				snprintf(why, sizeof(why), "held by the deploy policy: %.100s", c.held);
			json_array_append_new(skipped,
					      json_pack("{s:I,s:o,s:s}", "host_id", (json_int_t)h,
							"hostname", str_or_null(hosts.names[i]),
							"reason", c.held ? why : "nothing to install"));
			continue;
		}
		json_t *pk = json_array();
		for (size_t k = 0; k < hp.n; k++)
			json_array_append_new(pk, json_pack("{s:s,s:s,s:s}", "name", hp.t[k].name,
							    "version", hp.t[k].version,
							    "installed", hp.t[k].installed));
		per[nkept] = json_pack("{s:I,s:o,s:o}", "host_id", (json_int_t)h, "hostname",
				       str_or_null(hosts.names[i]), "packages", pk);
		kept_pilot[nkept] = set_has(&pilot, h);
		kept[nkept++] = h;
	}
	size_t counts[PW_RINGS_MAX + 1] = { 0 };
	pw_rings_assign(seed_of(sp), kept, kept_pilot, nkept, pcts, npcts, ring_of);
	for (size_t i = 0; i < nkept; i++) {
		json_object_set_new(per[i], "ring", json_integer(ring_of[i]));
		counts[ring_of[i]]++;
		json_array_append_new(out_hosts, per[i]);
		per[i] = NULL;
	}
	free(kept);
	free(kept_pilot);
	*plan = json_pack("{s:o,s:o,s:o}", "hosts", out_hosts, "skipped", skipped, "rings",
			  ring_names(pcts, npcts, counts));
	out_hosts = skipped = NULL;
	if (!*plan)
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
out:
	if (rc == PW_ERR_NOMEM && !e->msg[0])
		pw_error_set(e, rc, "out of memory");
	json_decref(out_hosts);
	json_decref(skipped);
	for (size_t i = 0; per && i < hosts.n; i++)
		json_decref(per[i]);
	free(per);
	free(ring_of);
	free(in_pilot);
	free((void *)w.names);
	free(w.versions);
	free(hp.t);
	free(fixes.v);
	set_free(&hosts);
	set_free(&pilot);
	pw_arena_free(&a);
	return rc;
}

/* ---- creation ---- */

static const char *source_name(enum pw_change_source src)
{
	switch (src) {
	case PW_CHANGE_FROM_FINDINGS: return "findings";
	case PW_CHANGE_FROM_UPDATES: return "updates";
	case PW_CHANGE_FROM_PACKAGES: return "packages";
	}
	return "findings";
}

static json_t *selector_json(const struct pw_change_spec *sp)
{
	json_t *o = json_pack("{s:s}", "source", source_name(sp->source));
	if (sp->source == PW_CHANGE_FROM_FINDINGS) {
		if (sp->priority)
			json_object_set_new(o, "priority", json_integer(sp->priority));
		if (sp->kev)
			json_object_set_new(o, "kev", json_true());
		if (sp->cve)
			json_object_set_new(o, "cve", json_string_nocheck(sp->cve));
		if (sp->package)
			json_object_set_new(o, "package", json_string_nocheck(sp->package));
		if (sp->finding_kind)
			json_object_set_new(o, "kind", json_string(sp->finding_kind));
	} else if (sp->source == PW_CHANGE_FROM_UPDATES) {
		json_object_set_new(o, "security_only", json_boolean(sp->security_only));
	} else {
		json_t *p = json_array();
		for (size_t i = 0; i < sp->npackages; i++)
			json_array_append_new(p, json_string_nocheck(sp->packages[i]));
		json_object_set_new(o, "packages", p);
	}
	if (sp->group) {
		json_object_set_new(o, "group", json_string_nocheck(sp->group));
	} else {
		json_t *h = json_array();
		for (size_t i = 0; i < sp->nhosts; i++)
			json_array_append_new(h, json_integer(sp->hosts[i]));
		json_object_set_new(o, "hosts", h);
	}
	return o;
}

pw_err pw_change_create(struct pw_store *s, const struct pw_change_spec *sp,
			const json_t *plan, const struct pw_change_who *who, int64_t now,
			int64_t *id, struct pw_error *e)
{
	int pcts[PW_RINGS_MAX];
	size_t npcts = 0;
	pw_err rc = check_spec(sp, pcts, &npcts, e);
	if (rc)
		return rc;
	const json_t *hosts = json_object_get(plan, "hosts");
	if (!json_array_size(hosts))
		return pw_error_set(e, PW_ERR_INVALID,
				    "the change would install nothing on any of its hosts");
	json_t *sel = selector_json(sp);
	char *selector = json_dumps(sel, JSON_COMPACT);
	json_decref(sel);
	if (!selector)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	struct pw_change_row c = {
		.title = sp->title, .ticket = sp->ticket, .requester = who->actor,
		.requester_key = who->key, .kind = sp->emergency ? "emergency" : "normal",
		.state = "pending_approval", .selector = selector, .target_group = sp->group,
		.pilot_group = sp->pilot_group, .rings = sp->rings ? sp->rings : PW_RINGS_DEFAULT,
		.success_pct = sp->success_pct < 0 ? 100 : sp->success_pct,
		.soak_s = sp->soak_s < 0 ? 0 : sp->soak_s,
		.concurrency = sp->concurrency > 0 ? sp->concurrency : PW_CHANGE_CONCURRENCY_DEFAULT,
		.approvals_needed = sp->approvals > 0 ? sp->approvals : 1,
		.reboot = sp->reboot ? sp->reboot : "if_required", .health_check = sp->health_check,
		.job_ttl = sp->job_ttl > 0 ? sp->job_ttl : PW_CHANGE_JOB_TTL_DEFAULT,
	};
	if ((rc = pw_store_begin(s, e))) {
		free(selector);
		return rc;
	}
	rc = pw_changes_insert(s, &c, now, id, e);
	size_t i;
	const json_t *h;
	json_array_foreach(hosts, i, h) {
		if (rc)
			break;
		/* what the jobs carry: name and version only */
		json_t *pk = json_array();
		size_t k;
		const json_t *p;
		json_array_foreach(json_object_get(h, "packages"), k, p)
			json_array_append_new(pk, json_pack("{s:O,s:O}", "name",
							    json_object_get(p, "name"), "version",
							    json_object_get(p, "version")));
		char *text = json_dumps(pk, JSON_COMPACT);
		json_decref(pk);
		if (!text) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			break;
		}
		rc = pw_changes_add_target(s, *id, json_integer_value(json_object_get(h, "host_id")),
					   (int)json_integer_value(json_object_get(h, "ring")), text,
					   e);
		free(text);
	}
	const json_t *r;
	json_array_foreach(json_object_get(plan, "rings"), i, r) {
		if (rc)
			break;
		rc = pw_changes_add_ring(s, *id, (int)json_integer_value(json_object_get(r, "ring")),
					 json_string_value(json_object_get(r, "name")),
					 json_integer_value(json_object_get(r, "hosts")), e);
	}
	if (!rc)
		rc = audit(s, who->actor, "change.create", *id, NULL,
			   json_pack("{s:s,s:o,s:s,s:s,s:I,s:O,s:o}", "state", "pending_approval",
				     "ticket", str_or_null(sp->ticket), "title", sp->title, "kind",
				     c.kind, "hosts", (json_int_t)json_array_size(hosts), "rings",
				     json_object_get(plan, "rings"), "selector",
				     json_loads(selector, 0, NULL)),
			   e);
	free(selector);
	/* the deploy policy may approve it at once (auto_approve); an
	 * emergency change always goes to people */
	bool security_only = sp->source == PW_CHANGE_FROM_UPDATES && sp->security_only;
	if (!rc && sp->policy && !sp->emergency &&
	    pw_policy_auto_approved(sp->policy, sp->group, NULL, security_only)) {
		if (!(rc = pw_changes_set_state(s, *id, "approved", now, e)) &&
		    !(rc = pw_changes_stamp(s, *id, "approved_at", now, e)))
			rc = audit(s, "system:policy", "change.auto_approve", *id, "pending_approval",
				   json_pack("{s:s,s:b}", "state", "approved", "security_only",
					     security_only),
				   e);
	}
	if (!rc)
		rc = pw_store_commit(s, e);
	if (rc)
		pw_store_rollback(s);
	return rc;
}

/* ---- transitions ---- */

/* Open a transaction and load the change; the caller commits or rolls back. */
/* Open the write transaction and read the change into a (initialised
 * here); on failure nothing is left open or allocated. finish() ends both. */
static pw_err begin_with(struct pw_store *s, int64_t id, struct pw_arena *a,
			 struct pw_change_row *c, struct pw_error *e)
{
	pw_arena_init(a);
	pw_err rc = pw_store_begin(s, e);
	if (!rc && (rc = pw_changes_get(s, id, a, c, e)))
		pw_store_rollback(s);
	if (rc)
		pw_arena_free(a);
	return rc;
}

static pw_err finish(struct pw_store *s, pw_err rc, struct pw_arena *a, struct pw_error *e)
{
	if (!rc)
		rc = pw_store_commit(s, e);
	if (rc)
		pw_store_rollback(s);
	pw_arena_free(a);
	return rc;
}

static int needed(const struct pw_change_row *c)
{
	return c->approvals_needed + (strcmp(c->kind, "emergency") == 0 ? 1 : 0);
}

pw_err pw_change_approve(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			 int64_t now, enum pw_change_refusal *why, struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	if (why)
		*why = PW_CHANGE_REFUSED_NOT;
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	int64_t n = 0;
	bool mine = false;
	if (strcmp(c.state, "pending_approval") != 0)
		rc = refuse(why, PW_CHANGE_REFUSED_STATE, e, "change c-%lld is %s, not pending approval",
			    (long long)id, c.state);
	else if (strcmp(c.requester_key, who->key) == 0)
		rc = refuse(why, PW_CHANGE_REFUSED_SELF, e,
			    "the requester cannot approve their own change (c-%lld was requested"
			    " by %s)", (long long)id, c.requester);
	else if (!(rc = pw_changes_count_approvals(s, id, c.revision, who->key, &n, &mine, e)) &&
		 mine)
		rc = refuse(why, PW_CHANGE_REFUSED_TWICE, e,
			    "%s already approved revision %lld of change c-%lld", who->actor,
			    (long long)c.revision, (long long)id);
	if (!rc) {
		struct pw_change_approval ap = { c.revision, who->actor, who->key, "approve", NULL, now };
		rc = pw_changes_add_approval(s, id, &ap, e);
		n++;
	}
	bool done = n >= needed(&c);
	if (!rc && done && !(rc = pw_changes_set_state(s, id, "approved", now, e)))
		rc = pw_changes_stamp(s, id, "approved_at", now, e);
	if (!rc)
		rc = audit(s, who->actor, "change.approve", id, c.state,
			   json_pack("{s:s,s:I,s:I,s:I}", "state", done ? "approved" : c.state,
				     "approvals", (json_int_t)n, "needed", (json_int_t)needed(&c),
				     "revision", (json_int_t)c.revision),
			   e);
	return finish(s, rc, &a, e);
}

pw_err pw_change_reject(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			const char *reason, int64_t now, enum pw_change_refusal *why,
			struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	static const char *const from[] = { "pending_approval", "approved", NULL };
	if (why)
		*why = PW_CHANGE_REFUSED_NOT;
	if (!reason || !*reason || strlen(reason) > 1000)
		return pw_error_set(e, PW_ERR_INVALID, "reason: a rejection says why (1 to 1000 bytes)");
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	if (!in_states(c.state, from))
		rc = refuse(why, PW_CHANGE_REFUSED_STATE, e, "change c-%lld is %s: only a change"
			    " awaiting its start can be rejected", (long long)id, c.state);
	struct pw_change_approval ap = { c.revision, who->actor, who->key, "reject", reason, now };
	if (!rc)
		rc = pw_changes_add_approval(s, id, &ap, e);
	if (!rc && !(rc = pw_changes_set_state(s, id, "rejected", now, e)))
		rc = pw_changes_stamp(s, id, "finished_at", now, e);
	if (!rc)
		rc = audit(s, who->actor, "change.reject", id, c.state,
			   json_pack("{s:s,s:s}", "state", "rejected", "reason", reason), e);
	return finish(s, rc, &a, e);
}

pw_err pw_change_edit(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		      const char *title, const char *ticket, int success_pct, int64_t soak_s,
		      int concurrency, int64_t now, enum pw_change_refusal *why,
		      struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	static const char *const from[] = { "pending_approval", "approved", NULL };
	if (why)
		*why = PW_CHANGE_REFUSED_NOT;
	if (title && (!*title || strlen(title) > 200))
		return pw_error_set(e, PW_ERR_INVALID, "title: expected 1 to 200 characters");
	if (ticket && strlen(ticket) > 200)
		return pw_error_set(e, PW_ERR_INVALID, "ticket: at most 200 characters");
	if (success_pct > 100 || soak_s > 30LL * 86400 || concurrency > 100000 || concurrency == 0)
		return pw_error_set(e, PW_ERR_INVALID,
				    "success_pct 0-100, soak at most 30 days, concurrency 1-100000");
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	if (!in_states(c.state, from))
		rc = refuse(why, PW_CHANGE_REFUSED_STATE, e,
			    "change c-%lld is %s: only a change not yet started can be edited",
			    (long long)id, c.state);
	if (!rc)
		rc = pw_changes_edit(s, id, title, ticket, success_pct, soak_s, concurrency, now, e);
	/* the approvals were given for what the change said before */
	if (!rc && strcmp(c.state, "approved") == 0)
		rc = pw_changes_set_state(s, id, "pending_approval", now, e);
	if (!rc) {
		json_t *after = json_pack("{s:s,s:I,s:b}", "state", "pending_approval", "revision",
					  (json_int_t)c.revision + 1, "approvals_voided",
					  strcmp(c.state, "approved") == 0 || c.revision > 0);
		if (title)
			json_object_set_new(after, "title", json_string_nocheck(title));
		if (ticket)
			json_object_set_new(after, "ticket", json_string_nocheck(ticket));
		if (success_pct >= 0)
			json_object_set_new(after, "success_pct", json_integer(success_pct));
		if (soak_s >= 0)
			json_object_set_new(after, "soak_s", json_integer(soak_s));
		if (concurrency > 0)
			json_object_set_new(after, "concurrency", json_integer(concurrency));
		rc = audit(s, who->actor, "change.edit", id, c.state, after, e);
	}
	return finish(s, rc, &a, e);
}

struct target_list {
	int64_t *hosts;
	char **packages;
	size_t n, cap;
};

static pw_err target_add(void *ctx, int64_t host, const char *hostname, int ring,
			 const char *packages_json)
{
	struct target_list *t = ctx;
	(void)hostname;
	(void)ring;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		int64_t *h = realloc(t->hosts, cap * sizeof(*h));
		if (!h)
			return PW_ERR_NOMEM;
		t->hosts = h;
		char **p = realloc(t->packages, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		t->packages = p;
		t->cap = cap;
	}
	t->packages[t->n] = strdup(packages_json ? packages_json : "[]");
	if (!t->packages[t->n])
		return PW_ERR_NOMEM;
	t->hosts[t->n++] = host;
	return PW_OK;
}

static void target_list_free(struct target_list *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->packages[i]);
	free(t->hosts);
	free(t->packages);
}

struct rings {
	struct pw_change_ring r[PW_RINGS_MAX + 1];
	char state[PW_RINGS_MAX + 1][12];
	size_t n;
};

static pw_err ring_cb(void *ctx, const struct pw_change_ring *r)
{
	struct rings *x = ctx;
	if (x->n <= PW_RINGS_MAX) {
		x->r[x->n] = *r;
		snprintf(x->state[x->n], sizeof(x->state[0]), "%s", r->state ? r->state : "");
		x->r[x->n].state = x->state[x->n];
		x->r[x->n].name = NULL; /* not kept */
		x->n++;
	}
	return PW_OK;
}

/* Queue the jobs of `ring` and make it the active one. */
static pw_err activate_ring(struct pw_store *s, const struct pw_change_row *c, int ring,
			    const char *actor, int64_t now, struct pw_error *e)
{
	struct target_list t = { 0 };
	pw_err rc = pw_changes_each_target(s, c->id, ring, target_add, &t, e);
	if (rc == PW_ERR_NOMEM && !e->msg[0])
		pw_error_set(e, rc, "out of memory");
	for (size_t i = 0; !rc && i < t.n; i++) {
		struct pw_job_row j = {
			.change_id = c->id, .host_id = t.hosts[i], .ring = ring, .action = "install",
			.packages = t.packages[i], .reboot = c->reboot, .health_check = c->health_check,
		};
		rc = pw_jobs_insert(s, &j, now, NULL, e);
	}
	if (!rc)
		rc = pw_changes_ring_state(s, c->id, ring, "active", now, e);
	if (!rc)
		rc = pw_changes_set_ring(s, c->id, ring, now, e);
	if (!rc)
		rc = audit(s, actor, "change.ring_start", c->id, NULL,
			   json_pack("{s:i,s:I}", "ring", ring, "jobs", (json_int_t)t.n), e);
	target_list_free(&t);
	return rc;
}

/* The next ring after `after` with hosts; -1 when none. */
static int next_ring(const struct rings *rs, int after)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->r[i].ring > after && rs->r[i].hosts > 0)
			return rs->r[i].ring;
	}
	return -1;
}

pw_err pw_change_start(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		       int64_t now, enum pw_change_refusal *why, struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	struct rings rs = { .n = 0 };
	if (why)
		*why = PW_CHANGE_REFUSED_NOT;
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	if (strcmp(c.state, "approved") != 0)
		rc = refuse(why, PW_CHANGE_REFUSED_STATE, e,
			    "change c-%lld is %s: only an approved change starts", (long long)id,
			    c.state);
	if (!rc)
		rc = pw_changes_each_ring(s, id, ring_cb, &rs, e);
	int first = next_ring(&rs, -1);
	if (!rc && !(rc = pw_changes_set_state(s, id, "running", now, e)))
		rc = pw_changes_stamp(s, id, "started_at", now, e);
	if (!rc)
		rc = audit(s, who->actor, "change.start", id, c.state,
			   json_pack("{s:s,s:i}", "state", "running", "ring", first), e);
	if (!rc && first >= 0) {
		c.state = "running";
		rc = activate_ring(s, &c, first, who->actor, now, e);
	}
	return finish(s, rc, &a, e);
}

static pw_err simple(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		     const char *const *from, const char *to, const char *action, int64_t now,
		     enum pw_change_refusal *why, struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	if (why)
		*why = PW_CHANGE_REFUSED_NOT;
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	int64_t cancelled = 0;
	if (!in_states(c.state, from))
		rc = refuse(why, PW_CHANGE_REFUSED_STATE, e, "change c-%lld is %s: cannot %s it",
			    (long long)id, c.state, action + strlen("change."));
	if (!rc)
		rc = pw_changes_set_state(s, id, to, now, e);
	if (!rc && strcmp(to, "aborted") == 0) {
		rc = pw_jobs_cancel_queued(s, id, NULL, &cancelled, e);
		if (!rc)
			rc = pw_changes_stamp(s, id, "finished_at", now, e);
	}
	if (!rc)
		rc = audit(s, who->actor, action, id, c.state,
			   json_pack("{s:s,s:I}", "state", to, "jobs_cancelled",
				     (json_int_t)cancelled),
			   e);
	return finish(s, rc, &a, e);
}

pw_err pw_change_pause(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		       int64_t now, enum pw_change_refusal *why, struct pw_error *e)
{
	static const char *const from[] = { "running", NULL };
	return simple(s, id, who, from, "paused", "change.pause", now, why, e);
}

pw_err pw_change_abort(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		       int64_t now, enum pw_change_refusal *why, struct pw_error *e)
{
	static const char *const from[] = { "pending_approval", "approved", "running", "paused",
					    "halted", NULL };
	return simple(s, id, who, from, "aborted", "change.abort", now, why, e);
}

pw_err pw_change_resume(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			int64_t now, enum pw_change_refusal *why, struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	static const char *const from[] = { "paused", "halted", NULL };
	if (why)
		*why = PW_CHANGE_REFUSED_NOT;
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	bool halted = strcmp(c.state, "halted") == 0;
	if (!in_states(c.state, from))
		rc = refuse(why, PW_CHANGE_REFUSED_STATE, e,
			    "change c-%lld is %s: only a paused or halted change resumes",
			    (long long)id, c.state);
	/* the change-manager accepted the halted ring's failures: its gates
	 * count the other hosts from now on */
	if (!rc && halted && c.current_ring >= 0) {
		rc = pw_jobs_ack_failed(s, id, c.current_ring, e);
		if (!rc)
			rc = pw_changes_ring_state(s, id, c.current_ring, "active", now, e);
		if (!rc)
			rc = pw_changes_set_halt(s, id, NULL, now, e);
	}
	if (!rc)
		rc = pw_changes_set_state(s, id, "running", now, e);
	if (!rc)
		rc = audit(s, who->actor, "change.resume", id, c.state,
			   json_pack("{s:s,s:i,s:o}", "state", "running", "ring", c.current_ring,
				     "acknowledged", str_or_null(halted ? c.halt_reason : NULL)),
			   e);
	rc = finish(s, rc, &a, e);
	/* the ring's gates at once: with its failures acknowledged it may pass */
	if (!rc)
		rc = pw_change_advance(s, id, now, NULL, NULL, e);
	return rc;
}

struct undo {
	char **ids, **before;
	int64_t *hosts;
	int *rings;
	size_t n, cap;
};

static pw_err undo_cb(void *ctx, const struct pw_job_row *j)
{
	struct undo *u = ctx;
	if (strcmp(j->action, "install") != 0 || strcmp(j->state, "succeeded") != 0)
		return PW_OK;
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		char **ids = realloc(u->ids, cap * sizeof(*ids));
		if (!ids)
			return PW_ERR_NOMEM;
		u->ids = ids;
		char **b = realloc(u->before, cap * sizeof(*b));
		if (!b)
			return PW_ERR_NOMEM;
		u->before = b;
		int64_t *h = realloc(u->hosts, cap * sizeof(*h));
		if (!h)
			return PW_ERR_NOMEM;
		u->hosts = h;
		int *r = realloc(u->rings, cap * sizeof(*r));
		if (!r)
			return PW_ERR_NOMEM;
		u->rings = r;
		u->cap = cap;
	}
	/* the versions the agent found before it installed: what to restore */
	json_t *rep = j->report ? json_loads(j->report, 0, NULL) : NULL;
	json_t *pk = json_array();
	size_t i;
	const json_t *b;
	json_array_foreach(json_object_get(rep, "before"), i, b) {
		const json_t *n = json_object_get(b, "name"), *v = json_object_get(b, "version");
		if (json_is_string(n) && json_is_string(v))
			json_array_append_new(pk, json_pack("{s:O,s:O}", "name", n, "version", v));
	}
	json_decref(rep);
	u->before[u->n] = json_dumps(pk, JSON_COMPACT);
	json_decref(pk);
	u->ids[u->n] = strdup(j->id);
	if (!u->before[u->n] || !u->ids[u->n]) {
		free(u->before[u->n]);
		free(u->ids[u->n]);
		return PW_ERR_NOMEM;
	}
	u->hosts[u->n] = j->host_id;
	u->rings[u->n] = j->ring;
	u->n++;
	return PW_OK;
}

pw_err pw_change_rollback(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			  int64_t now, enum pw_change_refusal *why, struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	struct undo u = { 0 };
	static const char *const from[] = { "running", "paused", "halted", "completed",
					    "aborted", NULL };
	if (why)
		*why = PW_CHANGE_REFUSED_NOT;
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	int64_t cancelled = 0;
	if (!in_states(c.state, from))
		rc = refuse(why, PW_CHANGE_REFUSED_STATE, e,
			    "change c-%lld is %s: nothing was installed to roll back",
			    (long long)id, c.state);
	if (!rc)
		rc = pw_jobs_cancel_queued(s, id, NULL, &cancelled, e);
	if (!rc && (rc = pw_jobs_each(s, id, -1, "install", undo_cb, &u, e)) == PW_ERR_NOMEM)
		pw_error_set(e, rc, "out of memory");
	for (size_t i = 0; !rc && i < u.n; i++) {
		struct pw_job_row j = {
			.change_id = id, .host_id = u.hosts[i], .ring = u.rings[i],
			.action = "rollback", .packages = u.before[i], .of = u.ids[i],
			.reboot = c.reboot, .health_check = c.health_check,
		};
		rc = pw_jobs_insert(s, &j, now, NULL, e);
	}
	const char *to = u.n ? "rolling_back" : "rolled_back";
	if (!rc)
		rc = pw_changes_set_state(s, id, to, now, e);
	if (!rc && !u.n)
		rc = pw_changes_stamp(s, id, "finished_at", now, e);
	if (!rc)
		rc = audit(s, who->actor, "change.rollback", id, c.state,
			   json_pack("{s:s,s:I,s:I}", "state", to, "rollback_jobs", (json_int_t)u.n,
				     "jobs_cancelled", (json_int_t)cancelled),
			   e);
	for (size_t i = 0; i < u.n; i++) {
		free(u.ids[i]);
		free(u.before[i]);
	}
	free(u.ids);
	free(u.before);
	free(u.hosts);
	free(u.rings);
	return finish(s, rc, &a, e);
}

/* ---- advancing ---- */

#define GATES_ACTOR "system:gates"

struct evidence_ctx {
	json_t *jobs;
};

static pw_err evidence_cb(void *ctx, const struct pw_job_row *j)
{
	struct evidence_ctx *x = ctx;
	json_t *rep = j->report ? json_loads(j->report, 0, NULL) : NULL;
	json_t *o = json_pack("{s:s,s:I,s:s,s:o,s:o,s:o}", "job", j->id, "host_id",
			      (json_int_t)j->host_id, "state", j->state, "verified",
			      j->verified < 0 ? json_null() : json_boolean(j->verified),
			      "health", str_or_null(j->health), "reported_at",
			      time_or_null(j->reported_at));
	if (rep) {
		json_t *after = json_object_get(rep, "after");
		if (after)
			json_object_set(o, "after", after);
		json_t *err = json_object_get(rep, "error");
		if (json_is_string(err))
			json_object_set(o, "error", err);
	}
	json_decref(rep);
	json_array_append_new(x->jobs, o);
	return PW_OK;
}

static struct pw_ring_outcome outcome_of(const struct pw_job_counts *k)
{
	return (struct pw_ring_outcome){ k->total, k->waiting, k->succeeded, k->failed,
					 k->health_failed, k->rolled_back, k->last_report };
}

/* An agent that never reports must not hold its ring forever: a job
 * handed out is given an hour past its not_after (the agent refuses to
 * start it after not_after) and then counts as failed. */
#define EXPIRY_GRACE 3600

static pw_err advance_locked(struct pw_store *s, const struct pw_change_row *c, int64_t now,
			     pw_change_notify notify, void *ctx, struct pw_error *e)
{
	pw_err rc;
	struct pw_job_counts k;
	int64_t expired = 0;
	if ((rc = pw_jobs_expire(s, c->id, now - EXPIRY_GRACE, now, &expired, e)))
		return rc;
	if (expired && (rc = audit(s, GATES_ACTOR, "change.jobs_expired", c->id, NULL,
				   json_pack("{s:I}", "jobs", (json_int_t)expired), e)))
		return rc;
	if (strcmp(c->state, "rolling_back") == 0) {
		if ((rc = pw_jobs_count(s, c->id, -1, "rollback", &k, e)) || k.waiting)
			return rc;
		if (!(rc = pw_changes_set_state(s, c->id, "rolled_back", now, e)) &&
		    !(rc = pw_changes_stamp(s, c->id, "finished_at", now, e)))
			rc = audit(s, GATES_ACTOR, "change.rolled_back", c->id, c->state,
				   json_pack("{s:s,s:I,s:I}", "state", "rolled_back", "restored",
					     (json_int_t)k.succeeded, "failed",
					     (json_int_t)(k.failed)),
				   e);
		if (!rc && notify)
			notify(ctx, c->id, PW_CHANGE_EVENT_ROLLED_BACK, -1, NULL);
		return rc;
	}
	if (strcmp(c->state, "running") != 0 || c->current_ring < 0)
		return PW_OK;
	int ring = c->current_ring;
	if ((rc = pw_jobs_count(s, c->id, ring, "install", &k, e)))
		return rc;
	struct pw_ring_outcome o = outcome_of(&k);
	struct pw_gates g = { c->success_pct, c->soak_s, c->health_check };
	char reason[256];
	enum pw_gate_verdict v = pw_gate_check(&o, &g, now, reason, sizeof(reason));
	if (v == PW_GATE_WAIT)
		return PW_OK;
	if (v == PW_GATE_FAIL) {
		if (!(rc = pw_changes_ring_state(s, c->id, ring, "halted", now, e)) &&
		    !(rc = pw_changes_set_state(s, c->id, "halted", now, e)) &&
		    !(rc = pw_changes_set_halt(s, c->id, reason, now, e)))
			rc = audit(s, GATES_ACTOR, "change.halt", c->id, c->state,
				   json_pack("{s:s,s:i,s:s,s:I,s:I,s:I}", "state", "halted", "ring",
					     ring, "reason", reason, "succeeded",
					     (json_int_t)o.succeeded, "failed", (json_int_t)o.failed,
					     "waiting", (json_int_t)o.waiting),
				   e);
		if (!rc && notify)
			notify(ctx, c->id, PW_CHANGE_EVENT_HALTED, ring, reason);
		return rc;
	}
	/* passed */
	if ((rc = pw_changes_ring_state(s, c->id, ring, "passed", now, e)) ||
	    (rc = audit(s, GATES_ACTOR, "change.ring_pass", c->id, NULL,
			json_pack("{s:i,s:I,s:I}", "ring", ring, "succeeded",
				  (json_int_t)o.succeeded, "acknowledged_failures",
				  (json_int_t)k.acked),
			e)))
		return rc;
	if (notify)
		notify(ctx, c->id, PW_CHANGE_EVENT_RING_PASSED, ring, NULL);
	if (ring == 0) {
		/* the pilot's results are the change's test evidence */
		struct evidence_ctx x = { json_array() };
		if ((rc = pw_jobs_each(s, c->id, 0, "install", evidence_cb, &x, e))) {
			json_decref(x.jobs);
			return rc;
		}
		json_t *ev = json_pack("{s:s,s:o,s:I,s:I,s:I,s:o}", "ring", "pilot", "passed_at",
				       time_or_null(now), "succeeded", (json_int_t)o.succeeded,
				       "failed", (json_int_t)o.failed, "acknowledged_failures",
				       (json_int_t)k.acked, "jobs", x.jobs);
		char *text = json_dumps(ev, JSON_COMPACT);
		json_decref(ev);
		if (!text)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		rc = pw_changes_set_evidence(s, c->id, text, now, e);
		free(text);
		if (rc)
			return rc;
	}
	struct rings rs = { .n = 0 };
	if ((rc = pw_changes_each_ring(s, c->id, ring_cb, &rs, e)))
		return rc;
	int next = next_ring(&rs, ring);
	if (next >= 0) {
		rc = activate_ring(s, c, next, GATES_ACTOR, now, e);
		if (!rc && notify)
			notify(ctx, c->id, PW_CHANGE_EVENT_RING_STARTED, next, NULL);
		return rc;
	}
	if (!(rc = pw_changes_set_state(s, c->id, "completed", now, e)) &&
	    !(rc = pw_changes_stamp(s, c->id, "finished_at", now, e)))
		rc = audit(s, GATES_ACTOR, "change.complete", c->id, c->state,
			   json_pack("{s:s}", "state", "completed"), e);
	if (!rc && notify)
		notify(ctx, c->id, PW_CHANGE_EVENT_COMPLETED, ring, NULL);
	return rc;
}

pw_err pw_change_advance(struct pw_store *s, int64_t id, int64_t now, pw_change_notify notify,
			 void *ctx, struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	pw_err rc = begin_with(s, id, &a, &c, e);
	if (rc)
		return rc;
	rc = advance_locked(s, &c, now, notify, ctx, e);
	return finish(s, rc, &a, e);
}

pw_err pw_change_advance_all(struct pw_store *s, int64_t now, pw_change_notify notify,
			     void *ctx, struct pw_error *e)
{
	static const char *const which[] = { "running", "rolling_back" };
	int64_t ids[256];
	for (size_t w = 0; w < 2; w++) {
		size_t n = 0;
		pw_err rc = pw_changes_ids_in_state(s, which[w], ids, 256, &n, e);
		for (size_t i = 0; !rc && i < n; i++)
			rc = pw_change_advance(s, ids[i], now, notify, ctx, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

/* ---- documents ---- */

static json_t *change_summary(const struct pw_change_row *c)
{
	char id[32];
	snprintf(id, sizeof(id), "c-%lld", (long long)c->id);
	json_t *sel = c->selector ? json_loads(c->selector, 0, NULL) : NULL;
	json_t *o = json_pack(
		"{s:s,s:s,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:I,s:i,s:I,s:o,s:o,s:o,s:o,s:o}", "id", id,
		"title", c->title, "ticket", str_or_null(c->ticket), "requester", c->requester,
		"kind", c->kind, "state", c->state, "target_group", str_or_null(c->target_group),
		"pilot_group", str_or_null(c->pilot_group), "selector", sel ? sel : json_null(),
		"hosts", (json_int_t)c->nhosts, "current_ring", c->current_ring, "revision",
		(json_int_t)c->revision, "created_at", time_or_null(c->created_at), "approved_at",
		time_or_null(c->approved_at), "started_at", time_or_null(c->started_at),
		"finished_at", time_or_null(c->finished_at), "halt_reason",
		str_or_null(c->halt_reason));
	if (!o)
		return NULL;
	json_object_set_new(o, "gates",
			    json_pack("{s:s,s:i,s:I,s:b,s:i}", "rings", c->rings, "success_pct",
				      c->success_pct, "soak_s", (json_int_t)c->soak_s,
				      "health_check", c->health_check, "concurrency",
				      c->concurrency));
	json_object_set_new(o, "approvals_needed", json_integer(needed(c)));
	json_object_set_new(o, "reboot", json_string(c->reboot));
	return o;
}

struct list_ctx {
	json_t *items;
};

static pw_err list_cb(void *ctx, const struct pw_change_row *c)
{
	struct list_ctx *l = ctx;
	json_t *o = change_summary(c);
	if (!o)
		return PW_ERR_NOMEM;
	json_array_append_new(l->items, o);
	return PW_OK;
}

pw_err pw_change_list_json(struct pw_store *s, const char *state, int64_t after_id,
			   int64_t limit, json_t **items, struct pw_error *e)
{
	struct list_ctx l = { json_array() };
	pw_err rc = pw_changes_each(s, state, after_id, limit, list_cb, &l, e);
	if (rc) {
		if (rc == PW_ERR_NOMEM && !e->msg[0])
			pw_error_set(e, rc, "out of memory");
		json_decref(l.items);
		l.items = NULL;
	}
	*items = l.items;
	return rc;
}

struct doc_ctx {
	json_t *arr;
	int64_t revision;
	int64_t given;
};

static pw_err approval_cb(void *ctx, const struct pw_change_approval *ap)
{
	struct doc_ctx *d = ctx;
	bool current = ap->revision == d->revision;
	if (current && strcmp(ap->decision, "approve") == 0)
		d->given++;
	json_array_append_new(d->arr,
			      json_pack("{s:s,s:s,s:I,s:b,s:o,s:o}", "actor", ap->actor, "decision",
					ap->decision, "revision", (json_int_t)ap->revision, "void",
					!current, "reason", str_or_null(ap->reason), "at",
					time_or_null(ap->at)));
	return PW_OK;
}

struct ring_doc_ctx {
	json_t *arr;
};

static pw_err ring_doc_cb(void *ctx, const struct pw_change_ring *r)
{
	struct ring_doc_ctx *d = ctx;
	json_array_append_new(d->arr,
			      json_pack("{s:i,s:s,s:I,s:s,s:o,s:o}", "ring", r->ring, "name", r->name,
					"hosts", (json_int_t)r->hosts, "state", r->state,
					"started_at", time_or_null(r->started_at), "passed_at",
					time_or_null(r->passed_at)));
	return PW_OK;
}

static pw_err host_doc_cb(void *ctx, int64_t host, const char *hostname, int ring,
			  const char *packages_json)
{
	struct ring_doc_ctx *d = ctx;
	json_t *pk = packages_json ? json_loads(packages_json, 0, NULL) : NULL;
	json_array_append_new(d->arr, json_pack("{s:I,s:o,s:i,s:o}", "host_id", (json_int_t)host,
						"hostname", str_or_null(hostname), "ring", ring,
						"packages", pk ? pk : json_array()));
	return PW_OK;
}

static pw_err job_doc_cb(void *ctx, const struct pw_job_row *j)
{
	struct ring_doc_ctx *d = ctx;
	json_array_append_new(d->arr,
			      json_pack("{s:s,s:I,s:i,s:s,s:s,s:o,s:o,s:o,s:o}", "id", j->id,
					"host_id", (json_int_t)j->host_id, "ring", j->ring, "action",
					j->action, "state", j->state, "verified",
					j->verified < 0 ? json_null() : json_boolean(j->verified),
					"health", str_or_null(j->health), "dispatched_at",
					time_or_null(j->dispatched_at), "reported_at",
					time_or_null(j->reported_at)));
	return PW_OK;
}

pw_err pw_change_json(struct pw_store *s, int64_t id, bool with_hosts, json_t **out,
		      struct pw_error *e)
{
	struct pw_arena a;
	struct pw_change_row c;
	*out = NULL;
	pw_arena_init(&a);
	pw_err rc = pw_changes_get(s, id, &a, &c, e);
	json_t *o = rc ? NULL : change_summary(&c);
	if (!rc && !o)
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	struct doc_ctx ap = { json_array(), c.revision, 0 };
	struct ring_doc_ctx rings = { json_array() };
	if (!rc)
		rc = pw_changes_each_approval(s, id, approval_cb, &ap, e);
	if (!rc)
		rc = pw_changes_each_ring(s, id, ring_doc_cb, &rings, e);
	/* each ring's jobs by outcome, read after the rings (one statement at
	 * a time per connection) */
	size_t i;
	json_t *r;
	json_array_foreach(rings.arr, i, r) {
		struct pw_job_counts k;
		if (rc)
			break;
		rc = pw_jobs_count(s, id, (int)json_integer_value(json_object_get(r, "ring")), NULL,
				   &k, e);
		json_object_set_new(r, "jobs",
				    json_pack("{s:I,s:I,s:I,s:I,s:I}", "total", (json_int_t)k.total,
					      "waiting", (json_int_t)k.waiting, "succeeded",
					      (json_int_t)k.succeeded, "failed", (json_int_t)k.failed,
					      "acknowledged", (json_int_t)k.acked));
	}
	if (!rc) {
		json_object_set_new(o, "approvals", ap.arr);
		json_object_set_new(o, "approvals_given", json_integer(ap.given));
		json_object_set_new(o, "rings", rings.arr);
		ap.arr = rings.arr = NULL;
		json_t *ev = c.evidence ? json_loads(c.evidence, 0, NULL) : NULL;
		json_object_set_new(o, "evidence", ev ? ev : json_null());
	}
	if (!rc && with_hosts) {
		struct ring_doc_ctx hosts = { json_array() }, jobs = { json_array() };
		rc = pw_changes_each_target(s, id, -1, host_doc_cb, &hosts, e);
		if (!rc)
			rc = pw_jobs_each(s, id, -1, NULL, job_doc_cb, &jobs, e);
		json_object_set_new(o, "targets", hosts.arr);
		json_object_set_new(o, "jobs", jobs.arr);
	}
	json_decref(ap.arr);
	json_decref(rings.arr);
	if (rc)
		json_decref(o);
	else
		*out = o;
	pw_arena_free(&a);
	return rc;
}
