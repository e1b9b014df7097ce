/* pw_apkver.h - Alpine package versions, apk-tools' rules (src/version.c
 * of apk-tools 2.14 / 3):
 *   digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}
 * Suffixes _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg
 * < _p. A digit group after a '.' that has a leading zero compares as a
 * string (Gentoo's rule); other numbers compare numerically.
 */
#ifndef PW_APKVER_H
#define PW_APKVER_H

#include "pw_err.h"

int pw_apkver_cmp(const char *a, const char *b);

/* apk_version_validate(): the whole string must be a sequence of valid
 * tokens in the order above. */
pw_err pw_apkver_validate(const char *v, struct pw_error *e);

#endif
