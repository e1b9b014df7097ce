/* debian_tracker.c - the Debian security tracker's JSON export
 * ({srcpkg: {CVE: {description, releases: {codename: {status,
 * fixed_version, urgency}}}}}), one record per source package.
 *
 * Statuses: "resolved" with fixed_version "0" means the release's package
 * was never affected (never a finding); "resolved" with a version is fixed
 * there; "open" and "undetermined" are vulnerable with no fix, except that
 * urgency "unimportant" means the security team will not fix it (reported as
 * wont-fix) and "end-of-life" that the package is out of support. TEMP-
 * entries are real tracker issues without a CVE yet and are kept.
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_distro.h"

static bool grow(void **items, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 32;
	void *p = realloc(*items, ncap * size);
	if (!p)
		return false;
	*items = p;
	*cap = ncap;
	return true;
}

pw_err pw_feed_parse_debian_tracker(struct pw_blob data, const char *name,
				    const struct pw_feed_sink *sink, struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr, data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	pw_err rc = PW_OK;
	struct pw_arena arena;
	struct pw_vuln *vulns = NULL;
	struct pw_affected *aff = NULL;
	size_t cap_v = 0, cap_a = 0;
	pw_arena_init(&arena);
	if (!json_is_object(doc)) {
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: expected an object of source packages", name);
		goto out;
	}
	const char *src;
	json_t *cves;
	json_object_foreach(doc, src, cves) {
		if (!json_is_object(cves)) {
			if (sink->skip)
				sink->skip(sink->ctx, "source package entry is not an object");
			continue;
		}
		size_t nv = 0, na = 0;
		const char *id;
		json_t *cve;
		json_object_foreach(cves, id, cve) {
			const json_t *releases = json_object_get(cve, "releases");
			if (!json_is_object(releases))
				continue;
			if (!grow((void **)&vulns, nv, &cap_v, sizeof(*vulns))) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				goto out;
			}
			struct pw_vuln *v = &vulns[nv++];
			memset(v, 0, sizeof(*v));
			v->id = id;
			v->summary = json_string_value(json_object_get(cve, "description"));
			v->cvss_score = -1;
			const char *codename;
			json_t *rel;
			json_object_foreach((json_t *)releases, codename, rel) {
				struct pw_distro_release dr;
				if (!pw_distro_normalize("debian", codename, &dr)) {
					if (sink->skip)
						sink->skip(sink->ctx, "unknown Debian release");
					continue;
				}
				const char *status = json_string_value(json_object_get(rel, "status"));
				const char *fixed = json_string_value(json_object_get(rel, "fixed_version"));
				const char *urgency = json_string_value(json_object_get(rel, "urgency"));
				if (!status) {
					if (sink->skip)
						sink->skip(sink->ctx, "release without status");
					continue;
				}
				if (!grow((void **)&aff, na, &cap_a, sizeof(*aff))) {
					rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
					goto out;
				}
				struct pw_affected *a = &aff[na];
				memset(a, 0, sizeof(*a));
				a->vuln_id = id;
				a->distro = "debian";
				a->release = pw_arena_strdup(&arena, dr.release);
				a->package = src;
				a->urgency = urgency && strcmp(urgency, "not yet assigned") != 0 ? urgency : NULL;
				if (strcmp(status, "resolved") == 0) {
					if (!fixed || strcmp(fixed, "0") == 0) {
						a->status = PW_AFFECT_NOT_AFFECTED;
					} else if (pw_version_validate(PW_SCHEME_DEB, fixed, NULL)) {
						if (sink->skip)
							sink->skip(sink->ctx, "invalid fixed version");
						continue;
					} else {
						a->status = PW_AFFECT_FIXED;
						a->fixed = fixed;
					}
				} else if (urgency && strcmp(urgency, "unimportant") == 0) {
					a->status = PW_AFFECT_WONT_FIX;
				} else if (urgency && strcmp(urgency, "end-of-life") == 0) {
					a->status = PW_AFFECT_EOL;
				} else {
					a->status = PW_AFFECT_VULNERABLE;
				}
				na++;
			}
		}
		if (na == 0) {
			if (sink->skip)
				sink->skip(sink->ctx, "source package without release data");
			continue;
		}
		struct pw_feed_record r = { .id = src, .vulns = vulns, .nvulns = nv, .affected = aff,
					    .naffected = na };
		if ((rc = sink->record(sink->ctx, &r, e)))
			goto out;
		pw_arena_free(&arena);
		pw_arena_init(&arena);
	}
out:
	pw_arena_free(&arena);
	free(vulns);
	free(aff);
	json_decref(doc);
	return rc;
}
