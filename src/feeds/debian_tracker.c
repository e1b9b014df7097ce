/* debian_tracker.c - the Debian security tracker's JSON export
 * (https://security-tracker.debian.org/tracker/data/json):
 *
 *   {srcpkg: {CVE-or-TEMP-id: {description, scope, debianbug,
 *     releases: {codename: {status, repositories: {suite: version},
 *                           fixed_version, urgency, nodsa, nodsa_reason}}}}}
 *
 * One record per source package (record id = the source package), one
 * vulnerability per id, one affected entry per (id, release).
 *
 * What the statuses mean, read from the tracker's own code (tracker_service.py
 * writes the export, security_db.py the debsecan data) and mapped so that a
 * fully patched host has no fixable finding:
 *  - "resolved": the release's package is not vulnerable. fixed_version "0"
 *    means it never was (<not-affected>) -> NOT_AFFECTED. Another version is
 *    the fix -> FIXED there, whatever the urgency: a host below it can
 *    upgrade to a release package that has it (debsecan drops
 *    "unimportant" issues altogether; the urgency is kept for the reader).
 *    "resolved" without a version says nothing usable: skipped.
 *  - "open": vulnerable in this release. Its fixed_version, when present, is
 *    usually the one from unstable, not a version this release can install,
 *    so it is never used as a fix (that would make an up-to-date host look
 *    fixable). Urgency "end-of-life" (<end-of-life>: the package is out of
 *    security support) -> EOL. Urgency "unimportant" (the tracker's "package
 *    is vulnerable; however, the security impact is unimportant"; debsecan
 *    leaves these out) and nodsa_reason "ignored" (<ignored>: the team
 *    decided not to fix it) -> WONT_FIX. Other no-DSA issues ("minor issue",
 *    nodsa_reason "" or "postponed") stay VULNERABLE: a point release may
 *    still fix them, and debsecan reports them.
 *  - "undetermined" ("may be vulnerable but needs to be checked") ->
 *    VULNERABLE, as debsecan reports it; it is never a fixable finding.
 *  - Urgency: "not yet assigned" -> none; the "**" that marks an urgency
 *    taken from NVD is dropped, leaving the word.
 *  - TEMP-nnnnnnn-xxxxxx ids are real tracker issues without a CVE yet (the
 *    tracker shows them, debsecan reports them): kept as vulnerability ids.
 *    Any other id is skipped with a reason.
 *  - Codenames pw_distro does not know, and anything of the wrong type, are
 *    skipped with a reason; broken JSON is PW_ERR_PARSE naming line:column
 *    and the JSON path.
 *
 * Memory: the export is ~70 MB on one line. It is not loaded as one JSON
 * tree: the top-level object is walked here and each source package's
 * value is decoded alone (jansson with JSON_DISABLE_EOF_CHECK), so memory is
 * bounded by the largest package, not the file.
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_distro.h"

struct tracker {
	const char *name;
	const struct pw_feed_sink *sink;
	struct pw_blob data;
	size_t pos;
	struct pw_arena arena; /* one source package's strings */
	struct pw_vuln *vulns;
	size_t nvulns, cap_vulns;
	struct pw_affected *affected;
	size_t naffected, cap_affected;
};

static void skip(const struct tracker *t, const char *reason)
{
	if (t->sink->skip)
		t->sink->skip(t->sink->ctx, reason);
}

static bool reserve(void **items, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	while (ncap < n)
		ncap *= 2;
	void *q = realloc(*items, ncap * size);
	if (!q)
		return false;
	*items = q;
	*cap = ncap;
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return n > 0;
}

/* CVE-YYYY-NNNN+ or the tracker's TEMP-nnnnnnn-xxxxxx */
static bool is_tracker_id(const char *id)
{
	size_t n = strlen(id);
	if (strncmp(id, "CVE-", 4) == 0)
		return n >= 13 && n <= 32 && all_digits(id + 4, 4) && id[8] == '-' &&
		       all_digits(id + 9, n - 9);
	if (strncmp(id, "TEMP-", 5) == 0) {
		if (n != 19 || !all_digits(id + 5, 7) || id[12] != '-')
			return false;
		for (size_t i = 13; i < n; i++) {
			char c = id[i];
			if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
				return false;
		}
		return true;
	}
	return false;
}

/* Debian source package names (policy 5.6.1): what dpkg would accept, so
 * nothing that can match an installed package is lost. */
static bool is_package_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 256)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '+' || c == '-' || c == '.'));
		if (!ok)
			return false;
	}
	return true;
}

/* A fixed version dpkg accepts whose upstream part starts with a digit:
 * dpkg only warns about a letter there, but in advisory data it is a typo
 * that would sort above every real version and never let a host be fixed. */
static bool plausible_fix(const char *v)
{
	const char *colon = strchr(v, ':');
	const char *up = colon ? colon + 1 : v;
	return *up >= '0' && *up <= '9' && pw_version_validate(PW_SCHEME_DEB, v, NULL) == PW_OK;
}

/* line:column of a byte offset, for messages only */
static void line_col(struct pw_blob data, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	size_t start = 0;
	if (off > data.len)
		off = data.len;
	for (size_t i = 0; i < off; i++) {
		if (data.ptr[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = off - start + 1;
}

static pw_err parse_error(const struct tracker *t, size_t off, const char *path, const char *what,
			  struct pw_error *e)
{
	size_t line, col;
	line_col(t->data, off, &line, &col);
	return pw_error_set(e, PW_ERR_PARSE, "%s:%zu:%zu: %s (at %s)", t->name, line, col, what, path);
}

static void skip_ws(struct tracker *t)
{
	while (t->pos < t->data.len) {
		char c = t->data.ptr[t->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		t->pos++;
	}
}

/* Decode the JSON value at t->pos and move past it. */
static pw_err value_at(struct tracker *t, const char *path, json_t **out, struct pw_error *e)
{
	json_error_t je;
	*out = json_loadb(t->data.ptr + t->pos, t->data.len - t->pos,
			  JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
	if (!*out) {
		/* jansson counts the offending byte as read */
		size_t at = je.position > 0 ? (size_t)je.position - 1 : 0;
		return parse_error(t, t->pos + at, path, je.text, e);
	}
	t->pos += (size_t)je.position;
	return PW_OK;
}

/* "high**" -> "high"; "not yet assigned" -> NULL */
static const char *urgency_of(const char *u)
{
	if (!u || strcmp(u, "not yet assigned") == 0 || !*u)
		return NULL;
	static const char *const words[] = { "unimportant", "low", "medium", "high", "end-of-life" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		if (strncmp(u, words[i], n) == 0 && (u[n] == '\0' || strcmp(u + n, "**") == 0))
			return words[i];
	}
	return u;
}

/* One (id, codename) entry -> an affected entry, or a skip. */
static pw_err release_entry(struct tracker *t, const char *src, const char *id,
			    const char *codename, const json_t *rel, struct pw_error *e)
{
	struct pw_distro_release dr;
	if (!json_is_object(rel)) {
		skip(t, "tracker release entry that is not an object");
		return PW_OK;
	}
	if (!pw_distro_normalize("debian", codename, &dr)) {
		skip(t, "tracker entry for an unknown Debian release");
		return PW_OK;
	}
	const char *status = json_string_value(json_object_get(rel, "status"));
	const json_t *fixed_j = json_object_get(rel, "fixed_version");
	const char *fixed = json_string_value(fixed_j);
	const char *urgency = urgency_of(json_string_value(json_object_get(rel, "urgency")));
	const char *nodsa_reason = json_string_value(json_object_get(rel, "nodsa_reason"));
	if (!status) {
		skip(t, "tracker release entry without a status");
		return PW_OK;
	}
	struct pw_affected a = { .vuln_id = id, .distro = "debian", .package = src,
				 .urgency = urgency };
	if (strcmp(status, "resolved") == 0) {
		if (!fixed) {
			skip(t, fixed_j ? "tracker fixed_version that is not a string"
					: "tracker entry resolved without a fixed_version");
			return PW_OK;
		}
		if (strcmp(fixed, "0") == 0) {
			a.status = PW_AFFECT_NOT_AFFECTED;
		} else if (!plausible_fix(fixed)) {
			skip(t, "tracker entry with an invalid fixed_version");
			return PW_OK;
		} else {
			a.status = PW_AFFECT_FIXED;
			a.fixed = fixed;
		}
	} else if (strcmp(status, "open") == 0) {
		if (urgency && strcmp(urgency, "end-of-life") == 0)
			a.status = PW_AFFECT_EOL;
		else if ((urgency && strcmp(urgency, "unimportant") == 0) ||
			 (nodsa_reason && strcmp(nodsa_reason, "ignored") == 0))
			a.status = PW_AFFECT_WONT_FIX;
		else
			a.status = PW_AFFECT_VULNERABLE;
	} else if (strcmp(status, "undetermined") == 0) {
		a.status = PW_AFFECT_VULNERABLE;
	} else {
		skip(t, "tracker entry with an unknown status");
		return PW_OK;
	}
	if (!(a.release = pw_arena_strdup(&t->arena, dr.release)) ||
	    !reserve((void **)&t->affected, &t->cap_affected, t->naffected + 1, sizeof(*t->affected)))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	t->affected[t->naffected++] = a;
	return PW_OK;
}

/* One source package's object -> one record. */
static pw_err package(struct tracker *t, const char *src, const json_t *issues, struct pw_error *e)
{
	t->nvulns = t->naffected = 0;
	if (!json_is_object(issues)) {
		skip(t, "tracker source package entry that is not an object");
		return PW_OK;
	}
	if (!is_package_name(src)) {
		skip(t, "tracker entry with an invalid source package name");
		return PW_OK;
	}
	const char *id;
	const json_t *issue;
	json_object_foreach((json_t *)issues, id, issue) {
		if (!is_tracker_id(id)) {
			skip(t, "tracker id that is neither CVE- nor TEMP-");
			continue;
		}
		const json_t *releases = json_object_get(issue, "releases");
		if (!json_is_object(releases)) {
			skip(t, "tracker entry without a releases object");
			continue;
		}
		size_t before = t->naffected;
		const char *codename;
		const json_t *rel;
		json_object_foreach((json_t *)releases, codename, rel) {
			pw_err rc = release_entry(t, src, id, codename, rel, e);
			if (rc)
				return rc;
		}
		if (t->naffected == before)
			continue;
		if (!reserve((void **)&t->vulns, &t->cap_vulns, t->nvulns + 1, sizeof(*t->vulns)))
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		t->vulns[t->nvulns++] = (struct pw_vuln){
			.id = id, .summary = json_string_value(json_object_get(issue, "description")),
			.cvss_score = -1,
		};
	}
	if (t->naffected == 0) {
		skip(t, "tracker source package without usable release data");
		return PW_OK;
	}
	struct pw_feed_record r = { .source = pw_feed_kind_name(PW_FEED_DEBIAN_TRACKER), .id = src,
				    .vulns = t->vulns, .nvulns = t->nvulns,
				    .affected = t->affected, .naffected = t->naffected };
	return t->sink->record(t->sink->ctx, &r, e);
}

/* The top-level object, one member at a time. */
static pw_err walk(struct tracker *t, struct pw_error *e)
{
	char path[300];
	skip_ws(t);
	if (t->pos + 3 <= t->data.len && memcmp(t->data.ptr + t->pos, "\xEF\xBB\xBF", 3) == 0) {
		t->pos += 3; /* a UTF-8 byte order mark */
		skip_ws(t);
	}
	if (t->pos >= t->data.len || t->data.ptr[t->pos] != '{')
		return parse_error(t, t->pos, "$", "expected an object of source packages", e);
	t->pos++;
	uint64_t done = 0;
	for (bool first = true;; first = false) {
		skip_ws(t);
		if (t->pos < t->data.len && t->data.ptr[t->pos] == '}' && first) {
			t->pos++;
			break;
		}
		json_t *key;
		size_t key_at = t->pos;
		pw_err rc = value_at(t, "$", &key, e);
		if (rc)
			return rc;
		if (!json_is_string(key)) {
			json_decref(key);
			return parse_error(t, key_at, "$", "expected a source package name", e);
		}
		/* a copy: the name outlives the key's decoding */
		int n = snprintf(path, sizeof(path), "$.%s", json_string_value(key));
		const char *src = pw_arena_strdup(&t->arena, json_string_value(key));
		json_decref(key);
		if (!src)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		if (n < 0 || (size_t)n >= sizeof(path))
			memcpy(path + sizeof(path) - 4, "...", 4);
		skip_ws(t);
		if (t->pos >= t->data.len || t->data.ptr[t->pos] != ':')
			return parse_error(t, t->pos, path, "expected ':'", e);
		t->pos++;
		skip_ws(t);
		json_t *value;
		if ((rc = value_at(t, path, &value, e)))
			return rc;
		rc = package(t, src, value, e);
		json_decref(value);
		pw_arena_free(&t->arena);
		pw_arena_init(&t->arena);
		if (rc)
			return rc;
		if (t->sink->progress && (++done & 1023) == 0)
			t->sink->progress(t->sink->ctx, t->pos, t->data.len);
		skip_ws(t);
		if (t->pos < t->data.len && t->data.ptr[t->pos] == ',') {
			t->pos++;
			continue;
		}
		if (t->pos < t->data.len && t->data.ptr[t->pos] == '}') {
			t->pos++;
			break;
		}
		return parse_error(t, t->pos, path, "expected ',' or '}' after a source package", e);
	}
	skip_ws(t);
	if (t->pos != t->data.len)
		return parse_error(t, t->pos, "$", "text after the top-level object", e);
	return PW_OK;
}

pw_err pw_feed_parse_debian_tracker(struct pw_blob data, const char *name,
				    const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct tracker t = { .name = name, .sink = sink, .data = data };
	pw_arena_init(&t.arena);
	pw_err rc = walk(&t, e);
	pw_arena_free(&t.arena);
	free(t.vulns);
	free(t.affected);
	return rc;
}
