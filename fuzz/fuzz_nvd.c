/* fuzz_nvd.c - the NVD CVE API 2.0 importer on arbitrary bytes. NVD never
 * produces distribution entries; a score is within 0..10 and comes with its
 * vector; every CPE match names its CVE and a cpe:2.3 criteria. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pw_err on_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	(void)ctx;
	(void)e;
	if (!r->id || r->nvulns != 1 || r->naffected != 0 || strncmp(r->id, "CVE-", 4) != 0)
		abort();
	const struct pw_vuln *v = &r->vulns[0];
	if (strcmp(v->id, r->id) != 0 || v->cvss_score > 10 ||
	    (v->cvss_score >= 0 && (!v->cvss_vector || !v->cvss_source)))
		abort();
	for (size_t i = 0; i < r->ncpes; i++) {
		const struct pw_cpe_match *c = &r->cpes[i];
		if (!c->vuln_id || strcmp(c->vuln_id, r->id) != 0 || !c->criteria ||
		    strncmp(c->criteria, "cpe:2.3:", 8) != 0)
			abort();
	}
	return PW_OK;
}

static void on_skip(void *ctx, const char *reason)
{
	(void)ctx;
	if (!reason || !*reason)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_feed_sink sink = { .record = on_record, .skip = on_skip };
	struct pw_error e;
	enum pw_feed_kind k;
	pw_feed_detect("fuzz.json", pw_blob((const char *)data, size), &k);
	pw_error_clear(&e);
	pw_err rc = pw_feed_parse_nvd(pw_blob((const char *)data, size), "fuzz", &sink, &e);
	if (rc != PW_OK && strncmp(e.msg, "fuzz", 4) != 0 && rc != PW_ERR_NOMEM)
		abort();
	return 0;
}
