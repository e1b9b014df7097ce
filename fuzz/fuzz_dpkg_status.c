/* fuzz_dpkg_status.c - the dpkg status parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "pw_dpkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	pw_dpkg_parse_status(&inv, pw_blob((const char *)data, size), "status", size & 1, &e);
	pw_inventory_free(&inv);
	return 0;
}
