/* fleet.c - hosts sharing one vulndb, with a key -> (host, package) map for
 * incremental re-assessment. */
#include "pw_fleet.h"

#include <stdlib.h>
#include <string.h>

struct host {
	const struct pw_inventory *inv;
	struct pw_distro_release dr;
	bool assessed;
	uint32_t epoch;              /* bumped when the inventory is replaced */
	uint32_t seen;               /* pw_fleet_update's pass, to count hosts once */
	const struct pw_hits **by_pkg; /* per package: its result, NULL none */
	size_t npkgs;
	struct pw_fleet_summary sum;
};

/* One package of one host that has a key. Links of a replaced inventory
 * are recognized by their epoch and dropped when next met. */
struct link {
	uint32_t host, pkg, epoch;
};

struct links {
	struct link *v;
	size_t n, cap;
};

struct pw_fleet {
	struct pw_vulndb *db;
	struct host *hosts;
	size_t nhosts, cap_hosts;
	struct links *by_key; /* indexed by key id */
	size_t nby_key;
	uint32_t pass;
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
	for (size_t i = 0; i < f->nby_key; i++)
		free(f->by_key[i].v);
	free(f->hosts);
	free(f->by_key);
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

static pw_err link_key(struct pw_fleet *f, uint32_t key, struct link l, struct pw_error *e)
{
	if (key >= f->nby_key) {
		size_t n = f->nby_key ? f->nby_key : 1024;
		while (n <= key)
			n *= 2;
		struct links *p = realloc(f->by_key, n * sizeof(*p));
		if (!p)
			return nomem(e);
		memset(p + f->nby_key, 0, (n - f->nby_key) * sizeof(*p));
		f->by_key = p;
		f->nby_key = n;
	}
	struct links *ls = &f->by_key[key];
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 4;
		struct link *p = realloc(ls->v, cap * sizeof(*p));
		if (!p)
			return nomem(e);
		ls->v = p;
		ls->cap = cap;
	}
	ls->v[ls->n++] = l;
	return PW_OK;
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

/* (Re)assess host id from its inventory. */
static pw_err assess(struct pw_fleet *f, size_t id, struct pw_error *e)
{
	struct host *h = &f->hosts[id];
	const struct pw_inventory *inv = h->inv;
	struct pw_index *idx = pw_vulndb_index(f->db);
	free(h->by_pkg);
	h->by_pkg = NULL;
	h->npkgs = 0;
	memset(&h->sum, 0, sizeof(h->sum));
	h->assessed = false;
	h->epoch++;
	pw_err rc = pw_match_host(inv, &h->dr, e);
	if (rc)
		return rc;
	if (inv->npkgs && !(h->by_pkg = calloc(inv->npkgs, sizeof(*h->by_pkg))))
		return nomem(e);
	h->npkgs = inv->npkgs;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		const char *name, *version;
		if (p->state != PW_STATE_INSTALLED ||
		    !pw_match_package_key(p, h->dr.scheme, &name, &version))
			continue;
		h->sum.packages_checked++;
		/* every package gets a key, empty when no feed names it yet, so a
		 * first advisory for it still finds this host */
		struct pw_index_key *k = pw_index_get(idx, h->dr.distro, h->dr.release, name, e);
		if (!k)
			return e ? e->code : PW_ERR_NOMEM;
		if ((rc = link_key(f, k->id, (struct link){ (uint32_t)id, (uint32_t)i, h->epoch }, e)))
			return rc;
		if ((rc = pw_vulndb_evaluate(f->db, k, version, &h->by_pkg[i], e)))
			return rc;
		count(&h->sum, h->by_pkg[i], 1);
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
						 h->by_pkg[i], e);
		if (rc)
			return rc;
	}
	return pw_findings_add_updates(out, h->inv, h->dr.scheme, e);
}

pw_err pw_fleet_update(struct pw_fleet *f, const struct pw_keyset *touched, size_t *hosts,
		       struct pw_error *e)
{
	size_t nhosts = 0;
	uint32_t pass = ++f->pass;
	for (size_t t = 0; t < touched->n; t++) {
		struct pw_index_key *k = touched->keys[t];
		if (k->id >= f->nby_key)
			continue; /* no host has this package */
		struct links *ls = &f->by_key[k->id];
		size_t w = 0;
		for (size_t i = 0; i < ls->n; i++) {
			struct link l = ls->v[i];
			struct host *h = &f->hosts[l.host];
			if (l.epoch != h->epoch)
				continue; /* the host's inventory was replaced since */
			ls->v[w++] = l;
			const char *name, *version;
			if (!pw_match_package_key(&h->inv->pkgs[l.pkg], h->dr.scheme, &name, &version))
				continue;
			const struct pw_hits *hits;
			pw_err rc = pw_vulndb_evaluate(f->db, k, version, &hits, e);
			if (rc) { /* keep the links not yet looked at */
				memmove(&ls->v[w], &ls->v[i + 1], (ls->n - i - 1) * sizeof(*ls->v));
				ls->n = w + ls->n - i - 1;
				return rc;
			}
			count(&h->sum, h->by_pkg[l.pkg], -1);
			h->by_pkg[l.pkg] = hits;
			count(&h->sum, hits, 1);
			if (h->seen != pass) {
				h->seen = pass;
				nhosts++;
			}
		}
		ls->n = w;
	}
	if (hosts)
		*hosts = nhosts;
	return PW_OK;
}

bool pw_fleet_host_updated(const struct pw_fleet *f, size_t id)
{
	return f->pass != 0 && id < f->nhosts && f->hosts[id].seen == f->pass;
}
