/* fuzz_device_csv.c - a device CSV upload into a private in-memory store:
 * every bad line named, nothing stored when any line is bad. Each input runs
 * in its own transaction, rolled back after, as the import requires one (and
 * so every input meets the same empty register). */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_registry.h"
#include "pw_sql.h"
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
	if (pw_store_begin(store, &e))
		abort();
	pw_err rc = pw_registry_import_devices(store, (const char *)data, size, 1700000000,
					       "fuzz", &out, bad, &nbad, &e);
	/* refused input was reported; accepted input reported nothing */
	if ((rc == PW_ERR_INVALID && nbad == 0 && e.msg[0] == '\0') || (rc == PW_OK && nbad != 0))
		abort();
	/* the import did its work: a usage error means the harness is wrong */
	if (rc == PW_ERR_USAGE)
		abort();
	pw_store_rollback(store);
	return 0;
}
