/* pw_cpe.h - CPE 2.3 names and NVD's CPE match criteria, for assets without
 * a package manager (network appliances, firmware) that are known only by
 * a CPE name.
 *
 * A formatted string "cpe:2.3:part:vendor:product:version:update:edition:
 * language:sw_edition:target_sw:target_hw:other" has 11 attributes; '\'
 * escapes a character (so "\:" is a colon inside a value). "*" is ANY,
 * "-" is NA (not applicable).
 *
 * A device matches an NVD criterion when part, vendor and product are
 * equal (case-insensitively), every other attribute of the criterion is ANY
 * or equal to the device's (a device's own ANY is taken to be unknown and
 * matches), and the version fits: a criterion naming a version matches that
 * version; a criterion whose version is ANY matches the versions inside its
 * range (versionStart/End Including/Excluding), or every version when it
 * gives none. A device whose version is ANY or NA matches only a criterion
 * that says nothing of versions: an unknown version is not assumed
 * vulnerable to one range.
 *
 * Versions are compared segment by segment (pw_cpe_version_cmp): runs of
 * digits numerically, runs of letters case-insensitively, separators only
 * separating; a version that ends where the other goes on is older when
 * the other goes on with a number ("1.0" < "1.0.1") and newer when it goes
 * on with letters, a pre-release ("1.0rc1" < "1.0").
 */
#ifndef PW_CPE_H
#define PW_CPE_H

#include <stdbool.h>

#include "pw_advisory.h"
#include "pw_err.h"

#define PW_CPE_ATTRS 11
#define PW_CPE_MAX 512

enum {
	PW_CPE_PART,
	PW_CPE_VENDOR,
	PW_CPE_PRODUCT,
	PW_CPE_VERSION,
	PW_CPE_UPDATE,
	PW_CPE_EDITION,
	PW_CPE_LANGUAGE,
	PW_CPE_SW_EDITION,
	PW_CPE_TARGET_SW,
	PW_CPE_TARGET_HW,
	PW_CPE_OTHER,
};

/* A parsed name: attributes unescaped into buf. */
struct pw_cpe {
	const char *attr[PW_CPE_ATTRS];
	char buf[PW_CPE_MAX];
};

/* Parse a CPE 2.3 formatted string. PW_ERR_PARSE naming the problem for
 * anything else (a 2.2 URI, too few or too many attributes, a part other
 * than a, o or h, an empty attribute, a dangling '\'); PW_ERR_LIMIT past
 * PW_CPE_MAX bytes. */
pw_err pw_cpe_parse(const char *s, struct pw_cpe *out, struct pw_error *e);

/* <0, 0, >0 as a is older than, the same as, newer than b (see above). */
int pw_cpe_version_cmp(const char *a, const char *b);

/* Does the device named `device` fall under criterion m (see above)?
 * m->vulnerable is not consulted: the caller decides what a match means. */
bool pw_cpe_matches(const struct pw_cpe *device, const struct pw_cpe *criterion,
		    const struct pw_cpe_match *m);

#endif
