/* fuzz_apk_installed.c - the apk installed-database parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "pw_apkdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	pw_apkdb_parse_installed(&inv, pw_blob((const char *)data, size), "installed", &e);
	pw_inventory_free(&inv);
	return 0;
}
