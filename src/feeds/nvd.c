/* nvd.c - NVD CVE API 2.0 responses: CVSS metrics (v4.0, v3.1, v3.0; the
 * "Primary" source first) and CPE configurations, kept for assets without
 * a package manager. NVD records carry no distribution entries: a distro's
 * own data decides whether its package is fixed. */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The preferred metric: newest CVSS version, Primary source first. */
static void best_metric(const json_t *metrics, struct pw_vuln *v)
{
	static const char *const kinds[] = { "cvssMetricV40", "cvssMetricV31", "cvssMetricV30" };
	for (size_t k = 0; k < 3; k++) {
		const json_t *list = json_object_get(metrics, kinds[k]);
		const json_t *pick = NULL, *m;
		size_t i;
		json_array_foreach(list, i, m) {
			const char *type = str(m, "type");
			if (!pick || (type && strcmp(type, "Primary") == 0))
				pick = m;
		}
		if (!pick)
			continue;
		const json_t *data = json_object_get(pick, "cvssData");
		v->cvss_vector = str(data, "vectorString");
		const json_t *score = json_object_get(data, "baseScore");
		v->cvss_score = json_is_number(score) ? json_number_value(score) : -1;
		v->severity = str(data, "baseSeverity");
		v->cvss_source = "nvd";
		return;
	}
}

pw_err pw_feed_parse_nvd(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr, data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	pw_err rc = PW_OK;
	struct pw_cpe_match *cpes = NULL;
	size_t cap = 0;
	const json_t *list = json_object_get(doc, "vulnerabilities");
	if (!json_is_array(list)) {
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: not an NVD CVE API 2.0 response (no vulnerabilities[])", name);
		goto out;
	}
	size_t i;
	const json_t *item;
	json_array_foreach(list, i, item) {
		const json_t *cve = json_object_get(item, "cve");
		const char *id = str(cve, "id");
		if (!id || strncmp(id, "CVE-", 4) != 0) {
			if (sink->skip)
				sink->skip(sink->ctx, "entry without a CVE id");
			continue;
		}
		struct pw_vuln v = { .id = id, .cvss_score = -1 };
		size_t k;
		const json_t *d;
		json_array_foreach(json_object_get(cve, "descriptions"), k, d) {
			const char *lang = str(d, "lang");
			if (lang && strcmp(lang, "en") == 0)
				v.summary = str(d, "value");
		}
		int64_t t;
		const char *s = str(cve, "published");
		if (s && pw_clock_parse(s, &t) == 0)
			v.published = t;
		s = str(cve, "lastModified");
		if (s && pw_clock_parse(s, &t) == 0)
			v.modified = t;
		best_metric(json_object_get(cve, "metrics"), &v);

		size_t ncpes = 0, c, n, m;
		const json_t *conf, *node, *match;
		json_array_foreach(json_object_get(cve, "configurations"), c, conf) {
			json_array_foreach(json_object_get(conf, "nodes"), n, node) {
				json_array_foreach(json_object_get(node, "cpeMatch"), m, match) {
					const char *criteria = str(match, "criteria");
					if (!criteria)
						continue;
					if (ncpes == cap) {
						cap = cap ? cap * 2 : 32;
						struct pw_cpe_match *p = realloc(cpes, cap * sizeof(*cpes));
						if (!p) {
							rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
							goto out;
						}
						cpes = p;
					}
					cpes[ncpes++] = (struct pw_cpe_match){
						.vuln_id = id,
						.criteria = criteria,
						.version_start_including = str(match, "versionStartIncluding"),
						.version_start_excluding = str(match, "versionStartExcluding"),
						.version_end_including = str(match, "versionEndIncluding"),
						.version_end_excluding = str(match, "versionEndExcluding"),
						.vulnerable = json_is_true(json_object_get(match, "vulnerable")),
					};
				}
			}
		}
		struct pw_feed_record r = { .id = id, .vulns = &v, .nvulns = 1, .cpes = cpes,
					    .ncpes = ncpes };
		if ((rc = sink->record(sink->ctx, &r, e)))
			goto out;
	}
out:
	free(cpes);
	json_decref(doc);
	return rc;
}
