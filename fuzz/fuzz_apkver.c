/* fuzz_apkver.c - the apk version scheme on arbitrary input: validation and
 * comparison never crash, comparison is a consistent order (antisymmetric,
 * reflexive) on any input, and the validating API agrees with the fast one.
 * Input: "A\nB" (split at the first newline). */
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
	const enum pw_scheme s = PW_SCHEME_APK;
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
	int va = pw_version_validate(s, a, &e) == PW_OK;
	int vb = pw_version_validate(s, b, &e) == PW_OK;
	int ab = sign(pw_version_cmp(s, a, b));
	if (ab != -sign(pw_version_cmp(s, b, a)))
		abort();
	if (pw_version_cmp(s, a, a) != 0 || pw_version_cmp(s, b, b) != 0)
		abort();
	int r = 2;
	pw_err rc = pw_version_compare(s, a, b, &r, &e);
	if (va && vb ? (rc != PW_OK || r != ab) : rc != PW_ERR_INVALID)
		abort();
	free(buf);
	return 0;
}
