/* fuzz_apt_packages.c - the Release and Packages parsers on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "pw_aptlists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_blob b = pw_blob((const char *)data, size);
	struct pw_apt_release r;
	struct pw_error e;
	pw_aptlists_parse_release(b, "Release", &r, &e);

	struct pw_inventory inv;
	pw_inventory_init(&inv, NULL);
	static const char *const names[] = { "a", "libc6", "bash" };
	for (size_t i = 0; i < 3; i++) {
		struct pw_package *p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
		p->name = names[i];
		p->arch = "amd64";
		p->version = "1.0-1";
		p->state = PW_STATE_INSTALLED;
	}
	struct pw_aptlists *s;
	if (pw_aptlists_begin(&inv, &s, &e) == PW_OK) {
		if (pw_aptlists_feed(s, b, "Packages", &r, &e) == PW_OK)
			pw_aptlists_finish(s, &e);
		else
			pw_aptlists_abort(s);
	}
	pw_inventory_free(&inv);
	return 0;
}
