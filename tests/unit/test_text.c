/* test_text.c - control characters are found in input and escaped on
 * output, whole UTF-8 left alone, a sequence cut between two writes kept. */
#include "pw_test.h"

#include <string.h>

#include "pw_text.h"

/* Each input, the offset of its first control character (its length when
 * none) and its escaped form. */
static const struct {
	const char *in;
	size_t at;
	const char *escaped;
} cases[] = {
	{ "web-01", 6, "web-01" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7" },
	{ "\033]0;pwned\007", 0, "\\x1b]0;pwned\\x07" },
	{ "web\033[2J", 3, "web\\x1b[2J" },
	{ "a\tb\nc\r", 1, "a\\x09b\\x0ac\\x0d" },
	{ "del\x7f", 3, "del\\u007f" },
	{ "c1\xc2\x9b" "2J", 2, "c1\\u009b2J" },
	{ "nbsp\xc2\xa0", 6, "nbsp\xc2\xa0" },
	{ "lone\x9b", 4, "lone\\x9b" },
	{ "overlong\xc0\xaf", 8, "overlong\\xc0\\xaf" },
	{ "surrogate\xed\xa0\x80", 9, "surrogate\\xed\\xa0\\x80" },
	{ "cut\xe2\x82", 3, "cut\\xe2\\x82" },
};

static void find_and_escape(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in;
		size_t n = strlen(in), used;
		if (pw_text_find_control(in, n, NULL) != cases[i].at)
			fail_msg("case %zu: control at %zu, expected %zu", i,
				 pw_text_find_control(in, n, NULL), cases[i].at);
		struct pw_buf out = PW_BUF_INIT;
		assert_int_equal(pw_text_escape(&out, in, n, PW_TEXT_FINAL, &used), PW_OK);
		assert_int_equal(used, n);
		assert_string_equal(out.data ? out.data : "", cases[i].escaped);
		pw_buf_free(&out);
	}
}

/* For stdout, which may carry JSON holding such bytes as they came: a byte
 * that is not UTF-8 becomes \u00NN, which JSON reads as its Latin-1
 * character, never \xNN, which no JSON parser accepts. */
static void json_bytes(void **state)
{
	(void)state;
	static const char *const in[][2] = {
		{ "\"caf\xe9-tools\"", "\"caf\\u00e9-tools\"" },
		{ "lone\x9b", "lone\\u009b" },
		{ "c1\xc2\x9b", "c1\\u009b" },
		{ "esc\033", "esc\\x1b" },
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct pw_buf out = PW_BUF_INIT;
		size_t used;
		assert_int_equal(pw_text_escape(&out, in[i][0], strlen(in[i][0]),
						PW_TEXT_FINAL | PW_TEXT_JSON_BYTES, &used),
				 PW_OK);
		assert_string_equal(out.data, in[i][1]);
		pw_buf_free(&out);
	}
}

static void describe(void **state)
{
	(void)state;
	char buf[48];
	uint32_t what;
	assert_int_equal(pw_text_find_control("x\xc2\x9b", 3, &what), 1);
	assert_string_equal(pw_text_describe(what, 0xc2, buf, sizeof(buf)),
			    "control character U+009B");
	assert_int_equal(pw_text_find_control("x\xff", 2, &what), 1);
	assert_string_equal(pw_text_describe(what, 0xff, buf, sizeof(buf)),
			    "byte 0xFF (not UTF-8)");
}

/* Lines pass with PW_TEXT_KEEP_LINES; without PW_TEXT_FINAL a UTF-8
 * sequence cut by the end is left for the next call, not escaped. */
static void streaming(void **state)
{
	(void)state;
	struct pw_buf out = PW_BUF_INIT;
	size_t used;
	const char *a = "ok\tline\n\xe2\x82";
	assert_int_equal(pw_text_escape(&out, a, strlen(a), PW_TEXT_KEEP_LINES, &used), PW_OK);
	assert_int_equal(used, strlen(a) - 2);
	assert_string_equal(out.data, "ok\tline\n");
	const char *b = "\xe2\x82\xac\033\n";
	assert_int_equal(pw_text_escape(&out, b, strlen(b), PW_TEXT_KEEP_LINES, &used), PW_OK);
	assert_int_equal(used, strlen(b));
	assert_string_equal(out.data, "ok\tline\n\xe2\x82\xac\\x1b\n");
	pw_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_and_escape),
		cmocka_unit_test(json_bytes),
		cmocka_unit_test(describe),
		cmocka_unit_test(streaming),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
