/* decompress.c - whole-file decompression with the codec libraries. */
#include "pw_decompress.h"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "pw_file.h"

#define CHUNK ((size_t)1 << 16)

static pw_err grow_err(pw_err rc, const char *path, struct pw_error *e)
{
	return pw_error_set(e, rc, "%s: %s", path, pw_strerror(rc));
}

static pw_err gunzip(struct pw_blob in, struct pw_buf *out, const char *path, struct pw_error *e)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK) /* +32: gzip or zlib header */
		return pw_error_set(e, PW_ERR_NOMEM, "%s: zlib init failed", path);
	z.next_in = (Bytef *)in.ptr;
	z.avail_in = (uInt)in.len;
	pw_err rc = PW_OK;
	for (;;) {
		if ((rc = pw_buf_grow(out, CHUNK))) {
			rc = grow_err(rc, path, e);
			break;
		}
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = (uInt)CHUNK;
		int zr = inflate(&z, Z_NO_FLUSH);
		out->len += CHUNK - z.avail_out;
		if (zr == Z_STREAM_END) {
			/* concatenated gzip members */
			if (z.avail_in == 0)
				break;
			inflateReset(&z);
			continue;
		}
		if (zr != Z_OK) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: gzip: %s", path, z.msg ? z.msg : "corrupt data");
			break;
		}
		if (z.avail_in == 0 && z.avail_out != 0) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: gzip: truncated", path);
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

static pw_err unxz(struct pw_blob in, struct pw_buf *out, const char *path, struct pw_error *e)
{
	lzma_stream z = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return pw_error_set(e, PW_ERR_NOMEM, "%s: xz init failed", path);
	z.next_in = (const uint8_t *)in.ptr;
	z.avail_in = in.len;
	pw_err rc = PW_OK;
	for (;;) {
		if ((rc = pw_buf_grow(out, CHUNK))) {
			rc = grow_err(rc, path, e);
			break;
		}
		z.next_out = (uint8_t *)out->data + out->len;
		z.avail_out = CHUNK;
		lzma_ret r = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
		out->len += CHUNK - z.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: xz: corrupt or truncated data (%d)", path, (int)r);
			break;
		}
	}
	lzma_end(&z);
	return rc;
}

static pw_err unlz4(struct pw_blob in, struct pw_buf *out, const char *path, struct pw_error *e)
{
	LZ4F_dctx *dctx;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return pw_error_set(e, PW_ERR_NOMEM, "%s: lz4 init failed", path);
	const char *src = in.ptr;
	size_t left = in.len;
	pw_err rc = PW_OK;
	size_t hint = 1;
	while (left > 0 && hint != 0) {
		if ((rc = pw_buf_grow(out, CHUNK))) {
			rc = grow_err(rc, path, e);
			break;
		}
		size_t dst_size = CHUNK, src_size = left;
		hint = LZ4F_decompress(dctx, out->data + out->len, &dst_size, src, &src_size, NULL);
		if (LZ4F_isError(hint)) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: lz4: %s", path, LZ4F_getErrorName(hint));
			break;
		}
		out->len += dst_size;
		src += src_size;
		left -= src_size;
		if (src_size == 0 && dst_size == 0)
			break;
	}
	/* drain what is buffered inside the context */
	while (rc == PW_OK && hint != 0) {
		if ((rc = pw_buf_grow(out, CHUNK))) {
			rc = grow_err(rc, path, e);
			break;
		}
		size_t dst_size = CHUNK, src_size = 0;
		hint = LZ4F_decompress(dctx, out->data + out->len, &dst_size, src, &src_size, NULL);
		if (LZ4F_isError(hint)) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: lz4: %s", path, LZ4F_getErrorName(hint));
			break;
		}
		out->len += dst_size;
		if (dst_size == 0) {
			if (hint != 0)
				rc = pw_error_set(e, PW_ERR_PARSE, "%s: lz4: truncated", path);
			break;
		}
	}
	LZ4F_freeDecompressionContext(dctx);
	return rc;
}

static pw_err unzstd(struct pw_blob in, struct pw_buf *out, const char *path, struct pw_error *e)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return pw_error_set(e, PW_ERR_NOMEM, "%s: zstd init failed", path);
	ZSTD_inBuffer ib = { in.ptr, in.len, 0 };
	pw_err rc = PW_OK;
	size_t r = 1;
	while (ib.pos < ib.size || r != 0) {
		if ((rc = pw_buf_grow(out, CHUNK))) {
			rc = grow_err(rc, path, e);
			break;
		}
		ZSTD_outBuffer ob = { out->data + out->len, CHUNK, 0 };
		r = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(r)) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: zstd: %s", path, ZSTD_getErrorName(r));
			break;
		}
		out->len += ob.pos;
		if (ob.pos == 0 && ib.pos == ib.size) {
			if (r != 0)
				rc = pw_error_set(e, PW_ERR_PARSE, "%s: zstd: truncated", path);
			break;
		}
	}
	ZSTD_freeDStream(z);
	return rc;
}

static pw_err unbz2(struct pw_blob in, struct pw_buf *out, const char *path, struct pw_error *e)
{
	bz_stream z;
	memset(&z, 0, sizeof(z));
	if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK)
		return pw_error_set(e, PW_ERR_NOMEM, "%s: bzip2 init failed", path);
	z.next_in = (char *)in.ptr;
	z.avail_in = (unsigned)in.len;
	pw_err rc = PW_OK;
	for (;;) {
		if ((rc = pw_buf_grow(out, CHUNK))) {
			rc = grow_err(rc, path, e);
			break;
		}
		z.next_out = out->data + out->len;
		z.avail_out = (unsigned)CHUNK;
		int r = BZ2_bzDecompress(&z);
		out->len += CHUNK - z.avail_out;
		if (r == BZ_STREAM_END)
			break;
		if (r != BZ_OK || (z.avail_in == 0 && z.avail_out != 0)) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: bzip2: corrupt or truncated data", path);
			break;
		}
	}
	BZ2_bzDecompressEnd(&z);
	return rc;
}

pw_err pw_decompress_file(const char *path, struct pw_buf *out, struct pw_error *e)
{
	struct pw_file f;
	pw_err rc = pw_file_read(&f, path, e);
	if (rc)
		return rc;
	struct pw_blob in = f.data;
	const unsigned char *m = (const unsigned char *)in.ptr;
	if (in.len >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		rc = gunzip(in, out, path, e);
	else if (in.len >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
		rc = unxz(in, out, path, e);
	else if (in.len >= 4 && memcmp(m, "\x04\x22\x4d\x18", 4) == 0)
		rc = unlz4(in, out, path, e);
	else if (in.len >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		rc = unzstd(in, out, path, e);
	else if (in.len >= 3 && memcmp(m, "BZh", 3) == 0)
		rc = unbz2(in, out, path, e);
	else if ((rc = pw_buf_add(out, in.ptr, in.len)))
		rc = grow_err(rc, path, e);
	if (rc == PW_OK && out->data)
		out->data[out->len] = '\0';
	pw_file_close(&f);
	return rc;
}
