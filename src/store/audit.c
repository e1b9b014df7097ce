/* audit.c - the hash-chained audit log, see pw_audit.h.
 *
 * Entry n's hash is SHA-256(hash(n-1) || serialization(n)), hash(0) being
 * 32 zero bytes. The serialization is canonical and unambiguous: seq and at
 * as 8-byte big-endian integers, then actor, action, object, before and
 * after, each as one byte (0: NULL, 1: present), an 8-byte big-endian length
 * and the bytes. So no two different entries serialize alike, and
 * `"ab" + "c"` is not `"a" + "bc"`.
 *
 * Sequence numbers are dense (1, 2, 3, ...): appending takes the last entry
 * inside the change's write transaction (the SQLite backend begins
 * IMMEDIATE, so two writers never take the same last entry). A separate
 * one-row table, audit_head, holds the last seq and hash, so removing the
 * newest entries is found as well as removing one in the middle.
 *
 * This detects edits by anyone who cannot recompute the whole chain and the
 * head, e.g. a stray UPDATE with the sqlite3 shell; it is not a signature.
 * A writer of the store can still cut off the newest entries together with
 * the head row: the sealed head kept apart from the store, with a key the
 * store never holds (pw_audit_seal.h), and the server's logged checkpoints
 * find that.
 */
#include "pw_audit.h"

#include "pw_audit_seal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "pw_clock.h"
#include "pw_sql.h"
#include "pw_store.h"

/* a text argument that is never NULL (an array) */
#define SQL_TXT(v) ((struct pw_sql_arg){ PW_SQL_TEXT, 0, 0, (v), 0 })

#define HASH_LEN crypto_hash_sha256_BYTES
#define HEX_LEN (HASH_LEN * 2 + 1)

static const char *const audit_sqlite[] = {
	"CREATE TABLE audit_log("
	" seq INTEGER PRIMARY KEY,"
	" at BIGINT NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" object TEXT,"
	" before_json TEXT,"
	" after_json TEXT,"
	" hash TEXT NOT NULL);"
	"CREATE TABLE audit_head("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" seq BIGINT NOT NULL,"
	" hash TEXT NOT NULL);",
};

static const struct pw_sql_migrations audit_migrations = {
	"audit",
	audit_sqlite,
	sizeof(audit_sqlite) / sizeof(audit_sqlite[0]),
};

pw_err pw_audit_migrate(struct pw_store *s, struct pw_error *e)
{
	if (sodium_init() < 0)
		return pw_error_set(e, PW_ERR_UNSUPPORTED, "libsodium could not be initialised");
	return pw_sql_migrate(s, &audit_migrations, e);
}

static void put_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	unsigned char b[8];
	for (int i = 7; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	crypto_hash_sha256_update(st, b, sizeof(b));
}

static void put_str(crypto_hash_sha256_state *st, const char *s)
{
	unsigned char present = s != NULL;
	crypto_hash_sha256_update(st, &present, 1);
	size_t n = s ? strlen(s) : 0;
	put_u64(st, n);
	if (n)
		crypto_hash_sha256_update(st, (const unsigned char *)s, n);
}

/* hex of SHA-256(prev || canonical entry) */
static void entry_hash(const unsigned char prev[HASH_LEN], const struct pw_audit_entry *a,
		       char out[HEX_LEN])
{
	crypto_hash_sha256_state st;
	unsigned char h[HASH_LEN];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, HASH_LEN);
	put_u64(&st, (uint64_t)a->seq);
	put_u64(&st, (uint64_t)a->at);
	put_str(&st, a->actor);
	put_str(&st, a->action);
	put_str(&st, a->object);
	put_str(&st, a->before_json);
	put_str(&st, a->after_json);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, HEX_LEN, h, HASH_LEN);
}

static bool hex_to_hash(const char *hex, unsigned char out[HASH_LEN])
{
	size_t n = 0;
	return hex && strlen(hex) == HASH_LEN * 2 &&
	       sodium_hex2bin(out, HASH_LEN, hex, HASH_LEN * 2, NULL, &n, NULL) == 0 &&
	       n == HASH_LEN;
}

struct head {
	bool found;
	int64_t seq;
	char hash[HEX_LEN];
};

static pw_err head_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct head *h = ctx;
	const char *hash = pw_sql_text(row, 1);
	h->found = true;
	h->seq = pw_sql_int(row, 0);
	snprintf(h->hash, sizeof(h->hash), "%s", hash ? hash : "");
	return PW_OK;
}

static pw_err check_text(const char *what, const char *s, bool required, struct pw_error *e)
{
	if (!s) {
		if (required)
			return pw_error_set(e, PW_ERR_USAGE, "audit entry: %s is missing", what);
		return PW_OK;
	}
	if (required && !*s)
		return pw_error_set(e, PW_ERR_USAGE, "audit entry: %s is empty", what);
	return PW_OK;
}

pw_err pw_audit_append(struct pw_store *s, const char *actor, const char *action,
		       const char *object, const char *before_json, const char *after_json,
		       struct pw_error *e)
{
	pw_err rc;
	if (!pw_store_in_transaction(s))
		return pw_error_set(e, PW_ERR_USAGE,
				    "audit entry %s: appended outside the change's transaction",
				    action ? action : "(no action)");
	if ((rc = check_text("actor", actor, true, e)) || (rc = check_text("action", action, true, e)))
		return rc;
	/* the head is the authority on the last entry: it is written with every
	 * append, in the same transaction */
	struct head h = { 0 };
	if ((rc = pw_sql_run(s, "SELECT seq, hash FROM audit_head WHERE id = 1", PW_SQL_NOARGS,
			     head_row, &h, NULL, e)))
		return rc;
	unsigned char prev[HASH_LEN] = { 0 };
	if (h.found && !hex_to_hash(h.hash, prev))
		return pw_error_set(e, PW_ERR_INVALID,
				    "audit log: the head's hash is malformed; run 'patchwarden audit "
				    "verify'");
	struct pw_audit_entry a = {
		.seq = h.found ? h.seq + 1 : 1,
		.at = pw_clock_now(),
		.actor = actor,
		.action = action,
		.object = object,
		.before_json = before_json,
		.after_json = after_json,
	};
	char hex[HEX_LEN];
	entry_hash(prev, &a, hex);
	if ((rc = pw_sql_exec(s,
			      "INSERT INTO audit_log(seq, at, actor, action, object, before_json,"
			      " after_json, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			      PW_SQL_ARGS(PW_SQL_I(a.seq), PW_SQL_I(a.at), PW_SQL_T(actor),
					  PW_SQL_T(action), PW_SQL_T(object), PW_SQL_T(before_json),
					  PW_SQL_T(after_json), SQL_TXT(hex)),
			      e)))
		return rc;
	if ((rc = pw_sql_exec(s,
			      "INSERT INTO audit_head(id, seq, hash) VALUES (1, $1, $2)"
			      " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
			      PW_SQL_ARGS(PW_SQL_I(a.seq), SQL_TXT(hex)), e)))
		return rc;
	pw_audit_seal_note(s, a.seq, hex); /* sealed once committed */
	return PW_OK;
}

static void entry_of_row(const struct pw_sql_row *row, struct pw_audit_entry *a)
{
	a->seq = pw_sql_int(row, 0);
	a->at = pw_sql_int(row, 1);
	a->actor = pw_sql_text(row, 2);
	a->action = pw_sql_text(row, 3);
	a->object = pw_sql_text(row, 4);
	a->before_json = pw_sql_text(row, 5);
	a->after_json = pw_sql_text(row, 6);
	a->hash = pw_sql_text(row, 7);
}

struct each_ctx {
	pw_err (*cb)(void *ctx, const struct pw_audit_entry *a);
	void *ctx;
};

static pw_err each_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct each_ctx *c = ctx;
	struct pw_audit_entry a;
	entry_of_row(row, &a);
	pw_err rc = c->cb(c->ctx, &a);
	if (rc)
		return pw_error_set(e, rc, "audit log: stopped at entry %lld", (long long)a.seq);
	return PW_OK;
}

#define AUDIT_COLUMNS "seq, at, actor, action, object, before_json, after_json, hash"

pw_err pw_audit_each(struct pw_store *s, int64_t after, int64_t limit,
		     pw_err (*cb)(void *ctx, const struct pw_audit_entry *a), void *ctx,
		     struct pw_error *e)
{
	struct each_ctx c = { cb, ctx };
	if (limit > 0)
		return pw_sql_run(s,
				  "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE seq > $1"
				  " ORDER BY seq LIMIT $2",
				  PW_SQL_ARGS(PW_SQL_I(after), PW_SQL_I(limit)), each_row, &c, NULL, e);
	return pw_sql_run(s, "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE seq > $1 ORDER BY seq",
			  PW_SQL_ARGS(PW_SQL_I(after)), each_row, &c, NULL, e);
}

pw_err pw_audit_each_range(struct pw_store *s, int64_t after, int64_t since, int64_t until,
			   int64_t limit,
			   pw_err (*cb)(void *ctx, const struct pw_audit_entry *a), void *ctx,
			   struct pw_error *e)
{
	struct each_ctx c = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE seq > $1"
			  " AND ($2 = 0 OR at >= $2) AND ($3 = 0 OR at < $3)"
			  " ORDER BY seq LIMIT CASE WHEN $4 > 0 THEN $4 ELSE -1 END",
			  PW_SQL_ARGS(PW_SQL_I(after), PW_SQL_I(since), PW_SQL_I(until),
				      PW_SQL_I(limit)),
			  each_row, &c, NULL, e);
}

struct verify_ctx {
	unsigned char prev[HASH_LEN];
	int64_t expect_seq; /* the seq the next entry must have */
	int64_t checked;
	bool ok;
	int64_t bad_seq;
	char why[256];
	int64_t head_seq;  /* what the head said, read before the walk */
	char head_hash[HEX_LEN];
	bool head_matched;
	int64_t sealed_seq; /* the sealed head kept apart (0: none) */
	char sealed_hash[HEX_LEN];
	bool sealed_matched;
};

static pw_err verify_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct verify_ctx *v = ctx;
	struct pw_audit_entry a;
	entry_of_row(row, &a);
	if (a.seq != v->expect_seq) {
		v->ok = false;
		if (a.seq > v->expect_seq) {
			/* the entry after the gap names it */
			v->bad_seq = a.seq;
			snprintf(v->why, sizeof(v->why),
				 "entr%s %lld to %lld missing before entry %lld",
				 a.seq - v->expect_seq > 1 ? "ies" : "y", (long long)v->expect_seq,
				 (long long)a.seq - 1, (long long)a.seq);
		} else {
			v->bad_seq = a.seq;
			snprintf(v->why, sizeof(v->why),
				 "entry %lld is out of sequence (expected %lld)", (long long)a.seq,
				 (long long)v->expect_seq);
		}
		return PW_ERR_LIMIT; /* stop the walk; not an error */
	}
	char hex[HEX_LEN];
	entry_hash(v->prev, &a, hex);
	if (!a.hash || sodium_memcmp(hex, a.hash, HEX_LEN - 1) != 0 ||
	    strlen(a.hash) != HEX_LEN - 1) {
		v->ok = false;
		v->bad_seq = a.seq;
		snprintf(v->why, sizeof(v->why),
			 "entry %lld does not match its hash: it, or the chain before it, was "
			 "changed",
			 (long long)a.seq);
		return PW_ERR_LIMIT;
	}
	hex_to_hash(hex, v->prev);
	if (a.seq == v->head_seq)
		v->head_matched = strcmp(hex, v->head_hash) == 0;
	if (a.seq == v->sealed_seq)
		v->sealed_matched = strcmp(hex, v->sealed_hash) == 0;
	v->checked++;
	v->expect_seq++;
	return PW_OK;
}

pw_err pw_audit_verify(struct pw_store *s, bool *ok, int64_t *bad_seq, int64_t *checked,
		       struct pw_error *e)
{
	pw_err rc;
	struct verify_ctx v = { .expect_seq = 1, .ok = true };
	*ok = false;
	*bad_seq = 0;
	*checked = 0;
	/* the head first: entries appended during the walk come after it and
	 * are checked like the others */
	struct head h = { 0 };
	if ((rc = pw_sql_run(s, "SELECT seq, hash FROM audit_head WHERE id = 1", PW_SQL_NOARGS,
			     head_row, &h, NULL, e)))
		return rc;
	v.head_seq = h.found ? h.seq : 0;
	snprintf(v.head_hash, sizeof(v.head_hash), "%s", h.hash);
	/* the sealed head, which a writer of the store cannot move back */
	struct pw_audit_head_seal seal;
	bool sealed = false;
	struct pw_error seal_e = { 0 };
	if (pw_audit_seal_read(s, &seal, &sealed, &seal_e)) {
		*bad_seq = 0;
		*e = seal_e;
		pw_error_set(e, PW_ERR_INVALID, "audit log: %s", seal_e.msg);
		return PW_OK;
	}
	if (sealed) {
		v.sealed_seq = seal.seq;
		snprintf(v.sealed_hash, sizeof(v.sealed_hash), "%s", seal.hash);
	}
	struct pw_error walk_e = { 0 };
	rc = pw_sql_run(s, "SELECT " AUDIT_COLUMNS " FROM audit_log ORDER BY seq", PW_SQL_NOARGS,
			verify_row, &v, NULL, &walk_e);
	if (rc && v.ok) {
		*e = walk_e;
		return rc;
	}
	*checked = v.checked;
	if (v.ok && v.sealed_seq > 0 && v.expect_seq - 1 < v.sealed_seq) {
		v.ok = false;
		v.bad_seq = v.expect_seq;
		snprintf(v.why, sizeof(v.why), "log truncated: head at %lld, expected at least %lld",
			 (long long)(v.expect_seq - 1), (long long)v.sealed_seq);
	} else if (v.ok && v.sealed_seq > 0 && !v.sealed_matched) {
		v.ok = false;
		v.bad_seq = v.sealed_seq;
		snprintf(v.why, sizeof(v.why),
			 "entry %lld does not match the sealed head: the log was rewritten",
			 (long long)v.sealed_seq);
	} else if (v.ok && v.head_seq > 0 && v.expect_seq - 1 < v.head_seq) {
		v.ok = false;
		v.bad_seq = v.expect_seq;
		snprintf(v.why, sizeof(v.why),
			 "entr%s %lld to %lld missing at the end (the log's head is at %lld)",
			 v.head_seq - v.expect_seq > 0 ? "ies" : "y", (long long)v.expect_seq,
			 (long long)v.head_seq, (long long)v.head_seq);
	} else if (v.ok && v.head_seq > 0 && !v.head_matched) {
		v.ok = false;
		v.bad_seq = v.head_seq;
		snprintf(v.why, sizeof(v.why),
			 "entry %lld does not match the log's head: it, or the head, was changed",
			 (long long)v.head_seq);
	} else if (v.ok && !h.found && v.checked > 0) {
		v.ok = false;
		v.bad_seq = 1;
		snprintf(v.why, sizeof(v.why), "the log's head is missing");
	}
	*ok = v.ok;
	*bad_seq = v.bad_seq;
	if (!v.ok)
		pw_error_set(e, PW_ERR_INVALID, "audit log: %s", v.why);
	return PW_OK;
}

struct audit_event {
	const char *actor, *action, *object, *before, *after;
};

static pw_err record_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	const struct audit_event *ev = ctx;
	return pw_audit_append(s, ev->actor, ev->action, ev->object, ev->before, ev->after, e);
}

pw_err pw_audit_record(struct pw_store *s, const char *actor, const char *action,
		       const char *object, const char *before_json, const char *after_json,
		       struct pw_error *e)
{
	struct audit_event ev = { actor, action, object, before_json, after_json };
	return pw_store_write(s, record_tx, &ev, e);
}
