/* store.c - the store's front end: the same for every backend.
 *
 * pw_store.h is the interface callers see; a backend (sqlite.c now, pg.c
 * later) implements struct pw_store_ops and holds every SQL statement. What
 * lives here is the import logic that must not differ between backends:
 *
 *  - a record's content hash (64-bit FNV-1a over a canonical serialization
 *    of its normalized fields), so an unchanged record costs one look-up and
 *    no write, and a changed one is replaced in place;
 *  - ids repeated within one import, kept as further parts of the record;
 *  - the counts (added, updated, unchanged, skipped by reason);
 *  - the generation: bumped once by an import that changed anything.
 */
#include "pw_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_arena.h"
#include "pw_buf.h"
#include "pw_store_backend.h"
#include "store_internal.h"

/* Ids seen in the import under way, with how often: an open-addressing
 * table over an arena, so a repeated id is found without a query and a
 * whole import's ids are released at once. */
struct seen_part {
	uint64_t content; /* the record hash of this part */
	struct seen_part *next;
};

struct seen_slot {
	uint64_t hash;      /* of source and id */
	const char *source; /* interned: shared by the slots of one source */
	const char *id;     /* NULL: empty */
	int parts;          /* distinct contents seen for this id */
	struct seen_part *contents;
};

struct pw_store {
	const struct pw_store_ops *ops;
	void *db;
	/* the import under way */
	bool importing;
	bool reading; /* a read transaction is open */
	char source[64];
	int64_t generation; /* what rows written by this import carry */
	struct pw_import_stats *stats;
	struct seen_slot *seen;
	size_t seen_cap, seen_len;
	const char *seen_source; /* the last source interned in seen_ids */
	struct pw_arena seen_ids;
};

char *pw_store_default_path(void)
{
	const char *env = getenv("PATCHWARDEN_DB");
	if (env && *env)
		return strdup(env);
	if (geteuid() == 0)
		return strdup("/var/lib/patchwarden/patchwarden.db");
	struct pw_buf b = PW_BUF_INIT;
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	pw_err rc;
	if (xdg && *xdg)
		rc = pw_buf_addf(&b, "%s/patchwarden/patchwarden.db", xdg);
	else
		rc = pw_buf_addf(&b, "%s/.local/share/patchwarden/patchwarden.db",
				 home && *home ? home : ".");
	if (rc) {
		pw_buf_free(&b);
		return NULL;
	}
	return pw_buf_detach(&b);
}

pw_err pw_store_open(const char *path, struct pw_store **out, struct pw_error *e)
{
	*out = NULL;
	if (!path || !*path)
		return pw_error_set(e, PW_ERR_USAGE, "no database path given");
	if (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0)
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "%s: this build has no PostgreSQL backend; use an SQLite file path",
				    path);
	struct pw_store *s = calloc(1, sizeof(*s));
	if (!s)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	s->ops = &pw_store_sqlite_ops;
	pw_arena_init(&s->seen_ids);
	pw_err rc = s->ops->open(path, &s->db, e);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return PW_OK;
}

pw_err pw_store_open_existing(const char *path, struct pw_store **out, struct pw_error *e)
{
	struct stat st;
	*out = NULL;
	/* in-memory stores, URIs and other backends: nothing on disk to look for */
	bool is_file = path && *path && strcmp(path, ":memory:") != 0 &&
		       strncmp(path, "file:", 5) != 0 && !strstr(path, "://");
	if (is_file && stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return pw_error_set(e, PW_ERR_NOTFOUND,
					    "no store at %s; run `patchwarden db migrate` or "
					    "`patchwarden feed import` first", path);
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	return pw_store_open(path, out, e);
}

void pw_store_close(struct pw_store *s)
{
	if (!s)
		return;
	if (s->importing)
		pw_store_import_abort(s);
	pw_store_read_end(s);
	s->ops->close(s->db);
	free(s);
}

const struct pw_store_ops *pw_store_ops_of(struct pw_store *s)
{
	return s->ops;
}

void *pw_store_db_of(struct pw_store *s)
{
	return s->db;
}

pw_err pw_store_checkpoint(struct pw_store *s, struct pw_error *e)
{
	return s->ops->checkpoint(s->db, e);
}

pw_err pw_store_backup_path(const char *path, const char *dest, struct pw_error *e)
{
	if (!path || !*path || !dest || !*dest)
		return pw_error_set(e, PW_ERR_USAGE, "no store or no backup destination given");
	if (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0)
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "%s: this build has no PostgreSQL backend", path);
	if (access(path, F_OK) != 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "%s: no such store", path);
	return pw_store_sqlite_ops.backup_path(path, dest, e);
}

const char *pw_store_backend(struct pw_store *s)
{
	return s->ops->name;
}

int pw_store_schema_version(struct pw_store *s)
{
	return s->ops->schema_version(s->db);
}

int64_t pw_store_generation(struct pw_store *s)
{
	int64_t g = 0;
	if (s->ops->generation(s->db, &g, NULL))
		return -1;
	return g;
}

/* ---- record hashing ---- */

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* A field is a tag byte (absent / present) then, when present, its length
 * and bytes: ("ab","c") and ("a","bc") differ, and so do NULL and "". */
static uint64_t fnv_str(uint64_t h, const char *s)
{
	unsigned char tag = s ? 1 : 0;
	h = fnv_bytes(h, &tag, 1);
	if (!s)
		return h;
	uint64_t len = strlen(s);
	unsigned char le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(len >> (8 * i));
	h = fnv_bytes(h, le, 8);
	return fnv_bytes(h, s, (size_t)len);
}

/* Integers are hashed as 8 little-endian bytes whatever the host. */
static uint64_t fnv_i64(uint64_t h, int64_t v)
{
	uint64_t u = (uint64_t)v;
	unsigned char le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(u >> (8 * i));
	return fnv_bytes(h, le, 8);
}

/* A CVSS score has one decimal; hashing it in tenths keeps the hash free of
 * floating-point formatting. Unknown (< 0) is its own value. */
static uint64_t fnv_score(uint64_t h, double v)
{
	return fnv_i64(h, v < 0 ? -1 : (int64_t)(v * 10.0 + 0.5));
}

uint64_t pw_store_record_hash(const struct pw_feed_record *r)
{
	uint64_t h = FNV_OFFSET;
	/* counts first, so moving an entry from one list to another changes it */
	h = fnv_i64(h, (int64_t)r->nvulns);
	h = fnv_i64(h, (int64_t)r->naffected);
	h = fnv_i64(h, (int64_t)r->ncpes);
	for (size_t i = 0; i < r->nvulns; i++) {
		const struct pw_vuln *v = &r->vulns[i];
		h = fnv_str(h, v->id);
		h = fnv_i64(h, (int64_t)v->naliases);
		for (size_t k = 0; k < v->naliases; k++)
			h = fnv_str(h, v->aliases[k]);
		h = fnv_str(h, v->summary);
		h = fnv_i64(h, v->published);
		h = fnv_i64(h, v->modified);
		h = fnv_str(h, v->cvss_vector);
		h = fnv_score(h, v->cvss_score);
		h = fnv_str(h, v->cvss_source);
		h = fnv_str(h, v->severity);
	}
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		h = fnv_str(h, a->vuln_id);
		h = fnv_str(h, a->distro);
		h = fnv_str(h, a->release);
		h = fnv_str(h, a->package);
		h = fnv_i64(h, (int64_t)a->status);
		h = fnv_str(h, a->introduced);
		h = fnv_str(h, a->fixed);
		h = fnv_str(h, a->last_affected);
		h = fnv_str(h, a->exact);
		h = fnv_str(h, a->urgency);
		h = fnv_str(h, a->advisory);
	}
	for (size_t i = 0; i < r->ncpes; i++) {
		const struct pw_cpe_match *c = &r->cpes[i];
		h = fnv_str(h, c->vuln_id);
		h = fnv_str(h, c->criteria);
		h = fnv_str(h, c->version_start_including);
		h = fnv_str(h, c->version_start_excluding);
		h = fnv_str(h, c->version_end_including);
		h = fnv_str(h, c->version_end_excluding);
		h = fnv_i64(h, c->vulnerable);
	}
	return h;
}

/* ---- ids seen in this import ---- */

static void seen_reset(struct pw_store *s)
{
	free(s->seen);
	s->seen = NULL;
	s->seen_cap = s->seen_len = 0;
	s->seen_source = NULL;
	pw_arena_free(&s->seen_ids);
	pw_arena_init(&s->seen_ids);
}

static pw_err seen_grow(struct pw_store *s)
{
	size_t cap = s->seen_cap ? s->seen_cap * 2 : 4096;
	struct seen_slot *t = calloc(cap, sizeof(*t));
	if (!t)
		return PW_ERR_NOMEM;
	for (size_t i = 0; i < s->seen_cap; i++) {
		if (!s->seen[i].id)
			continue;
		size_t j = s->seen[i].hash & (cap - 1);
		while (t[j].id)
			j = (j + 1) & (cap - 1);
		t[j] = s->seen[i];
	}
	free(s->seen);
	s->seen = t;
	s->seen_cap = cap;
	return PW_OK;
}

/* Which part of record `id` content `content` is in this import: a new id
 * is part 0; a repetition with content already seen in this import is that
 * part again (*repeat: nothing to write); one with new content is the next
 * part. */
static pw_err seen_part(struct pw_store *s, const char *source, const char *id, uint64_t content,
			int *part, bool *repeat)
{
	if (s->seen_len * 2 >= s->seen_cap && seen_grow(s))
		return PW_ERR_NOMEM;
	uint64_t h = fnv_str(fnv_str(FNV_OFFSET, source), id);
	size_t j = h & (s->seen_cap - 1);
	struct seen_slot *slot = NULL;
	while (s->seen[j].id) {
		if (s->seen[j].hash == h && strcmp(s->seen[j].id, id) == 0 &&
		    strcmp(s->seen[j].source, source) == 0) {
			slot = &s->seen[j];
			break;
		}
		j = (j + 1) & (s->seen_cap - 1);
	}
	*repeat = false;
	if (slot) {
		int n = slot->parts;
		for (struct seen_part *p = slot->contents; p; p = p->next, n--) {
			if (p->content == content) {
				/* the list is newest first: part numbers count down */
				*part = n - 1;
				*repeat = true;
				return PW_OK;
			}
		}
	} else {
		if (!s->seen_source || strcmp(s->seen_source, source) != 0) {
			if (!(s->seen_source = pw_arena_strdup(&s->seen_ids, source)))
				return PW_ERR_NOMEM;
		}
		char *copy = pw_arena_strdup(&s->seen_ids, id);
		if (!copy)
			return PW_ERR_NOMEM;
		slot = &s->seen[j];
		*slot = (struct seen_slot){ h, s->seen_source, copy, 0, NULL };
		s->seen_len++;
	}
	struct seen_part *p = pw_arena_alloc(&s->seen_ids, sizeof(*p));
	if (!p)
		return PW_ERR_NOMEM;
	p->content = content;
	p->next = slot->contents;
	slot->contents = p;
	*part = slot->parts++;
	return PW_OK;
}

/* ---- the import sink ---- */

int64_t pw_import_stats_newest(const struct pw_import_stats *st, const char *source)
{
	for (size_t i = 0; i < st->ndates; i++)
		if (strcmp(st->dates[i].source, source) == 0)
			return st->dates[i].newest;
	return 0;
}

void pw_import_stats_note_date(struct pw_import_stats *st, const char *source, int64_t t)
{
	if (t <= 0 || strlen(source) >= sizeof(st->dates[0].source))
		return;
	for (size_t i = 0; i < st->ndates; i++) {
		if (strcmp(st->dates[i].source, source) == 0) {
			if (t > st->dates[i].newest)
				st->dates[i].newest = t;
			return;
		}
	}
	if (st->ndates == PW_IMPORT_SOURCES)
		return;
	memcpy(st->dates[st->ndates].source, source, strlen(source) + 1);
	st->dates[st->ndates++].newest = t;
}

static void note_record_dates(struct pw_import_stats *st, const char *source,
			      const struct pw_feed_record *r)
{
	for (size_t i = 0; i < r->nvulns; i++) {
		pw_import_stats_note_date(st, source, r->vulns[i].published);
		pw_import_stats_note_date(st, source, r->vulns[i].modified);
	}
}

static pw_err sink_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	struct pw_store *s = ctx;
	s->stats->read++;
	if (!r->id || !*r->id)
		return pw_error_set(e, PW_ERR_INVALID, "%s: a record without an id", s->source);
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		if (!a->vuln_id || !a->distro || !a->release || !a->package)
			return pw_error_set(e, PW_ERR_INVALID,
					    "%s record %s: affected entry %zu lacks its vulnerability, "
					    "distro, release or package",
					    s->source, r->id, i + 1);
	}
	for (size_t i = 0; i < r->nvulns; i++) {
		if (!r->vulns[i].id)
			return pw_error_set(e, PW_ERR_INVALID, "%s record %s: vulnerability %zu has no id",
					    s->source, r->id, i + 1);
	}
	for (size_t i = 0; i < r->ncpes; i++) {
		if (!r->cpes[i].vuln_id || !r->cpes[i].criteria)
			return pw_error_set(e, PW_ERR_INVALID, "%s record %s: CPE match %zu lacks its "
					    "vulnerability or criteria", s->source, r->id, i + 1);
	}
	/* an importer that names its feed keys its records by it; one that
	 * does not gets the import's */
	const char *source = r->source && *r->source ? r->source : s->source;
	note_record_dates(s->stats, source, r);
	uint64_t hash = pw_store_record_hash(r), stored = 0;
	int part;
	bool found = false, repeat;
	if (seen_part(s, source, r->id, hash, &part, &repeat))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	if (repeat) {
		/* the same content again under the same id: already written */
		s->stats->unchanged++;
		return PW_OK;
	}
	pw_err rc = s->ops->record_hash(s->db, source, r->id, part, &stored, &found, e);
	if (rc)
		return rc;
	if (found && stored == hash) {
		s->stats->unchanged++;
		return PW_OK;
	}
	rc = s->ops->record_put(s->db, source, r, part, hash, s->generation, found, e);
	if (rc)
		return rc;
	/* an id repeated with other content makes the record grow: an update,
	 * never a second "added" */
	if (found || part > 0)
		s->stats->updated++;
	else
		s->stats->added++;
	return PW_OK;
}

static void count_change(struct pw_import_stats *st, enum pw_store_change did)
{
	if (did == PW_STORE_ADDED)
		st->added++;
	else if (did == PW_STORE_UPDATED)
		st->updated++;
	else
		st->unchanged++;
}

static pw_err sink_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	struct pw_store *s = ctx;
	enum pw_store_change did;
	s->stats->read++;
	if (!k->cve || !*k->cve)
		return pw_error_set(e, PW_ERR_INVALID, "%s: a KEV entry without a CVE", s->source);
	pw_err rc = s->ops->kev_put(s->db, k, &did, e);
	if (rc == PW_OK)
		count_change(s->stats, did);
	pw_import_stats_note_date(s->stats, s->source, k->date_added);
	return rc;
}

static pw_err sink_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	struct pw_store *s = ctx;
	enum pw_store_change did;
	s->stats->read++;
	if (!x->cve || !*x->cve)
		return pw_error_set(e, PW_ERR_INVALID, "%s: an EPSS row without a CVE", s->source);
	pw_err rc = s->ops->epss_put(s->db, x, &did, e);
	if (rc == PW_OK)
		count_change(s->stats, did);
	pw_import_stats_note_date(s->stats, s->source, x->score_date);
	return rc;
}

static void sink_skip(void *ctx, const char *reason)
{
	struct pw_store *s = ctx;
	struct pw_import_stats *st = s->stats;
	if (!reason || !*reason)
		reason = "no reason given";
	st->skipped++;
	/* the last slot collects every reason that finds no room */
	size_t named = st->nskips < PW_IMPORT_SKIP_REASONS ? st->nskips : PW_IMPORT_SKIP_REASONS - 1;
	for (size_t i = 0; i < named; i++) {
		if (strncmp(st->skips[i].reason, reason, sizeof(st->skips[i].reason) - 1) == 0) {
			st->skips[i].count++;
			return;
		}
	}
	if (st->nskips < PW_IMPORT_SKIP_REASONS - 1) {
		/* a reason longer than the slot is cut: it is a label, not data */
		size_t n = strlen(reason);
		if (n >= sizeof(st->skips[0].reason))
			n = sizeof(st->skips[0].reason) - 1;
		memcpy(st->skips[st->nskips].reason, reason, n);
		st->skips[st->nskips].reason[n] = '\0';
		st->skips[st->nskips++].count = 1;
		return;
	}
	if (st->nskips == PW_IMPORT_SKIP_REASONS - 1) {
		memcpy(st->skips[st->nskips].reason, "other reasons", sizeof("other reasons"));
		st->skips[st->nskips++].count = 0;
	}
	st->skips[PW_IMPORT_SKIP_REASONS - 1].count++;
}

pw_err pw_store_import_begin(struct pw_store *s, const char *source, struct pw_feed_sink *sink,
			     struct pw_import_stats *stats, struct pw_error *e)
{
	if (s->importing)
		return pw_error_set(e, PW_ERR_USAGE, "an import is already under way");
	if (s->reading)
		return pw_error_set(e, PW_ERR_USAGE, "an import cannot start inside a read transaction");
	if (!source || !*source || strlen(source) >= sizeof(s->source))
		return pw_error_set(e, PW_ERR_USAGE, "an import needs a source name under %zu bytes",
				    sizeof(s->source));
	int64_t g;
	pw_err rc = s->ops->begin(s->db, e);
	if (rc)
		return rc;
	if ((rc = s->ops->generation(s->db, &g, e))) {
		s->ops->rollback(s->db);
		return rc;
	}
	memset(stats, 0, sizeof(*stats));
	memcpy(s->source, source, strlen(source) + 1);
	s->stats = stats;
	s->generation = g + 1;
	s->importing = true;
	seen_reset(s);
	memset(sink, 0, sizeof(*sink));
	sink->ctx = s;
	sink->record = sink_record;
	sink->kev = sink_kev;
	sink->epss = sink_epss;
	sink->skip = sink_skip;
	return PW_OK;
}

pw_err pw_store_import_set_source(struct pw_store *s, const char *source, struct pw_error *e)
{
	if (!s->importing)
		return pw_error_set(e, PW_ERR_USAGE, "no import under way");
	if (!source || !*source || strlen(source) >= sizeof(s->source))
		return pw_error_set(e, PW_ERR_USAGE, "a source name must be 1 to %zu bytes",
				    sizeof(s->source) - 1);
	/* ids seen so far keep their own source in the repeat table */
	memcpy(s->source, source, strlen(source) + 1);
	return PW_OK;
}

pw_err pw_store_import_commit(struct pw_store *s, struct pw_error *e)
{
	if (!s->importing)
		return pw_error_set(e, PW_ERR_USAGE, "no import under way");
	bool changed = s->stats->added || s->stats->updated;
	pw_err rc = s->ops->commit(s->db, changed ? s->generation : 0, e);
	s->importing = false;
	seen_reset(s);
	return rc;
}

void pw_store_import_abort(struct pw_store *s)
{
	if (!s->importing)
		return;
	s->ops->rollback(s->db);
	s->importing = false;
	seen_reset(s);
}

/* ---- feed state ---- */

pw_err pw_store_feed_state_get(struct pw_store *s, const char *feed, struct pw_feed_state *out,
			       bool *found, struct pw_error *e)
{
	return s->ops->feed_state_get(s->db, feed, out, found, e);
}

pw_err pw_store_feed_state_put(struct pw_store *s, const struct pw_feed_state *st,
			       struct pw_error *e)
{
	if (!st->feed || !*st->feed)
		return pw_error_set(e, PW_ERR_USAGE, "a feed state needs the feed's name");
	return s->ops->feed_state_put(s->db, st, e);
}

pw_err pw_store_each_feed_state(struct pw_store *s,
				pw_err (*cb)(void *ctx, const struct pw_feed_state *st), void *ctx,
				struct pw_error *e)
{
	return s->ops->each_feed_state(s->db, cb, ctx, e);
}

/* ---- reading ---- */

pw_err pw_store_read_begin(struct pw_store *s, struct pw_error *e)
{
	if (s->importing || s->reading)
		return pw_error_set(e, PW_ERR_USAGE, "a read transaction cannot start inside an "
				    "import or another read transaction");
	pw_err rc = s->ops->read_begin(s->db, e);
	s->reading = rc == PW_OK;
	return rc;
}

void pw_store_read_end(struct pw_store *s)
{
	if (!s || !s->reading)
		return;
	s->ops->read_end(s->db);
	s->reading = false;
}

pw_err pw_store_each_affected(struct pw_store *s, const char *distro, const char *release,
			      int64_t since,
			      pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
			      struct pw_error *e)
{
	return s->ops->each_affected(s->db, distro, release, since, cb, ctx, e);
}

pw_err pw_store_each_affected_of(struct pw_store *s, const char *distro, const char *release,
				 const char *const *packages, size_t npackages,
				 pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
				 struct pw_error *e)
{
	pw_err rc = PW_OK;
	for (size_t i = 0; rc == PW_OK && i < npackages; i++)
		rc = s->ops->each_affected_of(s->db, distro, release, packages[i], cb, ctx, e);
	return rc;
}

pw_err pw_store_has_affected(struct pw_store *s, const char *distro, const char *release,
			     bool *found, struct pw_error *e)
{
	return s->ops->has_affected(s->db, distro, release, found, e);
}

pw_err pw_store_get_vuln(struct pw_store *s, const char *id, struct pw_vuln *out, bool *found,
			 struct pw_error *e)
{
	return s->ops->get_vuln(s->db, id, out, found, e);
}

pw_err pw_store_get_kev(struct pw_store *s, const char *cve, struct pw_kev *out, bool *found,
			struct pw_error *e)
{
	return s->ops->get_kev(s->db, cve, out, found, e);
}

pw_err pw_store_get_epss(struct pw_store *s, const char *cve, struct pw_epss *out, bool *found,
			 struct pw_error *e)
{
	return s->ops->get_epss(s->db, cve, out, found, e);
}

pw_err pw_store_each_cpe_match(struct pw_store *s,
			       pw_err (*cb)(void *ctx, const struct pw_cpe_match *m), void *ctx,
			       struct pw_error *e)
{
	return s->ops->each_cpe_match(s->db, cb, ctx, e);
}

int64_t pw_store_count(struct pw_store *s, const char *what)
{
	return s->ops->count(s->db, what);
}

int64_t pw_store_count_source(struct pw_store *s, const char *source)
{
	return s->ops->count_source(s->db, source);
}
