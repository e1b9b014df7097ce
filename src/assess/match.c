/* match.c - evaluation of (key, version) against the index, memoized, and
 * the findings of one inventory. The rules are in pw_match.h. */
#include "pw_match.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"

/* One memoized evaluation. */
struct memo {
	const struct pw_index_key *key;
	const char *version; /* interned in the index */
	uint64_t hash;
	uint32_t generation; /* the key's, when evaluated */
	const struct pw_hits *hits;
};

struct pw_vulndb {
	struct pw_index *idx;
	struct pw_arena arena; /* memo entries and results */
	struct memo **memo;
	size_t memo_mask, nmemo;
	/* scratch space reused by every evaluation: no allocation per comparison */
	struct pw_hit *hits;
	size_t cap_hits;
	const char **advs;
	size_t cap_advs;
	struct pw_buf buf;
	uint64_t evaluated, memo_hits;
};

pw_err pw_vulndb_new(struct pw_vulndb **out, struct pw_error *e)
{
	struct pw_vulndb *db = calloc(1, sizeof(*db));
	if (!db)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_arena_init(&db->arena);
	pw_buf_init(&db->buf, 1 << 20);
	db->memo_mask = 1023;
	db->memo = calloc(db->memo_mask + 1, sizeof(*db->memo));
	if (!db->memo || pw_index_new(&db->idx, e) != PW_OK) {
		pw_vulndb_free(db);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	*out = db;
	return PW_OK;
}

void pw_vulndb_free(struct pw_vulndb *db)
{
	if (!db)
		return;
	pw_index_free(db->idx);
	free(db->memo);
	free(db->hits);
	free(db->advs);
	pw_buf_free(&db->buf);
	pw_arena_free(&db->arena);
	free(db);
}

struct pw_index *pw_vulndb_index(struct pw_vulndb *db)
{
	return db->idx;
}

pw_err pw_vulndb_add(struct pw_vulndb *db, const struct pw_affected *a, struct pw_error *e)
{
	return pw_index_add(db->idx, a, NULL, e);
}

pw_err pw_vulndb_load(struct pw_vulndb *db, struct pw_store *s, const char *distro,
		      const char *release, struct pw_error *e)
{
	return pw_index_load(db->idx, s, distro, release, e);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

pw_err pw_vulndb_load_host(struct pw_vulndb *db, struct pw_store *s,
			   const struct pw_inventory *inv, struct pw_error *e)
{
	struct pw_distro_release dr;
	pw_err rc = pw_match_host(inv, &dr, e);
	if (rc)
		return rc;
	const char **names = malloc((inv->npkgs ? inv->npkgs : 1) * sizeof(*names));
	if (!names)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		const char *name, *version;
		/* the packages pw_match_inventory looks up, and no others */
		if (p->state == PW_STATE_INSTALLED &&
		    pw_match_package_key(p, dr.scheme, &name, &version))
			names[n++] = name;
	}
	/* many binary packages share a source: each key is read once */
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_name);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w == 0 || strcmp(names[w - 1], names[i]) != 0)
			names[w++] = names[i];
	}
	rc = pw_index_load_packages(db->idx, s, dr.distro, dr.release, names, w, e);
	free(names);
	return rc;
}

pw_err pw_vulndb_refresh(struct pw_vulndb *db, struct pw_store *s, int64_t since,
			 struct pw_keyset *touched, struct pw_error *e)
{
	return pw_index_refresh(db->idx, s, since, touched, e);
}

void pw_vulndb_invalidate(struct pw_vulndb *db, const char *distro, const char *release,
			  const char *package)
{
	struct pw_index_key *k = pw_index_find(db->idx, distro, release, package);
	if (k)
		k->generation++;
}

void pw_vulndb_stats(const struct pw_vulndb *db, uint64_t *evaluated, uint64_t *memo_hits)
{
	*evaluated = db->evaluated;
	*memo_hits = db->memo_hits;
}

/* ---- comparing versions ---- */

/* installed vs an advisory's bound, in the family's own order: a missing
 * epoch is 0 on either side, as rpm and dpkg have it. */
static int vcmp(enum pw_scheme s, const char *installed, const char *bound)
{
	return pw_version_cmp(s, installed, bound);
}

/* ---- evaluation ---- */

static bool push_adv(struct pw_vulndb *db, size_t *n, const char *adv)
{
	if (!adv)
		return true;
	for (size_t i = 0; i < *n; i++) {
		if (db->advs[i] == adv)
			return true;
	}
	if (*n == db->cap_advs) {
		size_t cap = db->cap_advs ? db->cap_advs * 2 : 16;
		const char **p = realloc(db->advs, cap * sizeof(*p));
		if (!p)
			return false;
		db->advs = p;
		db->cap_advs = cap;
	}
	db->advs[(*n)++] = adv;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The advisories collected, sorted and comma-joined, interned; NULL when
 * none. */
static pw_err join_advs(struct pw_vulndb *db, size_t n, const char **out)
{
	*out = NULL;
	if (n == 0)
		return PW_OK;
	if (n == 1) {
		*out = db->advs[0];
		return PW_OK;
	}
	qsort(db->advs, n, sizeof(*db->advs), cmp_str);
	pw_buf_reset(&db->buf);
	for (size_t i = 0; i < n; i++) {
		if ((i && pw_buf_addc(&db->buf, ',')) || pw_buf_adds(&db->buf, db->advs[i]))
			return PW_ERR_NOMEM;
	}
	*out = pw_index_intern(db->idx, db->buf.data);
	return *out ? PW_OK : PW_ERR_NOMEM;
}

/* A deterministic pick among words from several feeds. */
static const char *pick_word(const char *cur, const char *cand)
{
	if (!cand)
		return cur;
	return !cur || strcmp(cand, cur) < 0 ? cand : cur;
}

/* One vulnerability: entries x[0..n) of key k, version v. */
static pw_err eval_vuln(struct pw_vulndb *db, const struct pw_index_key *k,
			const struct pw_index_entry *x, size_t n, const char *v, struct pw_hit *out,
			bool *found)
{
	enum pw_scheme s = k->scheme;
	const char *best_fix = NULL, *best_urgency = NULL, *open_urgency = NULL;
	bool not_affected = false, has_fix = false, open = false, open_mixed = false;
	enum pw_affect_status open_status = PW_AFFECT_VULNERABLE;
	size_t nfix_advs = 0;
	*found = false;
	/* advisories of fixing entries first, then of open ones: two lists in
	 * one array would need a second pass; collect fixes, and open ones
	 * only matter when there is no fix */
	for (size_t i = 0; i < n; i++) {
		const struct pw_index_entry *a = &x[i];
		if (a->exact && vcmp(s, v, a->exact) != 0)
			continue;
		if (a->introduced && vcmp(s, v, a->introduced) < 0)
			continue;
		if (a->status == PW_AFFECT_NOT_AFFECTED) {
			not_affected = true;
			break;
		}
		if (a->status == PW_AFFECT_FIXED) {
			if (vcmp(s, v, a->fixed) >= 0) {
				has_fix = true;
				continue;
			}
			if (!best_fix || pw_version_cmp(s, a->fixed, best_fix) > 0) {
				best_fix = a->fixed;
				best_urgency = a->urgency;
			} else if (pw_version_cmp(s, a->fixed, best_fix) == 0) {
				best_urgency = pick_word(best_urgency, a->urgency);
			}
			if (!push_adv(db, &nfix_advs, a->advisory))
				return PW_ERR_NOMEM;
			continue;
		}
		if (a->last_affected && vcmp(s, v, a->last_affected) > 0)
			continue;
		if (open && a->status != open_status)
			open_mixed = true;
		open_status = a->status;
		open = true;
		open_urgency = pick_word(open_urgency, a->urgency);
	}
	if (not_affected)
		return PW_OK;
	if (best_fix) {
		*out = (struct pw_hit){ .vuln_id = x[0].vuln_id, .status = PW_AFFECT_FIXED,
					.fixed = best_fix, .urgency = best_urgency };
		*found = true;
		return join_advs(db, nfix_advs, &out->advisories);
	}
	if (!open || has_fix)
		return PW_OK;
	/* the open entries' advisories (rare: "no fix" rarely has one) */
	size_t nadv = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pw_index_entry *a = &x[i];
		if (a->status != PW_AFFECT_FIXED && a->status != PW_AFFECT_NOT_AFFECTED &&
		    (!a->exact || vcmp(s, v, a->exact) == 0) &&
		    (!a->introduced || vcmp(s, v, a->introduced) >= 0) &&
		    (!a->last_affected || vcmp(s, v, a->last_affected) <= 0) &&
		    !push_adv(db, &nadv, a->advisory))
			return PW_ERR_NOMEM;
	}
	*out = (struct pw_hit){ .vuln_id = x[0].vuln_id,
				.status = open_mixed ? PW_AFFECT_VULNERABLE : open_status,
				.urgency = open_urgency };
	*found = true;
	return join_advs(db, nadv, &out->advisories);
}

static int cmp_hit(const void *pa, const void *pb)
{
	const struct pw_hit *a = pa, *b = pb;
	return strcmp(a->vuln_id, b->vuln_id);
}

/* Evaluate without the memo: the hits, copied into the arena. */
static pw_err eval_key(struct pw_vulndb *db, struct pw_index_key *k, const char *v,
		       const struct pw_hits **out)
{
	size_t n, nh = 0;
	const struct pw_index_entry *x = pw_index_entries(db->idx, k, &n);
	*out = NULL;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && x[j].vuln_id == x[i].vuln_id)
			j++;
		if (nh == db->cap_hits) {
			size_t cap = db->cap_hits ? db->cap_hits * 2 : 64;
			struct pw_hit *p = realloc(db->hits, cap * sizeof(*p));
			if (!p)
				return PW_ERR_NOMEM;
			db->hits = p;
			db->cap_hits = cap;
		}
		bool found;
		pw_err rc = eval_vuln(db, k, x + i, j - i, v, &db->hits[nh], &found);
		if (rc)
			return rc;
		nh += found;
		i = j;
	}
	if (nh == 0)
		return PW_OK;
	qsort(db->hits, nh, sizeof(*db->hits), cmp_hit);
	struct pw_hits *h = pw_arena_alloc(&db->arena, sizeof(*h) + nh * sizeof(h->v[0]));
	if (!h)
		return PW_ERR_NOMEM;
	h->n = nh;
	memcpy(h->v, db->hits, nh * sizeof(h->v[0]));
	*out = h;
	return PW_OK;
}

static uint64_t memo_hash(const struct pw_index_key *k, const char *v)
{
	uint64_t h = 1469598103934665603ull ^ ((uint64_t)k->id * 0x9e3779b97f4a7c15ull);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		h ^= *p;
		h *= 1099511628211ull;
	}
	return h;
}

static bool grow_memo(struct pw_vulndb *db)
{
	size_t size = (db->memo_mask + 1) * 2;
	struct memo **t = calloc(size, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i <= db->memo_mask; i++) {
		struct memo *m = db->memo[i];
		if (!m)
			continue;
		size_t j = m->hash & (size - 1);
		while (t[j])
			j = (j + 1) & (size - 1);
		t[j] = m;
	}
	free(db->memo);
	db->memo = t;
	db->memo_mask = size - 1;
	return true;
}

pw_err pw_vulndb_evaluate(struct pw_vulndb *db, struct pw_index_key *k, const char *version,
			  const struct pw_hits **out, struct pw_error *e)
{
	uint64_t h = memo_hash(k, version);
	size_t j = h & db->memo_mask;
	struct memo *m = NULL;
	for (; db->memo[j]; j = (j + 1) & db->memo_mask) {
		struct memo *c = db->memo[j];
		if (c->hash == h && c->key == k && strcmp(c->version, version) == 0) {
			m = c;
			break;
		}
	}
	if (m && m->generation == k->generation) {
		db->memo_hits++;
		*out = m->hits;
		return PW_OK;
	}
	db->evaluated++;
	const struct pw_hits *hits;
	if (eval_key(db, k, version, &hits) != PW_OK)
		goto nomem;
	if (!m) {
		if ((db->nmemo + 1) * 2 > db->memo_mask + 1) {
			if (!grow_memo(db))
				goto nomem;
			j = h & db->memo_mask;
			while (db->memo[j])
				j = (j + 1) & db->memo_mask;
		}
		m = pw_arena_alloc(&db->arena, sizeof(*m));
		if (!m || !(m->version = pw_index_intern(db->idx, version)))
			goto nomem;
		m->key = k;
		m->hash = h;
		db->memo[j] = m;
		db->nmemo++;
	}
	m->generation = k->generation;
	m->hits = hits;
	*out = hits;
	return PW_OK;
nomem:
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory evaluating %s %s", k->package, version);
}

/* ---- hosts and packages ---- */

pw_err pw_match_host(const struct pw_inventory *inv, struct pw_distro_release *out,
		     struct pw_error *e)
{
	const struct pw_host_facts *h = &inv->host;
	if (h->os_id && pw_distro_from_os_release(h->os_id, h->os_id_like, h->os_version_id,
						  h->os_codename, out))
		return PW_OK;
	return pw_error_set(e, PW_ERR_UNSUPPORTED,
			    "cannot assess %s: its OS (ID=%s VERSION_ID=%s%s%s) is not a distribution "
			    "patchwarden has advisories for",
			    h->hostname ? h->hostname : "this host", h->os_id ? h->os_id : "unknown",
			    h->os_version_id ? h->os_version_id : "unknown",
			    h->os_codename ? " VERSION_CODENAME=" : "", h->os_codename ? h->os_codename : "");
}

bool pw_match_package_key(const struct pw_package *p, enum pw_scheme scheme, const char **name,
			  const char **version)
{
	if (pw_family_scheme(p->family) != scheme || !p->name || !p->version)
		return false;
	if (p->family == PW_FAMILY_RPM) {
		*name = p->name;
		*version = p->version;
	} else {
		*name = p->source_name && *p->source_name ? p->source_name : p->name;
		*version = p->source_version && *p->source_version ? p->source_version : p->version;
	}
	return true;
}

const char *pw_patch_name(enum pw_patch p)
{
	switch (p) {
	case PW_PATCH_NO: return "no";
	case PW_PATCH_YES: return "yes";
	case PW_PATCH_UNKNOWN: break;
	}
	return "unknown";
}

/* Length of v without a binNMU suffix "+bN". */
static size_t without_binnmu(const char *v)
{
	size_t n = strlen(v), i = n;
	while (i > 0 && v[i - 1] >= '0' && v[i - 1] <= '9')
		i--;
	if (i < n && i >= 2 && v[i - 1] == 'b' && v[i - 2] == '+')
		return i - 2;
	return n;
}

/* Does the pending update reach the fix? For deb the fix is a source
 * version and the candidate a binary one: they are comparable when the
 * binary's version is its source's (maybe plus a binNMU suffix). */
static void patch_of(const struct pw_inventory *inv, const struct pw_package *p,
		     enum pw_scheme scheme, const char *fixed, struct pw_finding *f)
{
	f->patch = PW_PATCH_UNKNOWN;
	f->patch_origin = p->candidate_origin;
	f->patch_version = p->candidate_version;
	if (!fixed)
		return;
	const char *cand = p->candidate_version;
	char buf[256];
	if (cand && p->family == PW_FAMILY_DEB) {
		const char *src = p->source_version ? p->source_version : p->version;
		size_t nb = without_binnmu(p->version);
		if (!(strlen(src) == nb && strncmp(src, p->version, nb) == 0))
			return; /* the binary is versioned apart from its source */
		size_t nc = without_binnmu(cand);
		if (nc >= sizeof(buf))
			return;
		memcpy(buf, cand, nc);
		buf[nc] = '\0';
		cand = buf;
	}
	if (cand) {
		f->patch = vcmp(scheme, cand, fixed) >= 0 ? PW_PATCH_YES : PW_PATCH_NO;
		return;
	}
	/* apt's lists were read and offer nothing newer than what is installed */
	if (p->family == PW_FAMILY_DEB && inv->has_apt_lists)
		f->patch = PW_PATCH_NO;
}

void pw_findings_init(struct pw_findings *f)
{
	memset(f, 0, sizeof(*f));
	pw_arena_init(&f->arena);
}

void pw_findings_free(struct pw_findings *f)
{
	free(f->items);
	free(f->warnings);
	pw_arena_free(&f->arena);
	memset(f, 0, sizeof(*f));
}

size_t pw_findings_fixable(const struct pw_findings *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->items[i].fixable;
	return n;
}

static pw_err warn(struct pw_findings *out, struct pw_error *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static pw_err warn(struct pw_findings *out, struct pw_error *e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return pw_error_set(e, PW_ERR_INVALID, "cannot format a warning");
	if ((size_t)n >= sizeof(msg)) /* said, not silently cut */
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	if (out->nwarnings == out->cap_warnings) {
		size_t cap = out->cap_warnings ? out->cap_warnings * 2 : 16;
		const char **p = realloc(out->warnings, cap * sizeof(*p));
		if (!p)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		out->warnings = p;
		out->cap_warnings = cap;
	}
	if (!(out->warnings[out->nwarnings] = pw_arena_strdup(&out->arena, msg)))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	out->nwarnings++;
	return PW_OK;
}

pw_err pw_findings_reserve(struct pw_findings *out, size_t more, struct pw_error *e)
{
	if (out->n + more <= out->cap)
		return PW_OK;
	size_t cap = out->cap ? out->cap : 64;
	while (cap < out->n + more)
		cap *= 2;
	struct pw_finding *q = realloc(out->items, cap * sizeof(*q));
	if (!q)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	out->items = q;
	out->cap = cap;
	return PW_OK;
}

pw_err pw_findings_add_hits(struct pw_findings *out, const struct pw_inventory *inv,
			    const struct pw_package *p, enum pw_scheme scheme,
			    const struct pw_hits *hits, struct pw_error *e)
{
	const char *name, *version;
	if (!hits || !pw_match_package_key(p, scheme, &name, &version))
		return PW_OK;
	pw_err rc = pw_findings_reserve(out, hits->n, e);
	if (rc)
		return rc;
	const char *host = inv->host.hostname ? inv->host.hostname : inv->host.machine_id;
	for (size_t i = 0; i < hits->n; i++) {
		const struct pw_hit *x = &hits->v[i];
		struct pw_finding *f = &out->items[out->n++];
		*f = (struct pw_finding){
			.host = host, .pkg = p, .match_name = name, .match_version = version,
			.vuln_id = x->vuln_id, .status = x->status, .fixable = x->fixed != NULL,
			.fixed = x->fixed, .advisories = x->advisories, .urgency = x->urgency,
			.cvss = -1, .epss = -1, .epss_percentile = -1,
		};
		if (f->fixable)
			patch_of(inv, p, scheme, x->fixed, f);
		else
			f->patch = PW_PATCH_NO;
		/* a bug-fix or enhancement erratum is an available update, not a
		 * vulnerability */
		if ((f->update_class = pw_advisory_class(x->vuln_id)) != PW_CLASS_SECURITY) {
			f->kind = PW_KIND_UPDATE;
			f->repository = p->candidate_origin;
		}
	}
	return PW_OK;
}

pw_err pw_match_inventory(struct pw_vulndb *db, const struct pw_inventory *inv,
			  struct pw_findings *out, struct pw_error *e)
{
	struct pw_distro_release dr;
	pw_err rc = pw_match_host(inv, &dr, e);
	if (rc)
		return rc;
	memcpy(out->distro, dr.distro, sizeof(out->distro));
	memcpy(out->release, dr.release, sizeof(out->release));
	out->host = inv->host.hostname ? inv->host.hostname : inv->host.machine_id;
	out->advisory_entries = pw_index_release_entries(db->idx, dr.distro, dr.release);
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		const char *name, *version;
		if (!pw_match_package_key(p, dr.scheme, &name, &version)) {
			out->packages_other_family++;
			continue;
		}
		if (p->state != PW_STATE_INSTALLED) {
			out->packages_skipped++;
			/* removed packages are not software on the host; a half-done
			 * install or upgrade is, and its version is uncertain */
			if (p->state != PW_STATE_CONFIG_FILES && p->state != PW_STATE_NOT_INSTALLED &&
			    (rc = warn(out, e, "%s %s: %s, not assessed (only installed packages are)",
				       p->name, p->version, pw_state_name(p->state))))
				return rc;
			continue;
		}
		out->packages_checked++;
		struct pw_index_key *k = pw_index_find(db->idx, dr.distro, dr.release, name);
		if (!k)
			continue;
		const struct pw_hits *hits;
		if ((rc = pw_vulndb_evaluate(db, k, version, &hits, e)) ||
		    (rc = pw_findings_add_hits(out, inv, p, dr.scheme, hits, e)))
			return rc;
	}
	if ((rc = pw_findings_add_updates(out, inv, dr.scheme, e)))
		return rc;
	if (out->packages_other_family &&
	    (rc = warn(out, e, "%zu packages of another family than %s's were not assessed",
		       out->packages_other_family, dr.distro)))
		return rc;
	return PW_OK;
}
