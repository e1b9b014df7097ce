/* fuzz_rpmver.c - the rpm version scheme on arbitrary input: validation and
 * comparison never crash, and comparison is a consistent order
 * (antisymmetric, reflexive). Input: "A\nB". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int r)
{
	return r > 0 ? 1 : (r < 0 ? -1 : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *a = buf, *b = strchr(buf, '\n');
	if (b)
		*b++ = '\0';
	else
		b = buf + strlen(buf);
	struct pw_error e;
	pw_version_validate(PW_SCHEME_RPM, a, &e);
	pw_version_validate(PW_SCHEME_RPM, b, &e);
	int r;
	pw_version_compare(PW_SCHEME_RPM, a, b, &r, &e);
	if (sign(pw_version_cmp(PW_SCHEME_RPM, a, b)) != -sign(pw_version_cmp(PW_SCHEME_RPM, b, a)))
		abort();
	if (pw_version_cmp(PW_SCHEME_RPM, a, a) != 0)
		abort();
	free(buf);
	return 0;
}
