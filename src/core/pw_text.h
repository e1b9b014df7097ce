/* pw_text.h - text that is safe to show on a terminal or in a log: control
 * characters found in input (to refuse it) and escaped on output.
 *
 * A control character is C0 (U+0000..U+001F), DEL (U+007F) or C1
 * (U+0080..U+009F, written in UTF-8 as C2 80..C2 9F: a terminal reads
 * U+009B as CSI, the start of an escape sequence). A byte that is not part
 * of valid UTF-8 counts as one too, since a terminal in an 8-bit mode reads
 * a lone 0x9b the same way.
 */
#ifndef PW_TEXT_H
#define PW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_buf.h"
#include "pw_err.h"

/* What pw_text_find_control() reports for a byte that is not UTF-8. */
#define PW_TEXT_NOT_UTF8 UINT32_MAX

/* The offset of the first control character (or non-UTF-8 byte) in
 * s[0..n), or n when there is none. *what (may be NULL) gets its code point,
 * or PW_TEXT_NOT_UTF8. */
size_t pw_text_find_control(const char *s, size_t n, uint32_t *what);

/* Describe what pw_text_find_control() found, e.g. "control character
 * U+001B" or "byte 0xFF (not UTF-8)", into buf; returns buf. */
const char *pw_text_describe(uint32_t what, unsigned char byte, char *buf, size_t size);

enum {
	PW_TEXT_KEEP_LINES = 1u << 0, /* leave '\n' and '\t' as they are (multi-line output) */
	PW_TEXT_FINAL = 1u << 1,      /* no more input follows: a cut UTF-8 sequence is escaped */
	/* a byte that is not UTF-8 as \u00NN (its Latin-1 reading) instead of
	 * \xNN: for a stream that may carry JSON whose strings hold such bytes
	 * as they came, where \xNN would make the document invalid */
	PW_TEXT_JSON_BYTES = 1u << 2,
};

/* Append s[0..n) to out with every control character escaped: C0 as \xNN
 * (it never appears raw in JSON, so JSON stays JSON), DEL and C1 as \u00NN
 * (the JSON escape of the same character, so JSON stays valid and means the
 * same), a byte that is not UTF-8 as \xNN (see PW_TEXT_JSON_BYTES). *used gets the bytes consumed:
 * without PW_TEXT_FINAL a UTF-8 sequence cut by the end of s is left for the
 * next call. PW_ERR_NOMEM or PW_ERR_LIMIT from out. */
pw_err pw_text_escape(struct pw_buf *out, const char *s, size_t n, unsigned flags, size_t *used);

#endif
