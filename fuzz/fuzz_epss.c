/* fuzz_epss.c - the FIRST EPSS importer on arbitrary bytes: every row it
 * passes on is a CVE with a score and percentile in 0..1 and a date; a
 * refused file names its line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pw_err on_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	(void)ctx;
	(void)e;
	if (!x->cve || strncmp(x->cve, "CVE-", 4) != 0 || !(x->score >= 0 && x->score <= 1) ||
	    !(x->percentile >= 0 && x->percentile <= 1) || x->score_date <= 0 || !x->model_version)
		abort();
	return PW_OK;
}

static void on_skip(void *ctx, const char *reason)
{
	(void)ctx;
	if (!reason || strncmp(reason, "malformed row: ", 15) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_feed_sink sink = { .epss = on_epss, .skip = on_skip };
	struct pw_error e;
	enum pw_feed_kind k;
	pw_feed_detect("fuzz.csv", pw_blob((const char *)data, size), &k);
	pw_error_clear(&e);
	pw_err rc = pw_feed_parse_epss(pw_blob((const char *)data, size), "fuzz", &sink, &e);
	if (rc != PW_OK && strncmp(e.msg, "fuzz:", 5) != 0)
		abort();
	return 0;
}
