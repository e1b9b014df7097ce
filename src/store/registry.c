/* registry.c - the asset register (pw_registry.h): hosts, their current
 * inventory and its history, groups, devices.
 *
 * Storing an inventory writes only the difference. The host's current rows
 * are read in one query, both sides are sorted by (family, name, arch,
 * version) and walked together: a key present once on each side with
 * another version is a change (one UPDATE in place, one history row); a
 * version only on one side is an install or a removal (rpm's install-only
 * packages, such as several kernels, are several versions of one key); a
 * row whose version stayed but whose state, source or pending update
 * changed is rewritten without a history entry. An unchanged inventory
 * writes no package row at all.
 *
 * Filters (dynamic groups, host lists) are evaluated in C over the host
 * rows: the SQL stays portable literal text (pw_sql caches statements by
 * their address), tags and installed packages become sorted id sets read
 * once per query.
 */
#include "pw_registry.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_sql.h"
#include "pw_text.h"

/* ---- schema ---- */

static const char *const sqlite_steps[] = {
	"CREATE TABLE hosts("
	" id INTEGER PRIMARY KEY,"
	" origin TEXT NOT NULL CHECK (origin IN ('agent', 'import', 'device')),"
	" machine_id TEXT UNIQUE,"
	" hostname TEXT NOT NULL DEFAULT '',"
	" os_id TEXT, os_version_id TEXT, os_codename TEXT, os_id_like TEXT, os_pretty_name TEXT,"
	" arch TEXT, kernel_release TEXT, kernel_version TEXT,"
	" owner TEXT, environment TEXT,"
	" criticality INTEGER CHECK (criticality BETWEEN 1 AND 5),"
	" exposure TEXT CHECK (exposure IN ('internet', 'internal', 'isolated')),"
	" site TEXT,"
	" first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,"
	" inventory_digest TEXT, inventory_at BIGINT,"
	" npackages INTEGER NOT NULL DEFAULT 0,"
	" has_apt_lists INTEGER NOT NULL DEFAULT 0,"
	" reboot_required INTEGER NOT NULL DEFAULT 0,"
	" newest_kernel TEXT,"
	" needs_assessment INTEGER NOT NULL DEFAULT 0,"
	" assessed_at BIGINT,"
	" retired_at BIGINT);"
	"CREATE INDEX hosts_dirty ON hosts(id) WHERE needs_assessment = 1;"
	"CREATE INDEX hosts_last_seen ON hosts(last_seen);"
	"CREATE TABLE host_tags("
	" host_id INTEGER NOT NULL REFERENCES hosts(id),"
	" tag TEXT NOT NULL,"
	" PRIMARY KEY (host_id, tag));"
	"CREATE INDEX host_tags_tag ON host_tags(tag, host_id);"
	"CREATE TABLE host_packages("
	" id INTEGER PRIMARY KEY,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id),"
	" family TEXT NOT NULL, name TEXT NOT NULL, arch TEXT NOT NULL, version TEXT NOT NULL,"
	" source_name TEXT, source_version TEXT, state TEXT NOT NULL,"
	" rpm_epoch TEXT, rpm_version TEXT, rpm_release TEXT, rpm_sourcerpm TEXT,"
	" multi_arch TEXT,"
	" candidate_version TEXT, candidate_origin TEXT,"
	" candidate_security INTEGER NOT NULL DEFAULT 0,"
	" is_kernel INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (host_id, family, name, arch, version));"
	"CREATE INDEX host_packages_name ON host_packages(name, host_id);"
	"CREATE TABLE package_history("
	" id INTEGER PRIMARY KEY,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id),"
	" at BIGINT NOT NULL,"
	" family TEXT NOT NULL, name TEXT NOT NULL, arch TEXT NOT NULL,"
	" old_version TEXT, new_version TEXT);"
	"CREATE INDEX package_history_host ON package_history(host_id, id);"
	"CREATE INDEX package_history_name ON package_history(name, host_id);"
	"CREATE TABLE host_groups("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL CHECK (kind IN ('static', 'dynamic')),"
	" filter TEXT,"
	" description TEXT,"
	" created_at BIGINT NOT NULL);"
	"CREATE TABLE group_members("
	" group_id INTEGER NOT NULL REFERENCES host_groups(id),"
	" host_id INTEGER NOT NULL REFERENCES hosts(id),"
	" PRIMARY KEY (group_id, host_id));"
	"CREATE INDEX group_members_host ON group_members(host_id);"
	"CREATE TABLE host_cpes("
	" host_id INTEGER NOT NULL REFERENCES hosts(id),"
	" cpe TEXT NOT NULL,"
	" vendor TEXT, product TEXT, version TEXT,"
	" PRIMARY KEY (host_id, cpe));",
	/* 2: no index ordered by package name. Each would put the 823 rows of
	 * a new host's inventory on 823 different pages (6 MB of log per
	 * upload, 48 uploads/s); hosts having a package are found through
	 * the (host_id, family, name, ...) key instead, one probe per host. */
	"DROP INDEX host_packages_name;"
	"DROP INDEX package_history_name;",
};

pw_err pw_registry_migrate(struct pw_store *s, struct pw_error *e)
{
	static const struct pw_sql_migrations m = {
		"registry", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
	};
	return pw_sql_migrate(s, &m, e);
}

/* ---- small helpers ---- */

static pw_err need_tx(struct pw_store *s, const char *what, struct pw_error *e)
{
	if (!pw_store_in_transaction(s))
		return pw_error_set(e, PW_ERR_USAGE, "%s must run inside a transaction", what);
	return PW_OK;
}

static const char *adup(struct pw_arena *a, const char *s)
{
	return s ? pw_arena_strdup(a, s) : NULL;
}

static bool streq0(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* "" and NULL are both "absent" in the model */
static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

const char *pw_host_origin_name(enum pw_host_origin o)
{
	switch (o) {
	case PW_HOST_IMPORT: return "import";
	case PW_HOST_DEVICE: return "device";
	case PW_HOST_AGENT: break;
	}
	return "agent";
}

bool pw_registry_parse_duration(const char *s, int64_t *seconds)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	int64_t n = 0;
	while (isdigit((unsigned char)*s)) {
		n = n * 10 + (*s++ - '0');
		if (n > 10LL * 366 * 86400)
			return false;
	}
	int64_t unit = 1;
	switch (*s) {
	case '\0': break;
	case 's': unit = 1; s++; break;
	case 'm': unit = 60; s++; break;
	case 'h': unit = 3600; s++; break;
	case 'd': unit = 86400; s++; break;
	case 'w': unit = 7 * 86400; s++; break;
	default: return false;
	}
	if (*s || n == 0 || n * unit > 10LL * 366 * 86400)
		return false;
	*seconds = n * unit;
	return true;
}

static enum pw_host_origin origin_parse(const char *s)
{
	if (s && strcmp(s, "import") == 0)
		return PW_HOST_IMPORT;
	if (s && strcmp(s, "device") == 0)
		return PW_HOST_DEVICE;
	return PW_HOST_AGENT;
}

static enum pw_pkg_family family_parse(const char *s)
{
	if (s && strcmp(s, "rpm") == 0)
		return PW_FAMILY_RPM;
	if (s && strcmp(s, "apk") == 0)
		return PW_FAMILY_APK;
	return PW_FAMILY_DEB;
}

static enum pw_pkg_state state_parse(const char *s)
{
	for (int st = PW_STATE_INSTALLED; st <= PW_STATE_OTHER; st++) {
		if (s && strcmp(s, pw_state_name((enum pw_pkg_state)st)) == 0)
			return (enum pw_pkg_state)st;
	}
	return PW_STATE_OTHER;
}

/* A growable array of int64 (host ids), sorted when used as a set. */
struct idset {
	int64_t *v;
	size_t n, cap;
};

static pw_err idset_add(struct idset *s, int64_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		int64_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return PW_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return PW_OK;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static bool idset_has(const struct idset *s, int64_t id)
{
	return s->n && bsearch(&id, s->v, s->n, sizeof(*s->v), cmp_id) != NULL;
}

static pw_err id_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	if (idset_add(ctx, pw_sql_int(row, 0)))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	return PW_OK;
}

static pw_err one_int(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

/* ---- attribute validation ---- */

static bool token_ok(const char *s, size_t max, const char *extra, bool lower_only)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (lower_only && isupper(c))
			return false;
		if (!isalnum(c) && !strchr(extra, c))
			return false;
	}
	return true;
}

/* C0, DEL, C1 and bytes that are not UTF-8 refused (pw_text.h) */
static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n > 0 && n <= max && pw_text_find_control(s, n, NULL) == n;
}

static bool exposure_ok(const char *s)
{
	return strcmp(s, "internet") == 0 || strcmp(s, "internal") == 0 ||
	       strcmp(s, "isolated") == 0;
}

pw_err pw_registry_check_attr(const char *field, const char *value, struct pw_error *e)
{
	if (!value)
		return PW_OK;
	if (strcmp(field, "owner") == 0) {
		if (!text_ok(value, 128))
			return pw_error_set(e, PW_ERR_INVALID,
					    "owner: 1-128 characters without control characters");
	} else if (strcmp(field, "environment") == 0) {
		if (!token_ok(value, 32, "_-", true))
			return pw_error_set(
				e, PW_ERR_INVALID,
				"environment \"%.64s\": 1-32 of a-z 0-9 _ - (e.g. production)",
				value);
	} else if (strcmp(field, "criticality") == 0) {
		if (!(value[0] >= '1' && value[0] <= '5' && value[1] == '\0'))
			return pw_error_set(e, PW_ERR_INVALID,
					    "criticality \"%.32s\": an integer from 1 to 5", value);
	} else if (strcmp(field, "exposure") == 0) {
		if (!exposure_ok(value))
			return pw_error_set(e, PW_ERR_INVALID,
					    "exposure \"%.32s\": internet, internal or isolated",
					    value);
	} else if (strcmp(field, "site") == 0) {
		if (!token_ok(value, 64, "_.-", false))
			return pw_error_set(e, PW_ERR_INVALID,
					    "site \"%.64s\": 1-64 of A-Z a-z 0-9 _ . -", value);
	} else if (strcmp(field, "tag") == 0) {
		if (!token_ok(value, 64, "_.:-", true))
			return pw_error_set(
				e, PW_ERR_INVALID,
				"tag \"%.64s\": 1-64 of a-z 0-9 _ . : -, starting with a letter or digit",
				value);
	} else {
		return pw_error_set(e, PW_ERR_INVALID, "unknown attribute \"%.32s\"", field);
	}
	return PW_OK;
}

/* ---- hosts ---- */

#define HOST_COLS                                                                              \
	"SELECT id, origin, machine_id, hostname, os_id, os_version_id, os_codename, os_id_like," \
	" os_pretty_name, arch, kernel_release, owner, environment, exposure, site, criticality," \
	" first_seen, last_seen, inventory_at, assessed_at, retired_at, inventory_digest,"       \
	" npackages, needs_assessment, reboot_required FROM hosts"

static void host_from_row(const struct pw_sql_row *row, struct pw_arena *a, struct pw_host *h)
{
	memset(h, 0, sizeof(*h));
	h->id = pw_sql_int(row, 0);
	h->origin = origin_parse(pw_sql_text(row, 1));
	h->machine_id = adup(a, pw_sql_text(row, 2));
	h->hostname = adup(a, pw_sql_text(row, 3));
	h->os_id = adup(a, pw_sql_text(row, 4));
	h->os_version_id = adup(a, pw_sql_text(row, 5));
	h->os_codename = adup(a, pw_sql_text(row, 6));
	h->os_id_like = adup(a, pw_sql_text(row, 7));
	h->os_pretty_name = adup(a, pw_sql_text(row, 8));
	h->arch = adup(a, pw_sql_text(row, 9));
	h->kernel_release = adup(a, pw_sql_text(row, 10));
	h->owner = adup(a, pw_sql_text(row, 11));
	h->environment = adup(a, pw_sql_text(row, 12));
	h->exposure = adup(a, pw_sql_text(row, 13));
	h->site = adup(a, pw_sql_text(row, 14));
	h->criticality = (int)pw_sql_int(row, 15);
	h->first_seen = pw_sql_int(row, 16);
	h->last_seen = pw_sql_int(row, 17);
	h->inventory_at = pw_sql_int(row, 18);
	h->assessed_at = pw_sql_int(row, 19);
	h->retired_at = pw_sql_int(row, 20);
	h->inventory_digest = adup(a, pw_sql_text(row, 21));
	h->npackages = pw_sql_int(row, 22);
	h->needs_assessment = pw_sql_int(row, 23) != 0;
	h->reboot_required = pw_sql_int(row, 24) != 0;
}

struct host_one {
	struct pw_arena *a;
	struct pw_host *h;
	bool found;
};

static pw_err host_one_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct host_one *o = ctx;
	host_from_row(row, o->a, o->h);
	o->found = true;
	return PW_OK;
}

struct tag_list {
	struct pw_arena *a;
	const char **v;
	size_t n, cap;
};

static pw_err tag_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct tag_list *t = ctx;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		const char **v = pw_arena_alloc(t->a, cap * sizeof(*v));
		if (!v)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		if (t->n)
			memcpy(v, t->v, t->n * sizeof(*v));
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = adup(t->a, pw_sql_text(row, 0));
	return PW_OK;
}

static pw_err load_tags(struct pw_store *s, struct pw_arena *a, struct pw_host *h,
			struct pw_error *e)
{
	struct tag_list t = { a, NULL, 0, 0 };
	pw_err rc = pw_sql_run(s, "SELECT tag FROM host_tags WHERE host_id = $1 ORDER BY tag",
			       PW_SQL_ARGS(PW_SQL_I(h->id)), tag_row, &t, NULL, e);
	h->tags = t.v;
	h->ntags = t.n;
	return rc;
}

pw_err pw_registry_host_get(struct pw_store *s, int64_t id, struct pw_arena *a,
			    struct pw_host *out, struct pw_error *e)
{
	struct host_one o = { a, out, false };
	pw_err rc = pw_sql_run(s, HOST_COLS " WHERE id = $1", PW_SQL_ARGS(PW_SQL_I(id)),
			       host_one_row, &o, NULL, e);
	if (rc)
		return rc;
	if (!o.found)
		return pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld", (long long)id);
	return load_tags(s, a, out, e);
}

static pw_err group_ensure_static(struct pw_store *s, const char *name, int64_t now,
				  int64_t *id, struct pw_error *e);

pw_err pw_registry_host_ensure(struct pw_store *s, enum pw_host_origin origin,
			       const char *machine_id, const char *hostname, const char *group,
			       int64_t now, int64_t *host_id, bool *created, struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "registering a host", e)))
		return rc;
	machine_id = nz(machine_id);
	int64_t id = 0;
	*created = false;
	if (machine_id) {
		if ((rc = pw_sql_run(s, "SELECT id FROM hosts WHERE machine_id = $1",
				     PW_SQL_ARGS(PW_SQL_T(machine_id)), one_int, &id, NULL, e)))
			return rc;
	}
	if (id) {
		/* back from retirement when it shows up again; an agent enrolling
		 * on an imported host makes it an agent's */
		if ((rc = pw_sql_exec(
			     s,
			     "UPDATE hosts SET retired_at = NULL, last_seen = $1,"
			     " hostname = COALESCE($2, hostname),"
			     " origin = CASE WHEN $3 = 'agent' THEN 'agent' ELSE origin END"
			     " WHERE id = $4",
			     PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_T(nz(hostname)),
					 PW_SQL_T(pw_host_origin_name(origin)), PW_SQL_I(id)),
			     e)))
			return rc;
	} else {
		const char *name = nz(hostname) ? hostname : machine_id ? machine_id : "";
		if ((rc = pw_sql_run(s,
				     "INSERT INTO hosts(origin, machine_id, hostname, first_seen,"
				     " last_seen, needs_assessment) VALUES ($1, $2, $3, $4, $4, 0)"
				     " RETURNING id",
				     PW_SQL_ARGS(PW_SQL_T(pw_host_origin_name(origin)),
						 PW_SQL_T(machine_id), PW_SQL_T(name),
						 PW_SQL_I(now)),
				     one_int, &id, NULL, e)))
			return rc;
		*created = true;
	}
	if (group) {
		int64_t gid;
		if ((rc = group_ensure_static(s, group, now, &gid, e)) ||
		    (rc = pw_sql_exec(s,
				      "INSERT INTO group_members(group_id, host_id) VALUES ($1, $2)"
				      " ON CONFLICT DO NOTHING",
				      PW_SQL_ARGS(PW_SQL_I(gid), PW_SQL_I(id)), e)))
			return rc;
	}
	*host_id = id;
	return PW_OK;
}

struct digest_ctx {
	char *out;
	size_t size;
	bool found, fits;
};

static pw_err digest_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct digest_ctx *d = ctx;
	const char *t = pw_sql_text(row, 0);
	size_t n = t ? strlen(t) : 0;
	d->found = true;
	d->fits = n < d->size;
	if (d->fits) {
		memcpy(d->out, t ? t : "", n);
		d->out[n] = '\0';
	}
	return PW_OK;
}

pw_err pw_registry_inventory_digest(struct pw_store *s, int64_t host_id, char *digest,
				    size_t digest_size, struct pw_error *e)
{
	struct digest_ctx d = { digest, digest_size, false, false };
	pw_err rc = pw_sql_run(s, "SELECT inventory_digest FROM hosts WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_I(host_id)), digest_row, &d, NULL, e);
	if (rc)
		return rc;
	if (!d.found)
		return pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld", (long long)host_id);
	if (!d.fits)
		return pw_error_set(e, PW_ERR_LIMIT, "the digest does not fit %zu bytes",
				    digest_size);
	return PW_OK;
}

pw_err pw_registry_touch(struct pw_store *s, int64_t host_id, int64_t now, struct pw_error *e)
{
	int64_t changes = 0;
	pw_err rc =
		pw_sql_run(s,
			   "UPDATE hosts SET last_seen = CASE WHEN last_seen > $1 THEN last_seen"
			   " ELSE $1 END WHERE id = $2",
			   PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(host_id)), NULL, NULL, &changes, e);
	if (!rc && changes == 0)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld", (long long)host_id);
	return rc;
}

/* ---- inventories ---- */

struct pkg_row {
	int64_t id;
	struct pw_package p;
};

struct pkg_rows {
	struct pw_arena *a;
	struct pkg_row *v;
	size_t n, cap;
};

#define PKG_COLS                                                                               \
	"SELECT id, family, name, arch, version, source_name, source_version, state, rpm_epoch,"  \
	" rpm_version, rpm_release, rpm_sourcerpm, multi_arch, candidate_version,"               \
	" candidate_origin, candidate_security, is_kernel FROM host_packages"

static void pkg_from_row(const struct pw_sql_row *row, struct pw_arena *a, struct pw_package *p)
{
	memset(p, 0, sizeof(*p));
	p->family = family_parse(pw_sql_text(row, 1));
	p->name = adup(a, pw_sql_text(row, 2));
	p->arch = adup(a, pw_sql_text(row, 3));
	p->version = adup(a, pw_sql_text(row, 4));
	p->source_name = adup(a, pw_sql_text(row, 5));
	p->source_version = adup(a, pw_sql_text(row, 6));
	p->state = state_parse(pw_sql_text(row, 7));
	p->rpm_epoch = adup(a, pw_sql_text(row, 8));
	p->rpm_version = adup(a, pw_sql_text(row, 9));
	p->rpm_release = adup(a, pw_sql_text(row, 10));
	p->rpm_sourcerpm = adup(a, pw_sql_text(row, 11));
	p->multi_arch = adup(a, pw_sql_text(row, 12));
	p->candidate_version = adup(a, pw_sql_text(row, 13));
	p->candidate_origin = adup(a, pw_sql_text(row, 14));
	p->candidate_security = pw_sql_int(row, 15) != 0;
	p->is_kernel = pw_sql_int(row, 16) != 0;
}

static pw_err pkg_row_cb(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct pkg_rows *r = ctx;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct pkg_row *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		r->v = v;
		r->cap = cap;
	}
	struct pkg_row *p = &r->v[r->n++];
	p->id = pw_sql_int(row, 0);
	pkg_from_row(row, r->a, &p->p);
	if (!p->p.name || !p->p.version)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	return PW_OK;
}

static const char *arch0(const struct pw_package *p)
{
	return p->arch ? p->arch : "";
}

static int key_cmp(const struct pw_package *a, const struct pw_package *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return strcmp(arch0(a), arch0(b));
}

static int full_cmp(const struct pw_package *a, const struct pw_package *b)
{
	int c = key_cmp(a, b);
	return c ? c : strcmp(a->version, b->version);
}

static int cmp_row(const void *x, const void *y)
{
	return full_cmp(&((const struct pkg_row *)x)->p, &((const struct pkg_row *)y)->p);
}

static int cmp_pkgp(const void *x, const void *y)
{
	return full_cmp(*(const struct pw_package *const *)x, *(const struct pw_package *const *)y);
}

static bool meta_equal(const struct pw_package *a, const struct pw_package *b)
{
	return a->state == b->state && streq0(a->source_name, b->source_name) &&
	       streq0(a->source_version, b->source_version) &&
	       streq0(nz(a->rpm_epoch), nz(b->rpm_epoch)) &&
	       streq0(nz(a->rpm_version), nz(b->rpm_version)) &&
	       streq0(nz(a->rpm_release), nz(b->rpm_release)) &&
	       streq0(nz(a->rpm_sourcerpm), nz(b->rpm_sourcerpm)) &&
	       streq0(nz(a->multi_arch), nz(b->multi_arch)) &&
	       streq0(nz(a->candidate_version), nz(b->candidate_version)) &&
	       streq0(nz(a->candidate_origin), nz(b->candidate_origin)) &&
	       a->candidate_security == b->candidate_security && a->is_kernel == b->is_kernel;
}

static pw_err pkg_insert(struct pw_store *s, int64_t host_id, const struct pw_package *p,
			 struct pw_error *e)
{
	return pw_sql_exec(
		s,
		"INSERT INTO host_packages(host_id, family, name, arch, version, source_name,"
		" source_version, state, rpm_epoch, rpm_version, rpm_release, rpm_sourcerpm,"
		" multi_arch, candidate_version, candidate_origin, candidate_security, is_kernel)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
		PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_T(pw_family_name(p->family)),
			    PW_SQL_T(p->name), PW_SQL_T(arch0(p)), PW_SQL_T(p->version),
			    PW_SQL_T(p->source_name), PW_SQL_T(p->source_version),
			    PW_SQL_T(pw_state_name(p->state)), PW_SQL_T(nz(p->rpm_epoch)),
			    PW_SQL_T(nz(p->rpm_version)), PW_SQL_T(nz(p->rpm_release)),
			    PW_SQL_T(nz(p->rpm_sourcerpm)), PW_SQL_T(nz(p->multi_arch)),
			    PW_SQL_T(nz(p->candidate_version)), PW_SQL_T(nz(p->candidate_origin)),
			    PW_SQL_I(p->candidate_security), PW_SQL_I(p->is_kernel)),
		e);
}

static pw_err pkg_update(struct pw_store *s, int64_t row_id, const struct pw_package *p,
			 struct pw_error *e)
{
	return pw_sql_exec(
		s,
		"UPDATE host_packages SET version = $1, source_name = $2, source_version = $3,"
		" state = $4, rpm_epoch = $5, rpm_version = $6, rpm_release = $7, rpm_sourcerpm = $8,"
		" multi_arch = $9, candidate_version = $10, candidate_origin = $11,"
		" candidate_security = $12, is_kernel = $13 WHERE id = $14",
		PW_SQL_ARGS(PW_SQL_T(p->version), PW_SQL_T(p->source_name),
			    PW_SQL_T(p->source_version), PW_SQL_T(pw_state_name(p->state)),
			    PW_SQL_T(nz(p->rpm_epoch)), PW_SQL_T(nz(p->rpm_version)),
			    PW_SQL_T(nz(p->rpm_release)), PW_SQL_T(nz(p->rpm_sourcerpm)),
			    PW_SQL_T(nz(p->multi_arch)), PW_SQL_T(nz(p->candidate_version)),
			    PW_SQL_T(nz(p->candidate_origin)), PW_SQL_I(p->candidate_security),
			    PW_SQL_I(p->is_kernel), PW_SQL_I(row_id)),
		e);
}

static pw_err pkg_delete(struct pw_store *s, int64_t row_id, struct pw_error *e)
{
	return pw_sql_exec(s, "DELETE FROM host_packages WHERE id = $1",
			   PW_SQL_ARGS(PW_SQL_I(row_id)), e);
}

static pw_err history(struct pw_store *s, int64_t host_id, int64_t now,
		      const struct pw_package *p, const char *old_version, const char *new_version,
		      struct pw_error *e)
{
	return pw_sql_exec(
		s,
		"INSERT INTO package_history(host_id, at, family, name, arch, old_version,"
		" new_version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_I(now), PW_SQL_T(pw_family_name(p->family)),
			    PW_SQL_T(p->name), PW_SQL_T(arch0(p)), PW_SQL_T(old_version),
			    PW_SQL_T(new_version)),
		e);
}

struct os_facts {
	bool found, never; /* never: no inventory stored yet */
	char *os_id, *os_version_id, *os_codename, *os_id_like, *arch, *kernel;
};

static pw_err os_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct os_facts *f = ctx;
	f->found = true;
	char **dst[] = { &f->os_id, &f->os_version_id, &f->os_codename, &f->os_id_like, &f->arch,
			 &f->kernel };
	for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		const char *t = pw_sql_text(row, i);
		if (t && !(*dst[i] = strdup(t)))
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	f->never = pw_sql_isnull(row, 6);
	return PW_OK;
}

static void os_facts_free(struct os_facts *f)
{
	free(f->os_id);
	free(f->os_version_id);
	free(f->os_codename);
	free(f->os_id_like);
	free(f->arch);
	free(f->kernel);
}

pw_err pw_registry_put_inventory(struct pw_store *s, int64_t host_id,
				 const struct pw_inventory *inv, const char *digest, int64_t now,
				 struct pw_inventory_delta *delta, struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "storing an inventory", e)))
		return rc;
	struct pw_inventory_delta d = { 0 };
	struct pw_arena a;
	pw_arena_init(&a);
	struct pkg_rows old = { &a, NULL, 0, 0 };
	const struct pw_package **neu = NULL;
	struct os_facts f = { 0 };
	const struct pw_host_facts *h = &inv->host;

	if ((rc = pw_sql_run(s,
			     "SELECT os_id, os_version_id, os_codename, os_id_like, arch,"
			     " kernel_release, inventory_at FROM hosts WHERE id = $1",
			     PW_SQL_ARGS(PW_SQL_I(host_id)), os_row, &f, NULL, e)))
		goto out;
	if (!f.found) {
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld", (long long)host_id);
		goto out;
	}
	if ((rc = pw_sql_run(s, PKG_COLS " WHERE host_id = $1", PW_SQL_ARGS(PW_SQL_I(host_id)),
			     pkg_row_cb, &old, NULL, e)))
		goto out;
	if (inv->npkgs && !(neu = malloc(inv->npkgs * sizeof(*neu)))) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	size_t nn = 0;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		if (!p->name || !p->version || !*p->name) {
			rc = pw_error_set(e, PW_ERR_INVALID, "package %zu has no name or version",
					  i);
			goto out;
		}
		neu[nn++] = p;
	}
	if (old.n)
		qsort(old.v, old.n, sizeof(*old.v), cmp_row);
	if (nn)
		qsort(neu, nn, sizeof(*neu), cmp_pkgp);

	uint64_t rewritten = 0;
	size_t i = 0, j = 0;
	while (i < old.n || j < nn) {
		int c = i < old.n && j < nn ? key_cmp(&old.v[i].p, neu[j]) : i < old.n ? -1 : 1;
		size_t i2 = i, j2 = j;
		if (c <= 0)
			while (i2 < old.n && key_cmp(&old.v[i2].p, &old.v[i].p) == 0)
				i2++;
		if (c >= 0)
			while (j2 < nn && key_cmp(neu[j2], neu[j]) == 0)
				j2++;
		if (c == 0 && i2 - i == 1 && j2 - j == 1 &&
		    strcmp(old.v[i].p.version, neu[j]->version) != 0) {
			/* one version before, another now: an upgrade or a downgrade */
			if ((rc = pkg_update(s, old.v[i].id, neu[j], e)) ||
			    (rc = history(s, host_id, now, neu[j], old.v[i].p.version,
					  neu[j]->version, e)))
				goto out;
			d.changed++;
		} else {
			/* versions of one key, both sides sorted: merge them */
			size_t x = i, y = j;
			while (x < i2 || y < j2) {
				int v = x < i2 && y < j2
						? strcmp(old.v[x].p.version, neu[y]->version)
					: x < i2 ? -1
						 : 1;
				if (v < 0) {
					if ((rc = pkg_delete(s, old.v[x].id, e)) ||
					    (rc = history(s, host_id, now, &old.v[x].p,
							  old.v[x].p.version, NULL, e)))
						goto out;
					d.removed++;
					x++;
				} else if (v > 0) {
					if (y > j &&
					    strcmp(neu[y - 1]->version, neu[y]->version) == 0) {
						y++; /* the same package twice in the input */
						continue;
					}
					/* the first inventory is the baseline, dated by the
					 * host's inventory_at: its packages are not changes */
					if ((rc = pkg_insert(s, host_id, neu[y], e)) ||
					    (!f.never && (rc = history(s, host_id, now, neu[y], NULL,
								       neu[y]->version, e))))
						goto out;
					d.added++;
					y++;
				} else {
					if (!meta_equal(&old.v[x].p, neu[y])) {
						if ((rc = pkg_update(s, old.v[x].id, neu[y], e)))
							goto out;
						rewritten++;
					}
					d.unchanged++;
					x++;
					y++;
					while (y < j2 &&
					       strcmp(neu[y - 1]->version, neu[y]->version) == 0)
						y++;
				}
			}
		}
		i = i2;
		j = j2;
	}

	bool os_changed = !streq0(f.os_id, nz(h->os_id)) ||
			  !streq0(f.os_version_id, nz(h->os_version_id)) ||
			  !streq0(f.os_codename, nz(h->os_codename)) ||
			  !streq0(f.os_id_like, nz(h->os_id_like)) ||
			  !streq0(f.arch, nz(h->arch)) || !streq0(f.kernel, nz(h->kernel_release));
	bool dirty = f.never || os_changed || d.added || d.removed || d.changed || rewritten;
	int64_t npkgs = (int64_t)(d.added + d.changed + d.unchanged);
	if ((rc = pw_sql_exec(
		     s,
		     "UPDATE hosts SET hostname = COALESCE($1, hostname), os_id = $2,"
		     " os_version_id = $3, os_codename = $4, os_id_like = $5, os_pretty_name = $6,"
		     " arch = $7, kernel_release = $8, kernel_version = $9, inventory_digest = $10,"
		     " inventory_at = $11, last_seen = $11, npackages = $12, has_apt_lists = $13,"
		     " reboot_required = $14, newest_kernel = $15,"
		     " needs_assessment = CASE WHEN $16 = 1 THEN 1 ELSE needs_assessment END"
		     " WHERE id = $17",
		     PW_SQL_ARGS(PW_SQL_T(nz(h->hostname)), PW_SQL_T(nz(h->os_id)),
				 PW_SQL_T(nz(h->os_version_id)), PW_SQL_T(nz(h->os_codename)),
				 PW_SQL_T(nz(h->os_id_like)), PW_SQL_T(nz(h->os_pretty_name)),
				 PW_SQL_T(nz(h->arch)), PW_SQL_T(nz(h->kernel_release)),
				 PW_SQL_T(nz(h->kernel_version)), PW_SQL_T(nz(digest)),
				 PW_SQL_I(now), PW_SQL_I(npkgs), PW_SQL_I(inv->has_apt_lists),
				 PW_SQL_I(inv->reboot_required), PW_SQL_T(nz(inv->newest_kernel)),
				 PW_SQL_I(dirty ? 1 : 0), PW_SQL_I(host_id)),
		     e)))
		goto out;
	if (delta)
		*delta = d;
out:
	os_facts_free(&f);
	free(neu);
	free(old.v);
	pw_arena_free(&a);
	return rc;
}

struct load_ctx {
	struct pw_inventory *inv;
	bool found;
};

static const char *idup(struct pw_inventory *inv, const char *s)
{
	return s ? pw_inventory_strdup(inv, s) : NULL;
}

static pw_err load_host_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct load_ctx *l = ctx;
	struct pw_inventory *inv = l->inv;
	struct pw_host_facts *h = &inv->host;
	l->found = true;
	h->machine_id = idup(inv, pw_sql_text(row, 0));
	h->hostname = idup(inv, pw_sql_text(row, 1));
	h->os_id = idup(inv, pw_sql_text(row, 2));
	h->os_version_id = idup(inv, pw_sql_text(row, 3));
	h->os_codename = idup(inv, pw_sql_text(row, 4));
	h->os_id_like = idup(inv, pw_sql_text(row, 5));
	h->os_pretty_name = idup(inv, pw_sql_text(row, 6));
	h->arch = idup(inv, pw_sql_text(row, 7));
	h->kernel_release = idup(inv, pw_sql_text(row, 8));
	h->kernel_version = idup(inv, pw_sql_text(row, 9));
	inv->has_apt_lists = pw_sql_int(row, 10) != 0;
	inv->reboot_required = pw_sql_int(row, 11) != 0;
	inv->newest_kernel = idup(inv, pw_sql_text(row, 12));
	return PW_OK;
}

static pw_err load_pkg_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct pw_inventory *inv = ((struct load_ctx *)ctx)->inv;
	struct pw_package *p = pw_inventory_add_package(inv, family_parse(pw_sql_text(row, 1)));
	if (!p)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pkg_from_row(row, &inv->arena, p);
	switch (p->family) {
	case PW_FAMILY_DEB: inv->has_dpkg = true; break;
	case PW_FAMILY_RPM: inv->has_rpm = true; break;
	case PW_FAMILY_APK: inv->has_apk = true; break;
	}
	return PW_OK;
}

pw_err pw_registry_load_inventory(struct pw_store *s, int64_t host_id, struct pw_inventory *inv,
				  struct pw_error *e)
{
	struct load_ctx l = { inv, false };
	pw_err rc = pw_sql_run(
		s,
		"SELECT machine_id, hostname, os_id, os_version_id, os_codename,"
		" os_id_like, os_pretty_name, arch, kernel_release, kernel_version,"
		" has_apt_lists, reboot_required, newest_kernel FROM hosts WHERE id = $1",
		PW_SQL_ARGS(PW_SQL_I(host_id)), load_host_row, &l, NULL, e);
	if (rc)
		return rc;
	if (!l.found)
		return pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld", (long long)host_id);
	if ((rc = pw_sql_run(s, PKG_COLS " WHERE host_id = $1", PW_SQL_ARGS(PW_SQL_I(host_id)),
			     load_pkg_row, &l, NULL, e)))
		return rc;
	pw_inventory_sort(inv);
	return PW_OK;
}

pw_err pw_registry_each_package(struct pw_store *s, int64_t host_id, int64_t after_id,
				int64_t limit,
				pw_err (*cb)(void *ctx, int64_t row_id, const struct pw_package *p),
				void *ctx, struct pw_error *e)
{
	struct pw_arena a;
	pw_arena_init(&a);
	struct pkg_rows r = { &a, NULL, 0, 0 };
	pw_err rc = pw_sql_run(s, PKG_COLS " WHERE host_id = $1 AND id > $2 ORDER BY id LIMIT $3",
			       PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_I(after_id),
					   PW_SQL_I(limit > 0 ? limit : INT64_MAX)),
			       pkg_row_cb, &r, NULL, e);
	for (size_t i = 0; !rc && i < r.n; i++)
		rc = cb(ctx, r.v[i].id, &r.v[i].p);
	free(r.v);
	pw_arena_free(&a);
	return rc;
}

struct change_ctx {
	pw_err (*cb)(void *ctx, const struct pw_package_change *c);
	void *ctx;
};

static pw_err change_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct change_ctx *c = ctx;
	struct pw_package_change ch = {
		pw_sql_int(row, 0),     pw_sql_int(row, 1),     pw_sql_int(row, 2),
		pw_sql_text(row, 3),    pw_sql_text(row, 4),    pw_sql_text(row, 5),
		pw_sql_text(row, 6),    pw_sql_text(row, 7),
	};
	return c->cb(c->ctx, &ch);
}

pw_err pw_registry_each_change(struct pw_store *s, int64_t host_id, int64_t before_id,
			       int64_t limit,
			       pw_err (*cb)(void *ctx, const struct pw_package_change *c),
			       void *ctx, struct pw_error *e)
{
	struct change_ctx c = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT id, host_id, at, family, name, arch, old_version, new_version"
			  " FROM package_history WHERE host_id = $1 AND ($2 = 0 OR id < $2)"
			  " ORDER BY id DESC LIMIT $3",
			  PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_I(before_id),
				      PW_SQL_I(limit > 0 ? limit : INT64_MAX)),
			  change_row, &c, NULL, e);
}

/* ---- assessment hooks ---- */

static _Thread_local struct {
	char hostname[256];
	char exposure[16];
	char environment[40];
	bool has_exposure, has_environment;
} ctx_tls;

static pw_err context_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct pw_host_context *c = ctx;
	const char *t;
	c->host_id = pw_sql_int(row, 0);
	snprintf(ctx_tls.hostname, sizeof(ctx_tls.hostname), "%s",
		 (t = pw_sql_text(row, 1)) ? t : "");
	c->hostname = ctx_tls.hostname;
	c->exposure = NULL;
	if ((t = pw_sql_text(row, 2))) {
		snprintf(ctx_tls.exposure, sizeof(ctx_tls.exposure), "%s", t);
		c->exposure = ctx_tls.exposure;
	}
	c->criticality = (int)pw_sql_int(row, 3);
	c->environment = NULL;
	if ((t = pw_sql_text(row, 4))) {
		snprintf(ctx_tls.environment, sizeof(ctx_tls.environment), "%s", t);
		c->environment = ctx_tls.environment;
	}
	return PW_OK;
}

pw_err pw_registry_host_context(struct pw_store *s, int64_t host_id, struct pw_host_context *out,
				struct pw_error *e)
{
	out->host_id = 0;
	pw_err rc =
		pw_sql_run(s,
			   "SELECT id, hostname, exposure, COALESCE(criticality, 0), environment"
			   " FROM hosts WHERE id = $1",
			   PW_SQL_ARGS(PW_SQL_I(host_id)), context_row, out, NULL, e);
	if (!rc && out->host_id == 0)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld", (long long)host_id);
	return rc;
}

/* Ids first, callbacks after: a callback may write the rows being read. */
static pw_err each_id(struct pw_store *s, const char *sql, pw_err (*cb)(void *ctx, int64_t id),
		      void *ctx, struct pw_error *e)
{
	struct idset ids = { 0 };
	pw_err rc = pw_sql_run(s, sql, PW_SQL_NOARGS, id_row, &ids, NULL, e);
	for (size_t i = 0; !rc && i < ids.n; i++)
		rc = cb(ctx, ids.v[i]);
	free(ids.v);
	return rc;
}

pw_err pw_registry_each_dirty_host(struct pw_store *s,
				   pw_err (*cb)(void *ctx, int64_t host_id), void *ctx,
				   struct pw_error *e)
{
	return each_id(s,
		       "SELECT id FROM hosts WHERE needs_assessment = 1 AND retired_at IS NULL"
		       " ORDER BY id",
		       cb, ctx, e);
}

pw_err pw_registry_mark_assessed(struct pw_store *s, int64_t host_id, int64_t now,
				 struct pw_error *e)
{
	int64_t changes = 0;
	pw_err rc = pw_sql_run(
		s, "UPDATE hosts SET needs_assessment = 0, assessed_at = $1 WHERE id = $2",
		PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(host_id)), NULL, NULL, &changes, e);
	if (!rc && changes == 0)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld", (long long)host_id);
	return rc;
}

pw_err pw_registry_each_host(struct pw_store *s, pw_err (*cb)(void *ctx, int64_t host_id),
			     void *ctx, struct pw_error *e)
{
	return each_id(s, "SELECT id FROM hosts WHERE retired_at IS NULL ORDER BY id", cb, ctx, e);
}

struct cpe_item {
	int64_t host_id;
	char *cpe;
};

struct cpe_list {
	struct cpe_item *v;
	size_t n, cap;
};

static pw_err cpe_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct cpe_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct cpe_item *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	const char *t = pw_sql_text(row, 1);
	if (!(l->v[l->n].cpe = strdup(t ? t : "")))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	l->v[l->n++].host_id = pw_sql_int(row, 0);
	return PW_OK;
}

pw_err pw_registry_each_device_cpe(struct pw_store *s,
				   pw_err (*cb)(void *ctx, int64_t host_id, const char *cpe),
				   void *ctx, struct pw_error *e)
{
	struct cpe_list l = { 0 };
	pw_err rc = pw_sql_run(
		s,
		"SELECT c.host_id, c.cpe FROM host_cpes c JOIN hosts h ON h.id = c.host_id"
		" WHERE h.retired_at IS NULL ORDER BY c.host_id, c.cpe",
		PW_SQL_NOARGS, cpe_row, &l, NULL, e);
	for (size_t i = 0; !rc && i < l.n; i++)
		rc = cb(ctx, l.v[i].host_id, l.v[i].cpe);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].cpe);
	free(l.v);
	return rc;
}

/* ---- the filter language ---- */

enum fkey {
	FK_OS, FK_RELEASE, FK_CODENAME, FK_ARCH, FK_TAG, FK_ENVIRONMENT, FK_EXPOSURE, FK_SITE,
	FK_OWNER, FK_ORIGIN, FK_CRITICALITY, FK_PACKAGE, FK_HOSTNAME,
};

static const char *const fkey_names[] = {
	"os", "release", "codename", "arch", "tag", "environment", "exposure", "site",
	"owner", "origin", "criticality", "package", "hostname",
};
#define NFKEYS (sizeof(fkey_names) / sizeof(fkey_names[0]))

enum fop { FO_EQ, FO_GE, FO_GT, FO_LE, FO_LT, FO_GLOB };

struct fterm {
	enum fkey key;
	enum fop op;
	char *value;
	int64_t n;
	struct idset ids; /* tag and package: the hosts that have it, sorted */
};

#define FILTER_MAX_TERMS 32
#define FILTER_MAX_LEN 2048

struct filter {
	struct fterm t[FILTER_MAX_TERMS + 8];
	size_t n;
};

static void filter_free(struct filter *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->t[i].value);
		free(f->t[i].ids.v);
	}
	f->n = 0;
}

static pw_err term_error(struct pw_error *e, size_t idx, const char *start, size_t len,
			 const char *why)
{
	return pw_error_set(e, PW_ERR_INVALID, "filter term %zu \"%.*s\": %s", idx,
			    (int)(len > 80 ? 80 : len), start, why);
}

static pw_err filter_add(struct filter *f, enum fkey key, enum fop op, const char *value,
			 struct pw_error *e)
{
	if (f->n >= sizeof(f->t) / sizeof(f->t[0]))
		return pw_error_set(e, PW_ERR_INVALID, "too many filter terms");
	struct fterm *t = &f->t[f->n];
	memset(t, 0, sizeof(*t));
	t->key = key;
	t->op = op;
	if (!(t->value = strdup(value)))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	f->n++;
	return PW_OK;
}

static pw_err filter_parse(const char *text, struct filter *f, struct pw_error *e)
{
	f->n = 0;
	if (!text)
		return PW_OK;
	if (strlen(text) > FILTER_MAX_LEN)
		return pw_error_set(e, PW_ERR_INVALID, "filter longer than %d bytes",
				    FILTER_MAX_LEN);
	const char *p = text;
	size_t idx = 0;
	char value[FILTER_MAX_LEN + 1];
	pw_err rc;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		idx++;
		const char *start = p;
		/* the term's extent, for messages: up to unquoted white space */
		const char *end = p;
		char quote = 0;
		while (*end && (quote || (*end != ' ' && *end != '\t' && *end != '\n'))) {
			if (quote && *end == quote)
				quote = 0;
			else if (!quote && (*end == '"' || *end == '\''))
				quote = *end;
			end++;
		}
		size_t tlen = (size_t)(end - start);
		if (idx > FILTER_MAX_TERMS) {
			rc = term_error(e, idx, start, tlen, "too many terms (at most 32)");
			goto fail;
		}
		const char *k = p;
		while (*p >= 'a' && *p <= 'z')
			p++;
		size_t klen = (size_t)(p - k);
		size_t key = NFKEYS;
		for (size_t i = 0; i < NFKEYS; i++) {
			if (strlen(fkey_names[i]) == klen && strncmp(fkey_names[i], k, klen) == 0)
				key = i;
		}
		if (klen == 0) {
			rc = term_error(e, idx, start, tlen, "expected key=value");
			goto fail;
		}
		if (key == NFKEYS) {
			rc = term_error(e, idx, start, tlen,
					"unknown key (known: os, release, codename, arch, tag, "
					"environment, exposure, site, owner, origin, criticality, "
					"package, hostname)");
			goto fail;
		}
		enum fop op;
		if (p[0] == '>' && p[1] == '=') {
			op = FO_GE;
			p += 2;
		} else if (p[0] == '<' && p[1] == '=') {
			op = FO_LE;
			p += 2;
		} else if (p[0] == '>') {
			op = FO_GT;
			p++;
		} else if (p[0] == '<') {
			op = FO_LT;
			p++;
		} else if (p[0] == '~') {
			op = FO_GLOB;
			p++;
		} else if (p[0] == '=') {
			op = FO_EQ;
			p++;
		} else {
			rc = term_error(e, idx, start, tlen,
					"expected =, ~, >=, >, <= or < after the key");
			goto fail;
		}
		size_t vlen = 0;
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			while (*p && *p != q)
				value[vlen++] = *p++;
			if (*p != q) {
				rc = term_error(e, idx, start, tlen, "unterminated quoted value");
				goto fail;
			}
			p++;
			if (*p && *p != ' ' && *p != '\t' && *p != '\n') {
				rc = term_error(e, idx, start, tlen, "text after the quoted value");
				goto fail;
			}
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\n')
				value[vlen++] = *p++;
		}
		value[vlen] = '\0';
		if (vlen == 0) {
			rc = term_error(e, idx, start, tlen, "empty value");
			goto fail;
		}
		for (size_t i = 0; i < vlen; i++) {
			if ((unsigned char)value[i] < 0x20) {
				rc = term_error(e, idx, start, tlen,
						"control character in the value");
				goto fail;
			}
		}
		bool ordered = op == FO_GE || op == FO_GT || op == FO_LE || op == FO_LT;
		if (ordered && key != FK_CRITICALITY) {
			rc = term_error(e, idx, start, tlen,
					"only criticality compares with >, >=, <, <=");
			goto fail;
		}
		if (op == FO_GLOB && key != FK_HOSTNAME) {
			rc = term_error(e, idx, start, tlen, "only hostname matches a glob with ~");
			goto fail;
		}
		if (op == FO_GLOB) {
			/* bounded, so a hostile pattern cannot make matching slow */
			size_t stars = 0;
			for (size_t i = 0; i < vlen; i++)
				stars += value[i] == '*';
			if (stars > 4 || vlen > 253) {
				rc = term_error(e, idx, start, tlen,
						"a glob has at most 4 '*' and 253 characters");
				goto fail;
			}
		}
		struct pw_error ve = { 0 };
		if (key == FK_CRITICALITY && pw_registry_check_attr("criticality", value, &ve)) {
			rc = term_error(e, idx, start, tlen,
					"criticality is an integer from 1 to 5");
			goto fail;
		}
		if (key == FK_EXPOSURE && !exposure_ok(value)) {
			rc = term_error(e, idx, start, tlen,
					"exposure is internet, internal or isolated");
			goto fail;
		}
		if (key == FK_ORIGIN && strcmp(value, "agent") && strcmp(value, "import") &&
		    strcmp(value, "device")) {
			rc = term_error(e, idx, start, tlen, "origin is agent, import or device");
			goto fail;
		}
		if (key == FK_TAG && pw_registry_check_attr("tag", value, &ve)) {
			rc = term_error(e, idx, start, tlen, ve.msg);
			goto fail;
		}
		if ((rc = filter_add(f, (enum fkey)key, op, value, e)))
			goto fail;
		f->t[f->n - 1].n = key == FK_CRITICALITY ? value[0] - '0' : 0;
	}
	return PW_OK;
fail:
	filter_free(f);
	return rc;
}

pw_err pw_registry_filter_check(const char *filter, struct pw_error *e)
{
	struct filter *f = calloc(1, sizeof(*f));
	if (!f)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_err rc = filter_parse(filter, f, e);
	filter_free(f);
	free(f);
	return rc;
}

/* The id sets tag and package terms test against. */
static pw_err filter_prepare(struct pw_store *s, struct filter *f, struct pw_error *e)
{
	pw_err rc = PW_OK;
	for (size_t i = 0; !rc && i < f->n; i++) {
		struct fterm *t = &f->t[i];
		if (t->key == FK_TAG)
			rc = pw_sql_run(
				s, "SELECT host_id FROM host_tags WHERE tag = $1 ORDER BY host_id",
				PW_SQL_ARGS(PW_SQL_T(t->value)), id_row, &t->ids, NULL, e);
		else if (t->key == FK_PACKAGE)
			rc = pw_sql_run(s,
					"SELECT h.id FROM hosts h WHERE EXISTS (SELECT 1 FROM"
					" host_packages p WHERE p.host_id = h.id AND p.family IN"
					" ('deb', 'rpm', 'apk') AND p.name = $1 AND p.state = 'installed')"
					" ORDER BY h.id",
					PW_SQL_ARGS(PW_SQL_T(t->value)), id_row, &t->ids, NULL, e);
	}
	return rc;
}

static bool term_holds(const struct fterm *t, const struct pw_host *h)
{
	const char *v = NULL;
	switch (t->key) {
	case FK_OS: v = h->os_id; break;
	case FK_RELEASE: v = h->os_version_id; break;
	case FK_CODENAME: v = h->os_codename; break;
	case FK_ARCH: v = h->arch; break;
	case FK_ENVIRONMENT: v = h->environment; break;
	case FK_EXPOSURE: v = h->exposure; break;
	case FK_SITE: v = h->site; break;
	case FK_OWNER: v = h->owner; break;
	case FK_ORIGIN: v = pw_host_origin_name(h->origin); break;
	case FK_TAG:
	case FK_PACKAGE: return idset_has(&t->ids, h->id);
	case FK_CRITICALITY:
		if (h->criticality == 0)
			return false;
		switch (t->op) {
		case FO_GE: return h->criticality >= t->n;
		case FO_GT: return h->criticality > t->n;
		case FO_LE: return h->criticality <= t->n;
		case FO_LT: return h->criticality < t->n;
		default: return h->criticality == t->n;
		}
	case FK_HOSTNAME:
		if (!h->hostname)
			return false;
		if (t->op == FO_GLOB)
			return fnmatch(t->value, h->hostname, FNM_CASEFOLD) == 0;
		return strcasecmp(t->value, h->hostname) == 0;
	}
	return v && strcmp(v, t->value) == 0;
}

/* ---- listing hosts ---- */

struct host_page {
	struct pw_arena a;
	struct pw_host *v;
	size_t n, cap;
	const struct pw_host_query *q;
	struct filter *f;
	struct idset *members; /* static group; NULL otherwise */
	bool full;
};

static bool host_matches(struct host_page *pg, const struct pw_host *h)
{
	const struct pw_host_query *q = pg->q;
	if (pg->members && !idset_has(pg->members, h->id))
		return false;
	for (size_t i = 0; i < pg->f->n; i++) {
		if (!term_holds(&pg->f->t[i], h))
			return false;
	}
	if (q->q && *q->q) {
		if (!((h->hostname && strcasestr(h->hostname, q->q)) ||
		      (h->machine_id && strcasestr(h->machine_id, q->q)) ||
		      (h->owner && strcasestr(h->owner, q->q))))
			return false;
	}
	if (q->stale) {
		bool stale = h->origin != PW_HOST_DEVICE && h->last_seen < q->now - q->stale_after;
		if ((q->stale > 0) != stale)
			return false;
	}
	if ((q->seen_since && h->last_seen < q->seen_since) ||
	    (q->seen_until && h->last_seen >= q->seen_until))
		return false;
	return true;
}

static pw_err page_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct host_page *pg = ctx;
	if (pg->n == pg->cap) {
		size_t cap = pg->cap ? pg->cap * 2 : 64;
		struct pw_host *v = realloc(pg->v, cap * sizeof(*v));
		if (!v)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		pg->v = v;
		pg->cap = cap;
	}
	host_from_row(row, &pg->a, &pg->v[pg->n]);
	if (!host_matches(pg, &pg->v[pg->n]))
		return PW_OK;
	pg->n++;
	if (pg->q->limit > 0 && (int64_t)pg->n >= pg->q->limit) {
		pg->full = true;
		return PW_ERR_LIMIT; /* enough: stop reading */
	}
	return PW_OK;
}

struct group_row_ctx {
	struct pw_arena *a;
	struct pw_group *g;
	bool found;
};

static pw_err group_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e);

pw_err pw_registry_each_host_matching(struct pw_store *s, const struct pw_host_query *q,
				      pw_err (*cb)(void *ctx, const struct pw_host *h), void *ctx,
				      struct pw_error *e)
{
	struct host_page pg = { .q = q };
	pw_arena_init(&pg.a);
	struct idset members = { 0 };
	struct filter *f = calloc(1, sizeof(*f));
	pw_err rc;
	if (!f)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pg.f = f;
	if ((rc = filter_parse(q->filter, f, e)))
		goto out;
	int64_t gid = q->group_id;
	if (q->group && (rc = pw_registry_group_find(s, q->group, &gid, e)))
		goto out;
	if (gid) {
		struct pw_group g;
		struct group_row_ctx gc = { &pg.a, &g, false };
		if ((rc = pw_sql_run(s,
				     "SELECT id, name, kind, filter, description, created_at, 0"
				     " FROM host_groups WHERE id = $1",
				     PW_SQL_ARGS(PW_SQL_I(gid)), group_row, &gc, NULL, e)))
			goto out;
		if (!gc.found) {
			rc = pw_error_set(e, PW_ERR_NOTFOUND, "no group with id %lld",
					  (long long)gid);
			goto out;
		}
		if (g.dynamic) {
			/* the group's saved terms join the query's own */
			struct filter *gf = calloc(1, sizeof(*gf));
			if (!gf) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				goto out;
			}
			rc = filter_parse(g.filter, gf, e);
			for (size_t i = 0; !rc && i < gf->n; i++) {
				if (!(rc = filter_add(f, gf->t[i].key, gf->t[i].op, gf->t[i].value,
						      e)))
					f->t[f->n - 1].n = gf->t[i].n;
			}
			filter_free(gf);
			free(gf);
			if (rc) {
				pw_error_set(e, rc, "group %s: %s", g.name,
					     e ? e->msg : "bad filter");
				goto out;
			}
		} else {
			if ((rc = pw_sql_run(s,
					     "SELECT host_id FROM group_members WHERE group_id = $1"
					     " ORDER BY host_id",
					     PW_SQL_ARGS(PW_SQL_I(gid)), id_row, &members, NULL,
					     e)))
				goto out;
			pg.members = &members;
		}
	}
	if ((q->os && (rc = filter_add(f, FK_OS, FO_EQ, q->os, e))) ||
	    (q->release && (rc = filter_add(f, FK_RELEASE, FO_EQ, q->release, e))) ||
	    (q->tag && (rc = filter_add(f, FK_TAG, FO_EQ, q->tag, e))) ||
	    (q->environment && (rc = filter_add(f, FK_ENVIRONMENT, FO_EQ, q->environment, e))))
		goto out;
	if ((rc = filter_prepare(s, f, e)))
		goto out;
	rc = pw_sql_run(s,
			HOST_COLS " WHERE id > $1 AND ($2 = 1 OR retired_at IS NULL) ORDER BY id",
			PW_SQL_ARGS(PW_SQL_I(q->after_id), PW_SQL_I(q->include_retired ? 1 : 0)),
			page_row, &pg, NULL, e);
	if (rc == PW_ERR_LIMIT && pg.full)
		rc = PW_OK;
	for (size_t i = 0; !rc && i < pg.n; i++)
		rc = load_tags(s, &pg.a, &pg.v[i], e);
	for (size_t i = 0; !rc && i < pg.n; i++)
		rc = cb(ctx, &pg.v[i]);
out:
	filter_free(f);
	free(f);
	free(members.v);
	free(pg.v);
	pw_arena_free(&pg.a);
	return rc;
}

static void write_time(struct pw_jsonw *w, const char *key, int64_t t)
{
	if (!t)
		return;
	char buf[32];
	pw_jsonw_key(w, key);
	pw_jsonw_string(w, pw_clock_format(t, buf, sizeof(buf)));
}

void pw_registry_write_host(struct pw_jsonw *w, const struct pw_host *h, int64_t now,
			    int64_t stale_after)
{
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "id");
	pw_jsonw_int(w, h->id);
	pw_jsonw_kstr(w, "origin", pw_host_origin_name(h->origin));
	pw_jsonw_kstr(w, "machine_id", h->machine_id);
	pw_jsonw_kstr(w, "hostname", h->hostname ? h->hostname : "");
	if (h->os_id || h->os_version_id || h->os_codename || h->os_pretty_name) {
		pw_jsonw_key(w, "os");
		pw_jsonw_begin_object(w);
		pw_jsonw_kstr(w, "id", h->os_id);
		pw_jsonw_kstr(w, "version_id", h->os_version_id);
		pw_jsonw_kstr(w, "codename", h->os_codename);
		pw_jsonw_kstr(w, "id_like", h->os_id_like);
		pw_jsonw_kstr(w, "pretty_name", h->os_pretty_name);
		pw_jsonw_end_object(w);
	}
	pw_jsonw_kstr(w, "arch", h->arch);
	pw_jsonw_kstr(w, "kernel", h->kernel_release);
	pw_jsonw_kstr(w, "owner", h->owner);
	pw_jsonw_kstr(w, "environment", h->environment);
	if (h->criticality) {
		pw_jsonw_key(w, "criticality");
		pw_jsonw_int(w, h->criticality);
	}
	pw_jsonw_kstr(w, "exposure", h->exposure);
	pw_jsonw_kstr(w, "site", h->site);
	pw_jsonw_key(w, "tags");
	pw_jsonw_begin_array(w);
	for (size_t i = 0; i < h->ntags; i++)
		pw_jsonw_string(w, h->tags[i]);
	pw_jsonw_end_array(w);
	write_time(w, "first_seen", h->first_seen);
	write_time(w, "last_seen", h->last_seen);
	if (stale_after > 0) {
		pw_jsonw_key(w, "stale");
		pw_jsonw_bool(w, h->origin != PW_HOST_DEVICE && h->last_seen < now - stale_after);
	}
	write_time(w, "inventory_at", h->inventory_at);
	pw_jsonw_kstr(w, "inventory_digest", h->inventory_digest);
	pw_jsonw_key(w, "packages");
	pw_jsonw_int(w, h->npackages);
	pw_jsonw_key(w, "reboot_required");
	pw_jsonw_bool(w, h->reboot_required);
	pw_jsonw_key(w, "needs_assessment");
	pw_jsonw_bool(w, h->needs_assessment);
	write_time(w, "assessed_at", h->assessed_at);
	pw_jsonw_key(w, "retired");
	pw_jsonw_bool(w, h->retired_at != 0);
	write_time(w, "retired_at", h->retired_at);
	pw_jsonw_end_object(w);
}

/* The audit document of a host's attributes (what people change). */
static pw_err host_attrs_json(const struct pw_host *h, struct pw_buf *out)
{
	struct pw_jsonw w;
	pw_jsonw_init(&w, out, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "id");
	pw_jsonw_int(&w, h->id);
	pw_jsonw_kstr(&w, "hostname", h->hostname);
	pw_jsonw_kstr(&w, "owner", h->owner);
	pw_jsonw_kstr(&w, "environment", h->environment);
	if (h->criticality) {
		pw_jsonw_key(&w, "criticality");
		pw_jsonw_int(&w, h->criticality);
	}
	pw_jsonw_kstr(&w, "exposure", h->exposure);
	pw_jsonw_kstr(&w, "site", h->site);
	pw_jsonw_key(&w, "tags");
	pw_jsonw_begin_array(&w);
	for (size_t i = 0; i < h->ntags; i++)
		pw_jsonw_string(&w, h->tags[i]);
	pw_jsonw_end_array(&w);
	pw_jsonw_key(&w, "retired");
	pw_jsonw_bool(&w, h->retired_at != 0);
	pw_jsonw_end_object(&w);
	return pw_jsonw_finish(&w);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

pw_err pw_registry_host_update(struct pw_store *s, int64_t id, const struct pw_host_patch *p,
			       const char *actor, struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "changing a host", e)))
		return rc;
	if ((p->set_owner && (rc = pw_registry_check_attr("owner", p->owner, e))) ||
	    (p->set_environment &&
	     (rc = pw_registry_check_attr("environment", p->environment, e))) ||
	    (p->set_exposure && (rc = pw_registry_check_attr("exposure", p->exposure, e))) ||
	    (p->set_site && (rc = pw_registry_check_attr("site", p->site, e))))
		return rc;
	if (p->set_criticality && (p->criticality < 0 || p->criticality > 5))
		return pw_error_set(e, PW_ERR_INVALID, "criticality %d: an integer from 1 to 5",
				    p->criticality);
	if (p->set_tags && p->ntags > 64)
		return pw_error_set(e, PW_ERR_INVALID, "tags: at most 64");
	for (size_t i = 0; p->set_tags && i < p->ntags; i++) {
		if (!p->tags[i])
			return pw_error_set(e, PW_ERR_INVALID, "tags[%zu]: not a string", i);
		if ((rc = pw_registry_check_attr("tag", p->tags[i], e)))
			return rc;
	}
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_buf before = PW_BUF_INIT, after = PW_BUF_INIT;
	struct pw_host h;
	if ((rc = pw_registry_host_get(s, id, &a, &h, e)))
		goto out;
	if ((rc = host_attrs_json(&h, &before))) {
		rc = pw_error_set(e, rc, "out of memory");
		goto out;
	}
	if (p->set_owner)
		h.owner = nz(p->owner);
	if (p->set_environment)
		h.environment = nz(p->environment);
	if (p->set_criticality)
		h.criticality = p->criticality;
	if (p->set_exposure)
		h.exposure = nz(p->exposure);
	if (p->set_site)
		h.site = nz(p->site);
	/* what the risk score reads moved: the assessor scores the host again */
	if ((rc = pw_sql_exec(s,
			      "UPDATE hosts SET owner = $1, environment = $2, criticality = $3,"
			      " exposure = $4, site = $5, needs_assessment = CASE WHEN"
			      " environment IS DISTINCT FROM $2 OR criticality IS DISTINCT FROM $3"
			      " OR exposure IS DISTINCT FROM $4 THEN 1 ELSE needs_assessment END"
			      " WHERE id = $6",
			      PW_SQL_ARGS(PW_SQL_T(h.owner), PW_SQL_T(h.environment),
					  h.criticality ? PW_SQL_I(h.criticality) : PW_SQL_NUL,
					  PW_SQL_T(h.exposure), PW_SQL_T(h.site), PW_SQL_I(id)),
			      e)))
		goto out;
	if (p->set_tags) {
		const char **tags = pw_arena_alloc(&a, (p->ntags + 1) * sizeof(*tags));
		if (!tags) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			goto out;
		}
		size_t n = 0;
		for (size_t i = 0; i < p->ntags; i++)
			tags[n++] = p->tags[i];
		qsort(tags, n, sizeof(*tags), cmp_str);
		size_t u = 0;
		for (size_t i = 0; i < n; i++) {
			if (u == 0 || strcmp(tags[u - 1], tags[i]) != 0)
				tags[u++] = tags[i];
		}
		if ((rc = pw_sql_exec(s, "DELETE FROM host_tags WHERE host_id = $1",
				      PW_SQL_ARGS(PW_SQL_I(id)), e)))
			goto out;
		for (size_t i = 0; i < u; i++) {
			if ((rc = pw_sql_exec(s,
					      "INSERT INTO host_tags(host_id, tag) VALUES ($1, $2)",
					      PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_T(tags[i])), e)))
				goto out;
		}
		h.tags = tags;
		h.ntags = u;
	}
	if ((rc = host_attrs_json(&h, &after))) {
		rc = pw_error_set(e, rc, "out of memory");
		goto out;
	}
	char object[32];
	snprintf(object, sizeof(object), "host:%lld", (long long)id);
	rc = pw_audit_append(s, actor, "host.update", object, before.data, after.data, e);
out:
	pw_buf_free(&before);
	pw_buf_free(&after);
	pw_arena_free(&a);
	return rc;
}

pw_err pw_registry_host_retire(struct pw_store *s, int64_t id, int64_t now, const char *actor,
			       struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "retiring a host", e)))
		return rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_buf before = PW_BUF_INIT, after = PW_BUF_INIT;
	struct pw_host h;
	if ((rc = pw_registry_host_get(s, id, &a, &h, e)))
		goto out;
	if (h.retired_at) {
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "host %lld is already retired",
				  (long long)id);
		goto out;
	}
	if ((rc = host_attrs_json(&h, &before)))
		goto nomem;
	h.retired_at = now;
	if ((rc = host_attrs_json(&h, &after)))
		goto nomem;
	if ((rc = pw_sql_exec(
		     s, "UPDATE hosts SET retired_at = $1, needs_assessment = 0 WHERE id = $2",
		     PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(id)), e)))
		goto out;
	char object[32];
	snprintf(object, sizeof(object), "host:%lld", (long long)id);
	rc = pw_audit_append(s, actor, "host.retire", object, before.data, after.data, e);
	goto out;
nomem:
	rc = pw_error_set(e, rc, "out of memory");
out:
	pw_buf_free(&before);
	pw_buf_free(&after);
	pw_arena_free(&a);
	return rc;
}

/* ---- groups ---- */

static bool group_name_ok(const char *name)
{
	return name && token_ok(name, 64, "_.-", false);
}

static pw_err group_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct group_row_ctx *c = ctx;
	struct pw_group *g = c->g;
	memset(g, 0, sizeof(*g));
	g->id = pw_sql_int(row, 0);
	g->name = adup(c->a, pw_sql_text(row, 1));
	const char *kind = pw_sql_text(row, 2);
	g->dynamic = kind && strcmp(kind, "dynamic") == 0;
	g->filter = adup(c->a, pw_sql_text(row, 3));
	g->description = adup(c->a, pw_sql_text(row, 4));
	g->created_at = pw_sql_int(row, 5);
	g->members = g->dynamic ? -1 : pw_sql_int(row, 6);
	c->found = true;
	return PW_OK;
}

#define GROUP_COLS                                                                             \
	"SELECT g.id, g.name, g.kind, g.filter, g.description, g.created_at,"                    \
	" (SELECT COUNT(*) FROM group_members m JOIN hosts h ON h.id = m.host_id"                \
	"  WHERE m.group_id = g.id AND h.retired_at IS NULL) FROM host_groups g"

pw_err pw_registry_group_find(struct pw_store *s, const char *name, int64_t *id,
			      struct pw_error *e)
{
	*id = 0;
	pw_err rc = pw_sql_run(s, "SELECT id FROM host_groups WHERE name = $1",
			       PW_SQL_ARGS(PW_SQL_T(name)), one_int, id, NULL, e);
	if (!rc && !*id)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no group named \"%.64s\"", name);
	return rc;
}

pw_err pw_registry_group_get(struct pw_store *s, int64_t id, struct pw_arena *a,
			     struct pw_group *out, struct pw_error *e)
{
	struct group_row_ctx c = { a, out, false };
	pw_err rc = pw_sql_run(s, GROUP_COLS " WHERE g.id = $1", PW_SQL_ARGS(PW_SQL_I(id)),
			       group_row, &c, NULL, e);
	if (!rc && !c.found)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no group with id %lld", (long long)id);
	return rc;
}

struct group_each {
	struct pw_arena a;
	struct pw_group *v;
	size_t n, cap;
};

static pw_err group_each_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct group_each *ge = ctx;
	if (ge->n == ge->cap) {
		size_t cap = ge->cap ? ge->cap * 2 : 16;
		struct pw_group *v = realloc(ge->v, cap * sizeof(*v));
		if (!v)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		ge->v = v;
		ge->cap = cap;
	}
	struct group_row_ctx c = { &ge->a, &ge->v[ge->n++], false };
	return group_row(&c, row, e);
}

pw_err pw_registry_each_group(struct pw_store *s,
			      pw_err (*cb)(void *ctx, const struct pw_group *g), void *ctx,
			      struct pw_error *e)
{
	struct group_each ge = { 0 };
	pw_arena_init(&ge.a);
	pw_err rc = pw_sql_run(s, GROUP_COLS " ORDER BY g.name", PW_SQL_NOARGS, group_each_row, &ge,
			       NULL, e);
	for (size_t i = 0; !rc && i < ge.n; i++)
		rc = cb(ctx, &ge.v[i]);
	free(ge.v);
	pw_arena_free(&ge.a);
	return rc;
}

void pw_registry_write_group(struct pw_jsonw *w, const struct pw_group *g)
{
	char buf[32];
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "id");
	pw_jsonw_int(w, g->id);
	pw_jsonw_kstr(w, "name", g->name);
	pw_jsonw_kstr(w, "kind", g->dynamic ? "dynamic" : "static");
	pw_jsonw_kstr(w, "filter", g->filter);
	pw_jsonw_kstr(w, "description", g->description);
	pw_jsonw_kstr(w, "created_at", pw_clock_format(g->created_at, buf, sizeof(buf)));
	if (!g->dynamic) {
		pw_jsonw_key(w, "members");
		pw_jsonw_int(w, g->members);
	}
	pw_jsonw_end_object(w);
}

static pw_err group_json(const struct pw_group *g, struct pw_buf *out, struct pw_error *e)
{
	struct pw_jsonw w;
	pw_jsonw_init(&w, out, false);
	pw_registry_write_group(&w, g);
	pw_err rc = pw_jsonw_finish(&w);
	return rc ? pw_error_set(e, rc, "out of memory") : PW_OK;
}

static pw_err group_audit(struct pw_store *s, const char *actor, const char *action, int64_t id,
			  const struct pw_group *before, const struct pw_group *after,
			  struct pw_error *e)
{
	struct pw_buf b = PW_BUF_INIT, a = PW_BUF_INIT;
	char object[32];
	snprintf(object, sizeof(object), "group:%lld", (long long)id);
	pw_err rc = PW_OK;
	if ((before && (rc = group_json(before, &b, e))) ||
	    (after && (rc = group_json(after, &a, e))))
		goto out;
	rc = pw_audit_append(s, actor, action, object, b.data, a.data, e);
out:
	pw_buf_free(&b);
	pw_buf_free(&a);
	return rc;
}

static pw_err group_insert(struct pw_store *s, const char *name, const char *filter,
			   const char *description, int64_t now, int64_t *id, struct pw_error *e)
{
	*id = 0;
	pw_err rc =
		pw_sql_run(s,
			   "INSERT INTO host_groups(name, kind, filter, description, created_at)"
			   " VALUES ($1, $2, $3, $4, $5) ON CONFLICT(name) DO NOTHING RETURNING id",
			   PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_T(filter ? "dynamic" : "static"),
				       PW_SQL_T(filter), PW_SQL_T(nz(description)), PW_SQL_I(now)),
			   one_int, id, NULL, e);
	if (!rc && !*id)
		rc = pw_error_set(e, PW_ERR_INVALID, "a group named \"%s\" exists already", name);
	return rc;
}

static pw_err group_ensure_static(struct pw_store *s, const char *name, int64_t now,
				  int64_t *id, struct pw_error *e)
{
	pw_err rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_group g;
	*id = 0;
	if ((rc = pw_sql_run(s, "SELECT id FROM host_groups WHERE name = $1",
			     PW_SQL_ARGS(PW_SQL_T(name)), one_int, id, NULL, e)))
		goto out;
	if (*id) {
		if ((rc = pw_registry_group_get(s, *id, &a, &g, e)))
			goto out;
		if (g.dynamic)
			rc = pw_error_set(
				e, PW_ERR_INVALID,
				"group \"%s\" is dynamic: its members come from its filter", name);
		goto out;
	}
	if (!group_name_ok(name)) {
		rc = pw_error_set(
			e, PW_ERR_INVALID,
			"group name \"%.64s\": 1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit",
			name);
		goto out;
	}
	if ((rc = group_insert(s, name, NULL, NULL, now, id, e)) ||
	    (rc = pw_registry_group_get(s, *id, &a, &g, e)))
		goto out;
	rc = group_audit(s, "system", "group.create", *id, NULL, &g, e);
out:
	pw_arena_free(&a);
	return rc;
}

pw_err pw_registry_group_create(struct pw_store *s, const char *name, const char *filter,
				const char *description, int64_t now, const char *actor,
				int64_t *id, struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "creating a group", e)))
		return rc;
	if (!group_name_ok(name))
		return pw_error_set(
			e, PW_ERR_INVALID,
			"group name \"%.64s\": 1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit",
			name ? name : "");
	if (filter && (rc = pw_registry_filter_check(filter, e)))
		return rc;
	if (filter && !*filter)
		return pw_error_set(e, PW_ERR_INVALID,
				    "a dynamic group needs a filter with a term");
	if (description && !text_ok(description, 512) && *description)
		return pw_error_set(
			e, PW_ERR_INVALID,
			"description: at most 512 characters without control characters");
	if ((rc = group_insert(s, name, filter, description, now, id, e)))
		return rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_group g;
	if (!(rc = pw_registry_group_get(s, *id, &a, &g, e)))
		rc = group_audit(s, actor, "group.create", *id, NULL, &g, e);
	pw_arena_free(&a);
	return rc;
}

pw_err pw_registry_group_update(struct pw_store *s, int64_t id, const char *name,
				const char *filter, const char *description, const char *actor,
				struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "changing a group", e)))
		return rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_group before, after;
	if ((rc = pw_registry_group_get(s, id, &a, &before, e)))
		goto out;
	if (name && !group_name_ok(name)) {
		rc = pw_error_set(
			e, PW_ERR_INVALID,
			"group name \"%.64s\": 1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit",
			name);
		goto out;
	}
	if (filter && !before.dynamic) {
		rc = pw_error_set(e, PW_ERR_INVALID,
				  "group \"%s\" is static: it lists its members and has no filter",
				  before.name);
		goto out;
	}
	if (filter && !*filter) {
		rc = pw_error_set(e, PW_ERR_INVALID, "a dynamic group needs a filter with a term");
		goto out;
	}
	if (filter && (rc = pw_registry_filter_check(filter, e)))
		goto out;
	if (description && *description && !text_ok(description, 512)) {
		rc = pw_error_set(e, PW_ERR_INVALID,
				  "description: at most 512 characters without control characters");
		goto out;
	}
	int64_t changes = 0;
	if ((rc = pw_sql_run(s,
			     "UPDATE host_groups SET name = COALESCE($1, name),"
			     " filter = COALESCE($2, filter),"
			     " description = CASE WHEN $3 IS NULL THEN description"
			     " WHEN $3 = '' THEN NULL ELSE $3 END"
			     " WHERE id = $4 AND NOT EXISTS (SELECT 1 FROM host_groups o"
			     " WHERE o.name = $1 AND o.id <> $4)",
			     PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_T(filter), PW_SQL_T(description),
					 PW_SQL_I(id)),
			     NULL, NULL, &changes, e)))
		goto out;
	if (changes == 0) {
		rc = pw_error_set(e, PW_ERR_INVALID, "a group named \"%s\" exists already",
				  name ? name : "");
		goto out;
	}
	if ((rc = pw_registry_group_get(s, id, &a, &after, e)))
		goto out;
	rc = group_audit(s, actor, "group.update", id, &before, &after, e);
out:
	pw_arena_free(&a);
	return rc;
}

pw_err pw_registry_group_delete(struct pw_store *s, int64_t id, const char *actor,
				struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "deleting a group", e)))
		return rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_group g;
	if ((rc = pw_registry_group_get(s, id, &a, &g, e)) ||
	    (rc = pw_sql_exec(s, "DELETE FROM group_members WHERE group_id = $1",
			      PW_SQL_ARGS(PW_SQL_I(id)), e)) ||
	    (rc = pw_sql_exec(s, "DELETE FROM host_groups WHERE id = $1", PW_SQL_ARGS(PW_SQL_I(id)),
			      e)))
		goto out;
	rc = group_audit(s, actor, "group.delete", id, &g, NULL, e);
out:
	pw_arena_free(&a);
	return rc;
}

pw_err pw_registry_group_add_members(struct pw_store *s, int64_t id, const int64_t *hosts,
				     size_t nhosts, const char *actor, int64_t *added,
				     struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "adding group members", e)))
		return rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_group before, after;
	struct pw_buf ids = PW_BUF_INIT;
	int64_t n = 0;
	if ((rc = pw_registry_group_get(s, id, &a, &before, e)))
		goto out;
	if (before.dynamic) {
		rc = pw_error_set(e, PW_ERR_INVALID,
				  "group \"%s\" is dynamic: its members come from its filter",
				  before.name);
		goto out;
	}
	for (size_t i = 0; i < nhosts; i++) {
		int64_t found = 0;
		if ((rc = pw_sql_run(s, "SELECT id FROM hosts WHERE id = $1 AND retired_at IS NULL",
				     PW_SQL_ARGS(PW_SQL_I(hosts[i])), one_int, &found, NULL, e)))
			goto out;
		if (!found) {
			rc = pw_error_set(e, PW_ERR_NOTFOUND, "no host with id %lld",
					  (long long)hosts[i]);
			goto out;
		}
		int64_t changes = 0;
		if ((rc = pw_sql_run(s,
				     "INSERT INTO group_members(group_id, host_id) VALUES ($1, $2)"
				     " ON CONFLICT DO NOTHING",
				     PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_I(hosts[i])), NULL, NULL,
				     &changes, e)))
			goto out;
		if (changes) {
			n++;
			pw_buf_addf(&ids, "%s%lld", ids.len ? "," : "", (long long)hosts[i]);
		}
	}
	if ((rc = pw_registry_group_get(s, id, &a, &after, e)))
		goto out;
	if (n) {
		char object[32], doc[64];
		snprintf(object, sizeof(object), "group:%lld", (long long)id);
		struct pw_buf b = PW_BUF_INIT;
		if (pw_buf_addf(&b, "{\"added\":[%s],\"members\":%lld}", ids.data ? ids.data : "",
				(long long)after.members)) {
			pw_buf_free(&b);
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(doc, sizeof(doc), "{\"members\":%lld}", (long long)before.members);
		rc = pw_audit_append(s, actor, "group.add_members", object, doc, b.data, e);
		pw_buf_free(&b);
	}
	if (added)
		*added = n;
out:
	pw_buf_free(&ids);
	pw_arena_free(&a);
	return rc;
}

/* ---- devices from CSV ---- */

enum dcol { DC_VENDOR, DC_PRODUCT, DC_VERSION, DC_CPE, DC_HOSTNAME, DC_OWNER, DC_ENVIRONMENT,
	    DC_CRITICALITY, DC_EXPOSURE, DC_SITE, DC_COUNT };

static const char *const dcol_names[DC_COUNT] = {
	"vendor", "product", "version", "cpe", "hostname", "owner", "environment",
	"criticality", "exposure", "site",
};

#define CSV_MAX_FIELD 1024

struct csv_line {
	size_t lineno;
	size_t nf;
	char *f[DC_COUNT + 1];
};

/* One CSV record (RFC 4180: quotes, "" inside quotes, CRLF) starting at
 * *pos; fields are malloc'd. Returns 1 for a record, 0 at the end, -1 with
 * *why on a malformed one (the rest of its line is skipped). */
static int csv_record(const char *csv, size_t len, size_t *pos, size_t *lineno,
		      struct csv_line *out, const char **why)
{
	size_t p = *pos;
	out->nf = 0;
	out->lineno = *lineno;
	if (p >= len)
		return 0;
	struct pw_buf field = PW_BUF_INIT;
	pw_buf_init(&field, CSV_MAX_FIELD + 1);
	int result = 1;
	bool quoted = false, was_quoted = false;
	*why = NULL;
	for (;;) {
		char c = p < len ? csv[p] : '\n';
		bool at_end = p >= len;
		if (c == '\0' && !at_end) {
			*why = "NUL byte";
			result = -1;
		} else if (quoted) {
			if (at_end) {
				*why = "unterminated quoted field";
				result = -1;
				break;
			}
			if (c == '"') {
				if (p + 1 < len && csv[p + 1] == '"') {
					pw_buf_addc(&field, '"');
					p += 2;
					continue;
				}
				quoted = false;
				p++;
				continue;
			}
			if (c == '\n')
				(*lineno)++;
			if (pw_buf_addc(&field, c)) {
				*why = "field longer than 1024 bytes";
				result = -1;
			}
			p++;
			continue;
		} else if (c == '"' && field.len == 0 && !was_quoted) {
			quoted = was_quoted = true;
			p++;
			continue;
		} else if (c == ',' || c == '\n' || c == '\r') {
			if (out->nf > DC_COUNT) {
				*why = "more than 10 fields";
				result = -1;
			} else {
				char *v = strdup(field.data ? field.data : "");
				if (v) {
					out->f[out->nf++] = v;
				} else {
					*why = "out of memory";
					result = -1;
				}
			}
			pw_buf_reset(&field);
			was_quoted = false;
			if (c == ',') {
				p++;
				continue;
			}
			if (c == '\r' && p + 1 < len && csv[p + 1] == '\n')
				p++;
			p++;
			(*lineno)++;
			break;
		} else if (was_quoted) {
			*why = "text after a closing quote";
			result = -1;
		} else if (pw_buf_addc(&field, c)) {
			*why = "field longer than 1024 bytes";
			result = -1;
		}
		if (result < 0) {
			/* skip to the end of the line */
			while (p < len && csv[p] != '\n')
				p++;
			if (p < len)
				p++;
			(*lineno)++;
			break;
		}
		p++;
	}
	pw_buf_free(&field);
	*pos = p;
	return result;
}

static void csv_line_free(struct csv_line *l)
{
	for (size_t i = 0; i < l->nf; i++)
		free(l->f[i]);
	l->nf = 0;
}

/* CPE 2.3 formatted string: "cpe:2.3:" part and 11 more components. */
static bool cpe23_ok(const char *s)
{
	if (strncmp(s, "cpe:2.3:", 8) != 0)
		return false;
	if (!strchr("aho", s[8]) || s[9] != ':')
		return false;
	size_t colons = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
		if (*p == ':')
			colons++;
	}
	return colons == 12;
}

struct device {
	size_t lineno;
	const char *v[DC_COUNT]; /* NULL when absent or empty */
};

/* false with a reason when a device line's field is unacceptable */
static bool device_field_ok(enum dcol k, const char *v, char *why, size_t size)
{
	struct pw_error ve;
	switch (k) {
	case DC_VENDOR:
	case DC_PRODUCT:
	case DC_CPE:
		if (!v) {
			snprintf(why, size, "empty");
			return false;
		}
		break;
	default:
		if (!v)
			return true;
	}
	switch (k) {
	case DC_VENDOR:
	case DC_PRODUCT:
	case DC_VERSION:
		if (!text_ok(v, 128)) {
			snprintf(why, size, "more than 128 bytes or a control character");
			return false;
		}
		return true;
	case DC_CPE:
		if (!cpe23_ok(v)) {
			snprintf(
				why, size,
				"\"%.80s\" is not a CPE 2.3 name (cpe:2.3:part:vendor:product:version:"
				"... 13 fields)",
				v);
			return false;
		}
		return true;
	case DC_HOSTNAME:
		if (!token_ok(v, 253, "_.-", false)) {
			snprintf(why, size, "\"%.80s\": letters, digits, _ . - only", v);
			return false;
		}
		return true;
	default:
		if (pw_registry_check_attr(dcol_names[k], v, &ve)) {
			snprintf(why, size, "%.300s", ve.msg);
			return false;
		}
		return true;
	}
}

pw_err pw_registry_import_devices(struct pw_store *s, const char *csv, size_t len, int64_t now,
				  const char *actor, struct pw_device_import *out,
				  void (*bad)(void *ctx, size_t line, const char *field,
					      const char *reason),
				  void *ctx, struct pw_error *e)
{
	pw_err rc;
	if ((rc = need_tx(s, "importing devices", e)))
		return rc;
	struct pw_device_import res = { 0 };
	struct pw_arena a;
	pw_arena_init(&a);
	struct device *dev = NULL;
	size_t ndev = 0, capdev = 0, nbad = 0;
	int map[DC_COUNT + 1];
	size_t ncols = 4; /* without a header: vendor,product,version,cpe then the optional ones */
	bool header = false;
	for (size_t i = 0; i <= DC_COUNT; i++)
		map[i] = i < DC_COUNT ? (int)i : -1;
	size_t pos = 0, lineno = 1;
	bool first = true;
	char first_bad[PW_ERROR_MSG_MAX] = "";
	if (len >= 3 && memcmp(csv, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
#define BAD(line, field, ...)                                                                  \
	do {                                                                                   \
		char why_[PW_ERROR_MSG_MAX];                                                   \
		snprintf(why_, sizeof(why_), __VA_ARGS__);                                     \
		if (!nbad++)                                                                   \
			snprintf(first_bad, sizeof(first_bad), "%zu:%s: %.400s", (size_t)(line), \
				 field, why_);                                                 \
		if (bad)                                                                       \
			bad(ctx, line, field, why_);                                           \
	} while (0)
	for (;;) {
		struct csv_line l;
		const char *why;
		int r = csv_record(csv, len, &pos, &lineno, &l, &why);
		if (r == 0)
			break;
		if (r < 0) {
			BAD(l.lineno, "csv", "%s", why);
			csv_line_free(&l);
			first = false;
			continue;
		}
		if (l.nf == 1 && l.f[0][0] == '\0') {
			csv_line_free(&l); /* blank line */
			continue;
		}
		bool names_only = true;
		for (size_t i = 0; first && i < l.nf; i++) {
			bool known = false;
			for (size_t c = 0; c < DC_COUNT; c++)
				known |= strcasecmp(l.f[i], dcol_names[c]) == 0;
			names_only &= known;
		}
		if (first && names_only) {
			/* a header names the columns */
			first = false;
			bool seen[DC_COUNT] = { false };
			bool ok = true;
			for (size_t i = 0; i < l.nf; i++) {
				size_t k = DC_COUNT;
				for (size_t c = 0; c < DC_COUNT; c++) {
					if (strcasecmp(l.f[i], dcol_names[c]) == 0)
						k = c;
				}
				if (k == DC_COUNT || seen[k]) {
					BAD(l.lineno, "header", "%s column \"%.64s\"",
					    k == DC_COUNT ? "unknown" : "repeated", l.f[i]);
					ok = false;
					continue;
				}
				seen[k] = true;
				map[i] = (int)k;
			}
			if (ok && (!seen[DC_VENDOR] || !seen[DC_PRODUCT] || !seen[DC_CPE])) {
				BAD(l.lineno, "header",
				    "vendor, product and cpe columns are required");
			}
			ncols = l.nf;
			header = true;
			csv_line_free(&l);
			continue;
		}
		first = false;
		struct device d = { l.lineno, { NULL } };
		bool line_ok = true;
		if (l.nf < ncols || (header && l.nf > ncols) || l.nf > DC_COUNT) {
			BAD(l.lineno, "csv", "%zu fields, expected %s%zu", l.nf,
			    header ? "" : "at least ", ncols);
			line_ok = false;
		}
		for (size_t i = 0; line_ok && i < l.nf; i++) {
			int k = map[i];
			if (k < 0 || !*l.f[i])
				continue;
			d.v[k] = pw_arena_strdup(&a, l.f[i]);
		}
		if (line_ok) {
			char reason[400];
			for (size_t k = 0; k < DC_COUNT; k++) {
				if (!device_field_ok((enum dcol)k, d.v[k], reason,
						     sizeof(reason))) {
					BAD(l.lineno, dcol_names[k], "%s", reason);
					line_ok = false;
				}
			}
		}
		csv_line_free(&l);
		if (!line_ok)
			continue;
		if (ndev == capdev) {
			size_t cap = capdev ? capdev * 2 : 64;
			struct device *v = realloc(dev, cap * sizeof(*v));
			if (!v) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				goto out;
			}
			dev = v;
			capdev = cap;
		}
		dev[ndev++] = d;
	}
#undef BAD
	if (nbad) {
		rc = pw_error_set(e, PW_ERR_INVALID, "%zu bad line%s, nothing stored; first: %s",
				  nbad, nbad == 1 ? "" : "s", first_bad);
		goto out;
	}
	if (ndev == 0) {
		rc = pw_error_set(e, PW_ERR_INVALID, "no device lines");
		goto out;
	}
	struct idset created = { 0 }, touched = { 0 };
	for (size_t i = 0; !rc && i < ndev; i++) {
		struct device *d = &dev[i];
		struct pw_buf key = PW_BUF_INIT, pretty = PW_BUF_INIT;
		pw_buf_addf(&key, "device:%s",
			    d->v[DC_HOSTNAME] ? d->v[DC_HOSTNAME] : d->v[DC_CPE]);
		for (char *c = key.data; c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
		pw_buf_addf(&pretty, "%s %s%s%s", d->v[DC_VENDOR], d->v[DC_PRODUCT],
			    d->v[DC_VERSION] ? " " : "", d->v[DC_VERSION] ? d->v[DC_VERSION] : "");
		int64_t hid = 0, changes = 0;
		bool made = false;
		if (!key.data || !pretty.data)
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		if (!rc)
			rc = pw_registry_host_ensure(s, PW_HOST_DEVICE, key.data,
						     d->v[DC_HOSTNAME] ? d->v[DC_HOSTNAME]
								       : d->v[DC_PRODUCT],
						     NULL, now, &hid, &made, e);
		if (!rc && made)
			rc = idset_add(&created, hid)
				     ? pw_error_set(e, PW_ERR_NOMEM, "out of memory")
				     : PW_OK;
		if (!rc && !made && !idset_has(&touched, hid) && !idset_has(&created, hid)) {
			/* sets stay sorted: ids only grow within one import's additions */
			rc = idset_add(&touched, hid)
				     ? pw_error_set(e, PW_ERR_NOMEM, "out of memory")
				     : PW_OK;
			if (!rc)
				qsort(touched.v, touched.n, sizeof(*touched.v), cmp_id);
		}
		if (!rc)
			rc = pw_sql_exec(
				s,
				"UPDATE hosts SET os_pretty_name = $1, owner = COALESCE($2, owner),"
				" environment = COALESCE($3, environment),"
				" criticality = COALESCE($4, criticality),"
				" exposure = COALESCE($5, exposure), site = COALESCE($6, site),"
				" last_seen = $7, inventory_at = $7 WHERE id = $8",
				PW_SQL_ARGS(PW_SQL_T(pretty.data), PW_SQL_T(d->v[DC_OWNER]),
					    PW_SQL_T(d->v[DC_ENVIRONMENT]),
					    d->v[DC_CRITICALITY]
						    ? PW_SQL_I(d->v[DC_CRITICALITY][0] - '0')
						    : PW_SQL_NUL,
					    PW_SQL_T(d->v[DC_EXPOSURE]), PW_SQL_T(d->v[DC_SITE]),
					    PW_SQL_I(now), PW_SQL_I(hid)),
				e);
		if (!rc)
			rc = pw_sql_run(
				s,
				"INSERT INTO host_cpes(host_id, cpe, vendor, product, version)"
				" VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
				PW_SQL_ARGS(PW_SQL_I(hid), PW_SQL_T(d->v[DC_CPE]),
					    PW_SQL_T(d->v[DC_VENDOR]), PW_SQL_T(d->v[DC_PRODUCT]),
					    PW_SQL_T(d->v[DC_VERSION])),
				NULL, NULL, &changes, e);
		if (!rc && changes) {
			res.cpes_added++;
			rc = pw_sql_exec(s, "UPDATE hosts SET needs_assessment = 1 WHERE id = $1",
					 PW_SQL_ARGS(PW_SQL_I(hid)), e);
		}
		pw_buf_free(&key);
		pw_buf_free(&pretty);
	}
	res.lines = (int64_t)ndev;
	res.created = (int64_t)created.n;
	res.updated = (int64_t)touched.n;
	free(created.v);
	free(touched.v);
	if (rc)
		goto out;
	char doc[160];
	snprintf(doc, sizeof(doc),
		 "{\"lines\":%lld,\"created\":%lld,\"updated\":%lld,\"cpes_added\":%lld}",
		 (long long)res.lines, (long long)res.created, (long long)res.updated,
		 (long long)res.cpes_added);
	if ((rc = pw_audit_append(s, actor, "device.import", "devices", NULL, doc, e)))
		goto out;
	if (out)
		*out = res;
out:
	free(dev);
	pw_arena_free(&a);
	return rc;
}
