/* apkver.c - Alpine version comparison, as apk-tools does it: the tokenizer
 * and token order of apk-tools' src/version.c (the one with the ~hash
 * token), with one rule kept from older apk-tools 2.x releases (see
 * pw_apkver.h and tests/data/versions/decisions.md). */
#include "pw_apkver.h"

#include <string.h>

/* Token kinds in the order they may appear; comparison relies on it. */
enum token {
	TOKEN_INITIAL_DIGIT,
	TOKEN_DIGIT,
	TOKEN_LETTER,
	TOKEN_SUFFIX,
	TOKEN_SUFFIX_NO,
	TOKEN_COMMIT_HASH,
	TOKEN_REVISION_NO,
	TOKEN_END,
	TOKEN_INVALID,
};

enum { SUFFIX_INVALID = 0, SUFFIX_NONE = 5 };

struct tok {
	enum token token;
	int suffix;
	const char *val; /* the token's text */
	size_t len;
};

struct cursor {
	const char *p, *end;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* apk-tools' APK_CTYPE_HEXDIGIT: lowercase only */
static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static int suffix_value(const char *s, size_t n)
{
	static const char *const names[] = { "", "alpha", "beta", "pre", "rc",
					     "", "cvs", "svn", "git", "hg", "p" };
	if (n == 0)
		return SUFFIX_INVALID;
	for (int i = 1; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return i;
	}
	return SUFFIX_INVALID;
}

static void take_digits(struct tok *t, struct cursor *c)
{
	t->val = c->p;
	while (c->p < c->end && is_digit(*c->p))
		c->p++;
	t->len = (size_t)(c->p - t->val);
	if (t->len == 0)
		t->token = TOKEN_INVALID;
}

static void token_first(struct tok *t, struct cursor *c)
{
	t->token = TOKEN_INITIAL_DIGIT;
	take_digits(t, c);
}

static void token_next(struct tok *t, struct cursor *c)
{
	if (c->p == c->end) {
		t->token = TOKEN_END;
		return;
	}
	char ch = *c->p;
	if (ch >= 'a' && ch <= 'z') {
		if (t->token > TOKEN_DIGIT)
			goto invalid;
		t->val = c->p++;
		t->len = 1;
		t->token = TOKEN_LETTER;
	} else if (is_digit(ch)) {
		/* digits after a suffix are its number; after a letter they
		 * start a new digit group ("5.7.1p1", which older apk-tools
		 * 2.x accepts and real secdb versions use; today's apk-tools
		 * refuses it) */
		if (t->token == TOKEN_SUFFIX) {
			take_digits(t, c);
			t->token = TOKEN_SUFFIX_NO;
		} else if (t->token == TOKEN_LETTER) {
			take_digits(t, c);
			t->token = TOKEN_DIGIT;
		} else {
			goto invalid;
		}
	} else if (ch == '.') {
		if (t->token > TOKEN_DIGIT)
			goto invalid;
		c->p++;
		take_digits(t, c);
		if (t->token != TOKEN_INVALID)
			t->token = TOKEN_DIGIT;
	} else if (ch == '_') {
		if (t->token > TOKEN_SUFFIX_NO)
			goto invalid;
		c->p++;
		t->val = c->p;
		while (c->p < c->end && *c->p >= 'a' && *c->p <= 'z')
			c->p++;
		t->len = (size_t)(c->p - t->val);
		t->suffix = suffix_value(t->val, t->len);
		if (t->suffix == SUFFIX_INVALID)
			goto invalid;
		t->token = TOKEN_SUFFIX;
	} else if (ch == '~') {
		if (t->token >= TOKEN_COMMIT_HASH)
			goto invalid;
		c->p++;
		t->val = c->p;
		while (c->p < c->end && is_hex(*c->p))
			c->p++;
		t->len = (size_t)(c->p - t->val);
		if (t->len == 0)
			goto invalid;
		t->token = TOKEN_COMMIT_HASH;
	} else if (ch == '-') {
		if (t->token >= TOKEN_REVISION_NO)
			goto invalid;
		if (c->end - c->p < 2 || c->p[1] != 'r')
			goto invalid;
		c->p += 2;
		/* "-r" needs a number: an empty one is invalid */
		take_digits(t, c);
		if (t->token != TOKEN_INVALID)
			t->token = TOKEN_REVISION_NO;
	} else {
		goto invalid;
	}
	return;
invalid:
	t->token = TOKEN_INVALID;
}

/* Compare digit strings as numbers of any length. */
static int numcmp(const char *a, size_t la, const char *b, size_t lb)
{
	while (la && *a == '0') {
		a++;
		la--;
	}
	while (lb && *b == '0') {
		b++;
		lb--;
	}
	if (la != lb)
		return la > lb ? 1 : -1;
	int r = memcmp(a, b, la);
	return r > 0 ? 1 : (r < 0 ? -1 : 0);
}

/* apk_blob_sort: bytes, then the shorter first. */
static int strcmp_blob(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, la < lb ? la : lb);
	if (r)
		return r > 0 ? 1 : -1;
	return la == lb ? 0 : (la > lb ? 1 : -1);
}

static int token_cmp(const struct tok *a, const struct tok *b)
{
	switch (a->token) {
	case TOKEN_DIGIT:
		if ((a->len && a->val[0] == '0') || (b->len && b->val[0] == '0'))
			return strcmp_blob(a->val, a->len, b->val, b->len);
		/* fall through */
	case TOKEN_INITIAL_DIGIT:
	case TOKEN_SUFFIX_NO:
	case TOKEN_REVISION_NO:
		return numcmp(a->val, a->len, b->val, b->len);
	case TOKEN_LETTER:
		return a->val[0] == b->val[0] ? 0 : (a->val[0] > b->val[0] ? 1 : -1);
	case TOKEN_SUFFIX:
		return a->suffix == b->suffix ? 0 : (a->suffix > b->suffix ? 1 : -1);
	default:
		return strcmp_blob(a->val, a->len, b->val, b->len);
	}
}

int pw_apkver_cmp(const char *a, const char *b)
{
	struct cursor ca = { a, a + strlen(a) }, cb = { b, b + strlen(b) };
	struct tok ta = { 0 }, tb = { 0 };
	token_first(&ta, &ca);
	token_first(&tb, &cb);
	while (ta.token == tb.token && ta.token < TOKEN_END) {
		int r = token_cmp(&ta, &tb);
		if (r)
			return r;
		token_next(&ta, &ca);
		token_next(&tb, &cb);
	}
	if (ta.token == tb.token)
		return 0;
	/* equal so far: the longer one is newer, unless what it has next is
	 * a pre-release suffix */
	if (ta.token == TOKEN_SUFFIX && ta.suffix < SUFFIX_NONE)
		return -1;
	if (tb.token == TOKEN_SUFFIX && tb.suffix < SUFFIX_NONE)
		return 1;
	if (ta.token > tb.token)
		return -1;
	if (tb.token > ta.token)
		return 1;
	return 0;
}

/* Messages quote the version, cut to keep them readable. */
#define VFMT "'%.100s%s'"
#define VARG(v) (v), (strlen(v) > 100 ? "..." : "")

pw_err pw_apkver_validate(const char *v, struct pw_error *e)
{
	if (!*v)
		return pw_error_set(e, PW_ERR_INVALID, "version string is empty");
	struct cursor c = { v, v + strlen(v) };
	struct tok t = { 0 };
	for (token_first(&t, &c); t.token < TOKEN_END; token_next(&t, &c))
		;
	if (t.token != TOKEN_END) {
		/* c.p is where the tokenizer stopped: at or just after the fault */
		size_t at = (size_t)(c.p - v);
		unsigned char ch = at < strlen(v) ? (unsigned char)v[at] : 0;
		if (ch >= 0x20 && ch < 0x7f)
			return pw_error_set(e, PW_ERR_INVALID,
					    "invalid version " VFMT " at offset %zu ('%c')", VARG(v),
					    at, ch);
		return pw_error_set(e, PW_ERR_INVALID, "invalid version " VFMT " at offset %zu",
				    VARG(v), at);
	}
	return PW_OK;
}
