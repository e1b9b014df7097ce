/* fuzz_inventory_json.c - an inventory document as an agent or an
 * agentless upload sends it (untrusted input to the server): parsed,
 * then, when accepted, written back and digested, which must not fail. */
#include <jansson.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_inventory_digest.h"
#include "pw_inventory_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return 0;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	if (pw_inventory_from_json(&inv, doc, &e) == PW_OK) {
		struct pw_buf out = PW_BUF_INIT;
		char digest[PW_INVENTORY_DIGEST_SIZE];
		if (pw_inventory_write_json(&inv, &out, false) != PW_OK ||
		    pw_inventory_digest(&inv, digest, &e) != PW_OK || !pw_inventory_digest_valid(digest))
			abort();
		pw_buf_free(&out);
	}
	pw_inventory_free(&inv);
	json_decref(doc);
	return 0;
}
