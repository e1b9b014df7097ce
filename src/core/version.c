/* version.c - scheme dispatch for version comparison. */
#include "pw_version.h"

#include <string.h>

#include "pw_apkver.h"
#include "pw_debver.h"
#include "pw_rpmver.h"

bool pw_scheme_parse(const char *name, enum pw_scheme *out)
{
	static const struct {
		const char *name;
		enum pw_scheme scheme;
	} names[] = {
		{ "deb", PW_SCHEME_DEB },    { "debian", PW_SCHEME_DEB }, { "dpkg", PW_SCHEME_DEB },
		{ "ubuntu", PW_SCHEME_DEB }, { "rpm", PW_SCHEME_RPM },    { "redhat", PW_SCHEME_RPM },
		{ "apk", PW_SCHEME_APK },    { "alpine", PW_SCHEME_APK },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].scheme;
			return true;
		}
	}
	return false;
}

const char *pw_scheme_name(enum pw_scheme s)
{
	switch (s) {
	case PW_SCHEME_RPM: return "rpm";
	case PW_SCHEME_APK: return "apk";
	case PW_SCHEME_DEB: break;
	}
	return "deb";
}

pw_err pw_version_validate(enum pw_scheme s, const char *v, struct pw_error *e)
{
	switch (s) {
	case PW_SCHEME_RPM: return pw_rpmver_validate(v, e);
	case PW_SCHEME_APK: return pw_apkver_validate(v, e);
	case PW_SCHEME_DEB: break;
	}
	return pw_debver_validate(v, e);
}

int pw_version_cmp(enum pw_scheme s, const char *a, const char *b)
{
	switch (s) {
	case PW_SCHEME_RPM: return pw_rpmver_cmp(a, b);
	case PW_SCHEME_APK: return pw_apkver_cmp(a, b);
	case PW_SCHEME_DEB: break;
	}
	return pw_debver_cmp(a, b);
}

pw_err pw_version_compare(enum pw_scheme s, const char *a, const char *b, int *result,
			  struct pw_error *e)
{
	struct pw_error inner;
	if (pw_version_validate(s, a, &inner))
		return pw_error_set(e, PW_ERR_INVALID, "first version: %s", inner.msg);
	if (pw_version_validate(s, b, &inner))
		return pw_error_set(e, PW_ERR_INVALID, "second version: %s", inner.msg);
	int r = pw_version_cmp(s, a, b);
	*result = r > 0 ? 1 : (r < 0 ? -1 : 0);
	return PW_OK;
}
