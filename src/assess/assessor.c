/* assessor.c - the fleet assessment, incremental (pw_assessor.h).
 *
 * Memory: the vulndb (index and memo), the fleet, and every assessed
 * host's inventory (the fleet borrows it: each lives in its own
 * allocation, so its address stays put while the host table grows). The
 * inventories are kept compact: their strings are interned in one table
 * shared by the fleet (a thousand hosts have a few thousand distinct
 * package names and versions between them), so a host costs its package
 * array and nothing more: ~95 KB for 823 packages, where the inventory as
 * loaded holds its own copies in arena chunks (~250 KB).
 */
#include "pw_assessor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "pw_arena.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_cpe.h"
#include "pw_findings.h"
#include "pw_fleet.h"
#include "pw_match.h"
#include "pw_policy.h"
#include "pw_registry.h"
#include "pw_risk.h"
#include "pw_store.h"

#define STATE_GENERATION "feed_generation"
#define STATE_KEV "kev_changed"
#define STATE_EPSS "epss_changed"
#define STATE_DAY "scored_day"
#define STATE_POLICY "policy_digest" /* of the policy the findings were scored with */

struct ahost {
	int64_t id;
	struct pw_inventory *inv; /* NULL: not loaded (a device, or not assessable) */
	size_t fleet_id;
	bool in_fleet;
	/* the stored inventory's digest, read before loading it: the host is
	 * marked assessed only when it is still the same (an upload landing
	 * during a run leaves the host dirty for the next) */
	char digest[80];
	/* this run */
	bool write, dirty;
	unsigned why; /* WHY_* */
};

enum { WHY_CHANGED = 1, WHY_TOUCHED = 2, WHY_RESCORE = 4, WHY_LOADED = 8 };

/* One device CPE. */
struct dcpe {
	int64_t host_id;
	char *cpe;
};

/* One NVD criterion, by product for look-up. */
struct crit {
	char *product; /* lowercased */
	char *vuln_id, *criteria, *start_incl, *start_excl, *end_incl, *end_excl;
};

/* Interned strings: equal strings share one copy. */
struct interner {
	struct pw_arena arena;
	const char **slots;
	size_t n, cap;
};

struct pw_assessor {
	struct interner strings;
	struct pw_policy policy;
	pw_assessor_log log;
	void *log_ctx;
	struct pw_vulndb *db;
	struct pw_fleet *fleet;
	bool started;
	int64_t generation; /* of the store, caught up with */
	int64_t kev_changed, epss_changed;
	int64_t day; /* UTC day of the last run: a KEV due date passes with the days */
	bool policy_moved; /* started with another policy than the findings were scored with */
	struct ahost *hosts; /* sorted by id */
	size_t nhosts, cap;
	bool failed;         /* the last run stopped on an error: its hosts still to write */
	bool in_batch;       /* a write transaction is open */
	size_t nbatch;       /* hosts written in it */
	struct crit *crits;
	size_t ncrits;
	bool crits_loaded;
	int64_t crits_generation;
};

static void say(struct pw_assessor *a, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct pw_assessor *a, const char *level, const char *fmt, ...)
{
	if (!a->log)
		return;
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->log(a->log_ctx, level, msg);
}

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory assessing the fleet");
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* s's interned copy; NULL stays NULL. NULL with *nomem on ENOMEM. */
static const char *intern(struct interner *t, const char *s, bool *nomem)
{
	if (!s)
		return NULL;
	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		const char **slots = calloc(cap, sizeof(*slots));
		if (!slots) {
			*nomem = true;
			return NULL;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slots[i])
				continue;
			size_t j = hash_str(t->slots[i]) & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = t->slots[i];
		}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	size_t j = hash_str(s) & (t->cap - 1);
	for (; t->slots[j]; j = (j + 1) & (t->cap - 1)) {
		if (strcmp(t->slots[j], s) == 0)
			return t->slots[j];
	}
	char *copy = pw_arena_strdup(&t->arena, s);
	if (!copy) {
		*nomem = true;
		return NULL;
	}
	t->slots[j] = copy;
	t->n++;
	return copy;
}

/* A copy of inv holding what assessment reads, its strings interned, its
 * package array exactly sized. Freed with pw_inventory_free + free. */
static struct pw_inventory *compact(struct pw_assessor *a, const struct pw_inventory *inv)
{
	struct pw_inventory *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pw_arena_init(&c->arena);
	bool nomem = false;
	struct interner *t = &a->strings;
	c->root = "/";
	const struct pw_host_facts *h = &inv->host;
	c->host = (struct pw_host_facts){
		intern(t, h->machine_id, &nomem), intern(t, h->hostname, &nomem),
		intern(t, h->os_id, &nomem), intern(t, h->os_version_id, &nomem),
		intern(t, h->os_codename, &nomem), intern(t, h->os_id_like, &nomem),
		intern(t, h->os_pretty_name, &nomem), intern(t, h->arch, &nomem),
		intern(t, h->kernel_release, &nomem), intern(t, h->kernel_version, &nomem),
	};
	c->has_dpkg = inv->has_dpkg;
	c->has_rpm = inv->has_rpm;
	c->has_apk = inv->has_apk;
	c->has_apt_lists = inv->has_apt_lists;
	c->reboot_required = inv->reboot_required;
	c->newest_kernel = intern(t, inv->newest_kernel, &nomem);
	if (inv->npkgs && !(c->pkgs = malloc(inv->npkgs * sizeof(*c->pkgs))))
		nomem = true;
	for (size_t i = 0; !nomem && i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		c->pkgs[i] = (struct pw_package){
			.family = p->family, .state = p->state,
			.name = intern(t, p->name, &nomem), .arch = intern(t, p->arch, &nomem),
			.version = intern(t, p->version, &nomem),
			.source_name = intern(t, p->source_name, &nomem),
			.source_version = intern(t, p->source_version, &nomem),
			.rpm_epoch = intern(t, p->rpm_epoch, &nomem),
			.rpm_version = intern(t, p->rpm_version, &nomem),
			.rpm_release = intern(t, p->rpm_release, &nomem),
			.rpm_sourcerpm = intern(t, p->rpm_sourcerpm, &nomem),
			.multi_arch = intern(t, p->multi_arch, &nomem),
			.candidate_version = intern(t, p->candidate_version, &nomem),
			.candidate_origin = intern(t, p->candidate_origin, &nomem),
			.candidate_security = p->candidate_security, .is_kernel = p->is_kernel,
		};
		c->npkgs = c->cap_pkgs = i + 1;
	}
	if (nomem) {
		pw_inventory_free(c);
		free(c);
		return NULL;
	}
	return c;
}

pw_err pw_assessor_new(const char *policy_path, pw_assessor_log log, void *log_ctx,
		       struct pw_assessor **out, struct pw_error *e)
{
	struct pw_assessor *a = calloc(1, sizeof(*a));
	if (!a)
		return nomem(e);
	a->log = log;
	a->log_ctx = log_ctx;
	pw_arena_init(&a->strings.arena);
	pw_policy_defaults(&a->policy);
	pw_err rc;
	if (policy_path) {
		rc = pw_policy_load(&a->policy, policy_path, e);
	} else {
		rc = pw_policy_load(&a->policy, PW_POLICY_DEFAULT_PATH, e);
		if (rc == PW_ERR_NOTFOUND)
			rc = PW_OK;
	}
	if (rc) {
		free(a);
		return rc;
	}
	*out = a;
	return PW_OK;
}

const struct pw_policy *pw_assessor_policy(const struct pw_assessor *a)
{
	return &a->policy;
}

static void free_crits(struct pw_assessor *a)
{
	for (size_t i = 0; i < a->ncrits; i++) {
		struct crit *c = &a->crits[i];
		free(c->product);
		free(c->vuln_id);
		free(c->criteria);
		free(c->start_incl);
		free(c->start_excl);
		free(c->end_incl);
		free(c->end_excl);
	}
	free(a->crits);
	a->crits = NULL;
	a->ncrits = 0;
	a->crits_loaded = false;
}

void pw_assessor_free(struct pw_assessor *a)
{
	if (!a)
		return;
	pw_fleet_free(a->fleet);
	for (size_t i = 0; i < a->nhosts; i++) {
		if (a->hosts[i].inv) {
			pw_inventory_free(a->hosts[i].inv);
			free(a->hosts[i].inv);
		}
	}
	free(a->hosts);
	free_crits(a);
	pw_vulndb_free(a->db);
	free(a->strings.slots);
	pw_arena_free(&a->strings.arena);
	free(a);
}

/* The host's slot, created when missing. */
static struct ahost *host_slot(struct pw_assessor *a, int64_t id, struct pw_error *e)
{
	size_t lo = 0, hi = a->nhosts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->hosts[mid].id == id)
			return &a->hosts[mid];
		if (a->hosts[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (a->nhosts == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct ahost *p = realloc(a->hosts, cap * sizeof(*p));
		if (!p) {
			nomem(e);
			return NULL;
		}
		a->hosts = p;
		a->cap = cap;
	}
	memmove(&a->hosts[lo + 1], &a->hosts[lo], (a->nhosts - lo) * sizeof(*a->hosts));
	a->nhosts++;
	a->hosts[lo] = (struct ahost){ .id = id };
	return &a->hosts[lo];
}

/* Load host h's stored inventory and (re)assess it in the fleet. A host
 * patchwarden cannot assess (an unknown OS, gone meanwhile) is said and
 * left out (*ok false). */
static pw_err load_host(struct pw_assessor *a, struct pw_store *s, struct ahost *h, bool *ok,
			struct pw_error *e)
{
	*ok = false;
	struct pw_inventory *inv = malloc(sizeof(*inv));
	if (!inv)
		return nomem(e);
	pw_inventory_init(inv, "/");
	struct pw_error inner = { 0 };
	pw_err rc = pw_registry_inventory_digest(s, h->id, h->digest, sizeof(h->digest), &inner);
	if (!rc)
		rc = pw_registry_load_inventory(s, h->id, inv, &inner);
	if (!rc) {
		struct pw_inventory *c = compact(a, inv);
		pw_inventory_free(inv);
		free(inv);
		if (!c)
			return nomem(e);
		inv = c;
	}
	if (rc) {
		pw_inventory_free(inv);
		free(inv);
	} else if (h->in_fleet) {
		/* the fleet borrows inv from here on, whatever the outcome */
		rc = pw_fleet_set(a->fleet, h->fleet_id, inv, &inner);
		pw_inventory_free(h->inv);
		free(h->inv);
		h->inv = inv;
	} else if ((rc = pw_fleet_add(a->fleet, inv, &h->fleet_id, &inner)) == PW_OK) {
		h->in_fleet = true;
		h->inv = inv;
	} else {
		pw_inventory_free(inv);
		free(inv);
	}
	if (rc == PW_ERR_UNSUPPORTED || rc == PW_ERR_NOTFOUND) {
		say(a, "warning", "host %lld not assessed: %s", (long long)h->id, inner.msg);
		return PW_OK;
	}
	if (rc) {
		if (e)
			*e = inner;
		return rc;
	}
	*ok = true;
	return PW_OK;
}

/* ---- findings rows ---- */

struct rows {
	struct pw_finding_row *v;
	size_t n, cap;
	struct pw_arena arena;
};

static pw_err rows_add(struct rows *r, struct pw_error *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct pw_finding_row *p = realloc(r->v, cap * sizeof(*p));
		if (!p)
			return nomem(e);
		r->v = p;
		r->cap = cap;
	}
	memset(&r->v[r->n++], 0, sizeof(*r->v));
	return PW_OK;
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct pw_finding *a = *(const struct pw_finding *const *)pa;
	const struct pw_finding *b = *(const struct pw_finding *const *)pb;
	int c = strcmp(a->vuln_id, b->vuln_id);
	if (c)
		return c;
	if ((c = strcmp(a->match_name, b->match_name)))
		return c;
	if (a->score != b->score)
		return b->score - a->score;
	return strcmp(a->pkg->name, b->pkg->name);
}

/* One row per (vulnerability, package as matched): the binaries of one
 * source are listed together; the highest score speaks for them. */
static pw_err rows_from(struct rows *r, struct pw_findings *fs, struct pw_error *e)
{
	if (!fs->n)
		return PW_OK;
	const struct pw_finding **sorted = malloc(fs->n * sizeof(*sorted));
	if (!sorted)
		return nomem(e);
	for (size_t i = 0; i < fs->n; i++)
		sorted[i] = &fs->items[i];
	qsort(sorted, fs->n, sizeof(*sorted), cmp_finding);
	struct pw_buf bins = PW_BUF_INIT;
	pw_err rc = PW_OK;
	for (size_t i = 0; i < fs->n;) {
		const struct pw_finding *f = sorted[i];
		size_t j = i;
		pw_buf_reset(&bins);
		for (; j < fs->n && strcmp(sorted[j]->vuln_id, f->vuln_id) == 0 &&
		       strcmp(sorted[j]->match_name, f->match_name) == 0;
		     j++) {
			if ((bins.len && pw_buf_addc(&bins, ',')) ||
			    pw_buf_adds(&bins, sorted[j]->pkg->name)) {
				rc = nomem(e);
				goto out;
			}
		}
		if ((rc = rows_add(r, e)))
			goto out;
		struct pw_finding_row *w = &r->v[r->n - 1];
		*w = (struct pw_finding_row){
			.vuln_id = f->vuln_id, .package = f->match_name,
			.binaries = pw_arena_strdup(&r->arena, bins.data ? bins.data : ""),
			.installed = f->match_version, .fixed = f->fixed, .fixable = f->fixable,
			.affect_status = pw_affect_status_name(f->status),
			.advisories = f->advisories, .patch = pw_patch_name(f->patch),
			.score = f->score, .priority = f->priority ? f->priority : 4,
			.cvss = f->cvss, .epss = f->epss, .kev = f->kev, .reasons = f->reasons,
			.kind = pw_finding_kind_name(f->kind),
			.update_class = pw_update_class_name(f->update_class),
			.repository = f->repository,
		};
		if (!w->binaries) {
			rc = nomem(e);
			goto out;
		}
		i = j;
	}
out:
	pw_buf_free(&bins);
	free(sorted);
	return rc;
}

static pw_err asset_context(struct pw_store *s, int64_t host_id, struct pw_asset_context *ctx,
			    char *hostname, size_t size, char *env, size_t env_size,
			    struct pw_error *e)
{
	struct pw_host_context hc = { 0 };
	memset(ctx, 0, sizeof(*ctx));
	hostname[0] = env[0] = '\0';
	pw_err rc = pw_registry_host_context(s, host_id, &hc, e);
	if (rc)
		return rc;
	if (hc.exposure)
		pw_exposure_parse(hc.exposure, &ctx->exposure);
	ctx->criticality = hc.criticality >= 1 && hc.criticality <= 5 ? hc.criticality : 0;
	if (hc.environment) {
		snprintf(env, env_size, "%s", hc.environment);
		ctx->environment = env;
	}
	snprintf(hostname, size, "%s", hc.hostname ? hc.hostname : "");
	return PW_OK;
}

struct write_result {
	struct pw_findings_delta d;
	bool written;
	bool aborted; /* failed inside the batch: the batch was rolled back */
};

/* Hosts are written in batches of BATCH_HOSTS per transaction: a commit per
 * host was most of a run's time (WAL commits and file locks), and a batch
 * still keeps the write lock short for check-ins. */
#define BATCH_HOSTS 64

static pw_err batch_open(struct pw_assessor *a, struct pw_store *s, struct pw_error *e)
{
	if (a->in_batch)
		return PW_OK;
	pw_err rc = pw_store_begin(s, e);
	a->in_batch = rc == PW_OK;
	a->nbatch = 0;
	return rc;
}

static pw_err batch_close(struct pw_assessor *a, struct pw_store *s, struct pw_error *e)
{
	if (!a->in_batch)
		return PW_OK;
	a->in_batch = false;
	return pw_store_commit(s, e);
}

static void batch_abort(struct pw_assessor *a, struct pw_store *s)
{
	if (a->in_batch)
		pw_store_rollback(s);
	a->in_batch = false;
}

/* Score fs for host h and make it the host's findings, with the assessed
 * mark when dirty, in one transaction. */
static pw_err mark_assessed(struct pw_store *s, int64_t host_id, const char *digest,
			    int64_t now, struct pw_error *e)
{
	char cur[80];
	pw_err rc;
	if (digest) {
		rc = pw_registry_inventory_digest(s, host_id, cur, sizeof(cur), e);
		if (rc == PW_ERR_NOTFOUND)
			return PW_OK; /* gone meanwhile: nothing to mark */
		if (rc)
			return rc;
		if (strcmp(cur, digest) != 0)
			return PW_OK; /* a newer inventory came meanwhile: still dirty */
	}
	rc = pw_registry_mark_assessed(s, host_id, now, e);
	return rc == PW_ERR_NOTFOUND ? PW_OK : rc;
}

/* digest: of the inventory assessed (NULL: not checked, for devices) */
static pw_err write_findings(struct pw_assessor *a, struct pw_store *s, int64_t host_id,
			     bool dirty, const char *digest, struct pw_findings *fs,
			     struct write_result *out, struct pw_error *e)
{
	struct pw_asset_context ctx;
	char hostname[256], env[64];
	struct rows r = { 0 };
	pw_arena_init(&r.arena);
	pw_err rc = PW_OK;
	hostname[0] = '\0';
	if (fs && ((rc = asset_context(s, host_id, &ctx, hostname, sizeof(hostname), env,
				       sizeof(env), e)) ||
		   (rc = pw_risk_score_findings(fs, s, &a->policy, &ctx, e)) ||
		   (rc = rows_from(&r, fs, e))))
		goto out;
	int64_t now = pw_clock_now();
	if ((rc = batch_open(a, s, e)) ||
	    (fs && (rc = pw_findings_put_host(s, host_id, hostname[0] ? hostname : NULL, r.v, r.n,
					      now, &out->d, e))) ||
	    (dirty && (rc = mark_assessed(s, host_id, digest, now, e)))) {
		batch_abort(a, s);
		out->aborted = true;
		goto out;
	}
	out->written = fs != NULL;
	if (++a->nbatch >= BATCH_HOSTS)
		rc = batch_close(a, s, e);
out:
	free(r.v);
	pw_arena_free(&r.arena);
	return rc;
}

/* ---- devices ---- */

struct dcpes {
	struct dcpe *v;
	size_t n, cap;
};

static pw_err dcpe_cb(void *ctx, int64_t host_id, const char *cpe)
{
	struct dcpes *d = ctx;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct dcpe *p = realloc(d->v, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		d->v = p;
		d->cap = cap;
	}
	char *c = strdup(cpe);
	if (!c)
		return PW_ERR_NOMEM;
	d->v[d->n++] = (struct dcpe){ host_id, c };
	return PW_OK;
}

static void dcpes_free(struct dcpes *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].cpe);
	free(d->v);
}

static int cmp_dcpe(const void *pa, const void *pb)
{
	const struct dcpe *x = pa, *y = pb;
	return x->host_id < y->host_id ? -1 : x->host_id > y->host_id;
}

struct crits_load {
	struct crit *v;
	size_t n, cap;
	bool nomem;
};

static char *dup_or_null(const char *s, bool *bad)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*bad = true;
	return d;
}

static pw_err crit_cb(void *ctx, const struct pw_cpe_match *m)
{
	struct crits_load *l = ctx;
	if (!m->vulnerable || !m->criteria)
		return PW_OK; /* a platform condition ("running on"), not the vulnerable part */
	struct pw_cpe c;
	if (pw_cpe_parse(m->criteria, &c, NULL) != PW_OK)
		return PW_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct crit *p = realloc(l->v, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		l->v = p;
		l->cap = cap;
	}
	bool bad = false;
	struct crit *w = &l->v[l->n++];
	*w = (struct crit){
		.product = dup_or_null(c.attr[PW_CPE_PRODUCT], &bad),
		.vuln_id = dup_or_null(m->vuln_id, &bad),
		.criteria = dup_or_null(m->criteria, &bad),
		.start_incl = dup_or_null(m->version_start_including, &bad),
		.start_excl = dup_or_null(m->version_start_excluding, &bad),
		.end_incl = dup_or_null(m->version_end_including, &bad),
		.end_excl = dup_or_null(m->version_end_excluding, &bad),
	};
	if (bad)
		return PW_ERR_NOMEM;
	for (char *p = w->product; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	return PW_OK;
}

static int cmp_crit(const void *pa, const void *pb)
{
	const struct crit *x = pa, *y = pb;
	return strcmp(x->product, y->product);
}

static pw_err load_crits(struct pw_assessor *a, struct pw_store *s, struct pw_error *e)
{
	struct crits_load l = { 0 };
	free_crits(a);
	pw_err rc = pw_store_each_cpe_match(s, crit_cb, &l, e);
	a->crits = l.v;
	a->ncrits = l.n;
	if (rc) {
		free_crits(a);
		return rc == PW_ERR_NOMEM ? nomem(e) : rc;
	}
	if (a->ncrits > 1)
		qsort(a->crits, a->ncrits, sizeof(*a->crits), cmp_crit);
	a->crits_loaded = true;
	a->crits_generation = a->generation;
	return PW_OK;
}

/* A device's findings: each of its CPEs against the criteria of its
 * product. */
static pw_err device_findings(struct pw_assessor *a, const struct dcpe *cpes, size_t n,
			      struct pw_findings *fs, struct pw_error *e)
{
	for (size_t i = 0; i < n; i++) {
		struct pw_cpe dev;
		struct pw_error inner;
		if (pw_cpe_parse(cpes[i].cpe, &dev, &inner)) {
			say(a, "warning", "device %lld: %s", (long long)cpes[i].host_id, inner.msg);
			continue;
		}
		char product[PW_CPE_MAX];
		snprintf(product, sizeof(product), "%s", dev.attr[PW_CPE_PRODUCT]);
		for (char *p = product; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		/* the first criterion of this product */
		size_t lo = 0, hi = a->ncrits;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(a->crits[mid].product, product) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < a->ncrits && strcmp(a->crits[k].product, product) == 0; k++) {
			const struct crit *c = &a->crits[k];
			struct pw_cpe crit;
			if (pw_cpe_parse(c->criteria, &crit, NULL))
				continue;
			struct pw_cpe_match m = {
				.vuln_id = c->vuln_id, .criteria = c->criteria,
				.version_start_including = c->start_incl,
				.version_start_excluding = c->start_excl,
				.version_end_including = c->end_incl,
				.version_end_excluding = c->end_excl, .vulnerable = true,
			};
			if (!pw_cpe_matches(&dev, &crit, &m))
				continue;
			/* the package as a device names it: vendor:product */
			struct pw_package *p = pw_arena_alloc(&fs->arena, sizeof(*p));
			char name[PW_CPE_MAX * 2 + 2];
			snprintf(name, sizeof(name), "%s:%s", dev.attr[PW_CPE_VENDOR],
				 dev.attr[PW_CPE_PRODUCT]);
			if (!p)
				return nomem(e);
			*p = (struct pw_package){ .name = pw_arena_strdup(&fs->arena, name),
						  .version = pw_arena_strdup(&fs->arena,
									     dev.attr[PW_CPE_VERSION]) };
			if (!p->name || !p->version)
				return nomem(e);
			p->source_name = p->name;
			p->source_version = p->version;
			if (fs->n == fs->cap) {
				size_t cap = fs->cap ? fs->cap * 2 : 16;
				struct pw_finding *q = realloc(fs->items, cap * sizeof(*q));
				if (!q)
					return nomem(e);
				fs->items = q;
				fs->cap = cap;
			}
			const char *fixed = c->end_excl ? pw_arena_strdup(&fs->arena, c->end_excl) : NULL;
			if (c->end_excl && !fixed)
				return nomem(e);
			fs->items[fs->n++] = (struct pw_finding){
				.pkg = p, .match_name = p->name, .match_version = p->version,
				.vuln_id = pw_arena_strdup(&fs->arena, c->vuln_id),
				.status = fixed ? PW_AFFECT_FIXED : PW_AFFECT_VULNERABLE,
				.fixable = fixed != NULL, .fixed = fixed,
				.patch = fixed ? PW_PATCH_UNKNOWN : PW_PATCH_NO,
				.cvss = -1, .epss = -1, .epss_percentile = -1,
			};
			if (!fs->items[fs->n - 1].vuln_id)
				return nomem(e);
		}
	}
	return PW_OK;
}

/* ---- the run ---- */

struct id_list {
	int64_t *v;
	size_t n, cap;
};

static pw_err id_cb(void *ctx, int64_t id)
{
	struct id_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		int64_t *p = realloc(l->v, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return PW_OK;
}

static bool has_id(const struct id_list *l, int64_t id)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] == id)
			return true;
	}
	return false;
}

struct feed_times {
	int64_t kev, epss;
};

static pw_err feed_time_cb(void *ctx, const struct pw_feed_state *st)
{
	struct feed_times *t = ctx;
	if (strcmp(st->feed, "kev") == 0)
		t->kev = st->last_changed;
	else if (strcmp(st->feed, "epss") == 0)
		t->epss = st->last_changed;
	return PW_OK;
}

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int64_t ms = (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
	return ms > 0 ? (uint64_t)ms : 0;
}

static pw_err state_get(struct pw_store *s, const char *name, int64_t *v, bool *found,
			struct pw_error *e)
{
	return pw_findings_state_get(s, name, v, found, e);
}

/* Catch up with the feeds: index, fleet, and which hosts that touched. */
static pw_err catch_up(struct pw_assessor *a, struct pw_store *s, struct pw_assess_run *out,
		       struct pw_error *e)
{
	int64_t gen = pw_store_generation(s);
	if (gen == a->generation)
		return PW_OK;
	struct pw_keyset touched;
	pw_keyset_init(&touched);
	uint64_t ev0, ev1, hits;
	pw_vulndb_stats(a->db, &ev0, &hits);
	size_t nhosts = 0;
	pw_err rc = pw_vulndb_refresh(a->db, s, a->generation, &touched, e);
	if (!rc)
		rc = pw_fleet_update(a->fleet, &touched, &nhosts, e);
	if (!rc) {
		pw_vulndb_stats(a->db, &ev1, &hits);
		out->evaluations += ev1 - ev0;
		out->advisory_keys += touched.n;
		out->feeds_changed = true;
		a->generation = gen;
		for (size_t i = 0; i < a->nhosts; i++) {
			struct ahost *h = &a->hosts[i];
			if (h->in_fleet && pw_fleet_host_updated(a->fleet, h->fleet_id)) {
				h->write = true;
				h->why |= WHY_TOUCHED;
			}
		}
	}
	pw_keyset_free(&touched);
	return rc;
}

static bool is_device(const struct dcpes *devs, int64_t id)
{
	size_t lo = 0, hi = devs->n; /* sorted by host */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (devs->v[mid].host_id == id)
			return true;
		if (devs->v[mid].host_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static pw_err first_run(struct pw_assessor *a, struct pw_store *s, const struct dcpes *devs,
			struct pw_assess_run *out, struct pw_error *e)
{
	pw_err rc;
	int64_t stored;
	bool found;
	uint64_t ev0, ev1, hits;
	/* the generation first: an import landing meanwhile is caught up with next time */
	a->generation = pw_store_generation(s);
	if ((rc = pw_vulndb_new(&a->db, e)) || (rc = pw_fleet_new(a->db, &a->fleet, e)) ||
	    (rc = pw_vulndb_load(a->db, s, NULL, NULL, e)) ||
	    (rc = state_get(s, STATE_KEV, &a->kev_changed, &found, e)) ||
	    (rc = state_get(s, STATE_DAY, &a->day, &found, e)) ||
	    (rc = state_get(s, STATE_EPSS, &a->epss_changed, &found, e)))
		return rc;
	if ((rc = state_get(s, STATE_GENERATION, &stored, &found, e)))
		return rc;
	int64_t policy;
	bool policy_found;
	if ((rc = state_get(s, STATE_POLICY, &policy, &policy_found, e)))
		return rc;
	/* a store assessed before with other weights (or before the digest was kept) */
	a->policy_moved = found && (!policy_found || policy != pw_policy_digest(&a->policy));
	bool all = !found || stored != a->generation;
	struct id_list ids = { 0 };
	pw_vulndb_stats(a->db, &ev0, &hits);
	if ((rc = pw_registry_each_host(s, id_cb, &ids, e)))
		goto out;
	for (size_t i = 0; i < ids.n; i++) {
		if (is_device(devs, ids.v[i]))
			continue; /* matched by CPE, below */
		struct ahost *h = host_slot(a, ids.v[i], e);
		bool ok;
		if (!h) {
			rc = PW_ERR_NOMEM;
			goto out;
		}
		if ((rc = load_host(a, s, h, &ok, e)))
			goto out;
		if (ok && all) {
			h->write = true;
			h->why |= WHY_LOADED;
		}
	}
	pw_vulndb_stats(a->db, &ev1, &hits);
	out->evaluations += ev1 - ev0;
	out->feeds_changed = all;
	a->started = true;
out:
	free(ids.v);
	return rc;
}

pw_err pw_assessor_run(struct pw_assessor *a, struct pw_store *s, struct pw_assess_run *out,
		       struct pw_error *e)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(out, 0, sizeof(*out));
	struct id_list dirty = { 0 }, active = { 0 };
	struct dcpes devs = { 0 };
	pw_err rc;
	/* after a failed run, what it had to write is written now (the feeds it
	 * caught up with will not say so again) */
	for (size_t i = 0; i < a->nhosts; i++) {
		a->hosts[i].dirty = false;
		if (!a->failed) {
			a->hosts[i].write = false;
			a->hosts[i].why = 0;
		}
	}
	bool first = !a->started, have_devs = false;
	if (first) {
		if ((rc = pw_registry_each_device_cpe(s, dcpe_cb, &devs, e)))
			goto fail_start;
		if (devs.n > 1)
			qsort(devs.v, devs.n, sizeof(*devs.v), cmp_dcpe);
		have_devs = true;
		if ((rc = first_run(a, s, &devs, out, e)))
			goto fail_start;
	} else if ((rc = catch_up(a, s, out, e))) {
		goto out;
	}

	/* KEV and EPSS move the risk of what is already found */
	struct feed_times ft = { 0 };
	if ((rc = pw_store_each_feed_state(s, feed_time_cb, &ft, e)))
		goto out;
	int64_t day = pw_clock_now() / 86400;
	bool rescore = ft.kev != a->kev_changed || ft.epss != a->epss_changed ||
		       (a->day && day != a->day) || a->policy_moved;
	if (rescore) {
		for (size_t i = 0; i < a->nhosts; i++) {
			if (a->hosts[i].in_fleet && !a->hosts[i].write) {
				a->hosts[i].write = true;
				a->hosts[i].why |= WHY_RESCORE;
			}
		}
	}

	/* changed inventories */
	if ((rc = pw_registry_each_dirty_host(s, id_cb, &dirty, e)))
		goto out;
	bool devices_needed = out->feeds_changed || rescore || dirty.n > 0;
	if (devices_needed && !have_devs) {
		if ((rc = pw_registry_each_device_cpe(s, dcpe_cb, &devs, e)))
			goto out;
		if (devs.n > 1)
			qsort(devs.v, devs.n, sizeof(*devs.v), cmp_dcpe);
	}
	uint64_t ev0, ev1, hits;
	pw_vulndb_stats(a->db, &ev0, &hits);
	for (size_t i = 0; i < dirty.n; i++) {
		bool device = is_device(&devs, dirty.v[i]);
		struct ahost *h = host_slot(a, dirty.v[i], e);
		if (!h) {
			rc = PW_ERR_NOMEM;
			goto out;
		}
		h->dirty = true;
		if (device)
			continue; /* below */
		bool ok;
		if ((rc = load_host(a, s, h, &ok, e)))
			goto out;
		if (ok) {
			h->write = true;
			h->why |= WHY_CHANGED;
		} else {
			/* not assessable: marked, so it is not tried on every run */
			struct write_result wr = { 0 };
			out->skipped++;
			if ((rc = write_findings(a, s, h->id, true, NULL, NULL, &wr, e)))
				goto out;
		}
	}
	pw_vulndb_stats(a->db, &ev1, &hits);
	out->evaluations += ev1 - ev0;

	/* a retired host keeps the findings it had: not written again */
	size_t nwrite = 0;
	for (size_t i = 0; i < a->nhosts; i++)
		nwrite += a->hosts[i].write && !a->hosts[i].dirty;
	if (nwrite) {
		if ((rc = pw_registry_each_host(s, id_cb, &active, e)))
			goto out;
		for (size_t i = 0, k = 0; i < a->nhosts; i++) { /* both in id order */
			while (k < active.n && active.v[k] < a->hosts[i].id)
				k++;
			if (a->hosts[i].write && !a->hosts[i].dirty &&
			    (k == active.n || active.v[k] != a->hosts[i].id))
				a->hosts[i].write = false;
		}
	}

	/* write the hosts */
	for (size_t i = 0; i < a->nhosts; i++) {
		struct ahost *h = &a->hosts[i];
		if (!h->write || !h->in_fleet)
			continue;
		struct pw_findings fs;
		struct write_result wr = { 0 };
		struct pw_error inner = { 0 };
		pw_findings_init(&fs);
		rc = pw_fleet_findings(a->fleet, h->fleet_id, &fs, &inner);
		if (rc && rc != PW_ERR_NOMEM) { /* its last inventory is not assessable */
			say(a, "warning", "host %lld not assessed: %s", (long long)h->id, inner.msg);
			out->skipped++;
			pw_findings_free(&fs);
			continue;
		}
		if (rc == PW_OK && fs.advisory_entries == 0) {
			say(a, "warning", "host %lld (%s %s): the store holds no advisories for its "
			    "release; not assessed", (long long)h->id, fs.distro, fs.release);
			out->skipped++;
			rc = write_findings(a, s, h->id, h->dirty, h->digest, NULL, &wr, e);
			pw_findings_free(&fs);
			if (rc)
				goto out;
			continue;
		}
		if (rc == PW_OK)
			rc = write_findings(a, s, h->id, h->dirty, h->digest, &fs, &wr, &inner);
		pw_findings_free(&fs);
		if (rc == PW_ERR_NOTFOUND && !wr.aborted) { /* the host went away meanwhile */
			say(a, "warning", "host %lld: %s", (long long)h->id, inner.msg);
			out->skipped++;
			continue;
		}
		if (rc) {
			if (e)
				*e = inner;
			goto out;
		}
		out->hosts++;
		out->changed += (h->why & WHY_CHANGED) != 0;
		out->touched += (h->why & (WHY_CHANGED)) == 0 && (h->why & WHY_TOUCHED) != 0;
		out->loaded += (h->why & (WHY_CHANGED | WHY_TOUCHED)) == 0 && (h->why & WHY_LOADED);
		out->rescored += h->why == WHY_RESCORE;
		out->opened += wr.d.opened;
		out->fixed += wr.d.fixed;
		out->reopened += wr.d.reopened;
	}

	/* devices: all when the feeds moved (or on the first run), else the changed ones */
	if (devs.n) {
		if (!a->crits_loaded || a->crits_generation != a->generation)
			if ((rc = load_crits(a, s, e)))
				goto out;
		for (size_t i = 0; i < devs.n;) {
			size_t j = i;
			while (j < devs.n && devs.v[j].host_id == devs.v[i].host_id)
				j++;
			int64_t id = devs.v[i].host_id;
			bool d = has_id(&dirty, id);
			if (d || out->feeds_changed || rescore) {
				struct pw_findings fs;
				struct write_result wr = { 0 };
				pw_findings_init(&fs);
				rc = device_findings(a, &devs.v[i], j - i, &fs, e);
				if (!rc)
					rc = write_findings(a, s, id, d, NULL, &fs, &wr, e);
				pw_findings_free(&fs);
				if (rc)
					goto out;
				out->devices++;
				out->hosts++;
				out->changed += d;
				out->opened += wr.d.opened;
				out->fixed += wr.d.fixed;
				out->reopened += wr.d.reopened;
			}
			i = j;
		}
	}

	/* what this run caught up with, for the next start, with the last batch */
	if ((rc = batch_open(a, s, e)) ||
	    (rc = pw_findings_state_put(s, STATE_GENERATION, a->generation, e)) ||
	    (rc = pw_findings_state_put(s, STATE_KEV, ft.kev, e)) ||
	    (rc = pw_findings_state_put(s, STATE_EPSS, ft.epss, e)) ||
	    (rc = pw_findings_state_put(s, STATE_DAY, day, e)) ||
	    (rc = pw_findings_state_put(s, STATE_POLICY, pw_policy_digest(&a->policy), e)) ||
	    (rc = batch_close(a, s, e)))
		goto out;
	a->day = day;
	a->policy_moved = false;
	a->kev_changed = ft.kev;
	a->epss_changed = ft.epss;
	out->generation = a->generation;
	goto out;
fail_start:
	/* start again from nothing next time */
	pw_fleet_free(a->fleet);
	a->fleet = NULL;
	for (size_t i = 0; i < a->nhosts; i++) {
		if (a->hosts[i].inv) {
			pw_inventory_free(a->hosts[i].inv);
			free(a->hosts[i].inv);
		}
	}
	a->nhosts = 0;
	pw_vulndb_free(a->db);
	a->db = NULL;
out:
	if (rc)
		batch_abort(a, s);
	a->failed = rc != PW_OK && a->started;
	free(dirty.v);
	free(active.v);
	dcpes_free(&devs);
	out->ms = ms_since(&t0);
	return rc;
}

void pw_assess_run_describe(const struct pw_assess_run *r, char *out, size_t size)
{
	struct pw_buf b = PW_BUF_INIT;
	const char *sep = "";
	pw_buf_addf(&b, "assessed %llu host%s (", (unsigned long long)r->hosts,
		    r->hosts == 1 ? "" : "s");
	if (r->changed) {
		pw_buf_addf(&b, "%llu changed inventor%s", (unsigned long long)r->changed,
			    r->changed == 1 ? "y" : "ies");
		sep = ", ";
	}
	if (r->touched || r->advisory_keys) {
		pw_buf_addf(&b, "%s%llu touched by %llu changed advisory key%s", sep,
			    (unsigned long long)r->touched, (unsigned long long)r->advisory_keys,
			    r->advisory_keys == 1 ? "" : "s");
		sep = ", ";
	}
	if (r->rescored) {
		pw_buf_addf(&b, "%s%llu rescored (KEV, EPSS or a new day)", sep,
			    (unsigned long long)r->rescored);
		sep = ", ";
	}
	if (r->loaded) {
		pw_buf_addf(&b, "%s%llu at start", sep, (unsigned long long)r->loaded);
		sep = ", ";
	}
	if (r->devices) {
		pw_buf_addf(&b, "%s%llu device%s by CPE", sep, (unsigned long long)r->devices,
			    r->devices == 1 ? "" : "s");
		sep = ", ";
	}
	if (!*sep)
		pw_buf_adds(&b, "nothing changed");
	pw_buf_addf(&b, ") in %llu ms; %llu evaluations; findings: %llu opened, %llu fixed, "
		    "%llu reopened", (unsigned long long)r->ms, (unsigned long long)r->evaluations,
		    (unsigned long long)r->opened, (unsigned long long)r->fixed,
		    (unsigned long long)r->reopened);
	if (r->skipped)
		pw_buf_addf(&b, "; %llu host%s not assessable", (unsigned long long)r->skipped,
			    r->skipped == 1 ? "" : "s");
	snprintf(out, size, "%s", b.data ? b.data : "assessed");
	pw_buf_free(&b);
}
