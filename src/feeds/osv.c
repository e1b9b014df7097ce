/* osv.c - OSV records (https://ossf.github.io/osv-schema/) for the
 * distribution ecosystems: Debian, Ubuntu, AlmaLinux, Rocky Linux, Red Hat,
 * Alpine. Other ecosystems are skipped with a reason.
 *
 * Findings are per CVE (KEV and EPSS speak of CVEs), while the record is
 * the advisory that fixes them. So a record that names CVEs (its id, or in
 * aliases, related or upstream — Ubuntu's "UBUNTU-CVE-x" counts as "CVE-x")
 * becomes one vulnerability per CVE carrying the record id as an alias and
 * as the advisory of each affected entry. A record without any CVE is kept
 * under its own id when it is a security advisory (ALSA, RLSA, RHSA, USN,
 * DSA, DLA); bug-fix and enhancement advisories (ALBA, ALEA, ...) are not
 * vulnerabilities and are skipped with a reason.
 *
 * Ranges of type ECOSYSTEM are walked in event order: each
 * introduced..fixed pair is a FIXED entry, introduced..last_affected a
 * VULNERABLE one with its upper bound, and an introduced with nothing after
 * it is VULNERABLE with no fix. "introduced": "0" means from the beginning.
 * Explicit "versions" lists are used only for a package that has no
 * ECOSYSTEM range (they repeat the range otherwise). CVSS vectors are kept;
 * base scores come from NVD.
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_clock.h"
#include "pw_distro.h"

struct osv_builder {
	struct pw_arena arena;
	const char **cves;
	size_t ncves, cap_cves;
	struct pw_affected *aff;
	size_t naff, cap_aff;
};

static bool grow(void **items, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*items, ncap * size);
	if (!p)
		return false;
	*items = p;
	*cap = ncap;
	return true;
}

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static pw_err add_cve(struct osv_builder *b, const char *id, struct pw_error *e)
{
	if (!id)
		return PW_OK;
	if (strncmp(id, "UBUNTU-CVE-", 11) == 0)
		id += 7;
	if (strncmp(id, "CVE-", 4) != 0)
		return PW_OK;
	for (size_t i = 0; i < b->ncves; i++) {
		if (strcmp(b->cves[i], id) == 0)
			return PW_OK;
	}
	if (!grow((void **)&b->cves, b->ncves, &b->cap_cves, sizeof(*b->cves)))
		return nomem(e);
	b->cves[b->ncves++] = id;
	return PW_OK;
}

static pw_err add_ids(struct osv_builder *b, const json_t *arr, struct pw_error *e)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		pw_err rc = add_cve(b, json_string_value(v), e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

static pw_err add_entry(struct osv_builder *b, const struct pw_distro_release *dr, const char *pkg,
			enum pw_affect_status status, const char *introduced, const char *fixed,
			const char *last, const char *exact, struct pw_error *e)
{
	if (!grow((void **)&b->aff, b->naff, &b->cap_aff, sizeof(*b->aff)))
		return nomem(e);
	struct pw_affected *a = &b->aff[b->naff++];
	memset(a, 0, sizeof(*a));
	a->distro = pw_arena_strdup(&b->arena, dr->distro);
	a->release = pw_arena_strdup(&b->arena, dr->release);
	a->package = pkg;
	a->status = status;
	a->introduced = introduced && strcmp(introduced, "0") != 0 ? introduced : NULL;
	a->fixed = fixed;
	a->last_affected = last;
	a->exact = exact;
	return a->distro && a->release ? PW_OK : nomem(e);
}

/* One affected[] element: its ECOSYSTEM ranges, else its versions. */
static pw_err add_affected(struct osv_builder *b, const json_t *aff, const char *name,
			   const struct pw_feed_sink *sink, struct pw_error *e)
{
	const json_t *package = json_object_get(aff, "package");
	const char *eco = json_string_value(json_object_get(package, "ecosystem"));
	const char *pkg = json_string_value(json_object_get(package, "name"));
	struct pw_distro_release dr;
	if (!eco || !pkg) {
		if (sink->skip)
			sink->skip(sink->ctx, "affected entry without package ecosystem and name");
		return PW_OK;
	}
	if (!pw_distro_from_osv_ecosystem(eco, &dr)) {
		if (sink->skip)
			sink->skip(sink->ctx, "ecosystem not assessed (not a supported distribution)");
		return PW_OK;
	}
	bool had_range = false;
	size_t i;
	const json_t *range;
	json_array_foreach(json_object_get(aff, "ranges"), i, range) {
		const char *type = json_string_value(json_object_get(range, "type"));
		if (!type || strcmp(type, "ECOSYSTEM") != 0)
			continue;
		had_range = true;
		const char *introduced = NULL;
		bool open = false;
		size_t k;
		const json_t *ev;
		json_array_foreach(json_object_get(range, "events"), k, ev) {
			const char *v;
			pw_err rc = PW_OK;
			if ((v = json_string_value(json_object_get(ev, "introduced")))) {
				if (open)
					rc = add_entry(b, &dr, pkg, PW_AFFECT_VULNERABLE, introduced, NULL,
						       NULL, NULL, e);
				introduced = v;
				open = true;
			} else if ((v = json_string_value(json_object_get(ev, "fixed")))) {
				if (pw_version_validate(dr.scheme, v, NULL)) {
					if (sink->skip)
						sink->skip(sink->ctx, "invalid fixed version");
				} else {
					rc = add_entry(b, &dr, pkg, PW_AFFECT_FIXED, introduced, v, NULL,
						       NULL, e);
				}
				open = false;
			} else if ((v = json_string_value(json_object_get(ev, "last_affected")))) {
				rc = add_entry(b, &dr, pkg, PW_AFFECT_VULNERABLE, introduced, NULL, v,
					       NULL, e);
				open = false;
			}
			if (rc)
				return rc;
		}
		if (open) {
			pw_err rc = add_entry(b, &dr, pkg, PW_AFFECT_VULNERABLE, introduced, NULL,
					      NULL, NULL, e);
			if (rc)
				return rc;
		}
	}
	if (had_range)
		return PW_OK;
	const json_t *ver;
	json_array_foreach(json_object_get(aff, "versions"), i, ver) {
		const char *v = json_string_value(ver);
		if (!v)
			continue;
		pw_err rc = add_entry(b, &dr, pkg, PW_AFFECT_VULNERABLE, NULL, NULL, NULL, v, e);
		if (rc)
			return rc;
	}
	(void)name;
	return PW_OK;
}

static bool security_advisory_id(const char *id)
{
	static const char *const prefixes[] = { "ALSA-", "RLSA-", "RHSA-", "USN-", "DSA-", "DLA-" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (strncmp(id, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	}
	return false;
}

static int64_t when(const json_t *rec, const char *key)
{
	int64_t t = 0;
	const char *s = json_string_value(json_object_get(rec, key));
	return s && pw_clock_parse(s, &t) == 0 ? t : 0;
}

static const char *cvss_vector(const json_t *rec)
{
	size_t i;
	const json_t *sev;
	const char *best = NULL;
	json_array_foreach(json_object_get(rec, "severity"), i, sev) {
		const char *type = json_string_value(json_object_get(sev, "type"));
		const char *score = json_string_value(json_object_get(sev, "score"));
		if (type && score && strncmp(score, "CVSS:", 5) == 0 &&
		    (!best || strcmp(type, "CVSS_V4") == 0))
			best = score;
	}
	return best;
}

static pw_err parse_record(const json_t *rec, const char *name, const struct pw_feed_sink *sink,
			   struct osv_builder *b, struct pw_error *e)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	if (!id || !json_is_array(json_object_get(rec, "affected"))) {
		if (sink->skip)
			sink->skip(sink->ctx, "record without id or affected[]");
		return PW_OK;
	}
	if (json_object_get(rec, "withdrawn")) {
		if (sink->skip)
			sink->skip(sink->ctx, "withdrawn record");
		return PW_OK;
	}
	pw_err rc;
	b->ncves = b->naff = 0;
	if ((rc = add_cve(b, id, e)) || (rc = add_ids(b, json_object_get(rec, "aliases"), e)) ||
	    (rc = add_ids(b, json_object_get(rec, "related"), e)) ||
	    (rc = add_ids(b, json_object_get(rec, "upstream"), e)))
		return rc;
	if (b->ncves == 0 && !security_advisory_id(id)) {
		if (sink->skip)
			sink->skip(sink->ctx, "not a security advisory (no CVE)");
		return PW_OK;
	}
	size_t i;
	const json_t *aff;
	json_array_foreach(json_object_get(rec, "affected"), i, aff) {
		if ((rc = add_affected(b, aff, name, sink, e)))
			return rc;
	}
	if (b->naff == 0) {
		if (sink->skip)
			sink->skip(sink->ctx, "no distribution package affected");
		return PW_OK;
	}
	/* one vulnerability per CVE (or the advisory itself), each with every entry */
	bool self = b->ncves == 0;
	size_t nv = self ? 1 : b->ncves;
	bool id_is_cve = strncmp(id, "CVE-", 4) == 0;
	struct pw_vuln *vulns = pw_arena_alloc(&b->arena, nv * sizeof(*vulns));
	struct pw_affected *all = pw_arena_alloc(&b->arena, nv * b->naff * sizeof(*all));
	const char **alias = pw_arena_alloc(&b->arena, sizeof(*alias));
	if (!vulns || !all || !alias)
		return nomem(e);
	alias[0] = id;
	const char *summary = json_string_value(json_object_get(rec, "summary"));
	if (!summary)
		summary = json_string_value(json_object_get(rec, "details"));
	for (size_t v = 0; v < nv; v++) {
		struct pw_vuln *x = &vulns[v];
		memset(x, 0, sizeof(*x));
		x->id = self ? id : b->cves[v];
		x->aliases = self || (id_is_cve && strcmp(x->id, id) == 0) ? NULL : alias;
		x->naliases = x->aliases ? 1 : 0;
		x->summary = summary;
		x->published = when(rec, "published");
		x->modified = when(rec, "modified");
		x->cvss_vector = cvss_vector(rec);
		x->cvss_score = -1;
		x->cvss_source = x->cvss_vector ? "osv" : NULL;
		for (size_t k = 0; k < b->naff; k++) {
			struct pw_affected *a = &all[v * b->naff + k];
			*a = b->aff[k];
			a->vuln_id = x->id;
			a->advisory = id_is_cve ? NULL : id;
		}
	}
	struct pw_feed_record r = { .id = id, .vulns = vulns, .nvulns = nv, .affected = all,
				    .naffected = nv * b->naff };
	return sink->record(sink->ctx, &r, e);
}

pw_err pw_feed_parse_osv(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr, data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	struct osv_builder b;
	memset(&b, 0, sizeof(b));
	pw_arena_init(&b.arena);
	pw_err rc = PW_OK;
	if (json_is_array(doc)) { /* a list of records */
		size_t i;
		const json_t *rec;
		json_array_foreach(doc, i, rec) {
			if ((rc = parse_record(rec, name, sink, &b, e)))
				break;
			pw_arena_free(&b.arena);
			pw_arena_init(&b.arena);
		}
	} else if (json_is_object(doc)) {
		rc = parse_record(doc, name, sink, &b, e);
	} else {
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: an OSV record must be a JSON object", name);
	}
	pw_arena_free(&b.arena);
	free(b.cves);
	free(b.aff);
	json_decref(doc);
	return rc;
}
