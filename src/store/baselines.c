/* baselines.c - known-good package sets and drift from them, in portable
 * SQL (pw_baselines.h, pw_sql.h). */
#include "pw_baselines.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_inventory.h"
#include "pw_jsonw.h"
#include "pw_sql.h"
#include "pw_version.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE baselines("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" description TEXT,"
	" source_host_id INTEGER NOT NULL REFERENCES hosts(id),"
	" created_at BIGINT NOT NULL,"
	" created_by TEXT NOT NULL,"
	" npackages INTEGER NOT NULL);"
	"CREATE TABLE baseline_packages("
	" baseline_id INTEGER NOT NULL REFERENCES baselines(id),"
	" family TEXT NOT NULL, name TEXT NOT NULL, arch TEXT NOT NULL, version TEXT NOT NULL,"
	" PRIMARY KEY (baseline_id, family, name, arch, version));",
};

static const struct pw_sql_migrations migrations = {
	"baselines", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
};

pw_err pw_baselines_migrate(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_migrate(s, &migrations, e);
}

bool pw_baseline_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > PW_BASELINE_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

const char *pw_drift_kind_name(enum pw_drift_kind k)
{
	switch (k) {
	case PW_DRIFT_MISSING: return "missing";
	case PW_DRIFT_CHANGED: return "changed";
	case PW_DRIFT_EXTRA: return "extra";
	}
	return "?";
}

static pw_err one_int(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

#define BASELINE_COLUMNS                                                                       \
	"b.id, b.name, b.description, b.source_host_id, h.hostname, b.created_at, b.created_by," \
	" b.npackages FROM baselines b LEFT JOIN hosts h ON h.id = b.source_host_id"

static void baseline_of(const struct pw_sql_row *row, struct pw_baseline *b)
{
	b->id = pw_sql_int(row, 0);
	b->name = pw_sql_text(row, 1);
	b->description = pw_sql_text(row, 2);
	b->source_host_id = pw_sql_int(row, 3);
	b->source_hostname = pw_sql_text(row, 4);
	b->created_at = pw_sql_int(row, 5);
	b->created_by = pw_sql_text(row, 6);
	b->npackages = pw_sql_int(row, 7);
}

void pw_baselines_write(struct pw_jsonw *w, const struct pw_baseline *b)
{
	char t[32];
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "id");
	pw_jsonw_int(w, b->id);
	pw_jsonw_kstr(w, "name", b->name);
	pw_jsonw_key(w, "description");
	if (b->description)
		pw_jsonw_string(w, b->description);
	else
		pw_jsonw_null(w);
	pw_jsonw_key(w, "source_host_id");
	pw_jsonw_int(w, b->source_host_id);
	pw_jsonw_kstr(w, "source_hostname", b->source_hostname ? b->source_hostname : "");
	pw_jsonw_kstr(w, "created_at", pw_clock_format(b->created_at, t, sizeof(t)));
	pw_jsonw_kstr(w, "created_by", b->created_by);
	pw_jsonw_key(w, "packages");
	pw_jsonw_int(w, b->npackages);
	pw_jsonw_end_object(w);
}

static pw_err audit(struct pw_store *s, const char *actor, const char *action,
		    const struct pw_baseline *b, bool after, struct pw_error *e)
{
	struct pw_buf doc = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &doc, false);
	pw_baselines_write(&w, b);
	pw_err rc = pw_jsonw_finish(&w);
	char object[32];
	snprintf(object, sizeof(object), "baseline:%lld", (long long)b->id);
	if (rc)
		rc = pw_error_set(e, rc, "out of memory writing the audit entry");
	else
		rc = pw_audit_append(s, actor, action, object, after ? NULL : doc.data,
				     after ? doc.data : NULL, e);
	pw_buf_free(&doc);
	return rc;
}

pw_err pw_baselines_save(struct pw_store *s, const char *name, const char *description,
			 int64_t host_id, int64_t now, const char *actor, int64_t *id,
			 struct pw_error *e)
{
	if (!pw_baseline_name_valid(name))
		return pw_error_set(e, PW_ERR_INVALID,
				    "baseline name \"%.80s\": 1 to %d letters, digits, '.', '_' or"
				    " '-', starting with a letter or digit",
				    name ? name : "", PW_BASELINE_NAME_MAX);
	if (description && strlen(description) > 1024)
		return pw_error_set(e, PW_ERR_INVALID, "description: at most 1024 bytes");
	int64_t existing = 0, host = 0, npkgs = 0;
	pw_err rc = pw_sql_run(s, "SELECT id FROM baselines WHERE name = $1",
			       PW_SQL_ARGS(PW_SQL_T(name)), one_int, &existing, NULL, e);
	if (!rc && existing)
		return pw_error_set(e, PW_ERR_INVALID, "a baseline named %s exists already (id %lld)",
				    name, (long long)existing);
	if (!rc)
		rc = pw_sql_run(s, "SELECT id FROM hosts WHERE id = $1 AND retired_at IS NULL",
				PW_SQL_ARGS(PW_SQL_I(host_id)), one_int, &host, NULL, e);
	if (rc)
		return rc;
	if (!host)
		return pw_error_set(e, PW_ERR_NOTFOUND, "no host %lld", (long long)host_id);
	if ((rc = pw_sql_run(s,
			     "SELECT count(*) FROM host_packages WHERE host_id = $1"
			     " AND state = 'installed'",
			     PW_SQL_ARGS(PW_SQL_I(host_id)), one_int, &npkgs, NULL, e)))
		return rc;
	if (npkgs == 0)
		return pw_error_set(e, PW_ERR_INVALID,
				    "host %lld has no installed packages on record: nothing to save",
				    (long long)host_id);
	int64_t changes = 0;
	if ((rc = pw_sql_run(s,
			     "INSERT INTO baselines(name, description, source_host_id, created_at,"
			     " created_by, npackages) VALUES ($1, $2, $3, $4, $5, $6)",
			     PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_T(description), PW_SQL_I(host_id),
					 PW_SQL_I(now), PW_SQL_T(actor), PW_SQL_I(npkgs)),
			     NULL, NULL, NULL, e)) ||
	    (rc = pw_sql_run(s, "SELECT id FROM baselines WHERE name = $1",
			     PW_SQL_ARGS(PW_SQL_T(name)), one_int, id, NULL, e)) ||
	    (rc = pw_sql_run(s,
			     "INSERT INTO baseline_packages(baseline_id, family, name, arch, version)"
			     " SELECT $1, family, name, arch, version FROM host_packages"
			     " WHERE host_id = $2 AND state = 'installed'",
			     PW_SQL_ARGS(PW_SQL_I(*id), PW_SQL_I(host_id)), NULL, NULL, &changes,
			     e)))
		return rc;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_baseline b;
	if (!(rc = pw_baselines_get(s, *id, &a, &b, e)))
		rc = audit(s, actor, "baseline.create", &b, true, e);
	pw_arena_free(&a);
	return rc;
}

pw_err pw_baselines_delete(struct pw_store *s, int64_t id, const char *actor,
			   struct pw_error *e)
{
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_baseline b;
	pw_err rc = pw_baselines_get(s, id, &a, &b, e);
	if (!rc)
		rc = audit(s, actor, "baseline.delete", &b, false, e);
	if (!rc)
		rc = pw_sql_exec(s, "DELETE FROM baseline_packages WHERE baseline_id = $1",
				 PW_SQL_ARGS(PW_SQL_I(id)), e);
	if (!rc)
		rc = pw_sql_exec(s, "DELETE FROM baselines WHERE id = $1", PW_SQL_ARGS(PW_SQL_I(id)),
				 e);
	pw_arena_free(&a);
	return rc;
}

struct get_ctx {
	struct pw_arena *a;
	struct pw_baseline *out;
	bool found;
};

static const char *adup(struct pw_arena *a, const char *s)
{
	return s ? pw_arena_strdup(a, s) : NULL;
}

static pw_err get_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct get_ctx *g = ctx;
	struct pw_baseline b;
	baseline_of(row, &b);
	b.name = adup(g->a, b.name);
	b.description = adup(g->a, b.description);
	b.source_hostname = adup(g->a, b.source_hostname);
	b.created_by = adup(g->a, b.created_by);
	if (!b.name || !b.created_by)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	*g->out = b;
	g->found = true;
	return PW_OK;
}

pw_err pw_baselines_get(struct pw_store *s, int64_t id, struct pw_arena *a,
			struct pw_baseline *out, struct pw_error *e)
{
	struct get_ctx g = { a, out, false };
	pw_err rc = pw_sql_run(s, "SELECT " BASELINE_COLUMNS " WHERE b.id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id)), get_row, &g, NULL, e);
	if (!rc && !g.found)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no baseline %lld", (long long)id);
	return rc;
}

pw_err pw_baselines_find(struct pw_store *s, const char *name, int64_t *id,
			 struct pw_error *e)
{
	*id = 0;
	pw_err rc = pw_sql_run(s, "SELECT id FROM baselines WHERE name = $1",
			       PW_SQL_ARGS(PW_SQL_T(name)), one_int, id, NULL, e);
	if (!rc && !*id)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no baseline named %.80s", name);
	return rc;
}

struct each_ctx {
	pw_err (*cb)(void *ctx, const struct pw_baseline *b);
	void *ctx;
};

static pw_err each_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct each_ctx *x = ctx;
	struct pw_baseline b;
	baseline_of(row, &b);
	return x->cb(x->ctx, &b);
}

pw_err pw_baselines_each(struct pw_store *s,
			 pw_err (*cb)(void *ctx, const struct pw_baseline *b), void *ctx,
			 struct pw_error *e)
{
	struct each_ctx x = { cb, ctx };
	return pw_sql_run(s, "SELECT " BASELINE_COLUMNS " ORDER BY b.name", PW_SQL_NOARGS,
			  each_row, &x, NULL, e);
}

struct pkg_ctx {
	pw_err (*cb)(void *ctx, const char *family, const char *name, const char *arch,
		     const char *version);
	void *ctx;
};

static pw_err pkg_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct pkg_ctx *x = ctx;
	return x->cb(x->ctx, pw_sql_text(row, 0), pw_sql_text(row, 1), pw_sql_text(row, 2),
		     pw_sql_text(row, 3));
}

pw_err pw_baselines_each_package(struct pw_store *s, int64_t id,
				 pw_err (*cb)(void *ctx, const char *family, const char *name,
					      const char *arch, const char *version),
				 void *ctx, struct pw_error *e)
{
	struct pkg_ctx x = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT family, name, arch, version FROM baseline_packages"
			  " WHERE baseline_id = $1 ORDER BY family, name, arch, version",
			  PW_SQL_ARGS(PW_SQL_I(id)), pkg_row, &x, NULL, e);
}

/* ---- drift ---- */

struct drift_ctx {
	pw_err (*cb)(void *ctx, const struct pw_drift *d);
	void *ctx;
};

static enum pw_scheme scheme_of(const char *family)
{
	if (family && strcmp(family, "rpm") == 0)
		return pw_family_scheme(PW_FAMILY_RPM);
	if (family && strcmp(family, "apk") == 0)
		return pw_family_scheme(PW_FAMILY_APK);
	return pw_family_scheme(PW_FAMILY_DEB);
}

/* Rows: family, name, arch, baseline version, host version (NULL: none
 * installed under that name and arch). */
static pw_err drift_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct drift_ctx *x = ctx;
	struct pw_drift d = {
		.family = pw_sql_text(row, 0),
		.name = pw_sql_text(row, 1),
		.arch = pw_sql_text(row, 2),
		.baseline_version = pw_sql_text(row, 3),
		.host_version = pw_sql_text(row, 4),
	};
	if (!d.baseline_version) {
		d.kind = PW_DRIFT_EXTRA;
	} else if (!d.host_version) {
		d.kind = PW_DRIFT_MISSING;
	} else {
		d.kind = PW_DRIFT_CHANGED;
		d.direction = pw_version_cmp(scheme_of(d.family), d.host_version,
					     d.baseline_version);
	}
	return x->cb(x->ctx, &d);
}

pw_err pw_baselines_drift(struct pw_store *s, int64_t baseline_id, int64_t host_id,
			  pw_err (*cb)(void *ctx, const struct pw_drift *d), void *ctx,
			  struct pw_error *e)
{
	struct drift_ctx x = { cb, ctx };
	/* a baseline entry without its exact version installed: changed when
	 * the name and arch are installed in another version, else missing
	 * (one row per other version: rpm keeps several kernels) */
	pw_err rc = pw_sql_run(
		s,
		"SELECT b.family, b.name, b.arch, b.version, h.version FROM baseline_packages b"
		" LEFT JOIN host_packages h ON h.host_id = $2 AND h.state = 'installed'"
		"  AND h.family = b.family AND h.name = b.name AND h.arch = b.arch"
		" WHERE b.baseline_id = $1 AND NOT EXISTS (SELECT 1 FROM host_packages x"
		"  WHERE x.host_id = $2 AND x.state = 'installed' AND x.family = b.family"
		"  AND x.name = b.name AND x.arch = b.arch AND x.version = b.version)"
		" ORDER BY b.family, b.name, b.arch, h.version",
		PW_SQL_ARGS(PW_SQL_I(baseline_id), PW_SQL_I(host_id)), drift_row, &x, NULL, e);
	if (rc)
		return rc;
	/* installed under a name and arch the baseline does not have */
	return pw_sql_run(
		s,
		"SELECT h.family, h.name, h.arch, NULL, h.version FROM host_packages h"
		" WHERE h.host_id = $2 AND h.state = 'installed' AND NOT EXISTS (SELECT 1"
		"  FROM baseline_packages b WHERE b.baseline_id = $1 AND b.family = h.family"
		"  AND b.name = h.name AND b.arch = h.arch)"
		" ORDER BY h.family, h.name, h.arch, h.version",
		PW_SQL_ARGS(PW_SQL_I(baseline_id), PW_SQL_I(host_id)), drift_row, &x, NULL, e);
}
