/* fuzz_kev.c - the CISA KEV importer on arbitrary bytes: every entry it
 * passes on has a CVE id. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pw_err on_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	(void)ctx;
	(void)e;
	if (!k->cve || strncmp(k->cve, "CVE-", 4) != 0 || strlen(k->cve) < 13)
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
	struct pw_feed_sink sink = { .kev = on_kev, .skip = on_skip };
	struct pw_error e;
	enum pw_feed_kind k;
	pw_feed_detect("fuzz.json", pw_blob((const char *)data, size), &k);
	pw_error_clear(&e);
	pw_err rc = pw_feed_parse_kev(pw_blob((const char *)data, size), "fuzz", &sink, &e);
	if (rc != PW_OK && strncmp(e.msg, "fuzz", 4) != 0 && rc != PW_ERR_NOMEM)
		abort();
	return 0;
}
