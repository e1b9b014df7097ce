/* findings.c - the server's findings and their life, in portable SQL (see
 * pw_findings.h and pw_sql.h).
 *
 * Writing a host: its stored findings (id, identity, state) are read and
 * sorted, the new ones sorted, and the two lists walked side by side, so
 * each finding is one statement and the counts are exact. Only the host's
 * rows are read: a re-assessment costs what the host has, not the fleet.
 */
#include "pw_findings.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE findings("
	" id INTEGER PRIMARY KEY,"
	" host_id BIGINT NOT NULL,"
	" hostname TEXT,"
	" vuln_id TEXT NOT NULL,"
	" package TEXT NOT NULL,"
	" binaries TEXT,"
	" installed TEXT NOT NULL,"
	" fixed TEXT,"
	" fixable INTEGER NOT NULL,"
	" affect_status TEXT NOT NULL,"
	" advisories TEXT,"
	" patch TEXT NOT NULL CHECK (patch IN ('yes', 'no', 'unknown')),"
	" score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),"
	" priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),"
	" cvss REAL,"
	" epss REAL,"
	" kev INTEGER NOT NULL,"
	" reasons TEXT,"
	" state TEXT NOT NULL CHECK (state IN ('open', 'fixed')),"
	" first_seen BIGINT NOT NULL,"
	" last_seen BIGINT NOT NULL,"
	" fixed_at BIGINT,"
	" reopened_count INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (host_id, vuln_id, package));"
	"CREATE INDEX findings_rank ON findings(state, priority, score DESC, id);"
	"CREATE INDEX findings_vuln ON findings(vuln_id, state);"
	"CREATE INDEX findings_package ON findings(package);"
	"CREATE TABLE assess_state(name TEXT PRIMARY KEY, value BIGINT NOT NULL);",
	/* 2: the list's order as an index, so a page of the whole list walks it
	 * and stops at the limit instead of sorting every finding (390,000
	 * findings: 40 ms -> 0.4 ms a page) */
	"CREATE INDEX findings_order ON findings(priority, score DESC, id);",
	/* 3: what a finding is: a vulnerability an advisory names, or a pending
	 * update no advisory covers, with its class and the repository offering
	 * it (the evidence when no advisory is); the generation the assessor
	 * caught up with is forgotten, so its first run writes every host once
	 * and stored hosts get their update findings without waiting for a
	 * new inventory */
	"ALTER TABLE findings ADD COLUMN kind TEXT NOT NULL DEFAULT 'vulnerability'"
	" CHECK (kind IN ('vulnerability', 'update'));"
	"ALTER TABLE findings ADD COLUMN update_class TEXT NOT NULL DEFAULT 'security'"
	" CHECK (update_class IN ('security', 'bugfix', 'enhancement'));"
	"ALTER TABLE findings ADD COLUMN repository TEXT;"
	"DELETE FROM assess_state WHERE name = 'feed_generation';",
};

static const struct pw_sql_migrations migrations = {
	"findings", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
};

pw_err pw_findings_migrate(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_migrate(s, &migrations, e);
}

/* ---- writing a host ---- */

struct old {
	int64_t id;
	char *vuln_id, *package; /* one allocation: vuln_id\0package\0 */
	bool open;
	uint64_t content; /* content_hash() of what it says */
};

/* A hash of everything a finding says besides its identity and life: a
 * finding still open whose hash is the same is not rewritten: only its
 * last_seen moves (by rowid: no index to maintain), so a host re-evaluated
 * because one of its packages was touched costs little more than the
 * findings that changed. */
#define FNV_PRIME 1099511628211ull

static uint64_t mix_str(uint64_t h, const char *s)
{
	if (!s)
		return (h ^ 0x1ff) * FNV_PRIME; /* NULL differs from "" */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return (h ^ 0x100) * FNV_PRIME;
}

static uint64_t mix_int(uint64_t h, int64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		h = (h ^ (uint64_t)(v & 0xff)) * FNV_PRIME;
	return h;
}

static int64_t micro(double v)
{
	return v < 0 ? -1 : (int64_t)(v * 1e6 + 0.5);
}

static uint64_t content_hash(const char *hostname, const struct pw_finding_row *r)
{
	uint64_t h = 1469598103934665603ull;
	h = mix_str(h, hostname);
	h = mix_str(h, r->binaries);
	h = mix_str(h, r->installed);
	h = mix_str(h, r->fixed);
	h = mix_int(h, r->fixable);
	h = mix_str(h, r->affect_status ? r->affect_status : "vulnerable");
	h = mix_str(h, r->advisories);
	h = mix_str(h, r->patch ? r->patch : "unknown");
	h = mix_int(h, r->score);
	h = mix_int(h, r->priority);
	h = mix_int(h, micro(r->cvss));
	h = mix_int(h, micro(r->epss));
	h = mix_int(h, r->kev);
	h = mix_str(h, r->kind ? r->kind : "vulnerability");
	h = mix_str(h, r->update_class ? r->update_class : "security");
	h = mix_str(h, r->repository);
	return mix_str(h, r->reasons);
}

struct olds {
	struct old *v;
	size_t n, cap;
};

static pw_err old_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct olds *o = ctx;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct old *p = realloc(o->v, cap * sizeof(*p));
		if (!p)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory reading findings");
		o->v = p;
		o->cap = cap;
	}
	const char *v = pw_sql_text(row, 1), *p = pw_sql_text(row, 2), *st = pw_sql_text(row, 3);
	struct pw_finding_row was = {
		.binaries = pw_sql_text(row, 5), .installed = pw_sql_text(row, 6),
		.fixed = pw_sql_text(row, 7), .fixable = pw_sql_int(row, 8) != 0,
		.affect_status = pw_sql_text(row, 9), .advisories = pw_sql_text(row, 10),
		.patch = pw_sql_text(row, 11), .score = (int)pw_sql_int(row, 12),
		.priority = (int)pw_sql_int(row, 13),
		.cvss = pw_sql_isnull(row, 14) ? -1 : pw_sql_real(row, 14),
		.epss = pw_sql_isnull(row, 15) ? -1 : pw_sql_real(row, 15),
		.kev = pw_sql_int(row, 16) != 0, .reasons = pw_sql_text(row, 17),
		.kind = pw_sql_text(row, 18), .update_class = pw_sql_text(row, 19),
		.repository = pw_sql_text(row, 20),
	};
	uint64_t content = content_hash(pw_sql_text(row, 4), &was);
	size_t lv = strlen(v ? v : ""), lp = strlen(p ? p : "");
	char *mem = malloc(lv + lp + 2);
	if (!mem)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory reading findings");
	memcpy(mem, v ? v : "", lv + 1);
	memcpy(mem + lv + 1, p ? p : "", lp + 1);
	o->v[o->n++] = (struct old){ pw_sql_int(row, 0), mem, mem + lv + 1,
				     st && strcmp(st, "open") == 0, content };
	return PW_OK;
}

static int cmp_ident(const char *va, const char *pa, const char *vb, const char *pb)
{
	int c = strcmp(va, vb);
	return c ? c : strcmp(pa, pb);
}

static int cmp_old(const void *a, const void *b)
{
	const struct old *x = a, *y = b;
	return cmp_ident(x->vuln_id, x->package, y->vuln_id, y->package);
}

static int cmp_row(const void *a, const void *b)
{
	const struct pw_finding_row *x = a, *y = b;
	return cmp_ident(x->vuln_id, x->package, y->vuln_id, y->package);
}

static struct pw_sql_arg real_or_null(double v)
{
	return v >= 0 ? PW_SQL_R(v) : PW_SQL_NUL;
}

static pw_err check_row(const struct pw_finding_row *r, struct pw_error *e)
{
	if (!r->vuln_id || !*r->vuln_id || !r->package || !*r->package || !r->installed)
		return pw_error_set(e, PW_ERR_USAGE, "a finding needs a vulnerability, a package and "
				    "a version");
	if (r->priority < 1 || r->priority > 4 || r->score < 0 || r->score > 100)
		return pw_error_set(e, PW_ERR_USAGE, "finding %s in %s: score %d, priority %d out of "
				    "range", r->vuln_id, r->package, r->score, r->priority);
	return PW_OK;
}

static pw_err insert_row(struct pw_store *s, int64_t host_id, const char *hostname,
			 const struct pw_finding_row *r, int64_t now, struct pw_error *e)
{
	return pw_sql_exec(s,
		"INSERT INTO findings(host_id, hostname, vuln_id, package, binaries, installed, fixed,"
		" fixable, affect_status, advisories, patch, score, priority, cvss, epss, kev, reasons,"
		" state, first_seen, last_seen, fixed_at, reopened_count, kind, update_class, repository)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
		" 'open', $18, $18, NULL, 0, $19, $20, $21)",
		PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_T(hostname), PW_SQL_T(r->vuln_id),
			    PW_SQL_T(r->package), PW_SQL_T(r->binaries), PW_SQL_T(r->installed),
			    PW_SQL_T(r->fixed), PW_SQL_I(r->fixable),
			    PW_SQL_T(r->affect_status ? r->affect_status : "vulnerable"),
			    PW_SQL_T(r->advisories), PW_SQL_T(r->patch ? r->patch : "unknown"),
			    PW_SQL_I(r->score), PW_SQL_I(r->priority), real_or_null(r->cvss),
			    real_or_null(r->epss), PW_SQL_I(r->kev), PW_SQL_T(r->reasons),
			    PW_SQL_I(now), PW_SQL_T(r->kind ? r->kind : "vulnerability"),
			    PW_SQL_T(r->update_class ? r->update_class : "security"),
			    PW_SQL_T(r->repository)),
		e);
}

/* Still there (reopen: it was fixed). */
static pw_err update_row(struct pw_store *s, int64_t id, const char *hostname,
			 const struct pw_finding_row *r, bool reopen, int64_t now,
			 struct pw_error *e)
{
	/* placeholders in the order they appear: SQLite numbers $n by first use */
	return pw_sql_exec(s,
		"UPDATE findings SET hostname = $1, binaries = $2, installed = $3, fixed = $4,"
		" fixable = $5, affect_status = $6, advisories = $7, patch = $8, score = $9,"
		" priority = $10, cvss = $11, epss = $12, kev = $13, reasons = $14, last_seen = $15,"
		" state = 'open', fixed_at = NULL, reopened_count = reopened_count + $16,"
		" kind = $17, update_class = $18, repository = $19 WHERE id = $20",
		PW_SQL_ARGS(PW_SQL_T(hostname), PW_SQL_T(r->binaries),
			    PW_SQL_T(r->installed), PW_SQL_T(r->fixed), PW_SQL_I(r->fixable),
			    PW_SQL_T(r->affect_status ? r->affect_status : "vulnerable"),
			    PW_SQL_T(r->advisories), PW_SQL_T(r->patch ? r->patch : "unknown"),
			    PW_SQL_I(r->score), PW_SQL_I(r->priority), real_or_null(r->cvss),
			    real_or_null(r->epss), PW_SQL_I(r->kev), PW_SQL_T(r->reasons),
			    PW_SQL_I(now), PW_SQL_I(reopen ? 1 : 0),
			    PW_SQL_T(r->kind ? r->kind : "vulnerability"),
			    PW_SQL_T(r->update_class ? r->update_class : "security"),
			    PW_SQL_T(r->repository), PW_SQL_I(id)),
		e);
}

static pw_err write_host(struct pw_store *s, int64_t host_id, const char *hostname,
			 struct pw_finding_row *rows, size_t n, int64_t now,
			 struct pw_findings_delta *d, struct pw_error *e)
{
	struct olds o = { 0 };
	pw_err rc = pw_sql_run(s, "SELECT id, vuln_id, package, state, hostname, binaries,"
			       " installed, fixed, fixable, affect_status, advisories, patch, score,"
			       " priority, cvss, epss, kev, reasons, kind, update_class, repository"
			       " FROM findings WHERE host_id = $1",
			       PW_SQL_ARGS(PW_SQL_I(host_id)), old_row, &o, NULL, e);
	if (rc)
		goto out;
	if (o.n > 1)
		qsort(o.v, o.n, sizeof(*o.v), cmp_old);
	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_row);
	size_t i = 0, j = 0;
	while (i < n || j < o.n) {
		const struct pw_finding_row *r = i < n ? &rows[i] : NULL;
		if (r && i > 0 && cmp_row(&rows[i - 1], r) == 0) {
			i++; /* the same finding twice: the first counts */
			continue;
		}
		int c = !r ? 1 : j == o.n ? -1 : cmp_ident(r->vuln_id, r->package, o.v[j].vuln_id,
							     o.v[j].package);
		if (c < 0) { /* new */
			if ((rc = check_row(r, e)) || (rc = insert_row(s, host_id, hostname, r, now, e)))
				goto out;
			d->opened++;
			i++;
		} else if (c == 0) {
			if ((rc = check_row(r, e)))
				goto out;
			bool same = o.v[j].open && o.v[j].content == content_hash(hostname, r);
			/* unchanged: last_seen alone (by rowid, no index to maintain) */
			if (same ? (rc = pw_sql_exec(s, "UPDATE findings SET last_seen = $1 WHERE id = $2",
						     PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(o.v[j].id)), e))
				 : (rc = update_row(s, o.v[j].id, hostname, r, !o.v[j].open, now, e)))
				goto out;
			if (o.v[j].open)
				d->updated++;
			else
				d->reopened++;
			i++;
			j++;
		} else { /* stored, not found now */
			if (o.v[j].open) {
				if ((rc = pw_sql_exec(s, "UPDATE findings SET state = 'fixed', fixed_at = $1"
						      " WHERE id = $2",
						      PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(o.v[j].id)), e)))
					goto out;
				d->fixed++;
			}
			j++;
		}
	}
out:
	for (size_t k = 0; k < o.n; k++)
		free(o.v[k].vuln_id);
	free(o.v);
	return rc;
}

pw_err pw_findings_put_host(struct pw_store *s, int64_t host_id, const char *hostname,
			    struct pw_finding_row *rows, size_t n, int64_t now,
			    struct pw_findings_delta *delta, struct pw_error *e)
{
	struct pw_findings_delta d = { 0 };
	bool own = !pw_store_in_transaction(s);
	pw_err rc;
	if (own && (rc = pw_store_begin(s, e)))
		return rc;
	rc = write_host(s, host_id, hostname, rows, n, now, &d, e);
	if (own) {
		if (rc)
			pw_store_rollback(s);
		else
			rc = pw_store_commit(s, e);
	}
	if (!rc && delta)
		*delta = d;
	return rc;
}

/* ---- reading ---- */

/* "priority.score.id" */
static bool parse_cursor(const char *c, int64_t v[3])
{
	const char *p = c;
	for (int k = 0; k < 3; k++) {
		if (*p < '0' || *p > '9')
			return false;
		int64_t x = 0;
		for (int digits = 0; *p >= '0' && *p <= '9'; p++) {
			if (++digits > 18)
				return false;
			x = x * 10 + (*p - '0');
		}
		v[k] = x;
		if (k < 2 && *p++ != '.')
			return false;
	}
	return *p == '\0';
}

static bool in_hosts(const struct pw_findings_filter *f, int64_t id)
{
	size_t lo = 0, hi = f->nhosts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->hosts[mid] == id)
			return true;
		if (f->hosts[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct lister {
	const struct pw_findings_filter *f;
	pw_err (*cb)(void *ctx, const struct pw_finding_row *row);
	void *ctx;
	int64_t n;
	int64_t last[3];
	bool stopped;
};

#define LIST_COLUMNS                                                                            \
	"id, host_id, hostname, vuln_id, package, binaries, installed, fixed, fixable,"           \
	" affect_status, advisories, patch, score, priority, cvss, epss, kev, reasons, state,"     \
	" first_seen, last_seen, fixed_at, reopened_count, kind, update_class, repository"

/* The list, with the vulnerability and host conditions given: $1 priority,
 * $2 kev, $3 fixable, $4 vulnerability, $5 package, $6 its LIKE pattern
 * among the binaries, $7 state, $8 host, $9-$11 the cursor, $12 the kind,
 * $13-$14 first seen since, until (numbered in the order they first
 * appear, as SQLite numbers them). */
#define LIST_SQL(vuln_cond, host_cond)                                                          \
	"SELECT " LIST_COLUMNS " FROM findings"                                                   \
	" WHERE ($1 = 0 OR priority <= $1)"                                                       \
	" AND ($2 = 0 OR kev = 1)"                                                                \
	" AND ($3 = 0 OR fixable = 1)"                                                            \
	" AND " vuln_cond                                                                         \
	" AND ($5 IS NULL OR package = $5"                                                        \
	" OR (',' || binaries || ',') LIKE $6 ESCAPE '\\')"                                      \
	" AND ($7 IS NULL OR state = $7)"                                                         \
	" AND " host_cond                                                                         \
	" AND (priority > $9 OR (priority = $9 AND (score < $10 OR (score = $10 AND id > $11))))" \
	" AND ($12 IS NULL OR kind = $12)"                                                        \
	" AND ($13 = 0 OR first_seen >= $13) AND ($14 = 0 OR first_seen < $14)"                   \
	" ORDER BY priority, score DESC, id"

static pw_err list_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct lister *l = ctx;
	struct pw_finding_row r = {
		.id = pw_sql_int(row, 0),
		.host_id = pw_sql_int(row, 1),
		.hostname = pw_sql_text(row, 2),
		.vuln_id = pw_sql_text(row, 3),
		.package = pw_sql_text(row, 4),
		.binaries = pw_sql_text(row, 5),
		.installed = pw_sql_text(row, 6),
		.fixed = pw_sql_text(row, 7),
		.fixable = pw_sql_int(row, 8) != 0,
		.affect_status = pw_sql_text(row, 9),
		.advisories = pw_sql_text(row, 10),
		.patch = pw_sql_text(row, 11),
		.score = (int)pw_sql_int(row, 12),
		.priority = (int)pw_sql_int(row, 13),
		.cvss = pw_sql_isnull(row, 14) ? -1 : pw_sql_real(row, 14),
		.epss = pw_sql_isnull(row, 15) ? -1 : pw_sql_real(row, 15),
		.kev = pw_sql_int(row, 16) != 0,
		.reasons = pw_sql_text(row, 17),
		.state = pw_sql_text(row, 18),
		.first_seen = pw_sql_int(row, 19),
		.last_seen = pw_sql_int(row, 20),
		.fixed_at = pw_sql_isnull(row, 21) ? 0 : pw_sql_int(row, 21),
		.reopened_count = pw_sql_int(row, 22),
		.kind = pw_sql_text(row, 23),
		.update_class = pw_sql_text(row, 24),
		.repository = pw_sql_text(row, 25),
	};
	if (l->f->use_hosts && !in_hosts(l->f, r.host_id))
		return PW_OK;
	pw_err rc = l->cb(l->ctx, &r);
	if (rc)
		return pw_error_set(e, rc, "listing findings: stopped by the reader");
	l->n++;
	l->last[0] = r.priority;
	l->last[1] = r.score;
	l->last[2] = r.id;
	if (l->f->limit > 0 && l->n >= l->f->limit) {
		l->stopped = true;
		return PW_ERR_LIMIT; /* enough: not an error (see below) */
	}
	return PW_OK;
}

pw_err pw_findings_list(struct pw_store *s, const struct pw_findings_filter *f,
			pw_err (*cb)(void *ctx, const struct pw_finding_row *row), void *ctx,
			char next_cursor[PW_FINDINGS_CURSOR_MAX], struct pw_error *e)
{
	int64_t after[3] = { 0, 101, 0 }; /* before every row: priority 0, score above 100 */
	next_cursor[0] = '\0';
	if (f->cursor && !parse_cursor(f->cursor, after))
		return pw_error_set(e, PW_ERR_INVALID, "cursor '%.40s' is not one this server gave",
				    f->cursor);
	if (f->state && strcmp(f->state, "open") != 0 && strcmp(f->state, "fixed") != 0)
		return pw_error_set(e, PW_ERR_INVALID, "status must be open or fixed, not '%.40s'",
				    f->state);
	if (f->kind && strcmp(f->kind, "vulnerability") != 0 && strcmp(f->kind, "update") != 0)
		return pw_error_set(e, PW_ERR_INVALID, "kind must be vulnerability or update, not "
				    "'%.40s'", f->kind);
	if (f->priority < 0 || f->priority > 4)
		return pw_error_set(e, PW_ERR_INVALID, "priority must be P1 to P4");
	/* "%,name,%" with LIKE's own characters escaped: one of the binaries */
	char like[2 * 256 + 8];
	if (f->package) {
		size_t w = 0;
		if (strlen(f->package) > 256)
			return pw_error_set(e, PW_ERR_INVALID, "package name longer than 256 bytes");
		like[w++] = '%';
		like[w++] = ',';
		for (const char *p = f->package; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				like[w++] = '\\';
			like[w++] = *p;
		}
		like[w++] = ',';
		like[w++] = '%';
		like[w] = '\0';
	}
	struct lister l = { .f = f, .cb = cb, .ctx = ctx };
	struct pw_error inner = { 0 };
	/* One host's or one vulnerability's findings are read through their
	 * index: a condition written "($n = 0 OR col = $n)" is one SQLite
	 * cannot use an index for, so those two have statements of their own. */
	/* a vulnerability by its id or any alias a feed gave it (a DSA names
	 * the CVEs it fixes, a CVE is known by its DSAs) */
#define VULN_IS_4                                                                               \
	"vuln_id IN (SELECT $4 UNION SELECT alias FROM aliases WHERE vuln_id = $4"                 \
	" UNION SELECT vuln_id FROM aliases WHERE alias = $4)"
	static const char *const sql[] = {
		LIST_SQL("($4 IS NULL OR " VULN_IS_4 ")", "($8 = 0 OR host_id = $8)"),
		LIST_SQL("($4 IS NULL OR " VULN_IS_4 ")", "host_id = $8"),
		LIST_SQL(VULN_IS_4, "($8 = 0 OR host_id = $8)"),
	};
	const char *q = f->host_id ? sql[1] : f->vuln_id ? sql[2] : sql[0];
	pw_err rc = pw_sql_run(s, q,
		PW_SQL_ARGS(PW_SQL_I(f->priority), PW_SQL_I(f->kev), PW_SQL_I(f->fixable),
			    PW_SQL_T(f->vuln_id), PW_SQL_T(f->package), PW_SQL_T(f->package ? like : NULL),
			    PW_SQL_T(f->state), PW_SQL_I(f->host_id), PW_SQL_I(after[0]),
			    PW_SQL_I(after[1]), PW_SQL_I(after[2]), PW_SQL_T(f->kind),
			    PW_SQL_I(f->since), PW_SQL_I(f->until)),
		list_row, &l, NULL, &inner);
	if (rc == PW_ERR_LIMIT && l.stopped)
		rc = PW_OK;
	if (rc) {
		if (e)
			*e = inner;
		return rc;
	}
	if (l.stopped)
		snprintf(next_cursor, PW_FINDINGS_CURSOR_MAX, "%" PRId64 ".%" PRId64 ".%" PRId64,
			 l.last[0], l.last[1], l.last[2]);
	return PW_OK;
}

static pw_err one_int(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

pw_err pw_findings_vuln_hosts(struct pw_store *s, const char *vuln_id, const char *also_id,
			      int64_t *hosts, struct pw_error *e)
{
	*hosts = 0;
	return pw_sql_run(s, "SELECT COUNT(DISTINCT host_id) FROM findings"
			  " WHERE (vuln_id = $1 OR vuln_id = $2) AND state = 'open'",
			  PW_SQL_ARGS(PW_SQL_T(vuln_id), PW_SQL_T(also_id ? also_id : vuln_id)),
			  one_int, hosts, NULL, e);
}

static pw_err count_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	struct pw_findings_counts *c = ctx;
	const char *state = pw_sql_text(row, 0);
	int64_t p = pw_sql_int(row, 1), n = pw_sql_int(row, 2);
	if (state && strcmp(state, "open") == 0) {
		c->open += n;
		if (p >= 1 && p <= 4)
			c->by_priority[p] += n;
	} else {
		c->fixed += n;
	}
	return PW_OK;
}

pw_err pw_findings_count(struct pw_store *s, int64_t host_id, struct pw_findings_counts *out,
			 struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	return pw_sql_run(s, "SELECT state, priority, COUNT(*) FROM findings"
			  " WHERE ($1 = 0 OR host_id = $1) GROUP BY state, priority",
			  PW_SQL_ARGS(PW_SQL_I(host_id)), count_row, out, NULL, e);
}

pw_err pw_findings_state_get(struct pw_store *s, const char *name, int64_t *value, bool *found,
			     struct pw_error *e)
{
	int64_t v = INT64_MIN;
	pw_err rc = pw_sql_run(s, "SELECT value FROM assess_state WHERE name = $1",
			       PW_SQL_ARGS(PW_SQL_T(name)), one_int, &v, NULL, e);
	if (rc)
		return rc;
	*found = v != INT64_MIN;
	*value = *found ? v : 0;
	return PW_OK;
}

pw_err pw_findings_state_put(struct pw_store *s, const char *name, int64_t value,
			     struct pw_error *e)
{
	return pw_sql_exec(s, "INSERT INTO assess_state(name, value) VALUES ($1, $2)"
			   " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
			   PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_I(value)), e);
}

pw_err pw_findings_set_risk(struct pw_store *s, int64_t id, int score, int priority, double cvss,
			    double epss, bool kev, const char *reasons, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "UPDATE findings SET score = $1, priority = $2, cvss = $3, epss = $4,"
			   " kev = $5, reasons = $6 WHERE id = $7",
			   PW_SQL_ARGS(PW_SQL_I(score), PW_SQL_I(priority),
				       cvss < 0 ? PW_SQL_NUL : PW_SQL_R(cvss),
				       epss < 0 ? PW_SQL_NUL : PW_SQL_R(epss), PW_SQL_I(kev ? 1 : 0),
				       PW_SQL_T(reasons), PW_SQL_I(id)),
			   e);
}
