/* version.c - placeholder dispatcher, being written. */
#include "pw_version.h"

#include <string.h>

bool pw_scheme_parse(const char *name, enum pw_scheme *out)
{
	(void)name; (void)out;
	return false;
}

const char *pw_scheme_name(enum pw_scheme s)
{
	(void)s;
	return "deb";
}

pw_err pw_version_validate(enum pw_scheme s, const char *v, struct pw_error *e)
{
	(void)s; (void)v;
	return pw_error_set(e, PW_ERR_UNSUPPORTED, "not built yet");
}

pw_err pw_version_compare(enum pw_scheme s, const char *a, const char *b, int *result,
			  struct pw_error *e)
{
	(void)s; (void)a; (void)b; (void)result;
	return pw_error_set(e, PW_ERR_UNSUPPORTED, "not built yet");
}

int pw_version_cmp(enum pw_scheme s, const char *a, const char *b)
{
	(void)s;
	return strcmp(a, b);
}
