/* inventory_hold.c - inventories held for review (pw_inventory_hold.h).
 *
 * The guard compares a new inventory with the host's stored package count
 * (hosts.npackages), so it costs one row read per upload. The held
 * document is kept as the JSON text the caller gives: accepting it later
 * applies exactly what was uploaded.
 */
#include "pw_inventory_hold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_jsonw.h"
#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE held_inventories("
	" host_id INTEGER PRIMARY KEY REFERENCES hosts(id),"
	" at BIGINT NOT NULL,"
	" reason TEXT NOT NULL,"
	" digest TEXT NOT NULL,"
	" packages INTEGER NOT NULL,"
	" document TEXT NOT NULL);",
};

pw_err pw_inventory_hold_migrate(struct pw_store *s, struct pw_error *e)
{
	static const struct pw_sql_migrations m = {
		"inventory_hold", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
	};
	return pw_sql_migrate(s, &m, e);
}

bool pw_inventory_parse_loss(const char *s, int *percent)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	int v = 0;
	while (*s >= '0' && *s <= '9' && v <= 100)
		v = v * 10 + (*s++ - '0');
	if (*s == '%')
		s++;
	if (*s || v < 1 || v > 100)
		return false;
	*percent = v;
	return true;
}

struct stored_count {
	bool found;
	int64_t packages, inventory_at;
};

static pw_err count_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	struct stored_count *c = ctx;
	c->found = true;
	c->packages = pw_sql_int(row, 0);
	c->inventory_at = pw_sql_int(row, 1);
	return PW_OK;
}

pw_err pw_inventory_hold_check(struct pw_store *s, int64_t host_id,
			       const struct pw_inventory *inv, int max_loss_percent, bool *held,
			       char reason[PW_INVENTORY_HOLD_REASON_MAX], struct pw_error *e)
{
	*held = false;
	reason[0] = '\0';
	if (inv->ndb_errors) {
		*held = true;
		snprintf(reason, PW_INVENTORY_HOLD_REASON_MAX,
			 "package database error in the inventory: %.200s%s",
			 inv->db_errors[0], inv->ndb_errors > 1 ? " (and more)" : "");
		return PW_OK;
	}
	struct stored_count c = { 0 };
	pw_err rc = pw_sql_run(s, "SELECT npackages, inventory_at FROM hosts WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_I(host_id)), count_row, &c, NULL, e);
	if (rc)
		return rc;
	if (!c.found)
		return pw_error_set(e, PW_ERR_NOTFOUND, "host %lld not found", (long long)host_id);
	if (!c.inventory_at || c.packages <= 0)
		return PW_OK; /* nothing to lose */
	int64_t listed = (int64_t)inv->npkgs;
	if (listed == 0) {
		*held = true;
		snprintf(reason, PW_INVENTORY_HOLD_REASON_MAX,
			 "the inventory lists no package, the host had %lld%s", (long long)c.packages,
			 pw_inventory_has_package_db(inv) ? "" : " (and it names no package database)");
		return PW_OK;
	}
	int64_t lost = c.packages - listed;
	if (lost > 0 && lost * 100 > c.packages * (int64_t)max_loss_percent) {
		*held = true;
		snprintf(reason, PW_INVENTORY_HOLD_REASON_MAX,
			 "the inventory lists %lld packages, %lld%% fewer than the %lld stored"
			 " (more than max_package_loss = %d%%)",
			 (long long)listed, (long long)(lost * 100 / c.packages), (long long)c.packages,
			 max_loss_percent);
	}
	return PW_OK;
}

pw_err pw_inventory_hold_put(struct pw_store *s, int64_t host_id, const char *digest,
			     const char *document, size_t npackages, const char *reason,
			     int64_t now, const char *actor, struct pw_error *e)
{
	if (!pw_store_in_transaction(s))
		return pw_error_set(e, PW_ERR_USAGE, "holding an inventory must run inside a transaction");
	pw_err rc = pw_sql_exec(
		s,
		"INSERT INTO held_inventories (host_id, at, reason, digest, packages, document)"
		" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (host_id) DO UPDATE SET"
		" at = excluded.at, reason = excluded.reason, digest = excluded.digest,"
		" packages = excluded.packages, document = excluded.document",
		PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_I(now), PW_SQL_T(reason), PW_SQL_T(digest),
			    PW_SQL_I(npackages), PW_SQL_T(document)),
		e);
	if (rc)
		return rc;
	struct pw_buf after = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &after, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "reason", reason);
	pw_jsonw_kstr(&w, "digest", digest);
	pw_jsonw_key(&w, "packages");
	pw_jsonw_int(&w, (int64_t)npackages);
	pw_jsonw_end_object(&w);
	char object[32];
	snprintf(object, sizeof(object), "host:%lld", (long long)host_id);
	if (pw_jsonw_finish(&w))
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	else
		rc = pw_audit_append(s, actor, "host.inventory_held", object, NULL, after.data, e);
	pw_buf_free(&after);
	return rc;
}

struct held_ctx {
	struct pw_inventory_held *out;
	char **document;
	bool found;
};

static pw_err held_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct held_ctx *h = ctx;
	h->found = true;
	h->out->at = pw_sql_int(row, 0);
	snprintf(h->out->reason, sizeof(h->out->reason), "%s", pw_sql_text(row, 1));
	snprintf(h->out->digest, sizeof(h->out->digest), "%s", pw_sql_text(row, 2));
	h->out->packages = pw_sql_int(row, 3);
	if (h->document) {
		const char *d = pw_sql_text(row, 4);
		*h->document = strdup(d ? d : "");
		if (!*h->document)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	return PW_OK;
}

pw_err pw_inventory_hold_get(struct pw_store *s, int64_t host_id, struct pw_inventory_held *out,
			     char **document, bool *found, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	if (document)
		*document = NULL;
	struct held_ctx h = { out, document, false };
	/* the document column only when wanted: it is the whole inventory */
	pw_err rc = document
		? pw_sql_run(s,
			     "SELECT at, reason, digest, packages, document FROM held_inventories"
			     " WHERE host_id = $1",
			     PW_SQL_ARGS(PW_SQL_I(host_id)), held_row, &h, NULL, e)
		: pw_sql_run(s,
			     "SELECT at, reason, digest, packages FROM held_inventories"
			     " WHERE host_id = $1",
			     PW_SQL_ARGS(PW_SQL_I(host_id)), held_row, &h, NULL, e);
	*found = h.found;
	return rc;
}

pw_err pw_inventory_hold_drop(struct pw_store *s, int64_t host_id, bool *dropped,
			      struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = pw_sql_run(s, "DELETE FROM held_inventories WHERE host_id = $1",
			       PW_SQL_ARGS(PW_SQL_I(host_id)), NULL, NULL, &n, e);
	if (dropped)
		*dropped = n > 0;
	return rc;
}

void pw_inventory_hold_write_json(struct pw_jsonw *w, const struct pw_inventory_held *h)
{
	if (!h)
		return;
	char when[32];
	pw_jsonw_key(w, "inventory_held");
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "reason", h->reason);
	pw_jsonw_kstr(w, "at", pw_clock_format(h->at, when, sizeof(when)));
	pw_jsonw_key(w, "packages");
	pw_jsonw_int(w, h->packages);
	pw_jsonw_kstr(w, "digest", h->digest);
	pw_jsonw_end_object(w);
}
