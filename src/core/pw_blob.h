/* pw_blob.h - a view into bytes: pointer and length, never owning.
 *
 * Parsers walk a mapped or read file with blobs and copy only what they keep
 * (apk-tools' apk_blob_t). A blob is not NUL-terminated; print it with
 * printf("%.*s", PW_BLOB_PRINTF(b)).
 */
#ifndef PW_BLOB_H
#define PW_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct pw_blob {
	const char *ptr;
	size_t len;
};

#define PW_BLOB_NULL ((struct pw_blob){ NULL, 0 })
#define PW_BLOB_PRINTF(b) (int)(b).len, (b).ptr

static inline struct pw_blob pw_blob(const char *ptr, size_t len)
{
	return (struct pw_blob){ ptr, len };
}

static inline struct pw_blob pw_blob_cstr(const char *s)
{
	return (struct pw_blob){ s, s ? strlen(s) : 0 };
}

static inline bool pw_blob_is_null(struct pw_blob b)
{
	return b.ptr == NULL;
}

/* Equal bytes to the NUL-terminated s. */
bool pw_blob_eq_cstr(struct pw_blob b, const char *s);
bool pw_blob_eq(struct pw_blob a, struct pw_blob b);
bool pw_blob_starts_with(struct pw_blob b, const char *prefix);

/* Strip spaces and tabs (and \r) at both ends. */
struct pw_blob pw_blob_trim(struct pw_blob b);

/* Split b at the first occurrence of sep: *head gets the bytes before it,
 * *tail those after it. Returns false (head = b, tail = empty) when sep is
 * absent. */
bool pw_blob_split(struct pw_blob b, char sep, struct pw_blob *head, struct pw_blob *tail);

/* Take the next line (without its '\n') from *rest and advance *rest past it.
 * Returns false when *rest is empty. */
bool pw_blob_next_line(struct pw_blob *rest, struct pw_blob *line);

/* Parse an unsigned decimal number that fills the whole blob. */
bool pw_blob_to_ulong(struct pw_blob b, unsigned long *out);

#endif
