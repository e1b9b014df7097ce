/* test_core.c - byte views, the capped buffer, the arena, file reading. */
#include "pw_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_blob.h"
#include "pw_buf.h"
#include "pw_file.h"
#include "pw_jsonw.h"

static void blob_split_and_lines(void **state)
{
	(void)state;
	struct pw_blob head, tail;
	assert_true(pw_blob_split(pw_blob_cstr("Package: bash"), ':', &head, &tail));
	assert_true(pw_blob_eq_cstr(head, "Package"));
	assert_true(pw_blob_eq_cstr(pw_blob_trim(tail), "bash"));
	assert_false(pw_blob_split(pw_blob_cstr("novalue"), ':', &head, &tail));
	assert_true(pw_blob_eq_cstr(head, "novalue"));
	assert_int_equal(tail.len, 0);

	struct pw_blob rest = pw_blob_cstr("a\n\nb"), line;
	assert_true(pw_blob_next_line(&rest, &line));
	assert_true(pw_blob_eq_cstr(line, "a"));
	assert_true(pw_blob_next_line(&rest, &line));
	assert_int_equal(line.len, 0);
	assert_true(pw_blob_next_line(&rest, &line));
	assert_true(pw_blob_eq_cstr(line, "b"));
	assert_false(pw_blob_next_line(&rest, &line));
}

static void blob_numbers(void **state)
{
	(void)state;
	unsigned long v;
	assert_true(pw_blob_to_ulong(pw_blob_cstr("12345"), &v));
	assert_int_equal(v, 12345);
	assert_false(pw_blob_to_ulong(pw_blob_cstr(""), &v));
	assert_false(pw_blob_to_ulong(pw_blob_cstr("12a"), &v));
	assert_false(pw_blob_to_ulong(pw_blob_cstr("99999999999999999999999"), &v));
}

static void buf_grows_and_caps(void **state)
{
	(void)state;
	struct pw_buf b;
	pw_buf_init(&b, 16);
	assert_int_equal(pw_buf_adds(&b, "0123456789"), PW_OK);
	assert_int_equal(pw_buf_addf(&b, "%d", 12345), PW_OK);
	assert_string_equal(b.data, "012345678912345");
	/* one more byte would pass the cap: refused, contents unchanged */
	assert_int_equal(pw_buf_adds(&b, "xy"), PW_ERR_LIMIT);
	assert_string_equal(b.data, "012345678912345");
	char *s = pw_buf_detach(&b);
	assert_string_equal(s, "012345678912345");
	free(s);
	assert_null(b.data);

	pw_buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(pw_buf_addf(&b, "%04d|%s", i, "a long enough tail to cross 256 bytes of the fast path in addf............................................................................................................................................................................................"), PW_OK);
	assert_true(b.len > 200000);
	pw_buf_free(&b);
}

static void arena_copies(void **state)
{
	(void)state;
	struct pw_arena a;
	pw_arena_init(&a);
	char *s = pw_arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	char *big = pw_arena_alloc(&a, 1 << 20); /* larger than one chunk */
	assert_non_null(big);
	memset(big, 'x', 1 << 20);
	assert_string_equal(pw_arena_blobdup(&a, pw_blob("abc", 2)), "ab");
	assert_string_equal(s, "hello");
	pw_arena_free(&a);
}

static void file_read_and_join(void **state)
{
	(void)state;
	struct pw_file f;
	struct pw_error e;
	assert_int_equal(pw_file_read(&f, PW_TEST_DATA "/inventory/dpkg/osv-scalibr/empty", &e), PW_OK);
	assert_int_equal(f.data.len, 0);
	assert_non_null(f.data.ptr);
	pw_file_close(&f);
	assert_int_equal(pw_file_read(&f, PW_TEST_DATA "/no/such/file", &e), PW_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "/no/such/file"));
	assert_int_equal(pw_file_read(&f, PW_TEST_DATA, &e), PW_ERR_IO);

	char *p = pw_path_join("/srv/root/", "/var/lib/dpkg/status");
	assert_string_equal(p, "/srv/root/var/lib/dpkg/status");
	free(p);
	p = pw_path_join("/", "/etc/os-release");
	assert_string_equal(p, "/etc/os-release");
	free(p);
	p = pw_path_join(NULL, "etc/x");
	assert_string_equal(p, "etc/x");
	free(p);
}

/* A sink that keeps what it is handed, piece by piece, and may refuse. */
struct pieces {
	struct pw_buf all;
	size_t count, largest;
	bool refuse;
};

static pw_err keep_piece(void *ctx, const char *data, size_t len)
{
	struct pieces *p = ctx;
	if (p->refuse)
		return PW_ERR_IO;
	p->count++;
	p->largest = len > p->largest ? len : p->largest;
	return pw_buf_add(&p->all, data, len);
}

static void write_sample(struct pw_jsonw *w)
{
	pw_jsonw_begin_object(w);
	for (int i = 0; i < 20; i++) {
		pw_jsonw_kstr(w, "name", "a\"b");
		pw_jsonw_key(w, "list");
		pw_jsonw_begin_array(w);
		pw_jsonw_int(w, i);
		pw_jsonw_end_array(w);
	}
	pw_jsonw_end_object(w);
}

static void json_writer_sink(void **state)
{
	(void)state;
	struct pw_buf whole = PW_BUF_INIT, piece = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &whole, true);
	write_sample(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_OK);
	/* in pieces of at most 32 bytes, the same document, the buffer emptied */
	struct pieces p = { PW_BUF_INIT, 0, 0, false };
	pw_jsonw_init(&w, &piece, true);
	pw_jsonw_set_sink(&w, keep_piece, &p, 32);
	write_sample(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_OK);
	assert_string_equal(p.all.data, whole.data);
	assert_true(p.count > 10);
	assert_true(p.largest <= 32);
	assert_int_equal(piece.len, 0);
	/* a sink that fails stops the writer with its error */
	p.refuse = true;
	pw_jsonw_init(&w, &piece, true);
	pw_jsonw_set_sink(&w, keep_piece, &p, 32);
	write_sample(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_ERR_IO);
	pw_buf_free(&p.all);
	pw_buf_free(&piece);
	pw_buf_free(&whole);
}

static void json_writer(void **state)
{
	(void)state;
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "s", "q\"b\\n\n\x01\t\xc3\xa9");
	pw_jsonw_kstr(&w, "absent", NULL);
	pw_jsonw_key(&w, "a");
	pw_jsonw_begin_array(&w);
	pw_jsonw_int(&w, -5);
	pw_jsonw_bool(&w, true);
	pw_jsonw_begin_object(&w);
	pw_jsonw_end_object(&w);
	pw_jsonw_end_array(&w);
	pw_jsonw_end_object(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_OK);
	assert_string_equal(b.data, "{\"s\":\"q\\\"b\\\\n\\n\\u0001\\t\xc3\xa9\",\"a\":[-5,true,{}]}");
	pw_buf_free(&b);

	/* pretty, an escaped key, and a buffer capped so that a write that
	 * does not fit fails and the error sticks */
	pw_jsonw_init(&w, &b, true);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "k\"", "v\x1f");
	pw_jsonw_key(&w, "l");
	pw_jsonw_begin_array(&w);
	pw_jsonw_string(&w, "x");
	pw_jsonw_end_array(&w);
	pw_jsonw_end_object(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_OK);
	assert_string_equal(b.data, "{\n \"k\\\"\": \"v\\u001f\",\n \"l\": [\n  \"x\"\n ]\n}");
	pw_buf_free(&b);
	pw_buf_init(&b, 16);
	pw_jsonw_init(&w, &b, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "key", "a value longer than the cap");
	pw_jsonw_end_object(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_ERR_LIMIT);
	assert_true(b.len <= 16);
	pw_buf_free(&b);

	/* unbalanced and too deep are errors, not crashes */
	pw_jsonw_init(&w, &b, true);
	pw_jsonw_begin_array(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_ERR_INVALID);
	pw_buf_free(&b);
	pw_jsonw_init(&w, &b, false);
	for (int i = 0; i < 40; i++)
		pw_jsonw_begin_array(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_ERR_LIMIT);
	pw_buf_free(&b);
}

/* tests/data/json/reals.txt: each double prints in its shortest form,
 * which reads back as the same double. */
static void json_reals_shortest(void **state)
{
	(void)state;
	FILE *f = fopen(PW_TEST_DATA "/json/reals.txt", "r");
	assert_non_null(f);
	char line[256], in[64], want[64];
	int cases = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%63s %63s", in, want) != 2)
			continue;
		double v = strtod(in, NULL);
		char out[PW_JSON_REAL_MAX];
		size_t n = pw_json_real(v, out);
		if (strcmp(out, want) != 0)
			fail_msg("%s: %s, expected %s", in, out, want);
		assert_int_equal(n, strlen(out));
		assert_true(strtod(out, NULL) == v);
		/* and the same through jansson's 17 digits, rewritten */
		json_t *doc = json_pack("[f]", v);
		char *text = json_dumps(doc, JSON_COMPACT);
		pw_json_shortest_reals(text);
		char expect[80];
		snprintf(expect, sizeof(expect), "[%s]", want);
		assert_string_equal(text, expect);
		free(text);
		json_decref(doc);
		cases++;
	}
	fclose(f);
	assert_true(cases >= 15);
}

/* Only numbers are rewritten: strings that look like numbers, escaped
 * quotes and integers stay as they are. */
static void json_reals_in_a_document(void **state)
{
	(void)state;
	json_t *doc = json_pack("{s:f,s:s,s:I,s:[f,f,i],s:{s:f}}", "cvss", 8.8, "s",
				"8.8000000000000007 \"1.5000000000000002", "n", (json_int_t)12,
				"a", 0.1, 1e300, -7, "o", "epss", 0.97);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(strstr(text, "8.8000000000000007,")); /* what jansson writes */
	pw_json_shortest_reals(text);
	assert_string_equal(text, "{\"cvss\":8.8,\"s\":\"8.8000000000000007 \\\"1.5000000000000002\","
				  "\"n\":12,\"a\":[0.1,1e300,-7],\"o\":{\"epss\":0.97}}");
	free(text);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	pw_json_shortest_reals(text);
	assert_non_null(strstr(text, "\"cvss\": 8.8,\n"));
	free(text);
	json_decref(doc);

	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, false);
	pw_jsonw_begin_array(&w);
	pw_jsonw_real(&w, 8.8);
	pw_jsonw_real(&w, 2.0);
	pw_jsonw_end_array(&w);
	assert_int_equal(pw_jsonw_finish(&w), PW_OK);
	assert_string_equal(b.data, "[8.8,2.0]");
	pw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blob_split_and_lines),
		cmocka_unit_test(blob_numbers),
		cmocka_unit_test(buf_grows_and_caps),
		cmocka_unit_test(arena_copies),
		cmocka_unit_test(file_read_and_join),
		cmocka_unit_test(json_writer),
		cmocka_unit_test(json_reals_shortest),
		cmocka_unit_test(json_reals_in_a_document),
		cmocka_unit_test(json_writer_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
