/* pw_clock.h - the one source of wall-clock time.
 *
 * Everything that stamps a time (scans, imports, audit entries) asks here, so
 * tests can pin the clock: PATCHWARDEN_NOW=<unix seconds> in the environment,
 * or pw_clock_set() from a unit test.
 */
#ifndef PW_CLOCK_H
#define PW_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Seconds since the epoch (UTC). */
int64_t pw_clock_now(void);

/* Pin the clock (t >= 0) or release it (t < 0). */
void pw_clock_set(int64_t t);

/* Format t as RFC 3339 UTC ("2026-11-24T09:30:00Z") into out (>= 21 bytes).
 * Returns out. */
char *pw_clock_format(int64_t t, char *out, size_t size);

/* Parse an RFC 3339 UTC time or a plain date ("2024-01-10") into *t.
 * Returns 0 on success, -1 when malformed. */
int pw_clock_parse(const char *s, int64_t *t);

#endif
