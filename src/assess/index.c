/* index.c - (distro, release, package) -> affected entries.
 *
 * Two open-addressing hash tables: interned strings, and keys (by id). Keys
 * are arena-allocated and numbered densely so other modules (the fleet's
 * package -> hosts map) can keep per-key arrays. Entry arrays are per key
 * and grow by doubling; they are sorted lazily, when the matcher first
 * reads a key after it changed, so a bulk load sorts each key once.
 */
#include "pw_index.h"

#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_distro.h"

struct str_slot {
	uint64_t hash;
	const char *s;
};

/* How many entries each (distro, release) holds. A handful of releases:
 * a short array. */
struct release_count {
	const char *distro, *release; /* interned */
	size_t entries;
};

struct pw_index {
	struct pw_arena arena;
	struct str_slot *strs;
	size_t str_mask, nstrs;
	uint32_t *slots; /* key id + 1, 0 empty */
	uint64_t *slot_hash;
	size_t key_mask;
	struct pw_index_key **keys;
	size_t nkeys, cap_keys;
	struct release_count *rel;
	size_t nrel, cap_rel;
	uint32_t mark;
};

static uint64_t fnv(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 1099511628211ull;
	}
	return h;
}

#define FNV_START 1469598103934665603ull

static uint64_t hash_str(const char *s)
{
	uint64_t h = fnv(FNV_START, s);
	return h ? h : 1;
}

static uint64_t hash_key(const char *distro, const char *release, const char *package)
{
	/* a separator byte no name contains keeps ("a","bc") and ("ab","c") apart */
	uint64_t h = fnv(FNV_START, distro);
	h = (h ^ 0xff) * 1099511628211ull;
	h = fnv(h, release);
	h = (h ^ 0xff) * 1099511628211ull;
	h = fnv(h, package);
	return h ? h : 1;
}

pw_err pw_index_new(struct pw_index **out, struct pw_error *e)
{
	struct pw_index *idx = calloc(1, sizeof(*idx));
	if (!idx)
		goto nomem;
	pw_arena_init(&idx->arena);
	idx->str_mask = 4095;
	idx->key_mask = 1023;
	idx->strs = calloc(idx->str_mask + 1, sizeof(*idx->strs));
	idx->slots = calloc(idx->key_mask + 1, sizeof(*idx->slots));
	idx->slot_hash = calloc(idx->key_mask + 1, sizeof(*idx->slot_hash));
	if (!idx->strs || !idx->slots || !idx->slot_hash)
		goto nomem;
	*out = idx;
	return PW_OK;
nomem:
	pw_index_free(idx);
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory building the advisory index");
}

void pw_index_free(struct pw_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->nkeys; i++) {
		free(idx->keys[i]->entries);
		free(idx->keys[i]->pending);
	}
	free(idx->keys);
	free(idx->strs);
	free(idx->slots);
	free(idx->slot_hash);
	free(idx->rel);
	pw_arena_free(&idx->arena);
	free(idx);
}

static bool grow_strs(struct pw_index *idx)
{
	size_t size = (idx->str_mask + 1) * 2;
	struct str_slot *t = calloc(size, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i <= idx->str_mask; i++) {
		if (!idx->strs[i].s)
			continue;
		size_t j = idx->strs[i].hash & (size - 1);
		while (t[j].s)
			j = (j + 1) & (size - 1);
		t[j] = idx->strs[i];
	}
	free(idx->strs);
	idx->strs = t;
	idx->str_mask = size - 1;
	return true;
}

const char *pw_index_intern(struct pw_index *idx, const char *s)
{
	if (!s)
		return NULL;
	uint64_t h = hash_str(s);
	size_t j = h & idx->str_mask;
	for (; idx->strs[j].s; j = (j + 1) & idx->str_mask) {
		if (idx->strs[j].hash == h && strcmp(idx->strs[j].s, s) == 0)
			return idx->strs[j].s;
	}
	if ((idx->nstrs + 1) * 2 > idx->str_mask + 1) {
		if (!grow_strs(idx))
			return NULL;
		j = h & idx->str_mask;
		while (idx->strs[j].s)
			j = (j + 1) & idx->str_mask;
	}
	char *copy = pw_arena_strdup(&idx->arena, s);
	if (!copy)
		return NULL;
	idx->strs[j] = (struct str_slot){ h, copy };
	idx->nstrs++;
	return copy;
}

static size_t *release_slot(struct pw_index *idx, const char *distro, const char *release)
{
	for (size_t i = 0; i < idx->nrel; i++) {
		if (idx->rel[i].distro == distro && idx->rel[i].release == release)
			return &idx->rel[i].entries;
	}
	if (idx->nrel == idx->cap_rel) {
		size_t cap = idx->cap_rel ? idx->cap_rel * 2 : 16;
		struct release_count *p = realloc(idx->rel, cap * sizeof(*p));
		if (!p)
			return NULL;
		idx->rel = p;
		idx->cap_rel = cap;
	}
	idx->rel[idx->nrel] = (struct release_count){ distro, release, 0 };
	return &idx->rel[idx->nrel++].entries;
}

size_t pw_index_release_entries(const struct pw_index *idx, const char *distro, const char *release)
{
	for (size_t i = 0; i < idx->nrel; i++) {
		if (strcmp(idx->rel[i].distro, distro) == 0 && strcmp(idx->rel[i].release, release) == 0)
			return idx->rel[i].entries;
	}
	return 0;
}

static void count_entries(struct pw_index *idx, const struct pw_index_key *k, long delta)
{
	size_t *c = release_slot(idx, k->distro, k->release);
	if (c) /* only an allocation failure loses the count, never a finding */
		*c = (size_t)((long)*c + delta);
}

static struct pw_index_key *lookup(struct pw_index *idx, const char *distro, const char *release,
				   const char *package, uint64_t h, size_t *slot)
{
	size_t j = h & idx->key_mask;
	for (; idx->slots[j]; j = (j + 1) & idx->key_mask) {
		if (idx->slot_hash[j] != h)
			continue;
		struct pw_index_key *k = idx->keys[idx->slots[j] - 1];
		if (strcmp(k->package, package) == 0 && strcmp(k->release, release) == 0 &&
		    strcmp(k->distro, distro) == 0)
			return k;
	}
	*slot = j;
	return NULL;
}

struct pw_index_key *pw_index_find(struct pw_index *idx, const char *distro, const char *release,
				   const char *package)
{
	size_t slot;
	return lookup(idx, distro, release, package, hash_key(distro, release, package), &slot);
}

static bool grow_keys(struct pw_index *idx)
{
	size_t size = (idx->key_mask + 1) * 2;
	uint32_t *t = calloc(size, sizeof(*t));
	uint64_t *th = calloc(size, sizeof(*th));
	if (!t || !th) {
		free(t);
		free(th);
		return false;
	}
	for (size_t i = 0; i <= idx->key_mask; i++) {
		if (!idx->slots[i])
			continue;
		size_t j = idx->slot_hash[i] & (size - 1);
		while (t[j])
			j = (j + 1) & (size - 1);
		t[j] = idx->slots[i];
		th[j] = idx->slot_hash[i];
	}
	free(idx->slots);
	free(idx->slot_hash);
	idx->slots = t;
	idx->slot_hash = th;
	idx->key_mask = size - 1;
	return true;
}

struct pw_index_key *pw_index_get(struct pw_index *idx, const char *distro, const char *release,
				  const char *package, struct pw_error *e)
{
	uint64_t h = hash_key(distro, release, package);
	size_t slot;
	struct pw_index_key *k = lookup(idx, distro, release, package, h, &slot);
	if (k)
		return k;
	enum pw_scheme scheme;
	if (!pw_distro_scheme(distro, &scheme)) {
		pw_error_set(e, PW_ERR_UNSUPPORTED, "no version scheme for distribution %s", distro);
		return NULL;
	}
	if (idx->nkeys >= UINT32_MAX - 1)
		goto nomem;
	if ((idx->nkeys + 1) * 2 > idx->key_mask + 1) {
		if (!grow_keys(idx))
			goto nomem;
		lookup(idx, distro, release, package, h, &slot);
	}
	if (idx->nkeys == idx->cap_keys) {
		size_t cap = idx->cap_keys ? idx->cap_keys * 2 : 1024;
		struct pw_index_key **p = realloc(idx->keys, cap * sizeof(*p));
		if (!p)
			goto nomem;
		idx->keys = p;
		idx->cap_keys = cap;
	}
	k = pw_arena_alloc(&idx->arena, sizeof(*k));
	if (!k)
		goto nomem;
	memset(k, 0, sizeof(*k));
	k->distro = pw_index_intern(idx, distro);
	k->release = pw_index_intern(idx, release);
	k->package = pw_index_intern(idx, package);
	if (!k->distro || !k->release || !k->package)
		goto nomem;
	k->scheme = scheme;
	k->sorted = true;
	k->id = (uint32_t)idx->nkeys;
	idx->keys[idx->nkeys++] = k;
	idx->slots[slot] = k->id + 1;
	idx->slot_hash[slot] = h;
	return k;
nomem:
	pw_error_set(e, PW_ERR_NOMEM, "out of memory building the advisory index");
	return NULL;
}

/* "" is no value, as NULL. */
static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

/* Intern s into *out; false on ENOMEM. */
static bool intern(struct pw_index *idx, const char *s, const char **out)
{
	*out = pw_index_intern(idx, s);
	return !s || *out;
}

/* Normalize and intern one row into *x; false on ENOMEM. */
static bool make_entry(struct pw_index *idx, const struct pw_affected *a, struct pw_index_entry *x)
{
	const char *introduced = opt(a->introduced);
	/* OSV's "introduced": "0" is "since the beginning" */
	if (introduced && strcmp(introduced, "0") == 0)
		introduced = NULL;
	x->status = a->status;
	if (x->status == PW_AFFECT_FIXED && !opt(a->fixed))
		x->status = PW_AFFECT_VULNERABLE;
	return intern(idx, a->vuln_id, &x->vuln_id) && intern(idx, introduced, &x->introduced) &&
	       intern(idx, x->status == PW_AFFECT_FIXED ? a->fixed : NULL, &x->fixed) &&
	       intern(idx, opt(a->last_affected), &x->last_affected) &&
	       intern(idx, opt(a->exact), &x->exact) && intern(idx, opt(a->urgency), &x->urgency) &&
	       intern(idx, opt(a->advisory), &x->advisory);
}

static bool append(struct pw_index_entry **v, size_t *n, size_t *cap, const struct pw_index_entry *x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		struct pw_index_entry *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return false;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = *x;
	return true;
}

pw_err pw_index_add(struct pw_index *idx, const struct pw_affected *a, bool *added,
		    struct pw_error *e)
{
	enum pw_scheme scheme;
	if (added)
		*added = false;
	if (!a->vuln_id || !a->distro || !a->release || !a->package)
		return pw_error_set(e, PW_ERR_INVALID, "affected entry without vulnerability, distro, "
				    "release or package");
	if (!pw_distro_scheme(a->distro, &scheme))
		return PW_OK; /* a distribution this build does not assess */
	struct pw_index_key *k = pw_index_get(idx, a->distro, a->release, a->package, e);
	if (!k)
		return e ? e->code : PW_ERR_NOMEM;
	struct pw_index_entry x;
	if (!make_entry(idx, a, &x) || !append(&k->entries, &k->n, &k->cap, &x))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory building the advisory index");
	k->sorted = false;
	k->generation++;
	count_entries(idx, k, 1);
	if (added)
		*added = true;
	return PW_OK;
}

struct load_ctx {
	struct pw_index *idx;
	struct pw_error *e;
};

static pw_err load_cb(void *ctx, const struct pw_affected *a)
{
	struct load_ctx *c = ctx;
	return pw_index_add(c->idx, a, NULL, c->e);
}

pw_err pw_index_load(struct pw_index *idx, struct pw_store *s, const char *distro,
		     const char *release, struct pw_error *e)
{
	struct load_ctx c = { idx, e };
	return pw_store_each_affected(s, distro, release, 0, load_cb, &c, e);
}

pw_err pw_index_load_packages(struct pw_index *idx, struct pw_store *s, const char *distro,
			      const char *release, const char *const *packages, size_t npackages,
			      struct pw_error *e)
{
	struct load_ctx c = { idx, e };
	return pw_store_each_affected_of(s, distro, release, packages, npackages, load_cb, &c, e);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
	return x < y ? -1 : x > y;
}

/* Interned strings compare by address: a total order that groups equal
 * vulnerability ids, which is all the matcher needs. */
static int cmp_entry(const void *pa, const void *pb)
{
	const struct pw_index_entry *a = pa, *b = pb;
	int c;
	if ((c = cmp_ptr(a->vuln_id, b->vuln_id)))
		return c;
	if (a->status != b->status)
		return a->status < b->status ? -1 : 1;
	if ((c = cmp_ptr(a->introduced, b->introduced)) || (c = cmp_ptr(a->fixed, b->fixed)) ||
	    (c = cmp_ptr(a->last_affected, b->last_affected)) || (c = cmp_ptr(a->exact, b->exact)) ||
	    (c = cmp_ptr(a->urgency, b->urgency)))
		return c;
	return cmp_ptr(a->advisory, b->advisory);
}

/* Sort and drop exact duplicates (the same fix published by two feeds, or
 * a record repeated in one feed); returns the new count. */
static size_t sort_unique(struct pw_index_entry *v, size_t n)
{
	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), cmp_entry);
	size_t w = 1;
	for (size_t i = 1; i < n; i++) {
		if (cmp_entry(&v[i], &v[w - 1]) != 0)
			v[w++] = v[i];
	}
	return w;
}

const struct pw_index_entry *pw_index_entries(struct pw_index *idx, struct pw_index_key *k,
					      size_t *n)
{
	if (!k->sorted) {
		size_t before = k->n;
		k->n = sort_unique(k->entries, k->n);
		k->sorted = true;
		if (k->n != before)
			count_entries(idx, k, -(long)(before - k->n));
	}
	*n = k->n;
	return k->entries;
}

void pw_keyset_init(struct pw_keyset *ks)
{
	memset(ks, 0, sizeof(*ks));
}

void pw_keyset_free(struct pw_keyset *ks)
{
	free(ks->keys);
	memset(ks, 0, sizeof(*ks));
}

pw_err pw_keyset_add(struct pw_keyset *ks, struct pw_index_key *k)
{
	for (size_t i = ks->n; i > 0 && i + 8 > ks->n; i--) {
		if (ks->keys[i - 1] == k) /* the common repeat: the same key again */
			return PW_OK;
	}
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 16;
		struct pw_index_key **p = realloc(ks->keys, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		ks->keys = p;
		ks->cap = cap;
	}
	ks->keys[ks->n++] = k;
	return PW_OK;
}

/* ---- refresh ---- */

struct rel_ref {
	const char *distro, *release; /* interned */
};

struct refresh_ctx {
	struct pw_index *idx;
	struct pw_error *e;
	struct rel_ref *rels;
	size_t nrels, cap_rels;
	uint32_t mark;
};

/* Rows written since the last look: which releases to read again. */
static pw_err since_cb(void *ctx, const struct pw_affected *a)
{
	struct refresh_ctx *c = ctx;
	enum pw_scheme scheme;
	if (!a->distro || !a->release || !pw_distro_scheme(a->distro, &scheme))
		return PW_OK;
	for (size_t i = 0; i < c->nrels; i++) {
		if (strcmp(c->rels[i].distro, a->distro) == 0 && strcmp(c->rels[i].release, a->release) == 0)
			return PW_OK;
	}
	if (c->nrels == c->cap_rels) {
		size_t cap = c->cap_rels ? c->cap_rels * 2 : 8;
		struct rel_ref *p = realloc(c->rels, cap * sizeof(*p));
		if (!p)
			return pw_error_set(c->e, PW_ERR_NOMEM, "out of memory");
		c->rels = p;
		c->cap_rels = cap;
	}
	struct rel_ref r = { pw_index_intern(c->idx, a->distro), pw_index_intern(c->idx, a->release) };
	if (!r.distro || !r.release)
		return pw_error_set(c->e, PW_ERR_NOMEM, "out of memory");
	c->rels[c->nrels++] = r;
	return PW_OK;
}

/* A release read again: rows go to each key's pending list. */
static pw_err reload_cb(void *ctx, const struct pw_affected *a)
{
	struct refresh_ctx *c = ctx;
	struct pw_index_key *k = pw_index_get(c->idx, a->distro, a->release, a->package, c->e);
	if (!k)
		return c->e ? c->e->code : PW_ERR_NOMEM;
	struct pw_index_entry x;
	if (!make_entry(c->idx, a, &x) || !append(&k->pending, &k->npending, &k->cap_pending, &x))
		return pw_error_set(c->e, PW_ERR_NOMEM, "out of memory");
	k->mark = c->mark;
	return PW_OK;
}

static bool same_entries(const struct pw_index_entry *a, size_t na, const struct pw_index_entry *b,
			 size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (cmp_entry(&a[i], &b[i]) != 0)
			return false;
	}
	return true;
}

pw_err pw_index_refresh(struct pw_index *idx, struct pw_store *s, int64_t since,
			struct pw_keyset *touched, struct pw_error *e)
{
	struct refresh_ctx c = { .idx = idx, .e = e };
	pw_err rc = pw_store_each_affected(s, NULL, NULL, since, since_cb, &c, e);
	for (size_t r = 0; rc == PW_OK && r < c.nrels; r++) {
		const char *distro = c.rels[r].distro, *release = c.rels[r].release;
		c.mark = ++idx->mark;
		rc = pw_store_each_affected(s, distro, release, 0, reload_cb, &c, e);
		/* every key of the release: compare what the store holds now with
		 * what the index has; on error, forget the pending rows */
		for (size_t i = 0; i < idx->nkeys; i++) {
			struct pw_index_key *k = idx->keys[i];
			if (k->distro != distro || k->release != release)
				continue;
			if (k->mark != c.mark)
				k->npending = 0;
			if (rc != PW_OK) {
				k->npending = 0;
				continue;
			}
			size_t n;
			const struct pw_index_entry *cur = pw_index_entries(idx, k, &n);
			k->npending = sort_unique(k->pending, k->npending);
			if (!same_entries(cur, n, k->pending, k->npending)) {
				struct pw_index_entry *old = k->entries;
				size_t oldcap = k->cap;
				count_entries(idx, k, (long)k->npending - (long)n);
				k->entries = k->pending;
				k->n = k->npending;
				k->cap = k->cap_pending;
				k->pending = old;
				k->cap_pending = oldcap;
				k->sorted = true;
				k->generation++;
				if (touched && pw_keyset_add(touched, k) != PW_OK)
					rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			}
			k->npending = 0;
		}
	}
	free(c.rels);
	return rc;
}
