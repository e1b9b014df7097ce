/* pw_debver.h - Debian package versions, dpkg's rules exactly
 * (lib/dpkg/version.c and parsehelp.c: verrevcmp, parseversion).
 *
 * [epoch:]upstream[-revision]. The epoch is a decimal number; the revision is
 * what follows the last hyphen. Comparison alternates non-digit runs, where
 * '~' sorts before everything (even the end of the string) and letters sort
 * before other characters, and digit runs compared as numbers of any length.
 */
#ifndef PW_DEBVER_H
#define PW_DEBVER_H

#include "pw_err.h"

/* dpkg --compare-versions: <0, 0, >0. Any input is safe; invalid versions
 * compare by the same rules on whatever parts they have. */
int pw_debver_cmp(const char *a, const char *b);

/* What dpkg refuses (empty, embedded spaces, bad or empty epoch, nothing
 * after the colon, empty upstream or revision) and what it flags as invalid
 * characters. A version that does not start with a digit is accepted, as
 * dpkg only warns about it and real archives carry such versions. */
pw_err pw_debver_validate(const char *v, struct pw_error *e);

#endif
