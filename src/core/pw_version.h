/* pw_version.h - version comparison, one scheme per package family.
 *
 * Each family has its own module (debver.c, rpmver.c, apkver.c) with the
 * exact rules of its native tool (dpkg, librpm, apk-tools); this header is
 * the dispatcher every caller uses.
 */
#ifndef PW_VERSION_H
#define PW_VERSION_H

#include <stdbool.h>

#include "pw_err.h"

enum pw_scheme {
	PW_SCHEME_DEB,
	PW_SCHEME_RPM,
	PW_SCHEME_APK,
};

/* Parse a scheme name: "deb" (also "debian", "dpkg", "ubuntu"), "rpm"
 * (also "redhat"), "apk" (also "alpine"). Returns false if unknown. */
bool pw_scheme_parse(const char *name, enum pw_scheme *out);
const char *pw_scheme_name(enum pw_scheme s);

/* Check that v is a valid version in the scheme. On failure e says what is
 * wrong ("epoch is not a number", "empty upstream version", ...). */
pw_err pw_version_validate(enum pw_scheme s, const char *v, struct pw_error *e);

/* Compare a and b: *result is <0, 0 or >0. Both must be valid; otherwise
 * PW_ERR_INVALID with e naming which one and why. */
pw_err pw_version_compare(enum pw_scheme s, const char *a, const char *b, int *result,
			  struct pw_error *e);

/* Fast path for callers that already validated: compare without checks.
 * Invalid input still returns a consistent order, never crashes. */
int pw_version_cmp(enum pw_scheme s, const char *a, const char *b);

#endif
