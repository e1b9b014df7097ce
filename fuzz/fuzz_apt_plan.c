/* fuzz_apt_plan.c - apt-get -s output into a plan, on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_aptdpkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_report r;
	memset(&r, 0, sizeof(r));
	pw_aptdpkg_parse_plan((const char *)data, size, &r);
	free(r.plan);
	return 0;
}
