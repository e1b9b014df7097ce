/* fuzz_apt_packages.c - the Release, preferences and Packages parsers, and
 * the candidate selection behind them, on arbitrary bytes.
 *
 * The input is read as all three at once: as a Release file, as pins, and
 * as a Packages index for a small inventory (its names are common words of
 * the seeds, so stanzas reach the selection). A list file name made of the
 * first line checks the name parser too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_aptlists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_blob b = pw_blob((const char *)data, size);
	struct pw_error e;
	struct pw_apt_index idx = { 0 };
	pw_aptlists_parse_release(b, "Release", &idx.release, &e);

	const char *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - (const char *)data) : size;
	char *name = malloc(n + 1);
	if (!name)
		return 0;
	memcpy(name, data, n);
	name[n] = '\0';
	struct pw_apt_index from_name;
	pw_aptlists_parse_list_name(name, &from_name);
	free(name);

	struct pw_inventory inv;
	pw_inventory_init(&inv, NULL);
	static const char *const names[] = { "a", "libc6", "bash", "p", "libc6" };
	static const char *const arches[] = { "amd64", "amd64", "all", "amd64", "i386" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct pw_package *p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
		if (!p)
			goto out;
		p->name = names[i];
		p->arch = arches[i];
		p->version = "1.0-1";
		p->source_name = names[i];
		p->state = PW_STATE_INSTALLED;
	}
	struct pw_aptlists *s;
	if (pw_aptlists_begin(&inv, &s, &e) != PW_OK)
		goto out;
	if (pw_aptlists_add_preferences(s, b, "preferences", &e) != PW_OK ||
	    pw_aptlists_feed(s, b, "Packages", &idx, &e) != PW_OK) {
		pw_aptlists_abort(s);
		goto out;
	}
	pw_aptlists_finish(s, &e);
out:
	pw_inventory_free(&inv);
	return 0;
}
