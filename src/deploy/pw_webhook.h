/* pw_webhook.h - quarantine notifications to a webhook: each event of the
 * outbox (pw_quarantine.h) POSTed as JSON, signed with HMAC-SHA256 over the
 * body with a shared secret, in the header
 *   X-Patchwarden-Signature: sha256=<64 hex digits>
 * beside X-Patchwarden-Event (the event's key, the same on every retry, so
 * a receiver can drop a repeat) and X-Patchwarden-Delivery (the outbox id).
 * A 2xx answer delivers the event; anything else, or no answer, tries again
 * after retry_s (30 s unless [webhook] retry says otherwise), doubling up to
 * an hour; the events queued behind a failed one wait with it (in order).
 * Each POST may take 5 s at most. Redirects are not followed.
 */
#ifndef PW_WEBHOOK_H
#define PW_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

#define PW_WEBHOOK_SECRET_MAX 1024

struct pw_webhook {
	char url[1024];
	unsigned char secret[PW_WEBHOOK_SECRET_MAX];
	size_t secret_len;
	long timeout_s;
	int64_t retry_s; /* the first retry's delay (30); doubled up to an hour */
};

/* The webhook of [webhook] url and secret_file: the URL must be http:// or
 * https://; the secret is the file's contents without the final line break
 * (not empty). Errors name the setting or the file. */
pw_err pw_webhook_config(const char *url, const char *secret_file, struct pw_webhook *out,
			 struct pw_error *e);

/* "sha256=" and the hex HMAC-SHA256 of body under key (72 bytes with NUL). */
#define PW_WEBHOOK_SIG_SIZE 72
void pw_webhook_sign(const unsigned char *key, size_t key_len, const char *body, size_t len,
		     char out[PW_WEBHOOK_SIG_SIZE]);

struct pw_webhook_result {
	int64_t sent, failed;
	char last_error[256];
};

/* Send the outbox's events due at `now` (at most `limit`), marking each
 * delivered or due again. A failed delivery is not an error of the call:
 * it is counted in *r and stays queued. */
pw_err pw_webhook_deliver(struct pw_store *s, const struct pw_webhook *wh, int64_t now,
			  int64_t limit, struct pw_webhook_result *r, struct pw_error *e);

#endif
