/* osv.c - OSV records (https://ossf.github.io/osv-schema/) for the
 * distribution ecosystems pw_distro_from_osv_ecosystem() knows: Debian,
 * Ubuntu, AlmaLinux, Rocky Linux, Red Hat, Alpine. A file holds one record
 * (or a JSON array of them); a directory or an all.zip is many files, which
 * feed.c hands here one at a time.
 *
 * Which vulnerability a record is. Findings are per CVE (KEV and EPSS speak
 * of CVEs), while a distribution advisory (ALSA-2024:1234, USN-5614-1) is
 * what fixes them. So:
 *  - a record whose id is a CVE, or a distribution's copy of one
 *    ("UBUNTU-CVE-2021-3782", "DEBIAN-CVE-..."), is that one CVE; its
 *    "related" and "upstream" ids are other vulnerabilities, not this one;
 *  - any other record (an advisory) is one vulnerability per CVE it names in
 *    "aliases", "related" or "upstream" (AlmaLinux lists them in "related",
 *    Ubuntu's USN in "upstream" as UBUNTU-CVE-x), each carrying the record
 *    id as an alias and as the `advisory` of its affected entries;
 *  - an advisory naming no CVE is kept under its own id when its prefix
 *    says security advisory (ALSA, RLSA, RXSA, RHSA, USN, DSA, DLA), or
 *    bug-fix or enhancement erratum of the RHEL family (ALBA, ALEA, RLBA,
 *    RHEA, ...: pw_advisory_class): those fix no vulnerability, and the
 *    matcher makes them findings of kind update with their class, never
 *    vulnerabilities; any other is skipped: "not a security advisory (no
 *    CVE)".
 * A vulnerability's aliases are the record id and the record's non-CVE
 * "aliases"; "related" and "upstream" are never aliases (they name other
 * vulnerabilities or the advisory's subject).
 *
 * Which versions are affected. Each ECOSYSTEM range's events are sorted by
 * version (the OSV evaluation rule; "introduced": "0" first) and walked:
 * introduced..fixed is a FIXED entry, introduced..last_affected a
 * VULNERABLE one with that upper bound, an introduced left open (or closed
 * only by a "limit", which this model cannot express) is VULNERABLE with no
 * fix — reporting a no-fix finding is the safe side. A second introduced
 * inside an open interval does not restart it; a fixed outside any interval
 * is ignored, except in a range that has no introduced at all, where it is
 * read as "from the beginning" (again the safe side). "introduced": "0"
 * becomes NULL. An explicit "versions" list is used only for an affected[]
 * element without any ECOSYSTEM range: for distributions it repeats the
 * range's versions, and using both would double every finding.
 *
 * Errors and skips. Input that is not OSV (not JSON, no id, a field of the
 * wrong JSON type where matching depends on it) is PW_ERR_PARSE naming the
 * input, the record and the JSON path ("affected[2].ranges[0].events[1]"):
 * dropping it silently could hide a vulnerability. A well-formed record
 * the assessment cannot use (another ecosystem, withdrawn, no CVE, no
 * usable entry) is skipped once with a groupable reason. An entry whose
 * version the distribution's scheme rejects is dropped and counted with
 * the skip reason "affected entry with an invalid version" (the rest of
 * the record is still used). Timestamps that do not parse are unknown (0):
 * nothing is matched on them.
 *
 * Scores. A CVSS v3.x vector's base score is computed here (CVSS v3.1
 * specification, section 7); a CVSS v4 vector is kept unscored (its score
 * comes from NVD). A vendor severity word comes from a non-CVSS severity
 * entry (Ubuntu's "medium"), database_specific.severity, or the RHEL
 * family's summary prefix ("Important: gupnp security update").
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_clock.h"
#include "pw_distro.h"

/* A record expands to (vulnerabilities x affected entries); past this the
 * input is hostile, not a feed (the largest real kernel advisories are a
 * few tens of thousands). */
#define OSV_MAX_ENTRIES ((size_t)1 << 20)

/* ---- CVSS v3.x base score ----
 * Kept here, static, until a core module (pw_cvss.h) is listed in the
 * build; then NVD and the matcher can share it. */

/* CVSS v3.1 Roundup (Appendix A): the smallest one-decimal number >= x,
 * computed on integers so that 4.000000000000001 gives 4.0, not 4.1. */
static double cvss_roundup(double x)
{
	long long i = (long long)(x * 100000.0 + 0.5); /* x >= 0: rounds to nearest */
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

/* Base score of a "CVSS:3.0/..." or "CVSS:3.1/..." vector, or -1 when it is
 * not one (unknown or repeated metric, a base metric missing). Temporal and
 * environmental metrics may follow; they do not change the base score. */
static double cvss3_base_score(const char *vector)
{
	if (!vector || (strncmp(vector, "CVSS:3.0/", 9) != 0 && strncmp(vector, "CVSS:3.1/", 9) != 0))
		return -1;
	/* the base metrics, in any order, and the letters each may take */
	static const char *const names[8] = { "AV", "AC", "PR", "UI", "S", "C", "I", "A" };
	static const char *const allowed[8] = { "NALP", "LH", "NLH", "NR", "UC", "HLN", "HLN", "HLN" };
	/* temporal and environmental metrics: accepted, ignored */
	static const char *const others[] = { "E",  "RL",  "RC",  "CR",  "IR",  "AR",  "MAV", "MAC",
					      "MPR", "MUI", "MS", "MC",  "MI",  "MA" };
	char val[8] = { 0 };
	const char *p = vector + 9;
	for (;;) {
		size_t len = strcspn(p, "/");
		struct pw_blob key, value;
		if (!pw_blob_split(pw_blob(p, len), ':', &key, &value) || key.len == 0 || value.len == 0)
			return -1;
		int m = 0;
		while (m < 8 && !pw_blob_eq_cstr(key, names[m]))
			m++;
		if (m < 8) {
			if (value.len != 1 || val[m] || !strchr(allowed[m], value.ptr[0]))
				return -1;
			val[m] = value.ptr[0];
		} else {
			size_t k = 0;
			while (k < sizeof(others) / sizeof(others[0]) && !pw_blob_eq_cstr(key, others[k]))
				k++;
			if (k == sizeof(others) / sizeof(others[0]) || value.len != 1)
				return -1;
		}
		p += len;
		if (!*p)
			break;
		p++; /* the '/' */
	}
	for (int m = 0; m < 8; m++) {
		if (!val[m])
			return -1;
	}
	bool changed = val[4] == 'C';
	double av = val[0] == 'N' ? 0.85 : val[0] == 'A' ? 0.62 : val[0] == 'L' ? 0.55 : 0.2;
	double ac = val[1] == 'L' ? 0.77 : 0.44;
	double pr = val[2] == 'N' ? 0.85 : val[2] == 'L' ? (changed ? 0.68 : 0.62) : (changed ? 0.5 : 0.27);
	double ui = val[3] == 'N' ? 0.85 : 0.62;
	double cia[3];
	for (int m = 0; m < 3; m++)
		cia[m] = val[5 + m] == 'H' ? 0.56 : val[5 + m] == 'L' ? 0.22 : 0;
	double iss = 1 - (1 - cia[0]) * (1 - cia[1]) * (1 - cia[2]);
	double p15 = 1; /* (iss - 0.02)^15, without libm */
	for (int k = 0; k < 15; k++)
		p15 *= iss - 0.02;
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * p15 : 6.42 * iss;
	double expl = 8.22 * av * ac * pr * ui;
	if (impact <= 0)
		return 0;
	double s = changed ? 1.08 * (impact + expl) : impact + expl;
	return cvss_roundup(s < 10 ? s : 10);
}

/* ---- the record builder ---- */

struct osv_event {
	const char *kind; /* "introduced", "fixed", "last_affected", "limit" */
	const char *version;
	size_t index;     /* position in the input: ties keep input order */
	enum pw_scheme scheme;
};

struct osv {
	const char *name;            /* the input, for messages */
	const struct pw_feed_sink *sink;
	struct pw_error *e;
	char where[32];              /* "[3]" when the input is an array of records */
	const char *id;              /* the record being read */
	struct pw_arena arena;       /* per record */
	const char **cves;
	size_t ncves, cap_cves;
	struct pw_affected *aff;
	size_t naff, cap_aff;
	struct osv_event *evs;
	size_t cap_evs;
	const char *skip_reason;     /* why entries were not usable, for an empty record */
	bool invalid_version;        /* an entry was dropped for its version */
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

static pw_err nomem(struct osv *o)
{
	return pw_error_set(o->e, PW_ERR_NOMEM, "out of memory");
}

/* PW_ERR_PARSE naming the input, the record and the JSON path. */
static pw_err bad(struct osv *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static pw_err bad(struct osv *o, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0)
		what[0] = '\0';
	if (o->id)
		return pw_error_set(o->e, PW_ERR_PARSE, "%s%s: record %.64s: %s", o->name, o->where,
				    o->id, what);
	return pw_error_set(o->e, PW_ERR_PARSE, "%s%s: %s", o->name, o->where, what);
}

static void skip(struct osv *o, const char *reason)
{
	if (o->sink->skip)
		o->sink->skip(o->sink->ctx, reason);
}

/* "CVE-2021-3782" for "CVE-2021-3782" and for a distribution's copy of it
 * ("UBUNTU-CVE-2021-3782", "DEBIAN-CVE-2021-3782"); NULL otherwise. */
static const char *cve_of(const char *id)
{
	if (strncmp(id, "CVE-", 4) == 0)
		return id;
	const char *p = id;
	while (*p >= 'A' && *p <= 'Z')
		p++;
	if (p > id && strncmp(p, "-CVE-", 5) == 0)
		return p + 1;
	return NULL;
}

/* A string array, or absent; anything else is malformed. */
static pw_err string_array(struct osv *o, const json_t *rec, const char *key, const json_t **out)
{
	const json_t *arr = json_object_get(rec, key);
	*out = NULL;
	if (!arr || json_is_null(arr))
		return PW_OK;
	if (!json_is_array(arr))
		return bad(o, "%s: not an array", key);
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return bad(o, "%s[%zu]: not a string", key, i);
	}
	*out = arr;
	return PW_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static pw_err add_cves(struct osv *o, const json_t *arr)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		const char *cve = cve_of(json_string_value(v));
		if (!cve)
			continue;
		if (!grow((void **)&o->cves, o->ncves, &o->cap_cves, sizeof(*o->cves)))
			return nomem(o);
		o->cves[o->ncves++] = cve;
	}
	return PW_OK;
}

/* Sorted, each once: a record names its CVEs in several lists. */
static void unique_cves(struct osv *o)
{
	if (o->ncves < 2)
		return;
	qsort(o->cves, o->ncves, sizeof(*o->cves), cmp_str);
	size_t n = 1;
	for (size_t i = 1; i < o->ncves; i++) {
		if (strcmp(o->cves[i], o->cves[n - 1]) != 0)
			o->cves[n++] = o->cves[i];
	}
	o->ncves = n;
}

static pw_err add_entry(struct osv *o, const struct pw_distro_release *dr, const char *distro,
			const char *release, const char *pkg, enum pw_affect_status status,
			const char *introduced, const char *fixed, const char *last, const char *exact,
			const char *urgency)
{
	/* a version the scheme rejects cannot be compared: drop the entry */
	const char *vs[4] = { introduced, fixed, last, exact };
	for (int i = 0; i < 4; i++) {
		if (vs[i] && pw_version_validate(dr->scheme, vs[i], NULL) != PW_OK) {
			o->invalid_version = true;
			return PW_OK;
		}
	}
	if (o->naff >= OSV_MAX_ENTRIES)
		return pw_error_set(o->e, PW_ERR_LIMIT, "%s%s: record %.64s: more than %zu affected entries",
				    o->name, o->where, o->id, OSV_MAX_ENTRIES);
	if (!grow((void **)&o->aff, o->naff, &o->cap_aff, sizeof(*o->aff)))
		return nomem(o);
	struct pw_affected *a = &o->aff[o->naff++];
	*a = (struct pw_affected){
		.distro = distro,
		.release = release,
		.package = pkg,
		.status = status,
		.introduced = introduced,
		.fixed = fixed,
		.last_affected = last,
		.exact = exact,
		.urgency = urgency,
	};
	return PW_OK;
}

static int cmp_event(const void *pa, const void *pb)
{
	const struct osv_event *a = pa, *b = pb;
	/* "introduced": "0" is below every version */
	bool za = strcmp(a->version, "0") == 0 && a->kind[0] == 'i';
	bool zb = strcmp(b->version, "0") == 0 && b->kind[0] == 'i';
	int c = zb - za;
	if (c == 0 && !za)
		c = pw_version_cmp(a->scheme, a->version, b->version);
	if (c == 0)
		c = a->index < b->index ? -1 : a->index > b->index;
	return c;
}

/* One ECOSYSTEM range: sort its events, walk them into entries. */
static pw_err add_range(struct osv *o, const json_t *range, size_t ai, size_t ri,
			const struct pw_distro_release *dr, const char *distro, const char *release,
			const char *pkg, const char *urgency)
{
	static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
	const json_t *events = json_object_get(range, "events");
	if (!json_is_array(events))
		return bad(o, "affected[%zu].ranges[%zu].events: missing or not an array", ai, ri);
	size_t n = 0, k;
	const json_t *ev;
	json_array_foreach(events, k, ev) {
		if (!json_is_object(ev))
			return bad(o, "affected[%zu].ranges[%zu].events[%zu]: not an object", ai, ri, k);
		const char *kind = NULL, *version = NULL;
		for (size_t x = 0; x < 4 && !kind; x++) {
			const json_t *v = json_object_get(ev, kinds[x]);
			if (!v)
				continue;
			if (!json_is_string(v) || !*json_string_value(v))
				return bad(o, "affected[%zu].ranges[%zu].events[%zu].%s: not a version string",
					   ai, ri, k, kinds[x]);
			kind = kinds[x];
			version = json_string_value(v);
		}
		if (!kind)
			return bad(o, "affected[%zu].ranges[%zu].events[%zu]: none of introduced, fixed, "
				   "last_affected, limit", ai, ri, k);
		if (!grow((void **)&o->evs, n, &o->cap_evs, sizeof(*o->evs)))
			return nomem(o);
		o->evs[n++] = (struct osv_event){ kind, version, k, dr->scheme };
	}
	qsort(o->evs, n, sizeof(*o->evs), cmp_event);

	bool open = false, seen_introduced = false;
	const char *start = NULL;
	pw_err rc = PW_OK;
	for (size_t i = 0; i < n && rc == PW_OK; i++) {
		const struct osv_event *x = &o->evs[i];
		switch (x->kind[0]) {
		case 'i':
			if (!open)
				start = strcmp(x->version, "0") == 0 ? NULL : x->version;
			open = seen_introduced = true;
			break;
		case 'f':
			if (open || !seen_introduced)
				rc = add_entry(o, dr, distro, release, pkg, PW_AFFECT_FIXED,
					       open ? start : NULL, x->version, NULL, NULL, urgency);
			open = false;
			seen_introduced = true;
			break;
		case 'l':
			if (x->kind[1] == 'a') { /* last_affected */
				if (open || !seen_introduced)
					rc = add_entry(o, dr, distro, release, pkg, PW_AFFECT_VULNERABLE,
						       open ? start : NULL, NULL, x->version, NULL, urgency);
			} else if (open) { /* limit */
				rc = add_entry(o, dr, distro, release, pkg, PW_AFFECT_VULNERABLE, start,
					       NULL, NULL, NULL, urgency);
			}
			open = false;
			seen_introduced = true;
			break;
		}
	}
	if (rc == PW_OK && open)
		rc = add_entry(o, dr, distro, release, pkg, PW_AFFECT_VULNERABLE, start, NULL, NULL,
			       NULL, urgency);
	return rc;
}

/* A short vendor word ("Important", "medium"), or NULL. */
static const char *severity_word(const char *s)
{
	if (!s || !*s || strlen(s) > 24)
		return NULL;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == ' '))
			return NULL;
	}
	return s;
}

static const char *object_string(const json_t *o, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(o, obj), key));
}

/* One affected[] element. */
static pw_err add_affected(struct osv *o, const json_t *aff, size_t ai, const char *record_urgency)
{
	if (!json_is_object(aff))
		return bad(o, "affected[%zu]: not an object", ai);
	const json_t *package = json_object_get(aff, "package");
	if (!package) {
		o->skip_reason = "affected entry without a package";
		return PW_OK;
	}
	const json_t *jeco = json_object_get(package, "ecosystem");
	const json_t *jname = json_object_get(package, "name");
	if (!json_is_object(package) || !json_is_string(jeco) || !json_is_string(jname) ||
	    !*json_string_value(jname))
		return bad(o, "affected[%zu].package: needs string ecosystem and name", ai);
	const char *eco = json_string_value(jeco), *pkg = json_string_value(jname);
	struct pw_distro_release dr;
	if (!pw_distro_from_osv_ecosystem(eco, &dr)) {
		if (!o->skip_reason) {
			char reason[96];
			/* the ecosystem's name without its release keeps reasons groupable */
			int n = snprintf(reason, sizeof(reason), "ecosystem %.*s not assessed",
					 (int)(strcspn(eco, ":") > 40 ? 40 : strcspn(eco, ":")), eco);
			o->skip_reason = n > 0 ? pw_arena_strdup(&o->arena, reason) : "ecosystem not assessed";
			if (!o->skip_reason)
				return nomem(o);
		}
		return PW_OK;
	}
	const char *distro = pw_arena_strdup(&o->arena, dr.distro);
	const char *release = pw_arena_strdup(&o->arena, dr.release);
	if (!distro || !release)
		return nomem(o);
	const char *urgency = severity_word(object_string(aff, "ecosystem_specific", "urgency"));
	if (!urgency)
		urgency = severity_word(object_string(aff, "ecosystem_specific", "severity"));
	if (!urgency)
		urgency = severity_word(object_string(aff, "database_specific", "severity"));
	if (!urgency)
		urgency = record_urgency;

	const json_t *ranges = json_object_get(aff, "ranges");
	if (ranges && !json_is_array(ranges))
		return bad(o, "affected[%zu].ranges: not an array", ai);
	bool had_range = false;
	size_t ri;
	const json_t *range;
	json_array_foreach(ranges, ri, range) {
		const json_t *type = json_object_get(range, "type");
		if (!json_is_object(range) || !json_is_string(type))
			return bad(o, "affected[%zu].ranges[%zu]: not an object with a string type", ai, ri);
		if (strcmp(json_string_value(type), "ECOSYSTEM") != 0)
			continue; /* GIT and SEMVER ranges do not describe distribution packages */
		had_range = true;
		pw_err rc = add_range(o, range, ai, ri, &dr, distro, release, pkg, urgency);
		if (rc)
			return rc;
	}
	const json_t *versions = json_object_get(aff, "versions");
	if (versions && !json_is_array(versions))
		return bad(o, "affected[%zu].versions: not an array", ai);
	size_t vi;
	const json_t *ver;
	json_array_foreach(versions, vi, ver) {
		if (!json_is_string(ver))
			return bad(o, "affected[%zu].versions[%zu]: not a string", ai, vi);
		if (had_range)
			continue;
		pw_err rc = add_entry(o, &dr, distro, release, pkg, PW_AFFECT_VULNERABLE, NULL, NULL,
				      NULL, json_string_value(ver), urgency);
		if (rc)
			return rc;
	}
	if (!had_range && json_array_size(versions) == 0 && !o->skip_reason)
		o->skip_reason = "affected entry without an ECOSYSTEM range or versions";
	return PW_OK;
}

static bool security_advisory_id(const char *id)
{
	static const char *const prefixes[] = { "ALSA-", "RLSA-", "RXSA-", "RHSA-", "USN-", "DSA-", "DLA-" };
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

struct osv_scores {
	const char *vector;
	double score;
	const char *word;
};

/* The record's CVSS vector (a scoreable v3.x first, else v4) and vendor word. */
static pw_err scores(struct osv *o, const json_t *rec, const char *id, struct osv_scores *s)
{
	*s = (struct osv_scores){ NULL, -1, NULL };
	const json_t *sev = json_object_get(rec, "severity");
	if (sev && !json_is_array(sev))
		return bad(o, "severity: not an array");
	size_t i;
	const json_t *x;
	json_array_foreach(sev, i, x) {
		const char *type = json_string_value(json_object_get(x, "type"));
		const char *score = json_string_value(json_object_get(x, "score"));
		if (!type || !score)
			return bad(o, "severity[%zu]: needs string type and score", i);
		if (strcmp(type, "CVSS_V3") == 0) {
			double v = cvss3_base_score(score);
			if (v >= 0 && s->score < 0) {
				s->vector = score;
				s->score = v;
			}
		} else if (strcmp(type, "CVSS_V4") == 0) {
			if (!s->vector && strncmp(score, "CVSS:4.0/", 9) == 0)
				s->vector = score;
		} else if (strncmp(type, "CVSS_", 5) != 0 && !s->word) {
			s->word = severity_word(score); /* "Ubuntu": "medium" */
		}
	}
	if (!s->word)
		s->word = severity_word(object_string(rec, "database_specific", "severity"));
	if (!s->word && (strncmp(id, "ALSA-", 5) == 0 || strncmp(id, "RLSA-", 5) == 0 ||
			 strncmp(id, "RHSA-", 5) == 0)) {
		/* "Important: gupnp security update" */
		const char *summary = json_string_value(json_object_get(rec, "summary"));
		static const char *const words[] = { "Critical", "Important", "Moderate", "Low" };
		for (size_t w = 0; summary && w < 4; w++) {
			size_t n = strlen(words[w]);
			if (strncmp(summary, words[w], n) == 0 && summary[n] == ':')
				s->word = words[w];
		}
	}
	return PW_OK;
}

/* "osv:AlmaLinux": the first affected ecosystem's name. */
static const char *score_source(struct osv *o, const json_t *affected)
{
	const char *eco = object_string(json_array_get(affected, 0), "package", "ecosystem");
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "osv:%.*s", eco ? (int)strcspn(eco, ":") : 0, eco ? eco : "");
	if (n < 0 || (size_t)n >= sizeof(buf) || !eco)
		return "osv";
	const char *s = pw_arena_strdup(&o->arena, buf);
	return s ? s : "osv";
}

static pw_err parse_record(struct osv *o, const json_t *rec)
{
	o->id = NULL;
	o->ncves = o->naff = 0;
	o->skip_reason = NULL;
	o->invalid_version = false;
	if (!json_is_object(rec))
		return bad(o, "an OSV record must be a JSON object");
	const json_t *jid = json_object_get(rec, "id");
	if (!json_is_string(jid) || !*json_string_value(jid))
		return bad(o, "id: missing or not a string (not an OSV record)");
	const char *id = o->id = json_string_value(jid);
	const json_t *affected = json_object_get(rec, "affected");
	if (affected && !json_is_array(affected) && !json_is_null(affected))
		return bad(o, "affected: not an array");
	const json_t *aliases, *related, *upstream;
	pw_err rc;
	if ((rc = string_array(o, rec, "aliases", &aliases)) ||
	    (rc = string_array(o, rec, "related", &related)) ||
	    (rc = string_array(o, rec, "upstream", &upstream)))
		return rc;
	struct osv_scores sc;
	if ((rc = scores(o, rec, id, &sc)))
		return rc;
	const json_t *withdrawn = json_object_get(rec, "withdrawn");
	if (withdrawn && !json_is_null(withdrawn)) {
		skip(o, "withdrawn record");
		return PW_OK;
	}

	/* which vulnerabilities: see the comment at the top */
	const char *own = cve_of(id);
	if (own) {
		if (!grow((void **)&o->cves, 0, &o->cap_cves, sizeof(*o->cves)))
			return nomem(o);
		o->cves[0] = own;
		o->ncves = 1;
	} else {
		if ((rc = add_cves(o, aliases)) || (rc = add_cves(o, related)) ||
		    (rc = add_cves(o, upstream)))
			return rc;
		unique_cves(o);
		if (o->ncves == 0 && !security_advisory_id(id) &&
		    pw_advisory_class(id) == PW_CLASS_SECURITY) {
			skip(o, "not a security advisory (no CVE)");
			return PW_OK;
		}
	}
	if (json_array_size(affected) == 0) {
		skip(o, "no affected packages");
		return PW_OK;
	}

	size_t ai;
	const json_t *aff;
	json_array_foreach(affected, ai, aff) {
		if ((rc = add_affected(o, aff, ai, sc.word)))
			return rc;
	}
	if (o->naff == 0) {
		skip(o, o->invalid_version ? "affected entry with an invalid version"
			: o->skip_reason ? o->skip_reason : "no distribution package affected");
		return PW_OK;
	}
	if (o->invalid_version)
		skip(o, "affected entry with an invalid version");

	/* one vulnerability per CVE (or the advisory itself), each with every entry */
	bool self = o->ncves == 0;
	size_t nv = self ? 1 : o->ncves;
	if (o->naff > OSV_MAX_ENTRIES / nv)
		return pw_error_set(o->e, PW_ERR_LIMIT,
				    "%s%s: record %.64s: %zu CVEs x %zu packages is more than %zu entries",
				    o->name, o->where, id, nv, o->naff, OSV_MAX_ENTRIES);
	/* aliases: the record id, then its non-CVE aliases (GHSA-..., RHSA-...) */
	size_t nalias = 1;
	const char **alias = pw_arena_alloc(&o->arena, (1 + json_array_size(aliases)) * sizeof(*alias));
	struct pw_vuln *vulns = pw_arena_alloc(&o->arena, nv * sizeof(*vulns));
	struct pw_affected *all = pw_arena_alloc(&o->arena, nv * o->naff * sizeof(*all));
	if (!alias || !vulns || !all)
		return nomem(o);
	alias[0] = id;
	size_t i;
	const json_t *v;
	json_array_foreach(aliases, i, v) {
		const char *a = json_string_value(v);
		if (!cve_of(a) && strcmp(a, id) != 0)
			alias[nalias++] = a;
	}
	const char *summary = json_string_value(json_object_get(rec, "summary"));
	if (!summary || !*summary)
		summary = json_string_value(json_object_get(rec, "details"));
	const char *source = sc.vector ? score_source(o, affected) : NULL;
	int64_t published = when(rec, "published"), modified = when(rec, "modified");
	for (size_t x = 0; x < nv; x++) {
		struct pw_vuln *vu = &vulns[x];
		const char *vid = self ? id : o->cves[x];
		bool is_record = strcmp(vid, id) == 0;
		*vu = (struct pw_vuln){
			.id = vid,
			.aliases = is_record ? alias + 1 : alias,
			.naliases = is_record ? nalias - 1 : nalias,
			.summary = summary,
			.published = published,
			.modified = modified,
			.cvss_vector = sc.vector,
			.cvss_score = sc.score,
			.cvss_source = source,
			.severity = sc.word,
		};
		if (vu->naliases == 0)
			vu->aliases = NULL;
		for (size_t k = 0; k < o->naff; k++) {
			struct pw_affected *a = &all[x * o->naff + k];
			*a = o->aff[k];
			a->vuln_id = vid;
			/* a CVE record is not an advisory: it names no fix of its own */
			a->advisory = own ? NULL : id;
		}
	}
	struct pw_feed_record r = { .source = "osv", .id = id, .vulns = vulns, .nvulns = nv,
				    .affected = all, .naffected = nv * o->naff };
	return o->sink->record(o->sink->ctx, &r, o->e);
}

pw_err pw_feed_parse_osv(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr ? data.ptr : "", data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: not JSON: %s", name, je.line,
				    je.column, je.text);
	struct osv o = { .name = name, .sink = sink, .e = e };
	pw_arena_init(&o.arena);
	pw_err rc = PW_OK;
	if (json_is_array(doc)) { /* a list of records */
		size_t i;
		const json_t *rec;
		json_array_foreach(doc, i, rec) {
			snprintf(o.where, sizeof(o.where), "[%zu]", i);
			if ((rc = parse_record(&o, rec)))
				break;
			pw_arena_free(&o.arena);
			pw_arena_init(&o.arena);
		}
	} else {
		rc = parse_record(&o, doc);
	}
	pw_arena_free(&o.arena);
	free(o.cves);
	free(o.aff);
	free(o.evs);
	json_decref(doc);
	return rc;
}
