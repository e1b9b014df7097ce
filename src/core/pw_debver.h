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

/* What dpkg's parseversion() refuses (empty, embedded spaces, an empty,
 * non-numeric, negative or too big epoch, nothing after the colon, an empty
 * upstream version or revision), plus characters outside dpkg's alphabet,
 * which dpkg only warns about. A version that does not start with a digit is
 * accepted, as `dpkg --compare-versions` accepts it (with a warning). See
 * tests/data/versions/decisions.md. */
pw_err pw_debver_validate(const char *v, struct pw_error *e);

#endif
