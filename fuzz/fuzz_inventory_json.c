/* fuzz_inventory_json.c - an inventory document as an agent or an
 * agentless upload sends it (untrusted input to the server): parsed,
 * then, when accepted, written back and digested, which must not fail,
 * and every string it stores within its bound and free of control
 * characters (corpus: oversized-name.json, control-characters.json). */
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "pw_inventory_digest.h"
#include "pw_inventory_json.h"
#include "pw_text.h"

static void check_str(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n > max || (s && pw_text_find_control(s, n, NULL) != n))
		abort();
}

/* What the parser promises of an accepted document. */
static void check_bounds(const struct pw_inventory *inv)
{
	if (inv->npkgs > PW_INV_MAX_PACKAGES || inv->nwarnings > PW_INV_MAX_WARNINGS)
		abort();
	check_str(inv->host.hostname, PW_INV_MAX_HOSTNAME);
	check_str(inv->host.machine_id, PW_INV_MAX_MACHINE_ID);
	check_str(inv->host.os_pretty_name, PW_INV_MAX_TEXT);
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		check_str(p->name, PW_INV_MAX_NAME);
		check_str(p->version, PW_INV_MAX_VERSION);
		check_str(p->arch, PW_INV_MAX_ARCH);
		check_str(p->source_name, PW_INV_MAX_NAME);
		check_str(p->candidate_origin, PW_INV_MAX_TEXT);
	}
	for (size_t i = 0; i < inv->nwarnings; i++)
		check_str(inv->warnings[i], PW_INV_MAX_SENTENCE);
}

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
		check_bounds(&inv);
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
