/* fuzz_job_report.c - the server's check of an agent's job report on
 * arbitrary bytes; a report it accepts, written back in the canonical form
 * the store keeps (sorted keys), must be accepted again. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pw_dispatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_error e;
	json_t *r = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (r && pw_dispatch_report_check(r, &e)) {
		char *canon = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
		json_t *again = canon ? json_loads(canon, 0, NULL) : NULL;
		if (!again || !pw_dispatch_report_check(again, &e))
			abort();
		json_decref(again);
		free(canon);
	}
	json_decref(r);
	return 0;
}
