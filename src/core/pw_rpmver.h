/* pw_rpmver.h - RPM versions, librpm 4.18's rules (rpmvercmp, rpmverCmp).
 *
 * rpmvercmp compares alternating alphabetic and numeric segments, skipping
 * other separators; '~' sorts before everything, '^' after the base version
 * but before any further segment; numeric segments beat alphabetic ones.
 * An EVR is [epoch:]version[-release]: a missing epoch is 0, and a missing
 * release sorts before any release (rpm 4.18's rpm.ver() comparison).
 */
#ifndef PW_RPMVER_H
#define PW_RPMVER_H

#include "pw_err.h"

/* rpmvercmp on one field (a version or a release): <0, 0, >0. */
int pw_rpmver_segcmp(const char *a, const char *b);

/* Compare two "[E:]V[-R]" strings. */
int pw_rpmver_cmp(const char *a, const char *b);

/* rpm accepts nearly anything; refused here: an empty string, an empty
 * version, whitespace or control characters. */
pw_err pw_rpmver_validate(const char *v, struct pw_error *e);

#endif
