/* fuzz_rpm_qf.c - the parser of rpm's query output on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "pw_rpmdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	pw_rpmdb_parse_qf(&inv, pw_blob((const char *)data, size), &e);
	pw_inventory_free(&inv);
	return 0;
}
