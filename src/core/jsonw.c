/* jsonw.c - streaming JSON writer. */
#include "pw_jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pw_jsonw_init(struct pw_jsonw *w, struct pw_buf *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
	w->first[0] = true;
}

/* Room for n more bytes at the end of the output, or NULL once an error
 * is kept. The document is written in place: a few bytes at a time through
 * pw_buf_add cost more than the escaping itself. */
void pw_jsonw_set_sink(struct pw_jsonw *w, pw_err (*sink)(void *ctx, const char *data, size_t len),
		       void *ctx, size_t at)
{
	w->sink = sink;
	w->sink_ctx = ctx;
	w->sink_at = at;
}

static void flush(struct pw_jsonw *w)
{
	struct pw_buf *b = w->out;
	if (w->err == PW_OK && b->len)
		w->err = w->sink(w->sink_ctx, b->data, b->len);
	pw_buf_reset(b);
}

static char *room(struct pw_jsonw *w, size_t n)
{
	struct pw_buf *b = w->out;
	if (w->sink && b->len && b->len + n > w->sink_at)
		flush(w);
	if (w->err)
		return NULL;
	size_t max = b->max ? b->max : PW_BUF_DEFAULT_MAX;
	if (!b->data || n >= b->cap - b->len || b->len + n > max) {
		if ((w->err = pw_buf_grow(b, n)))
			return NULL;
	}
	return b->data + b->len;
}

/* n bytes were written at room(): keep them, NUL-terminated as pw_buf is. */
static void wrote(struct pw_jsonw *w, size_t n)
{
	w->out->len += n;
	w->out->data[w->out->len] = '\0';
}

static void put(struct pw_jsonw *w, const char *s, size_t n)
{
	char *d = room(w, n);
	if (d) {
		memcpy(d, s, n);
		wrote(w, n);
	}
}

static const char indent[PW_JSONW_DEPTH + 1] = "\n                                ";

static void newline(struct pw_jsonw *w)
{
	if (!w->pretty)
		return;
	put(w, indent, (size_t)w->depth + 1);
}

/* Before a value or a key: the comma and the line break, in one write.
 * After a key the value follows directly (the key already handled its
 * comma). */
static void before_item(struct pw_jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	size_t comma = !w->first[w->depth];
	w->first[w->depth] = false;
	size_t nl = w->depth > 0 && w->pretty ? (size_t)w->depth + 1 : 0;
	if (comma + nl == 0)
		return;
	char *d = room(w, comma + nl);
	if (!d)
		return;
	d[0] = ',';
	memcpy(d + comma, indent, nl);
	wrote(w, comma + nl);
}

static void open(struct pw_jsonw *w, char c)
{
	before_item(w);
	put(w, &c, 1);
	if (w->depth + 1 >= PW_JSONW_DEPTH) {
		w->err = w->err ? w->err : PW_ERR_LIMIT;
		return;
	}
	w->first[++w->depth] = true;
}

static void close_(struct pw_jsonw *w, char c)
{
	if (w->depth == 0) {
		w->err = w->err ? w->err : PW_ERR_INVALID;
		return;
	}
	bool empty = w->first[w->depth];
	w->depth--;
	if (!empty)
		newline(w);
	put(w, &c, 1);
}

void pw_jsonw_begin_object(struct pw_jsonw *w) { open(w, '{'); }
void pw_jsonw_end_object(struct pw_jsonw *w) { close_(w, '}'); }
void pw_jsonw_begin_array(struct pw_jsonw *w) { open(w, '['); }
void pw_jsonw_end_array(struct pw_jsonw *w) { close_(w, ']'); }

/* 1 for the bytes a JSON string must escape: controls, '"' and '\\' */
static const unsigned char must_escape[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/* s as a JSON string, then suffix (": " after a key). A string with
 * nothing to escape, nearly all of them, is one write. */
static void quoted(struct pw_jsonw *w, const char *s, const char *suffix, size_t suffix_len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	while (!must_escape[*p])
		p++;
	size_t n = (size_t)(p - (const unsigned char *)s);
	char *d = room(w, n + 2 + suffix_len);
	if (!d)
		return;
	d[0] = '"';
	memcpy(d + 1, s, n);
	if (!*p) {
		d[n + 1] = '"';
		memcpy(d + n + 2, suffix, suffix_len);
		wrote(w, n + 2 + suffix_len);
		return;
	}
	wrote(w, n + 1);
	const unsigned char *run = p;
	for (;; p++) {
		while (!must_escape[*p])
			p++;
		put(w, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		run = p + 1;
		char esc[6] = { '\\', 0 };
		size_t len = 2;
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			len = 6;
		}
		put(w, esc, len);
	}
	put(w, "\"", 1);
	put(w, suffix, suffix_len);
}

void pw_jsonw_key(struct pw_jsonw *w, const char *key)
{
	before_item(w);
	quoted(w, key, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = true;
}

void pw_jsonw_string(struct pw_jsonw *w, const char *s)
{
	before_item(w);
	quoted(w, s, "", 0);
}

void pw_jsonw_int(struct pw_jsonw *w, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);
	before_item(w);
	put(w, num, (size_t)n);
}

void pw_jsonw_real(struct pw_jsonw *w, double v)
{
	char num[PW_JSON_REAL_MAX];
	before_item(w);
	if (!isfinite(v)) { /* JSON has no NaN nor infinity */
		w->err = w->err ? w->err : PW_ERR_INVALID;
		return;
	}
	put(w, num, pw_json_real(v, num));
}

void pw_jsonw_bool(struct pw_jsonw *w, bool v)
{
	before_item(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void pw_jsonw_null(struct pw_jsonw *w)
{
	before_item(w);
	put(w, "null", 4);
}

void pw_jsonw_kstr(struct pw_jsonw *w, const char *key, const char *s)
{
	if (!s)
		return;
	pw_jsonw_key(w, key);
	pw_jsonw_string(w, s);
}

pw_err pw_jsonw_finish(struct pw_jsonw *w)
{
	if (w->err == PW_OK && w->depth != 0)
		w->err = PW_ERR_INVALID;
	if (w->sink)
		flush(w);
	return w->err;
}

/* "1e+07" -> "1e7", "1e-07" -> "1e-7": the exponent as jansson writes it */
static size_t tidy_exponent(char *s, size_t n)
{
	char *e = strchr(s, 'e');
	if (!e)
		return n;
	char *d = e + 1;
	const char *src = d;
	if (*src == '+')
		src++;
	else if (*src == '-')
		*d++ = *src++;
	while (*src == '0' && src[1])
		src++;
	memmove(d, src, strlen(src) + 1);
	return strlen(s);
}

size_t pw_json_real(double v, char out[PW_JSON_REAL_MAX])
{
	/* the fewest significant digits that read back the same (17 always
	 * do), laid out as %.17g lays them out: an exponent only below 1e-4 or
	 * from 1e17 on, so 100 stays 100.0 and not 1e2 */
	int prec = 1;
	for (; prec < 17; prec++) {
		snprintf(out, PW_JSON_REAL_MAX, "%.*e", prec - 1, v);
		if (strtod(out, NULL) == v)
			break;
	}
	snprintf(out, PW_JSON_REAL_MAX, "%.*e", prec - 1, v);
	int exp10 = atoi(strchr(out, 'e') + 1);
	if (exp10 >= -4 && exp10 < 17)
		snprintf(out, PW_JSON_REAL_MAX, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0,
			 v);
	size_t len = tidy_exponent(out, strlen(out));
	if (!strpbrk(out, ".e") && len + 2 < PW_JSON_REAL_MAX) {
		memcpy(out + len, ".0", 3);
		len += 2;
	}
	return len;
}

void pw_json_shortest_reals(char *text)
{
	char *r = text, *w = text;
	while (*r) {
		if (*r == '"') { /* a string, copied as it is */
			*w++ = *r++;
			while (*r && *r != '"') {
				if (*r == '\\' && r[1])
					*w++ = *r++;
				*w++ = *r++;
			}
			if (*r)
				*w++ = *r++;
			continue;
		}
		if (*r != '-' && (*r < '0' || *r > '9')) {
			*w++ = *r++;
			continue;
		}
		size_t n = strspn(r, "-+0123456789.eE");
		if (memchr(r, '.', n) || memchr(r, 'e', n) || memchr(r, 'E', n)) {
			char num[PW_JSON_REAL_MAX], *end;
			double v = strtod(r, &end);
			if (end == r + n && isfinite(v) && n < PW_JSON_REAL_MAX) {
				size_t m = pw_json_real(v, num);
				if (m <= n) { /* never longer than what was there */
					memcpy(w, num, m);
					w += m, r += n;
					continue;
				}
			}
		}
		memmove(w, r, n);
		w += n, r += n;
	}
	*w = '\0';
}
