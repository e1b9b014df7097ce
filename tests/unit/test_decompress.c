/* test_decompress.c - the chunked decoder on tests/data/apt/codecs/: one
 * Packages text in every codec apt stores lists in (made with the gzip,
 * xz, lz4, zstd and bzip2 tools), and a 100 KB text as apt writes lz4
 * (64 KiB linked blocks, no checksum) beside its gzip form. Each is read
 * whole and in pieces of every small size; every cut of each file and a
 * flipped byte at every offset must give a clear error (or, where a codec
 * has no check on that byte, the same text), never wrong text silently. */
#include "pw_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_decompress.h"
#include "pw_file.h"

#define CODECS PW_TEST_DATA "/apt/codecs"

struct codec_case {
	const char *ext;
	const char *name; /* as the error messages say it */
	size_t magic;     /* shorter cuts are not this codec any more */
};

static const struct codec_case codecs[] = {
	{ ".gz", "gzip", 2 }, { ".xz", "xz", 6 }, { ".lz4", "lz4", 4 },
	{ ".zst", "zstd", 4 }, { ".bz2", "bzip2", 3 },
};

static struct pw_buf slurp(const char *path)
{
	struct pw_file f;
	struct pw_error e;
	assert_int_equal(pw_file_read(&f, path, &e), PW_OK);
	struct pw_buf b;
	pw_buf_init(&b, 0);
	assert_int_equal(pw_buf_add(&b, f.data.ptr, f.data.len), PW_OK);
	pw_file_close(&f);
	return b;
}

/* Decode path with the given piece sizes into out; the decoder's result. */
static pw_err decode(const char *path, size_t in_chunk, size_t out_cap, struct pw_buf *out,
		     struct pw_error *e)
{
	pw_buf_reset(out);
	struct pw_decoder *d;
	pw_err rc = pw_decoder_open(path, in_chunk, &d, e);
	if (rc)
		return rc;
	for (;;) {
		assert_int_equal(pw_buf_grow(out, out_cap), PW_OK);
		size_t n;
		if ((rc = pw_decoder_read(d, out->data + out->len, out_cap, &n, e)) || n == 0)
			break;
		assert_true(n <= out_cap);
		out->len += n;
	}
	pw_decoder_close(d);
	return rc;
}

static void assert_same(const struct pw_buf *got, const struct pw_buf *want, const char *what)
{
	if (got->len != want->len || memcmp(got->data, want->data, want->len) != 0)
		fail_msg("%s: %zu bytes, want %zu", what, got->len, want->len);
}

static void every_codec_in_pieces(void **state)
{
	(void)state;
	struct pw_buf text = slurp(CODECS "/Packages"), got;
	pw_buf_init(&got, 0);
	static const size_t in_chunks[] = { 1, 3, 0 }, out_caps[] = { 1, 7, 4096, 1 << 20 };
	for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
		char path[512], what[600];
		snprintf(path, sizeof(path), CODECS "/Packages%s", codecs[c].ext);
		struct pw_error e;
		for (size_t i = 0; i < sizeof(in_chunks) / sizeof(in_chunks[0]); i++) {
			for (size_t o = 0; o < sizeof(out_caps) / sizeof(out_caps[0]); o++) {
				assert_int_equal(decode(path, in_chunks[i], out_caps[o], &got, &e), PW_OK);
				snprintf(what, sizeof(what), "%s in %zu, out %zu", path, in_chunks[i],
					 out_caps[o]);
				assert_same(&got, &text, what);
			}
		}
		/* the whole-file reader is the same decoder */
		pw_buf_reset(&got);
		assert_int_equal(pw_decompress_file(path, &got, &e), PW_OK);
		assert_same(&got, &text, path);
	}
	/* a plain file reads as it is */
	assert_int_equal(decode(CODECS "/Packages", 5, 3, &got, NULL), PW_OK);
	assert_same(&got, &text, "plain");
	pw_buf_free(&got);
	pw_buf_free(&text);
}

static void lz4_linked_blocks(void **state)
{
	(void)state;
	struct pw_buf want, got;
	pw_buf_init(&want, 0);
	pw_buf_init(&got, 0);
	struct pw_error e;
	assert_int_equal(decode(CODECS "/Packages-64k-linked.gz", 0, 1 << 16, &want, &e), PW_OK);
	assert_int_equal(want.len, 100000);
	/* later blocks refer back into earlier ones: pieces that cut the 64 KiB
	 * history anywhere, with the caller's buffer reused between calls */
	static const size_t in_chunks[] = { 1, 1000, 0 }, out_caps[] = { 13, 65536, 70000 };
	for (size_t i = 0; i < 3; i++) {
		for (size_t o = 0; o < 3; o++) {
			assert_int_equal(decode(CODECS "/Packages-64k-linked.lz4", in_chunks[i],
						out_caps[o], &got, &e), PW_OK);
			assert_same(&got, &want, "linked lz4");
		}
	}
	pw_buf_free(&got);
	pw_buf_free(&want);
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void cut_and_corrupt(void **state)
{
	(void)state;
	char dir[] = "/tmp/pw-decompress-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct pw_buf text = slurp(CODECS "/Packages"), got;
	pw_buf_init(&got, 0);
	for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
		char src[512], path[512];
		snprintf(src, sizeof(src), CODECS "/Packages%s", codecs[c].ext);
		snprintf(path, sizeof(path), "%s/t%s", dir, codecs[c].ext);
		struct pw_buf file = slurp(src);
		struct pw_error e;
		/* every byte after the magic flipped: an error naming the codec,
		 * or the same text (one byte rewritten in place each time) */
		write_file(path, file.data, file.len);
		int fd = open(path, O_WRONLY);
		assert_true(fd >= 0);
		for (size_t at = codecs[c].magic; at < file.len; at++) {
			char flipped = (char)(file.data[at] ^ 0x5a);
			assert_int_equal(pwrite(fd, &flipped, 1, (off_t)at), 1);
			pw_err rc = decode(path, 0, 4096, &got, &e);
			assert_int_equal(pwrite(fd, file.data + at, 1, (off_t)at), 1);
			if (rc == PW_OK && (got.len != text.len || memcmp(got.data, text.data, text.len)))
				fail_msg("%s with byte %zu flipped: wrong text, no error", src, at);
			if (rc != PW_OK && (rc != PW_ERR_PARSE || !strstr(e.msg, codecs[c].name)))
				fail_msg("%s with byte %zu flipped: rc %d, '%s'", src, at, rc, e.msg);
		}
		/* every cut, from the longest: a truncated file, named with its codec */
		for (size_t len = file.len; len-- > codecs[c].magic;) {
			assert_int_equal(ftruncate(fd, (off_t)len), 0);
			pw_err rc = decode(path, 0, 4096, &got, &e);
			if (rc != PW_ERR_PARSE || strncmp(e.msg, path, strlen(path)) != 0 ||
			    !strstr(e.msg, codecs[c].name) || !strstr(e.msg, "truncated"))
				fail_msg("%s cut at %zu: rc %d, '%s'", src, len, rc, rc ? e.msg : "");
		}
		close(fd);
		pw_buf_free(&file);
		unlink(path);
	}
	/* members and frames one after another read as one text */
	struct pw_buf two;
	pw_buf_init(&two, 0);
	static const char *const multi[] = { ".gz", ".zst" };
	for (size_t m = 0; m < 2; m++) {
		char src[512], path[512];
		snprintf(src, sizeof(src), CODECS "/Packages%s", multi[m]);
		snprintf(path, sizeof(path), "%s/two%s", dir, multi[m]);
		struct pw_buf file = slurp(src);
		pw_buf_reset(&two);
		assert_int_equal(pw_buf_add(&two, file.data, file.len), PW_OK);
		assert_int_equal(pw_buf_add(&two, file.data, file.len), PW_OK);
		write_file(path, two.data, two.len);
		assert_int_equal(decode(path, 1, 100, &got, NULL), PW_OK);
		assert_int_equal(got.len, 2 * text.len);
		assert_memory_equal(got.data + text.len, text.data, text.len);
		unlink(path);
		pw_buf_free(&file);
	}
	pw_buf_free(&two);
	/* what cannot be read at all */
	struct pw_decoder *d;
	struct pw_error e;
	assert_int_equal(pw_decoder_open(dir, 0, &d, &e), PW_ERR_IO);
	assert_non_null(strstr(e.msg, "is a directory"));
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/missing.lz4", dir);
	assert_int_equal(pw_decoder_open(missing, 0, &d, &e), PW_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, missing));
	assert_int_equal(rmdir(dir), 0);
	pw_buf_free(&got);
	pw_buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_codec_in_pieces),
		cmocka_unit_test(lz4_linked_blocks),
		cmocka_unit_test(cut_and_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
