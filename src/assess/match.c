/* match.c - the index of affected entries and inventory evaluation. */
#include "pw_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"

/* One affected entry as the index keeps it. */
struct entry {
	const char *vuln_id, *introduced, *fixed, *last_affected, *exact, *urgency, *advisory;
	enum pw_affect_status status;
};

/* One memoized evaluation: the vulnerabilities of a package version. */
struct hit {
	const char *vuln_id;
	enum pw_affect_status status;
	const char *fixed, *advisories, *urgency;
};

struct memo {
	struct memo *next;
	const char *version;
	struct hit *hits;
	size_t nhits;
};

struct key {
	struct key *next;
	uint64_t hash;
	const char *distro, *release, *package;
	enum pw_scheme scheme;
	struct entry *entries;
	size_t n, cap;
	struct memo *memo;
};

struct pw_vulndb {
	struct pw_arena arena;
	struct key **table;
	size_t mask, nkeys;
	uint64_t evaluated, memo_hits;
};

static uint64_t hash3(const char *a, const char *b, const char *c)
{
	uint64_t h = 1469598103934665603ull;
	const char *parts[3] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 1099511628211ull;
		}
		h ^= 0xff;
		h *= 1099511628211ull;
	}
	return h;
}

pw_err pw_vulndb_new(struct pw_vulndb **out, struct pw_error *e)
{
	struct pw_vulndb *db = calloc(1, sizeof(*db));
	if (!db || !(db->table = calloc(1024, sizeof(*db->table)))) {
		free(db);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	db->mask = 1023;
	pw_arena_init(&db->arena);
	*out = db;
	return PW_OK;
}

static void free_key(struct key *k)
{
	free(k->entries);
	for (struct memo *m = k->memo; m;) {
		struct memo *next = m->next;
		free(m->hits);
		free(m);
		m = next;
	}
}

void pw_vulndb_free(struct pw_vulndb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i <= db->mask; i++) {
		for (struct key *k = db->table[i]; k; k = k->next)
			free_key(k);
	}
	free(db->table);
	pw_arena_free(&db->arena);
	free(db);
}

static struct key *find_key(const struct pw_vulndb *db, const char *distro, const char *release,
			    const char *package, uint64_t h)
{
	for (struct key *k = db->table[h & db->mask]; k; k = k->next) {
		if (k->hash == h && strcmp(k->package, package) == 0 && strcmp(k->release, release) == 0 &&
		    strcmp(k->distro, distro) == 0)
			return k;
	}
	return NULL;
}

static void grow_table(struct pw_vulndb *db)
{
	size_t size = (db->mask + 1) * 2;
	struct key **t = calloc(size, sizeof(*t));
	if (!t)
		return; /* stays correct, only slower */
	for (size_t i = 0; i <= db->mask; i++) {
		for (struct key *k = db->table[i]; k;) {
			struct key *next = k->next;
			k->next = t[k->hash & (size - 1)];
			t[k->hash & (size - 1)] = k;
			k = next;
		}
	}
	free(db->table);
	db->table = t;
	db->mask = size - 1;
}

static const char *dup(struct pw_vulndb *db, const char *s)
{
	return s ? pw_arena_strdup(&db->arena, s) : NULL;
}

pw_err pw_vulndb_add(struct pw_vulndb *db, const struct pw_affected *a, struct pw_error *e)
{
	enum pw_scheme scheme;
	if (!pw_distro_scheme(a->distro, &scheme))
		return PW_OK; /* a distribution this build does not assess */
	uint64_t h = hash3(a->distro, a->release, a->package);
	struct key *k = find_key(db, a->distro, a->release, a->package, h);
	if (!k) {
		k = pw_arena_alloc(&db->arena, sizeof(*k));
		if (!k)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		memset(k, 0, sizeof(*k));
		k->hash = h;
		k->distro = dup(db, a->distro);
		k->release = dup(db, a->release);
		k->package = dup(db, a->package);
		k->scheme = scheme;
		k->next = db->table[h & db->mask];
		db->table[h & db->mask] = k;
		if (++db->nkeys > db->mask)
			grow_table(db);
	}
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4;
		struct entry *p = realloc(k->entries, cap * sizeof(*p));
		if (!p)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		k->entries = p;
		k->cap = cap;
	}
	k->entries[k->n++] = (struct entry){
		.vuln_id = dup(db, a->vuln_id), .introduced = dup(db, a->introduced),
		.fixed = dup(db, a->fixed), .last_affected = dup(db, a->last_affected),
		.exact = dup(db, a->exact), .urgency = dup(db, a->urgency),
		.advisory = dup(db, a->advisory), .status = a->status,
	};
	/* new data for this key: what was memoized is stale */
	pw_vulndb_invalidate(db, a->distro, a->release, a->package);
	return PW_OK;
}

static pw_err load_cb(void *ctx, const struct pw_affected *a)
{
	return pw_vulndb_add(ctx, a, NULL);
}

pw_err pw_vulndb_load(struct pw_vulndb *db, struct pw_store *s, const char *distro,
		      const char *release, struct pw_error *e)
{
	return pw_store_each_affected(s, distro, release, 0, load_cb, db, e);
}

void pw_vulndb_invalidate(struct pw_vulndb *db, const char *distro, const char *release,
			  const char *package)
{
	struct key *k = find_key(db, distro, release, package, hash3(distro, release, package));
	if (!k)
		return;
	for (struct memo *m = k->memo; m;) {
		struct memo *next = m->next;
		free(m->hits);
		free(m);
		m = next;
	}
	k->memo = NULL;
}

void pw_vulndb_stats(const struct pw_vulndb *db, uint64_t *evaluated, uint64_t *memo_hits)
{
	*evaluated = db->evaluated;
	*memo_hits = db->memo_hits;
}

/* Does entry x apply to version v? *fixed_here: a fix that v already has. */
static bool applies(const struct key *k, const struct entry *x, const char *v, bool *fixed_here)
{
	*fixed_here = false;
	if (x->exact)
		return pw_version_cmp(k->scheme, v, x->exact) == 0;
	if (x->introduced && pw_version_cmp(k->scheme, v, x->introduced) < 0)
		return false;
	switch (x->status) {
	case PW_AFFECT_NOT_AFFECTED:
		return false;
	case PW_AFFECT_FIXED:
		if (pw_version_cmp(k->scheme, v, x->fixed) < 0)
			return true;
		*fixed_here = true;
		return false;
	default:
		return !x->last_affected || pw_version_cmp(k->scheme, v, x->last_affected) <= 0;
	}
}

/* Evaluate one (key, version), memoized. */
static const struct memo *evaluate(struct pw_vulndb *db, struct key *k, const char *version,
				   struct pw_error *e)
{
	for (struct memo *m = k->memo; m; m = m->next) {
		if (strcmp(m->version, version) == 0) {
			db->memo_hits++;
			return m;
		}
	}
	db->evaluated++;
	struct memo *m = calloc(1, sizeof(*m));
	if (!m) {
		pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		return NULL;
	}
	m->version = pw_arena_strdup(&db->arena, version);
	/* entries of one vulnerability are merged: a fix the host already has,
	 * or a "not affected" statement, settles it whatever other feeds say */
	for (size_t i = 0; i < k->n; i++) {
		const char *vid = k->entries[i].vuln_id;
		bool seen = false;
		for (size_t j = 0; j < m->nhits && !seen; j++)
			seen = strcmp(m->hits[j].vuln_id, vid) == 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(k->entries[j].vuln_id, vid) == 0;
		if (seen)
			continue;
		/* a "not affected" statement settles it; a fix above the installed
		 * version makes it fixable (the greatest such fix: a later advisory
		 * may complete an earlier one); otherwise a fix the host already has
		 * outweighs another feed's older "no fix yet" */
		bool not_affected = false, has_fix = false, open_entry = false;
		struct hit h = { .vuln_id = vid, .status = PW_AFFECT_VULNERABLE };
		struct pw_buf adv = PW_BUF_INIT;
		for (size_t j = i; j < k->n; j++) {
			const struct entry *x = &k->entries[j];
			if (strcmp(x->vuln_id, vid) != 0)
				continue;
			bool fixed_here;
			if (x->status == PW_AFFECT_NOT_AFFECTED && !x->exact) {
				not_affected = true;
				continue;
			}
			if (!applies(k, x, version, &fixed_here)) {
				has_fix |= fixed_here;
				continue;
			}
			if (x->status == PW_AFFECT_FIXED) {
				if (!h.fixed || pw_version_cmp(k->scheme, x->fixed, h.fixed) > 0)
					h.fixed = x->fixed;
				h.status = PW_AFFECT_FIXED;
			} else {
				open_entry = true;
				if (h.status != PW_AFFECT_FIXED)
					h.status = x->status;
			}
			if (x->urgency && !h.urgency)
				h.urgency = x->urgency;
			if (x->advisory && (!adv.data || !strstr(adv.data, x->advisory))) {
				if (adv.len)
					pw_buf_addc(&adv, ',');
				pw_buf_adds(&adv, x->advisory);
			}
		}
		bool vulnerable = h.fixed || (open_entry && !has_fix);
		bool settled = not_affected;
		if (vulnerable && !settled) {
			if (adv.data)
				h.advisories = pw_arena_strdup(&db->arena, adv.data);
			struct hit *p = realloc(m->hits, (m->nhits + 1) * sizeof(*p));
			if (!p) {
				pw_buf_free(&adv);
				pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				free(m->hits);
				free(m);
				return NULL;
			}
			m->hits = p;
			m->hits[m->nhits++] = h;
		}
		pw_buf_free(&adv);
	}
	m->next = k->memo;
	k->memo = m;
	return m;
}

void pw_findings_init(struct pw_findings *f)
{
	memset(f, 0, sizeof(*f));
	pw_arena_init(&f->arena);
}

void pw_findings_free(struct pw_findings *f)
{
	free(f->items);
	pw_arena_free(&f->arena);
	memset(f, 0, sizeof(*f));
}

pw_err pw_match_inventory(struct pw_vulndb *db, const struct pw_inventory *inv,
			  struct pw_findings *out, struct pw_error *e)
{
	const struct pw_host_facts *h = &inv->host;
	struct pw_distro_release dr;
	if (!pw_distro_from_os_release(h->os_id, h->os_id_like, h->os_version_id, h->os_codename, &dr))
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "cannot assess this host: its OS (ID=%s VERSION_ID=%s) is not a "
				    "distribution patchwarden has advisories for",
				    h->os_id ? h->os_id : "unknown",
				    h->os_version_id ? h->os_version_id : "unknown");
	snprintf(out->distro, sizeof(out->distro), "%s", dr.distro);
	snprintf(out->release, sizeof(out->release), "%s", dr.release);
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		if (pw_family_scheme(p->family) != dr.scheme)
			continue;
		if (p->state != PW_STATE_INSTALLED) {
			out->packages_skipped++;
			continue;
		}
		out->packages_checked++;
		const char *name = p->family == PW_FAMILY_RPM ? p->name : p->source_name;
		const char *version = p->family == PW_FAMILY_RPM ? p->version : p->source_version;
		if (!name || !version)
			continue;
		struct key *k = find_key(db, dr.distro, dr.release, name, hash3(dr.distro, dr.release, name));
		if (!k)
			continue;
		const struct memo *m = evaluate(db, k, version, e);
		if (!m)
			return e ? e->code : PW_ERR_NOMEM;
		for (size_t j = 0; j < m->nhits; j++) {
			if (out->n == out->cap) {
				size_t cap = out->cap ? out->cap * 2 : 64;
				struct pw_finding *q = realloc(out->items, cap * sizeof(*q));
				if (!q)
					return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				out->items = q;
				out->cap = cap;
			}
			const struct hit *x = &m->hits[j];
			struct pw_finding *f = &out->items[out->n++];
			memset(f, 0, sizeof(*f));
			f->pkg = p;
			f->vuln_id = x->vuln_id;
			f->status = x->status;
			f->fixable = x->fixed != NULL;
			f->fixed = x->fixed;
			f->advisories = x->advisories;
			f->urgency = x->urgency;
			f->cvss = f->epss = f->epss_percentile = -1;
			/* the repositories offer the fix when apt's candidate reaches it;
			 * for binary-named matches (rpm) compare the binary version */
			if (f->fixable && p->candidate_version &&
			    (p->family != PW_FAMILY_DEB ||
			     pw_version_cmp(PW_SCHEME_DEB, p->candidate_version, x->fixed) >= 0))
				f->patch_available = true;
		}
	}
	return PW_OK;
}
