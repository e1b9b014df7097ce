/* exception_expiry.c - expiring exceptions and notifying
 * (pw_exception_expiry.h). */
#include "pw_exception_expiry.h"

#include <stdio.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_exceptions.h"

void pw_exception_notify_expired(const struct pw_exception *x, pw_exception_log_fn log,
				 void *ctx)
{
	char msg[512];
	if (!log)
		return;
	snprintf(msg, sizeof(msg), "exception %lld expired: %.128s on %s %lld%s%.128s, "
		 "its findings are open again", (long long)x->id, x->vuln_id,
		 x->host_id ? "host" : "group", (long long)(x->host_id ? x->host_id : x->group_id),
		 x->package ? ", package " : "", x->package ? x->package : "");
	log(ctx, "notice", msg);
}

/* Expired exceptions are collected inside the transaction and notified
 * after it commits: a notice never announces what was rolled back. */
struct collected {
	struct pw_arena a;
	int64_t *ids;
	size_t n, cap;
	bool nomem;
};

static void collect(void *ctx, const struct pw_exception *x)
{
	struct collected *c = ctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		int64_t *p = pw_arena_alloc(&c->a, cap * sizeof(*p));
		if (!p) {
			c->nomem = true;
			return;
		}
		if (c->n)
			memcpy(p, c->ids, c->n * sizeof(*p));
		c->ids = p;
		c->cap = cap;
	}
	c->ids[c->n++] = x->id;
}

pw_err pw_exception_expiry_run(struct pw_store *s, int64_t now, pw_exception_log_fn log,
			       void *ctx, int64_t *n, struct pw_error *e)
{
	struct collected c = { 0 };
	pw_arena_init(&c.a);
	int64_t count = 0;
	pw_err rc = pw_exceptions_expire(s, now, collect, &c, &count, e);
	if (n)
		*n = rc ? 0 : count;
	for (size_t i = 0; !rc && i < c.n; i++) {
		struct pw_exception x;
		struct pw_error ignored = { 0 };
		if (pw_exceptions_get(s, c.ids[i], now, &c.a, &x, &ignored) == PW_OK)
			pw_exception_notify_expired(&x, log, ctx);
	}
	if (!rc && c.nomem && log)
		log(ctx, "warning", "out of memory: some exception expiries were not notified");
	pw_arena_free(&c.a);
	return rc;
}
