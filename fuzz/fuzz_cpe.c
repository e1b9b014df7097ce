/* fuzz_cpe.c - CPE 2.3 names (device imports, NVD configurations): parse,
 * and compare what parses against itself and a fixed criterion. */
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_cpe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct pw_cpe c, any;
	struct pw_error e;
	if (pw_cpe_parse(s, &c, &e) == PW_OK &&
	    pw_cpe_parse("cpe:2.3:*:*:*:*:*:*:*:*:*:*:*", &any, &e) == PW_OK) {
		struct pw_cpe_match m = { .criteria = s, .version_start_including = s,
					   .version_end_excluding = s };
		pw_cpe_matches(&c, &c, &m);
		pw_cpe_matches(&c, &any, &m);
		/* a version equals itself, and the order is antisymmetric */
		if (pw_cpe_version_cmp(s, s) != 0)
			abort();
	}
	/* versions on their own: two halves of the input */
	char *mid = s + size / 2;
	char saved = *mid;
	*mid = '\0';
	int ab = pw_cpe_version_cmp(s, mid + (saved ? 1 : 0));
	int ba = pw_cpe_version_cmp(mid + (saved ? 1 : 0), s);
	if ((ab < 0 && ba <= 0) || (ab > 0 && ba >= 0) || (ab == 0 && ba != 0))
		abort();
	free(s);
	return 0;
}
