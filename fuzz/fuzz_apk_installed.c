/* fuzz_apk_installed.c - the apk installed-database parser on arbitrary
 * bytes. Beyond "no crash, no leak", its promises are checked: every package
 * has a name, a version and an origin; a parse error leaves no packages;
 * warnings never carry control bytes from the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pw_apkdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	pw_err rc = pw_apkdb_parse_installed(&inv, pw_blob((const char *)data, size), "installed",
					     &e);
	if (rc != PW_OK && rc != PW_ERR_PARSE)
		abort();
	if (rc == PW_ERR_PARSE && inv.npkgs)
		abort();
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *p = &inv.pkgs[i];
		if (!p->name || !*p->name || !p->version || !*p->version || !p->arch ||
		    !p->source_name || !*p->source_name || p->source_version != p->version)
			abort();
	}
	for (size_t i = 0; i < inv.nwarnings; i++) {
		for (const char *c = inv.warnings[i]; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
		}
	}
	pw_inventory_free(&inv);
	return 0;
}
