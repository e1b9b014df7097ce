/* kev.c - CISA Known Exploited Vulnerabilities catalog (JSON). */
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
	if (s && pw_clock_parse(s, &t) != 0)
		t = 0;
	return t;
}

pw_err pw_feed_parse_kev(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr, data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d: %s", name, je.line, je.text);
	pw_err rc = PW_OK;
	const json_t *vulns = json_object_get(doc, "vulnerabilities");
	if (!json_is_object(doc) || !json_is_array(vulns) || !json_object_get(doc, "catalogVersion")) {
		rc = pw_error_set(e, PW_ERR_PARSE,
				  "%s: not a KEV catalog (no catalogVersion and vulnerabilities[])", name);
		goto out;
	}
	size_t i, total = json_array_size(vulns);
	const json_t *v;
	json_array_foreach(vulns, i, v) {
		const char *cve = str(v, "cveID");
		if (!cve || strncmp(cve, "CVE-", 4) != 0) {
			if (sink->skip)
				sink->skip(sink->ctx, "entry without a valid cveID");
			continue;
		}
		struct pw_kev k = {
			.cve = cve,
			.vendor = str(v, "vendorProject"),
			.product = str(v, "product"),
			.name = str(v, "vulnerabilityName"),
			.date_added = date(v, "dateAdded"),
			.due_date = date(v, "dueDate"),
			.required_action = str(v, "requiredAction"),
			.short_description = str(v, "shortDescription"),
		};
		const char *ransom = str(v, "knownRansomwareCampaignUse");
		k.ransomware = ransom && strcmp(ransom, "Known") == 0;
		if ((rc = sink->kev(sink->ctx, &k, e)))
			goto out;
		if (sink->progress && (i % 256 == 0 || i + 1 == total))
			sink->progress(sink->ctx, i + 1, total);
	}
out:
	json_decref(doc);
	return rc;
}
