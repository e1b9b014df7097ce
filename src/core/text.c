/* text.c - finding and escaping control characters (pw_text.h). */
#include "pw_text.h"

#include <stdio.h>

/* The length (1..4) of the valid UTF-8 sequence at s with its code point in
 * *cp; 0 when s[0] starts none (overlong forms and surrogates included);
 * -1 when s[0..n) is a valid start cut by the end. */
static int utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int len;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		v = v << 6 | (s[i] & 0x3fu);
	}
	*cp = v;
	return len;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

size_t pw_text_find_control(const char *s, size_t n, uint32_t *what)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			i++;
			continue;
		}
		uint32_t cp;
		int len = utf8_seq(u + i, n - i, &cp);
		if (len <= 0 || is_control(cp)) {
			if (what)
				*what = len <= 0 ? PW_TEXT_NOT_UTF8 : cp;
			return i;
		}
		i += (size_t)len;
	}
	return n;
}

const char *pw_text_describe(uint32_t what, unsigned char byte, char *buf, size_t size)
{
	if (what == PW_TEXT_NOT_UTF8)
		snprintf(buf, size, "byte 0x%02X (not UTF-8)", byte);
	else
		snprintf(buf, size, "control character U+%04X", (unsigned)what);
	return buf;
}

pw_err pw_text_escape(struct pw_buf *out, const char *s, size_t n, unsigned flags, size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	pw_err rc = PW_OK;
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			i++; /* printable ASCII, the common case */
			continue;
		}
		uint32_t cp;
		int len = utf8_seq(u + i, n - i, &cp);
		if (len < 0 && !(flags & PW_TEXT_FINAL))
			break; /* the rest of this character comes with the next call */
		bool keep = len > 0 && (!is_control(cp) ||
					((flags & PW_TEXT_KEEP_LINES) && (cp == '\n' || cp == '\t')));
		if (keep) {
			i += (size_t)len;
			continue;
		}
		if ((rc = pw_buf_add(out, s + run, i - run)))
			break;
		char esc[16];
		if (len > 0 && cp >= 0x7f)
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
		else if (len <= 0 && (flags & PW_TEXT_JSON_BYTES))
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)u[i]);
		else
			snprintf(esc, sizeof(esc), "\\x%02x", u[i]);
		if ((rc = pw_buf_adds(out, esc)))
			break;
		i += len > 0 ? (size_t)len : 1;
		run = i;
	}
	if (!rc)
		rc = pw_buf_add(out, s + run, i - run);
	*used = rc ? run : i;
	return rc;
}
