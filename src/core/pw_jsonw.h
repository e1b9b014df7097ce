/* pw_jsonw.h - a streaming JSON writer into a pw_buf.
 *
 * Writing a document directly is several times faster than building a
 * jansson tree and dumping it, which matters for inventories written on
 * every agent check-in. The writer tracks commas and indentation; strings
 * are escaped per RFC 8259 (control characters as \u00XX; invalid UTF-8 is
 * passed through byte for byte, as the input had it).
 */
#ifndef PW_JSONW_H
#define PW_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_buf.h"

#define PW_JSONW_DEPTH 32

struct pw_jsonw {
	struct pw_buf *out;
	int depth;
	bool first[PW_JSONW_DEPTH]; /* nothing written yet at this depth */
	bool pretty;                /* one-space indentation and newlines */
	bool after_key;             /* a key was written; its value comes next */
	pw_err err;                 /* first error, sticky */
	pw_err (*sink)(void *ctx, const char *data, size_t len);
	void *sink_ctx;
	size_t sink_at;
};

void pw_jsonw_init(struct pw_jsonw *w, struct pw_buf *out, bool pretty);
/* Hand the document to sink in pieces instead of keeping it whole: the
 * buffer's contents go to sink (and the buffer is emptied) before it would
 * pass `at` bytes, and the rest at pw_jsonw_finish. A long document then
 * needs one piece of memory, not its whole size. An error from sink stops
 * the writer and is what pw_jsonw_finish returns. */
void pw_jsonw_set_sink(struct pw_jsonw *w, pw_err (*sink)(void *ctx, const char *data, size_t len),
		       void *ctx, size_t at);
void pw_jsonw_begin_object(struct pw_jsonw *w);
void pw_jsonw_end_object(struct pw_jsonw *w);
void pw_jsonw_begin_array(struct pw_jsonw *w);
void pw_jsonw_end_array(struct pw_jsonw *w);
/* A member name inside an object; the value follows. */
void pw_jsonw_key(struct pw_jsonw *w, const char *key);
void pw_jsonw_string(struct pw_jsonw *w, const char *s);
void pw_jsonw_int(struct pw_jsonw *w, int64_t v);
void pw_jsonw_bool(struct pw_jsonw *w, bool v);
/* A real number in its shortest form that reads back the same (8.8, not
 * 8.8000000000000007); see pw_json_real(). */
void pw_jsonw_real(struct pw_jsonw *w, double v);
void pw_jsonw_null(struct pw_jsonw *w);
/* key + string, skipped when s is NULL (absent values are omitted). */
void pw_jsonw_kstr(struct pw_jsonw *w, const char *key, const char *s);
/* The first error met (PW_ERR_LIMIT, PW_ERR_NOMEM, or PW_ERR_INVALID for
 * unbalanced calls); PW_OK when the document is complete. */
pw_err pw_jsonw_finish(struct pw_jsonw *w);

#define PW_JSON_REAL_MAX 32

/* The shortest decimal form of a finite v that strtod reads back as v,
 * written as jansson writes reals: "8.8", "3.0" (a real keeps its point),
 * "1e300", "5e-324" (no '+' nor leading zeros in the exponent). Returns its
 * length; out has PW_JSON_REAL_MAX bytes. */
size_t pw_json_real(double v, char out[PW_JSON_REAL_MAX]);

/* Rewrite, in place, every real number of a JSON text (jansson writes
 * them with 17 digits: 8.8000000000000007) in its shortest form; strings
 * and integers are left as they are. The text only shrinks. */
void pw_json_shortest_reals(char *text);

#endif
