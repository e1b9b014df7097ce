/* blob.c - byte views. */
#include "pw_blob.h"

#include <limits.h>

bool pw_blob_eq_cstr(struct pw_blob b, const char *s)
{
	size_t n = strlen(s);
	return b.len == n && (n == 0 || memcmp(b.ptr, s, n) == 0);
}

bool pw_blob_eq(struct pw_blob a, struct pw_blob b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool pw_blob_starts_with(struct pw_blob b, const char *prefix)
{
	size_t n = strlen(prefix);
	return b.len >= n && memcmp(b.ptr, prefix, n) == 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

struct pw_blob pw_blob_trim(struct pw_blob b)
{
	while (b.len && is_blank(b.ptr[0])) {
		b.ptr++;
		b.len--;
	}
	while (b.len && is_blank(b.ptr[b.len - 1]))
		b.len--;
	return b;
}

bool pw_blob_split(struct pw_blob b, char sep, struct pw_blob *head, struct pw_blob *tail)
{
	const char *p = b.len ? memchr(b.ptr, sep, b.len) : NULL;
	if (!p) {
		*head = b;
		*tail = pw_blob(b.ptr ? b.ptr + b.len : NULL, 0);
		return false;
	}
	size_t n = (size_t)(p - b.ptr);
	*head = pw_blob(b.ptr, n);
	*tail = pw_blob(p + 1, b.len - n - 1);
	return true;
}

bool pw_blob_next_line(struct pw_blob *rest, struct pw_blob *line)
{
	if (rest->len == 0)
		return false;
	pw_blob_split(*rest, '\n', line, rest);
	return true;
}

bool pw_blob_to_ulong(struct pw_blob b, unsigned long *out)
{
	unsigned long v = 0;
	if (b.len == 0)
		return false;
	for (size_t i = 0; i < b.len; i++) {
		char c = b.ptr[i];
		if (c < '0' || c > '9')
			return false;
		unsigned d = (unsigned)(c - '0');
		if (v > (ULONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}
