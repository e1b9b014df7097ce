/* pw_buf.h - one growable byte buffer with a size cap (git's strbuf, curl's
 * dynbuf). Every string built from input goes through it, so hostile input
 * cannot grow memory without bound: appends past `max` fail with
 * PW_ERR_LIMIT and leave the buffer as it was.
 *
 * data is always NUL-terminated once anything was added; the caller owns it
 * and frees it with pw_buf_free() or takes it with pw_buf_detach().
 */
#ifndef PW_BUF_H
#define PW_BUF_H

#include <stddef.h>

#include "pw_err.h"

struct pw_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 means PW_BUF_DEFAULT_MAX */
};

#define PW_BUF_DEFAULT_MAX ((size_t)1 << 30)
#define PW_BUF_INIT { NULL, 0, 0, 0 }

void pw_buf_init(struct pw_buf *b, size_t max);
void pw_buf_free(struct pw_buf *b);
/* Forget the contents, keep the memory. */
void pw_buf_reset(struct pw_buf *b);
/* Hand the NUL-terminated data to the caller (never NULL on success: an
 * empty buffer yields ""); the buffer is left empty. Returns NULL on ENOMEM. */
char *pw_buf_detach(struct pw_buf *b);

pw_err pw_buf_grow(struct pw_buf *b, size_t extra);
pw_err pw_buf_add(struct pw_buf *b, const void *ptr, size_t len);
pw_err pw_buf_addc(struct pw_buf *b, char c);
pw_err pw_buf_adds(struct pw_buf *b, const char *s);
pw_err pw_buf_addf(struct pw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
