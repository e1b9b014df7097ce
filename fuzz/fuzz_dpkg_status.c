/* fuzz_dpkg_status.c - the dpkg status parser on arbitrary bytes.
 *
 * Beyond "no crash, no leak", the parser's promises are checked so the
 * fuzzer reports a broken one: every package has a name, a version and a
 * source; a parse error leaves no packages; warnings never carry control
 * bytes from the input (they reach a terminal). The lowest input bit picks
 * the status.d rule (no Status = installed). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pw_dpkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_inventory inv;
	struct pw_error e;
	struct pw_buf b = PW_BUF_INIT;
	pw_inventory_init(&inv, NULL);
	bool status_d = size && (data[0] & 1);
	pw_err rc = pw_dpkg_parse_status(&inv, pw_blob((const char *)data, size), "status", status_d,
					 &e);
	if (rc != PW_OK && rc != PW_ERR_PARSE)
		abort();
	if (rc == PW_ERR_PARSE && inv.npkgs)
		abort();
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *p = &inv.pkgs[i];
		if (!p->name || !*p->name || !p->version || !*p->version || !p->arch ||
		    !p->source_name || !*p->source_name || !p->source_version ||
		    !*p->source_version || p->state == PW_STATE_NOT_INSTALLED)
			abort();
		pw_buf_reset(&b);
		if (pw_dpkg_binary_package(p, "amd64", &b) != PW_OK)
			abort();
	}
	for (size_t i = 0; i < inv.nwarnings; i++) {
		for (const char *c = inv.warnings[i]; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
		}
	}
	pw_buf_free(&b);
	pw_inventory_free(&inv);
	return 0;
}
