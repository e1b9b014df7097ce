/* fuzz_osv.c - the OSV importer on arbitrary bytes (and kind detection on
 * the same bytes). The sink aborts on anything the store or the matcher
 * would trust and the importer must never emit: an entry without its keys,
 * a FIXED entry without its fix, an entry of a vulnerability the record
 * does not carry, "0" as an introduced version, a score outside 0..10. */
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
	if (!r->id || r->nvulns == 0 || r->naffected == 0)
		abort();
	for (size_t i = 0; i < r->nvulns; i++) {
		const struct pw_vuln *v = &r->vulns[i];
		if (!v->id || (v->naliases && !v->aliases) || v->cvss_score > 10 ||
		    (v->cvss_score >= 0 && !v->cvss_vector))
			abort();
		for (size_t k = 0; k < v->naliases; k++) {
			if (!v->aliases[k] || strcmp(v->aliases[k], v->id) == 0)
				abort();
		}
	}
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		if (!a->vuln_id || !a->distro || !a->release || !a->package)
			abort();
		if ((a->status == PW_AFFECT_FIXED) != (a->fixed != NULL))
			abort();
		if (a->status != PW_AFFECT_FIXED && a->status != PW_AFFECT_VULNERABLE)
			abort();
		if (a->introduced && strcmp(a->introduced, "0") == 0)
			abort();
		bool known = false;
		for (size_t k = 0; k < r->nvulns && !known; k++)
			known = strcmp(r->vulns[k].id, a->vuln_id) == 0;
		if (!known)
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
	pw_err rc = pw_feed_parse_osv(pw_blob((const char *)data, size), "fuzz", &sink, &e);
	/* an error always says where */
	if (rc != PW_OK && strncmp(e.msg, "fuzz", 4) != 0 && rc != PW_ERR_NOMEM)
		abort();
	return 0;
}
