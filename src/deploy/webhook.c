/* webhook.c - signed POSTs of the quarantine outbox (pw_webhook.h). */
#include "pw_webhook.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_file.h"
#include "pw_quarantine.h"

#define BACKOFF_FIRST 30
#define BACKOFF_MAX 3600

pw_err pw_webhook_config(const char *url, const char *secret_file, struct pw_webhook *out,
			 struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	out->timeout_s = 5;
	out->retry_s = BACKOFF_FIRST;
	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return pw_error_set(e, PW_ERR_INVALID, "[webhook] url '%s' is not an http:// or "
				    "https:// URL", url ? url : "");
	if (strlen(url) >= sizeof(out->url))
		return pw_error_set(e, PW_ERR_LIMIT, "[webhook] url is longer than %zu bytes",
				    sizeof(out->url) - 1);
	if (!secret_file)
		return pw_error_set(e, PW_ERR_INVALID, "[webhook] secret_file is not set: events "
				    "are always signed");
	snprintf(out->url, sizeof(out->url), "%s", url);
	struct pw_file f;
	pw_err rc = pw_file_read(&f, secret_file, e);
	if (rc)
		return rc;
	size_t n = f.data.len;
	while (n && (f.data.ptr[n - 1] == '\n' || f.data.ptr[n - 1] == '\r'))
		n--;
	if (n == 0 || n > sizeof(out->secret))
		rc = pw_error_set(e, PW_ERR_INVALID, "%s: the webhook secret must hold 1 to %zu "
				  "bytes", secret_file, sizeof(out->secret));
	else
		memcpy(out->secret, f.data.ptr, n);
	out->secret_len = n;
	pw_file_close(&f);
	return rc;
}

void pw_webhook_sign(const unsigned char *key, size_t key_len, const char *body, size_t len,
		     char out[PW_WEBHOOK_SIG_SIZE])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	/* keys of any length: the _init form hashes long ones as RFC 2104 says */
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, PW_WEBHOOK_SIG_SIZE - 7, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_ok;

static void global_init(void)
{
	init_ok = sodium_init() >= 0 && curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
}

struct item {
	int64_t id, attempts;
	const char *key, *body;
};

struct due {
	struct pw_arena a;
	struct item *items;
	size_t n, cap;
};

static pw_err collect(void *ctx, const struct pw_outbox_item *it)
{
	struct due *d = ctx;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		struct item *ni = realloc(d->items, nc * sizeof(*ni));
		if (!ni)
			return PW_ERR_NOMEM;
		d->items = ni;
		d->cap = nc;
	}
	struct item *x = &d->items[d->n];
	x->id = it->id;
	x->attempts = it->attempts;
	x->key = pw_arena_strdup(&d->a, it->key ? it->key : "");
	x->body = pw_arena_strdup(&d->a, it->body ? it->body : "");
	if (!x->key || !x->body)
		return PW_ERR_NOMEM;
	d->n++;
	return PW_OK;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* One POST; 0 on a 2xx answer, else the reason in err. */
static int post(CURL *c, const struct pw_webhook *wh, const struct item *it, char *err,
		size_t err_size)
{
	char sig[PW_WEBHOOK_SIG_SIZE], h_sig[128], h_event[200], h_id[64];
	size_t len = strlen(it->body);
	pw_webhook_sign(wh->secret, wh->secret_len, it->body, len, sig);
	snprintf(h_sig, sizeof(h_sig), "X-Patchwarden-Signature: %s", sig);
	snprintf(h_event, sizeof(h_event), "X-Patchwarden-Event: %s", it->key);
	snprintf(h_id, sizeof(h_id), "X-Patchwarden-Delivery: %lld", (long long)it->id);
	struct curl_slist *h = NULL, *t;
	const char *lines[] = { "Content-Type: application/json", h_sig, h_event, h_id, "Expect:" };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (!(t = curl_slist_append(h, lines[i]))) {
			curl_slist_free_all(h);
			snprintf(err, err_size, "out of memory");
			return -1;
		}
		h = t;
	}
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, wh->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, wh->timeout_s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "patchwarden-webhook");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		snprintf(err, err_size, "%s", curl_err[0] ? curl_err : curl_easy_strerror(cc));
		return -1;
	}
	if (status < 200 || status > 299) {
		snprintf(err, err_size, "HTTP status %ld", status);
		return -1;
	}
	return 0;
}

pw_err pw_webhook_deliver(struct pw_store *s, const struct pw_webhook *wh, int64_t now,
			  int64_t limit, struct pw_webhook_result *r, struct pw_error *e)
{
	memset(r, 0, sizeof(*r));
	pthread_once(&init_once, global_init);
	if (!init_ok)
		return pw_error_set(e, PW_ERR_IO, "webhook: cannot initialise libcurl or libsodium");
	struct due d = { 0 };
	pw_arena_init(&d.a);
	pw_err rc = pw_quarantine_outbox_each_due(s, now, limit, collect, &d, e);
	if (rc == PW_ERR_NOMEM)
		pw_error_set(e, rc, "webhook: out of memory");
	CURL *c = NULL;
	if (!rc && d.n && !(c = curl_easy_init()))
		rc = pw_error_set(e, PW_ERR_NOMEM, "webhook: cannot create an HTTP client");
	for (size_t i = 0; !rc && i < d.n; i++) {
		char err[200];
		if (post(c, wh, &d.items[i], err, sizeof(err)) == 0) {
			rc = pw_quarantine_outbox_delivered(s, d.items[i].id, now, e);
			r->sent++;
			continue;
		}
		int64_t back = wh->retry_s > 0 ? wh->retry_s : BACKOFF_FIRST;
		for (int64_t k = 0; k < d.items[i].attempts && back < BACKOFF_MAX; k++)
			back *= 2;
		if (back > BACKOFF_MAX)
			back = BACKOFF_MAX;
		snprintf(r->last_error, sizeof(r->last_error), "%s: %s", d.items[i].key, err);
		rc = pw_quarantine_outbox_failed(s, d.items[i].id, now + back, err, e);
		r->failed++;
		/* the receiver is down or refusing: the others wait with this one,
		 * so a dead receiver costs one attempt per backoff, not a timeout
		 * per event on the server's task thread */
		if (!rc)
			rc = pw_quarantine_outbox_postpone(s, now + back, e);
		break;
	}
	if (c)
		curl_easy_cleanup(c);
	free(d.items);
	pw_arena_free(&d.a);
	return rc;
}
