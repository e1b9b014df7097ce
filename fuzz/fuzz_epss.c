/* fuzz_epss.c - the epss feed parser on arbitrary bytes, into a sink that
 * checks what it is given. */
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
	if (!r->id)
		abort();
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		if (!a->vuln_id || !a->distro || !a->release || !a->package)
			abort();
		if (a->status == PW_AFFECT_FIXED && !a->fixed)
			abort();
	}
	return PW_OK;
}

static pw_err on_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	(void)ctx;
	(void)e;
	return k->cve ? PW_OK : PW_ERR_INVALID;
}

static pw_err on_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	(void)ctx;
	(void)e;
	if (!x->cve || x->score < 0 || x->score > 1)
		abort();
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
	struct pw_feed_sink sink = { .record = on_record, .kev = on_kev, .epss = on_epss,
				     .skip = on_skip };
	struct pw_error e;
	pw_feed_parse(PW_FEED_EPSS, pw_blob((const char *)data, size), "fuzz", &sink, &e);
	return 0;
}
