/* buf.c - growable byte buffer with a cap. */
#include "pw_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pw_buf_init(struct pw_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void pw_buf_free(struct pw_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void pw_buf_reset(struct pw_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *pw_buf_detach(struct pw_buf *b)
{
	char *p = b->data;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

pw_err pw_buf_grow(struct pw_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : PW_BUF_DEFAULT_MAX;
	if (extra > max || b->len > max - extra)
		return PW_ERR_LIMIT;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return PW_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return PW_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return PW_OK;
}

pw_err pw_buf_add(struct pw_buf *b, const void *ptr, size_t len)
{
	/* fast path: room left and under the cap */
	size_t max = b->max ? b->max : PW_BUF_DEFAULT_MAX;
	if (b->data && len < b->cap - b->len && b->len + len <= max) {
		memcpy(b->data + b->len, ptr, len);
		b->len += len;
		b->data[b->len] = '\0';
		return PW_OK;
	}
	pw_err rc = pw_buf_grow(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, ptr, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PW_OK;
}

pw_err pw_buf_addc(struct pw_buf *b, char c)
{
	return pw_buf_add(b, &c, 1);
}

pw_err pw_buf_adds(struct pw_buf *b, const char *s)
{
	return pw_buf_add(b, s, strlen(s));
}

pw_err pw_buf_addf(struct pw_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return PW_ERR_INVALID;
	if ((size_t)n < sizeof(small))
		return pw_buf_add(b, small, (size_t)n);
	pw_err rc = pw_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PW_OK;
}
