/* fuzz_device_csv.c - a device CSV upload into a private in-memory store:
 * every bad line named, nothing stored when any line is bad. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_registry.h"
#include "pw_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pw_store *store;

static void bad(void *ctx, size_t line, const char *field, const char *reason)
{
	if (!field || !reason)
		abort();
	(*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_error e;
	if (!store && (pw_store_open(":memory:", &store, &e) || pw_registry_migrate(store, &e)))
		abort();
	struct pw_device_import out;
	size_t nbad = 0;
	pw_err rc = pw_registry_import_devices(store, (const char *)data, size, 1700000000,
					       "fuzz", &out, bad, &nbad, &e);
	/* refused input was reported; accepted input reported nothing */
	if ((rc == PW_ERR_INVALID && nbad == 0 && e.msg[0] == '\0') || (rc == PW_OK && nbad != 0))
		abort();
	return 0;
}
