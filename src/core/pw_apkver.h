/* pw_apkver.h - Alpine package versions, apk-tools' rules (src/version.c,
 * the tokenizer with the ~hash token):
 *   digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}
 * Suffixes _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg
 * < _p. A digit group after a '.' that has a leading zero compares as a
 * string (Gentoo's rule); other numbers compare numerically, at any length.
 *
 * One rule is older apk-tools 2.x releases' (their get_token() tokenizer),
 * not today's: digits right after the letter start a new digit group
 * ("5.7.1p1-r0"), because real secdb versions use it and the vectors checked
 * with apk-tools order them that way; today's apk-tools calls such a version
 * invalid. Invalid versions still compare as apk-tools'
 * apk_version_compare() orders them (it never refuses).
 */
#ifndef PW_APKVER_H
#define PW_APKVER_H

#include "pw_err.h"

int pw_apkver_cmp(const char *a, const char *b);

/* apk_version_validate(): the whole string must be a sequence of valid
 * tokens in the order above. */
pw_err pw_apkver_validate(const char *v, struct pw_error *e);

#endif
