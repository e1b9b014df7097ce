/* nvd.c - NVD CVE API 2.0 responses ({"format": "NVD_CVE",
 * "vulnerabilities": [{"cve": {...}}]}): one page of the API, or a
 * single-CVE answer. Each CVE becomes one record with its English
 * description, dates, one CVSS score and its CPE configurations.
 *
 * NVD records carry no distribution entries on purpose: NVD's CPE ranges
 * name upstream versions, and matching distribution packages against them
 * is how other scanners report hundreds of CVEs on fully patched hosts. A
 * distribution's own data decides whether its package is fixed; NVD adds
 * the score, and CPE matches for assets without a package manager.
 *
 * Which CVSS score: NVD lists several (its own "Primary" one, and the CNAs'
 * "Secondary" ones) in several versions. The Primary one wins over
 * Secondary ones, then the newest version (4.0, 3.1, 3.0); v2 is used only
 * when nothing newer exists. A rejected CVE is skipped.
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Choose the metric as described above; fills the vuln's CVSS fields. */
static void best_metric(const json_t *metrics, struct pw_vuln *v, char *source, size_t size)
{
	static const char *const kinds[] = { "cvssMetricV40", "cvssMetricV31", "cvssMetricV30" };
	const json_t *pick = NULL;
	for (int tier = 0; tier < 2 && !pick; tier++) {
		for (size_t k = 0; k < 3 && !pick; k++) {
			size_t i;
			const json_t *m;
			json_array_foreach(json_object_get(metrics, kinds[k]), i, m) {
				const char *type = str(m, "type");
				if (tier == 1 || (type && strcmp(type, "Primary") == 0)) {
					pick = m;
					break;
				}
			}
		}
	}
	const json_t *v2 = json_array_get(json_object_get(metrics, "cvssMetricV2"), 0);
	const char *v2_severity = NULL;
	if (!pick) {
		size_t i;
		const json_t *m;
		json_array_foreach(json_object_get(metrics, "cvssMetricV2"), i, m) {
			const char *type = str(m, "type");
			if (type && strcmp(type, "Primary") == 0)
				v2 = m;
		}
		pick = v2;
		v2_severity = str(v2, "baseSeverity"); /* v2 keeps it beside cvssData */
	}
	if (!pick)
		return;
	const json_t *data = json_object_get(pick, "cvssData");
	const json_t *score = json_object_get(data, "baseScore");
	if (!str(data, "vectorString") || !json_is_number(score) || json_number_value(score) < 0 ||
	    json_number_value(score) > 10)
		return;
	v->cvss_vector = str(data, "vectorString");
	v->cvss_score = json_number_value(score);
	v->severity = v2_severity ? v2_severity : str(data, "baseSeverity");
	const char *src = str(pick, "source");
	if (!src || strcmp(src, "nvd@nist.gov") == 0) {
		v->cvss_source = "nvd";
	} else {
		int n = snprintf(source, size, "nvd:%s", src);
		v->cvss_source = n > 0 && (size_t)n < size ? source : "nvd";
	}
}

static bool is_str_or_absent(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return !v || json_is_string(v);
}

pw_err pw_feed_parse_nvd(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr ? data.ptr : "", data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: not JSON: %s", name, je.line, je.column,
				    je.text);
	pw_err rc = PW_OK;
	struct pw_cpe_match *cpes = NULL;
	size_t cap = 0;
	const json_t *list = json_object_get(doc, "vulnerabilities");
	const char *format = str(doc, "format");
	if (!json_is_object(doc) || !json_is_array(list) || (format && strcmp(format, "NVD_CVE") != 0)) {
		rc = pw_error_set(e, PW_ERR_PARSE,
				  "%s: not an NVD CVE API 2.0 response (no \"format\": \"NVD_CVE\" "
				  "with vulnerabilities[])", name);
		goto out;
	}
	size_t total = json_array_size(list), i;
	const json_t *item;
	json_array_foreach(list, i, item) {
		const json_t *cve = json_object_get(item, "cve");
		if (!json_is_object(cve)) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: vulnerabilities[%zu].cve: missing or not "
					  "an object", name, i);
			goto out;
		}
		const char *id = str(cve, "id");
		if (!id || strncmp(id, "CVE-", 4) != 0) {
			if (sink->skip)
				sink->skip(sink->ctx, "entry without a CVE id");
			continue;
		}
		const char *status = str(cve, "vulnStatus");
		if (status && strcmp(status, "Rejected") == 0) {
			if (sink->skip)
				sink->skip(sink->ctx, "rejected CVE");
			continue;
		}
		struct pw_vuln v = { .id = id, .cvss_score = -1 };
		char source[96];
		size_t k;
		const json_t *d;
		json_array_foreach(json_object_get(cve, "descriptions"), k, d) {
			const char *lang = str(d, "lang");
			if (lang && strcmp(lang, "en") == 0 && !v.summary)
				v.summary = str(d, "value");
		}
		int64_t t;
		const char *s = str(cve, "published");
		if (s && pw_clock_parse(s, &t) == 0)
			v.published = t;
		s = str(cve, "lastModified");
		if (s && pw_clock_parse(s, &t) == 0)
			v.modified = t;
		best_metric(json_object_get(cve, "metrics"), &v, source, sizeof(source));

		size_t ncpes = 0, c, n, m;
		const json_t *conf, *node, *match;
		json_array_foreach(json_object_get(cve, "configurations"), c, conf) {
			json_array_foreach(json_object_get(conf, "nodes"), n, node) {
				json_array_foreach(json_object_get(node, "cpeMatch"), m, match) {
					const char *criteria = str(match, "criteria");
					static const char *const bounds[] = {
						"versionStartIncluding", "versionStartExcluding",
						"versionEndIncluding", "versionEndExcluding"
					};
					bool ok = criteria && strncmp(criteria, "cpe:2.3:", 8) == 0;
					for (size_t b = 0; b < 4; b++)
						ok = ok && is_str_or_absent(match, bounds[b]);
					if (!ok) {
						rc = pw_error_set(e, PW_ERR_PARSE,
								  "%s: %s: configurations[%zu].nodes[%zu]."
								  "cpeMatch[%zu]: needs a cpe:2.3 criteria "
								  "and string version bounds", name, id, c, n, m);
						goto out;
					}
					if (ncpes == cap) {
						size_t ncap = cap ? cap * 2 : 32;
						struct pw_cpe_match *p = realloc(cpes, ncap * sizeof(*cpes));
						if (!p) {
							rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
							goto out;
						}
						cpes = p;
						cap = ncap;
					}
					cpes[ncpes++] = (struct pw_cpe_match){
						.vuln_id = id,
						.criteria = criteria,
						.version_start_including = str(match, bounds[0]),
						.version_start_excluding = str(match, bounds[1]),
						.version_end_including = str(match, bounds[2]),
						.version_end_excluding = str(match, bounds[3]),
						.vulnerable = json_is_true(json_object_get(match, "vulnerable")),
					};
				}
			}
		}
		struct pw_feed_record r = { .source = "nvd", .id = id, .vulns = &v, .nvulns = 1,
					    .cpes = cpes, .ncpes = ncpes };
		if ((rc = sink->record(sink->ctx, &r, e)))
			goto out;
		if (sink->progress && (i % 64 == 63 || i + 1 == total))
			sink->progress(sink->ctx, i + 1, total);
	}
out:
	free(cpes);
	json_decref(doc);
	return rc;
}
