/* kev.c - CISA Known Exploited Vulnerabilities catalog (JSON):
 * {"catalogVersion": "2025.08.25", "vulnerabilities": [{"cveID": ...}]}.
 *
 * A document without catalogVersion and vulnerabilities[] is not the
 * catalog: PW_ERR_PARSE. An entry without a usable cveID cannot be joined
 * to anything and is skipped with a reason; other fields are optional
 * (NULL, or 0 for a date that is missing or does not parse).
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <string.h>

#include "pw_clock.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t date(const json_t *o, const char *key)
{
	int64_t t = 0;
	const char *s = str(o, key);
	if (!s || pw_clock_parse(s, &t) != 0)
		t = 0;
	return t;
}

/* "CVE-YYYY-NNNN..." */
static bool is_cve(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 13 || n > 24 || strncmp(s, "CVE-", 4) != 0 || s[8] != '-')
		return false;
	for (size_t i = 4; i < n; i++) {
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return false;
	}
	return true;
}

pw_err pw_feed_parse_kev(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr ? data.ptr : "", data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: not JSON: %s", name, je.line, je.column,
				    je.text);
	pw_err rc = PW_OK;
	const json_t *vulns = json_object_get(doc, "vulnerabilities");
	if (!json_is_object(doc) || !json_is_array(vulns) || !str(doc, "catalogVersion")) {
		rc = pw_error_set(e, PW_ERR_PARSE,
				  "%s: not a KEV catalog (no catalogVersion and vulnerabilities[])", name);
		goto out;
	}
	size_t i, total = json_array_size(vulns);
	const json_t *v;
	json_array_foreach(vulns, i, v) {
		const char *cve = str(v, "cveID");
		if (!is_cve(cve)) {
			if (sink->skip)
				sink->skip(sink->ctx, cve ? "entry whose cveID is not a CVE id"
							  : "entry without a cveID");
			continue;
		}
		const char *ransom = str(v, "knownRansomwareCampaignUse");
		struct pw_kev k = {
			.cve = cve,
			.vendor = str(v, "vendorProject"),
			.product = str(v, "product"),
			.name = str(v, "vulnerabilityName"),
			.date_added = date(v, "dateAdded"),
			.due_date = date(v, "dueDate"),
			.ransomware = ransom && strcmp(ransom, "Known") == 0,
			.required_action = str(v, "requiredAction"),
			.short_description = str(v, "shortDescription"),
		};
		if ((rc = sink->kev(sink->ctx, &k, e)))
			goto out;
		if (sink->progress && (i % 256 == 255 || i + 1 == total))
			sink->progress(sink->ctx, i + 1, total);
	}
out:
	json_decref(doc);
	return rc;
}
