/* fuzz_os_release.c - the os-release parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "pw_hostfacts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	pw_hostfacts_parse_os_release(&inv, pw_blob((const char *)data, size), "os-release", &e);
	pw_inventory_free(&inv);
	return 0;
}
