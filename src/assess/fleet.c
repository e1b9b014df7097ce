/* fleet.c - hosts sharing one vulndb. Each distinct (release, package,
 * version) the fleet has is one "pair", evaluated once; hosts point at
 * their pairs, and each pair lists the hosts having it, so a changed key
 * is evaluated again once per distinct version and the result fanned out.
 */
#include "pw_fleet.h"

#include <stdlib.h>
#include <string.h>

#define NO_PAIR UINT32_MAX

struct host {
	const struct pw_inventory *inv;
	struct pw_distro_release dr;
	bool assessed;
	uint32_t epoch;    /* bumped when the inventory is replaced */
	uint32_t seen;     /* the update pass that last re-assessed it */
	uint32_t *by_pkg;  /* per package: its pair, NO_PAIR none */
	size_t npkgs;
	struct pw_fleet_summary sum;
};

/* One package of one host having a pair. Links of a replaced inventory
 * are recognized by their epoch and dropped when next met. */
struct link {
	uint32_t host, epoch;
};

/* Links are kept in chunks from slabs of the fleet: appending never moves
 * what is stored, and a pair with few hosts wastes at most one chunk. */
#define CHUNK_LINKS 14
#define SLAB_CHUNKS 16384

struct chunk {
	uint32_t next; /* the pair's older chunk, NO_PAIR last */
	uint32_t n;
	struct link v[CHUNK_LINKS];
};

/* One distinct (release, package, version) of the fleet, with its result
 * and the host packages having it. */
struct pair {
	uint64_t hash;
	struct pw_index_key *key;
	const char *version;     /* interned in the index */
	uint32_t release;        /* index into releases */
	uint32_t generation;     /* the key's, when hits were evaluated */
	uint32_t next_of_key;    /* the key's next pair, NO_PAIR last */
	const struct pw_hits *hits;
	uint32_t links; /* its newest chunk, NO_PAIR none */
};

struct pw_fleet {
	struct pw_vulndb *db;
	struct host *hosts;
	size_t nhosts, cap_hosts;
	struct pw_distro_release *releases; /* the few distinct ones */
	size_t nreleases;
	struct pair *pairs;
	size_t npairs, cap_pairs;
	uint32_t *slots; /* open addressing: pair id + 1, 0 empty */
	size_t slot_mask;
	struct chunk **slabs;
	size_t nchunks;
	uint32_t *first_of_key; /* indexed by key id: its first pair */
	size_t nkeys;
	uint32_t pass;
	size_t pending; /* hosts re-assessed ahead of the next update pass */
};

pw_err pw_fleet_new(struct pw_vulndb *db, struct pw_fleet **out, struct pw_error *e)
{
	struct pw_fleet *f = calloc(1, sizeof(*f));
	if (!f)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	f->db = db;
	*out = f;
	return PW_OK;
}

void pw_fleet_free(struct pw_fleet *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nhosts; i++)
		free(f->hosts[i].by_pkg);
	for (size_t i = 0; i < f->nchunks; i += SLAB_CHUNKS)
		free(f->slabs[i / SLAB_CHUNKS]);
	free(f->slabs);
	free(f->hosts);
	free(f->releases);
	free(f->pairs);
	free(f->slots);
	free(f->first_of_key);
	free(f);
}

size_t pw_fleet_nhosts(const struct pw_fleet *f)
{
	return f->nhosts;
}

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory assessing the fleet");
}

static void count(struct pw_fleet_summary *s, const struct pw_hits *h, int sign)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].fixed)
			s->fixable += (size_t)sign;
		else
			s->nofix += (size_t)sign;
	}
}

static const struct pw_hits *hits_of(const struct pw_fleet *f, uint32_t pair)
{
	return pair == NO_PAIR ? NULL : f->pairs[pair].hits;
}

/* The number of host h's release in f->releases, added when new. */
static pw_err release_of(struct pw_fleet *f, const struct pw_distro_release *dr, uint32_t *out,
			 struct pw_error *e)
{
	for (size_t i = 0; i < f->nreleases; i++) {
		if (strcmp(f->releases[i].distro, dr->distro) == 0 &&
		    strcmp(f->releases[i].release, dr->release) == 0) {
			*out = (uint32_t)i;
			return PW_OK;
		}
	}
	struct pw_distro_release *p = realloc(f->releases, (f->nreleases + 1) * sizeof(*p));
	if (!p)
		return nomem(e);
	f->releases = p;
	p[f->nreleases] = *dr;
	*out = (uint32_t)f->nreleases++;
	return PW_OK;
}

static uint64_t hash_pair(uint32_t release, const char *name, const char *version)
{
	uint64_t h = 1469598103934665603ull ^ ((uint64_t)(release + 1) * 0x9e3779b97f4a7c15ull);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	/* a separator byte no name contains keeps ("a","bc") and ("ab","c") apart */
	h = (h ^ 0xff) * 1099511628211ull;
	for (const unsigned char *p = (const unsigned char *)version; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

static bool grow_slots(struct pw_fleet *f)
{
	size_t size = f->slot_mask ? (f->slot_mask + 1) * 2 : 4096;
	uint32_t *t = calloc(size, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < f->npairs; i++) {
		size_t j = f->pairs[i].hash & (size - 1);
		while (t[j])
			j = (j + 1) & (size - 1);
		t[j] = (uint32_t)i + 1;
	}
	free(f->slots);
	f->slots = t;
	f->slot_mask = size - 1;
	return true;
}

/* Chain pair id into its key's list of pairs. */
static pw_err add_to_key(struct pw_fleet *f, uint32_t id, struct pw_error *e)
{
	uint32_t key = f->pairs[id].key->id;
	if (key >= f->nkeys) {
		size_t n = f->nkeys ? f->nkeys : 1024;
		while (n <= key)
			n *= 2;
		uint32_t *p = realloc(f->first_of_key, n * sizeof(*p));
		if (!p)
			return nomem(e);
		for (size_t i = f->nkeys; i < n; i++)
			p[i] = NO_PAIR;
		f->first_of_key = p;
		f->nkeys = n;
	}
	f->pairs[id].next_of_key = f->first_of_key[key];
	f->first_of_key[key] = id;
	return PW_OK;
}

/* A new pair, not evaluated yet (generation one behind its key's). */
static pw_err new_pair(struct pw_fleet *f, uint64_t hash, uint32_t release, const char *name,
		       const char *version, size_t slot, uint32_t *out, struct pw_error *e)
{
	const struct pw_distro_release *dr = &f->releases[release];
	/* every package gets a key, empty when no feed names it yet, so a
	 * first advisory for it still finds this host */
	struct pw_index_key *k = pw_index_get(pw_vulndb_index(f->db), dr->distro, dr->release,
					      name, e);
	if (!k)
		return e ? e->code : PW_ERR_NOMEM;
	const char *v = pw_index_intern(pw_vulndb_index(f->db), version);
	if (!v)
		return nomem(e);
	if (f->npairs >= NO_PAIR - 1)
		return pw_error_set(e, PW_ERR_LIMIT, "a fleet holds at most %u package versions",
				    NO_PAIR - 1);
	if (f->npairs == f->cap_pairs) {
		size_t cap = f->cap_pairs ? f->cap_pairs * 2 : 1024;
		struct pair *p = realloc(f->pairs, cap * sizeof(*p));
		if (!p)
			return nomem(e);
		f->pairs = p;
		f->cap_pairs = cap;
	}
	uint32_t id = (uint32_t)f->npairs;
	f->pairs[id] = (struct pair){ .hash = hash, .key = k, .version = v, .release = release,
				      .generation = k->generation - 1, .next_of_key = NO_PAIR,
				      .links = NO_PAIR };
	pw_err rc = add_to_key(f, id, e);
	if (rc)
		return rc;
	f->npairs++;
	f->slots[slot] = id + 1;
	*out = id;
	return PW_OK;
}

/* The pair of (release, name, version), made when new. */
static pw_err find_pair(struct pw_fleet *f, uint32_t release, const char *name,
			const char *version, uint32_t *out, struct pw_error *e)
{
	if ((f->npairs + 1) * 2 > f->slot_mask + 1 && !grow_slots(f))
		return nomem(e);
	uint64_t h = hash_pair(release, name, version);
	size_t j = h & f->slot_mask;
	for (; f->slots[j]; j = (j + 1) & f->slot_mask) {
		const struct pair *p = &f->pairs[f->slots[j] - 1];
		if (p->hash == h && p->release == release && strcmp(p->key->package, name) == 0 &&
		    strcmp(p->version, version) == 0) {
			*out = f->slots[j] - 1;
			return PW_OK;
		}
	}
	return new_pair(f, h, release, name, version, j, out, e);
}

static struct chunk *chunk_at(const struct pw_fleet *f, uint32_t c)
{
	return &f->slabs[c / SLAB_CHUNKS][c % SLAB_CHUNKS];
}

static pw_err new_chunk(struct pw_fleet *f, uint32_t *out, struct pw_error *e)
{
	if (f->nchunks >= NO_PAIR - SLAB_CHUNKS)
		return pw_error_set(e, PW_ERR_LIMIT, "a fleet holds at most %u host packages",
				    (NO_PAIR - SLAB_CHUNKS) * CHUNK_LINKS);
	if (f->nchunks % SLAB_CHUNKS == 0) {
		size_t n = f->nchunks / SLAB_CHUNKS;
		struct chunk **v = realloc(f->slabs, (n + 1) * sizeof(*v));
		if (!v)
			return nomem(e);
		f->slabs = v;
		if (!(v[n] = malloc(SLAB_CHUNKS * sizeof(**v))))
			return nomem(e);
	}
	*out = (uint32_t)f->nchunks++;
	return PW_OK;
}

/* Drop the links of replaced inventories (hosts checking in again). */
static void drop_stale(const struct pw_fleet *f, struct chunk *ch)
{
	uint32_t w = 0;
	for (uint32_t i = 0; i < ch->n; i++)
		if (ch->v[i].epoch == f->hosts[ch->v[i].host].epoch)
			ch->v[w++] = ch->v[i];
	ch->n = w;
}

/* Bring a pair's result up to its key's generation, and every host having
 * it up to that result; each host touched is marked with pass (counted in
 * *nhosts once). */
static pw_err refresh_pair(struct pw_fleet *f, uint32_t id, uint32_t pass, size_t *nhosts,
			   struct pw_error *e)
{
	struct pair *p = &f->pairs[id];
	if (p->generation == p->key->generation)
		return PW_OK;
	const struct pw_hits *hits;
	pw_err rc = pw_vulndb_evaluate(f->db, p->key, p->version, &hits, e);
	if (rc)
		return rc;
	struct pw_fleet_summary delta = { 0 };
	count(&delta, hits, 1);
	count(&delta, p->hits, -1);
	for (uint32_t c = p->links; c != NO_PAIR; c = chunk_at(f, c)->next) {
		struct chunk *ch = chunk_at(f, c);
		drop_stale(f, ch);
		for (uint32_t i = 0; i < ch->n; i++) {
			struct host *h = &f->hosts[ch->v[i].host];
			h->sum.fixable += delta.fixable;
			h->sum.nofix += delta.nofix;
			if (h->seen != pass) {
				h->seen = pass;
				++*nhosts;
			}
		}
	}
	p->hits = hits;
	p->generation = p->key->generation;
	return PW_OK;
}

static pw_err link_pair(struct pw_fleet *f, uint32_t id, struct link l, struct pw_error *e)
{
	struct pair *p = &f->pairs[id];
	struct chunk *ch = p->links == NO_PAIR ? NULL : chunk_at(f, p->links);
	if (ch && ch->n == CHUNK_LINKS)
		drop_stale(f, ch);
	if (!ch || ch->n == CHUNK_LINKS) {
		uint32_t c = NO_PAIR;
		pw_err rc = new_chunk(f, &c, e);
		if (rc)
			return rc;
		ch = chunk_at(f, c);
		ch->next = p->links;
		ch->n = 0;
		p->links = c;
	}
	ch->v[ch->n++] = l;
	return PW_OK;
}

/* Host id's pair for package i, linked; NO_PAIR when it is not assessed. */
static pw_err assess_package(struct pw_fleet *f, size_t id, uint32_t release, size_t i,
			     struct pw_error *e)
{
	struct host *h = &f->hosts[id];
	const struct pw_package *p = &h->inv->pkgs[i];
	const char *name, *version;
	h->by_pkg[i] = NO_PAIR;
	if (p->state != PW_STATE_INSTALLED ||
	    !pw_match_package_key(p, h->dr.scheme, &name, &version))
		return PW_OK;
	h->sum.packages_checked++;
	uint32_t pair = NO_PAIR;
	pw_err rc = find_pair(f, release, name, version, &pair, e);
	/* a key changed since the pair's result: the hosts already having it
	 * are brought up to date now and reported by the next update pass */
	if (!rc) {
		size_t ahead = 0;
		rc = refresh_pair(f, pair, f->pass + 1, &ahead, e);
		f->pending += ahead;
	}
	if (!rc)
		rc = link_pair(f, pair, (struct link){ (uint32_t)id, h->epoch }, e);
	if (rc)
		return rc;
	h->by_pkg[i] = pair;
	count(&h->sum, f->pairs[pair].hits, 1);
	return PW_OK;
}

/* (Re)assess host id from its inventory. */
static pw_err assess(struct pw_fleet *f, size_t id, struct pw_error *e)
{
	struct host *h = &f->hosts[id];
	const struct pw_inventory *inv = h->inv;
	free(h->by_pkg);
	h->by_pkg = NULL;
	h->npkgs = 0;
	memset(&h->sum, 0, sizeof(h->sum));
	h->assessed = false;
	h->epoch++;
	uint32_t release = 0;
	pw_err rc = pw_match_host(inv, &h->dr, e);
	if (!rc)
		rc = release_of(f, &h->dr, &release, e);
	if (rc)
		return rc;
	if (inv->npkgs && !(h->by_pkg = malloc(inv->npkgs * sizeof(*h->by_pkg))))
		return nomem(e);
	h->npkgs = inv->npkgs;
	for (size_t i = 0; i < inv->npkgs; i++) {
		if ((rc = assess_package(f, id, release, i, e))) {
			/* the host keeps no results: the packages not reached have none */
			for (size_t j = i; j < h->npkgs; j++)
				h->by_pkg[j] = NO_PAIR;
			return rc;
		}
	}
	h->assessed = true;
	return PW_OK;
}

pw_err pw_fleet_add(struct pw_fleet *f, const struct pw_inventory *inv, size_t *id,
		    struct pw_error *e)
{
	struct pw_distro_release dr;
	pw_err rc = pw_match_host(inv, &dr, e);
	if (rc)
		return rc;
	if (f->nhosts >= UINT32_MAX - 1)
		return pw_error_set(e, PW_ERR_LIMIT, "a fleet holds at most %u hosts", UINT32_MAX - 1);
	if (f->nhosts == f->cap_hosts) {
		size_t cap = f->cap_hosts ? f->cap_hosts * 2 : 64;
		struct host *p = realloc(f->hosts, cap * sizeof(*p));
		if (!p)
			return nomem(e);
		f->hosts = p;
		f->cap_hosts = cap;
	}
	struct host *h = &f->hosts[f->nhosts];
	memset(h, 0, sizeof(*h));
	h->inv = inv;
	*id = f->nhosts++;
	return assess(f, *id, e);
}

pw_err pw_fleet_set(struct pw_fleet *f, size_t id, const struct pw_inventory *inv,
		    struct pw_error *e)
{
	if (id >= f->nhosts)
		return pw_error_set(e, PW_ERR_USAGE, "no host %zu in the fleet", id);
	f->hosts[id].inv = inv;
	return assess(f, id, e);
}

void pw_fleet_summary(const struct pw_fleet *f, size_t id, struct pw_fleet_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (id < f->nhosts)
		*out = f->hosts[id].sum;
}

pw_err pw_fleet_findings(const struct pw_fleet *f, size_t id, struct pw_findings *out,
			 struct pw_error *e)
{
	if (id >= f->nhosts)
		return pw_error_set(e, PW_ERR_USAGE, "no host %zu in the fleet", id);
	const struct host *h = &f->hosts[id];
	if (!h->assessed)
		return pw_match_host(h->inv, &(struct pw_distro_release){ 0 }, e);
	memcpy(out->distro, h->dr.distro, sizeof(out->distro));
	memcpy(out->release, h->dr.release, sizeof(out->release));
	out->host = h->inv->host.hostname ? h->inv->host.hostname : h->inv->host.machine_id;
	out->packages_checked = h->sum.packages_checked;
	out->advisory_entries = pw_index_release_entries(pw_vulndb_index(f->db), h->dr.distro,
							 h->dr.release);
	for (size_t i = 0; i < h->npkgs; i++) {
		pw_err rc = pw_findings_add_hits(out, h->inv, &h->inv->pkgs[i], h->dr.scheme,
						 hits_of(f, h->by_pkg[i]), e);
		if (rc)
			return rc;
	}
	return pw_findings_add_updates(out, h->inv, h->dr.scheme, e);
}

pw_err pw_fleet_update(struct pw_fleet *f, const struct pw_keyset *touched, size_t *hosts,
		       struct pw_error *e)
{
	size_t nhosts = f->pending;
	uint32_t pass = ++f->pass;
	f->pending = 0;
	for (size_t t = 0; t < touched->n; t++) {
		struct pw_index_key *k = touched->keys[t];
		if (k->id >= f->nkeys)
			continue; /* no host has this package */
		/* once per distinct version, whatever the number of hosts */
		for (uint32_t p = f->first_of_key[k->id]; p != NO_PAIR; p = f->pairs[p].next_of_key) {
			pw_err rc = refresh_pair(f, p, pass, &nhosts, e);
			if (rc)
				return rc;
		}
	}
	if (hosts)
		*hosts = nhosts;
	return PW_OK;
}

bool pw_fleet_host_updated(const struct pw_fleet *f, size_t id)
{
	return f->pass != 0 && id < f->nhosts && f->hosts[id].seen == f->pass;
}
