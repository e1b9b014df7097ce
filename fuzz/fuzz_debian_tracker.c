/* fuzz_debian_tracker.c - the Debian tracker JSON importer on arbitrary
 * bytes, into a sink that checks every record against the model's
 * invariants: ids present, the distro and a release it knows, a valid fix
 * version exactly when the status is "fixed", every entry's vulnerability
 * listed in its record; and errors that name the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_distro.h"
#include "pw_feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static pw_err on_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	(void)ctx;
	(void)e;
	check(r->id && *r->id && r->source && r->ncpes == 0);
	for (size_t i = 0; i < r->nvulns; i++)
		check(r->vulns[i].id && *r->vulns[i].id);
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		struct pw_distro_release dr;
		check(a->vuln_id && a->package && *a->package && a->release);
		check(strcmp(a->distro, "debian") == 0);
		check(*a->release && pw_distro_normalize(a->distro, a->release, &dr));
		check(a->status <= PW_AFFECT_EOL);
		check((a->status == PW_AFFECT_FIXED) == (a->fixed != NULL));
		check(!a->fixed || pw_version_validate(PW_SCHEME_DEB, a->fixed, NULL) == PW_OK);
		bool listed = false;
		for (size_t j = 0; j < r->nvulns && !listed; j++)
			listed = strcmp(r->vulns[j].id, a->vuln_id) == 0;
		check(listed);
	}
	return PW_OK;
}

static void on_skip(void *ctx, const char *reason)
{
	(void)ctx;
	check(reason && *reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_feed_sink sink = { .record = on_record, .skip = on_skip };
	struct pw_error e;
	struct pw_blob b = pw_blob((const char *)data, size);
	pw_error_clear(&e);
	if (pw_feed_parse_debian_tracker(b, "fuzz", &sink, &e) != PW_OK)
		check(strncmp(e.msg, "fuzz", 4) == 0);
	return 0;
}
