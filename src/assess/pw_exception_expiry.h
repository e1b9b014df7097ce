/* pw_exception_expiry.h - exceptions reaching their expiry: marked
 * expired (audited, pw_exceptions_expire), the findings they covered open
 * again (accepted risk is read through pw_exception_match.h, so nothing
 * else to rewrite), and the notification hook called for each.
 *
 * The server's background task and `patchwarden exception check` both
 * run this; reads apply expiry themselves, so a late task never leaves a
 * finding marked accepted past its exception's expiry.
 */
#ifndef PW_EXCEPTION_EXPIRY_H
#define PW_EXCEPTION_EXPIRY_H

#include <stdint.h>

#include "pw_err.h"

struct pw_store;
struct pw_exception;

/* Where a notice goes: today a log line (level "notice"); e-mail and
 * webhooks will hang here. ctx is the logger's. */
typedef void (*pw_exception_log_fn)(void *ctx, const char *level, const char *msg);

/* The notification hook point of one expiry (after its transaction
 * committed). */
void pw_exception_notify_expired(const struct pw_exception *x, pw_exception_log_fn log,
				 void *ctx);

/* Expire what is due at now and notify each; *n (may be NULL) counts. */
pw_err pw_exception_expiry_run(struct pw_store *s, int64_t now, pw_exception_log_fn log,
			       void *ctx, int64_t *n, struct pw_error *e);

#endif
