/* decompress.c - decompression with the codec libraries, chunk by chunk.
 *
 * One reader serves every codec: the compressed file is read into a small
 * input buffer, each codec call writes straight into the caller's buffer,
 * and a call that makes no progress once the file is read to its end means
 * the file was cut. Every codec library keeps what it needs between calls
 * (lz4's linked blocks: the last 64 KiB it wrote, copied inside its
 * context), so the caller may reuse its buffer freely.
 */
#include "pw_decompress.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define IN_CHUNK ((size_t)1 << 17)
#define OUT_CHUNK ((size_t)1 << 16)
#define MAGIC_MAX 6

enum codec { CODEC_PLAIN, CODEC_GZIP, CODEC_XZ, CODEC_LZ4, CODEC_ZSTD, CODEC_BZIP2 };

struct pw_decoder {
	const char *path;
	int fd;
	enum codec codec;
	bool started;  /* the codec's state is initialised */
	bool done;     /* the data ended */
	unsigned char *in;
	size_t in_cap, in_pos, in_len;
	bool in_eof;
	size_t out_total;
	size_t zstd_hint; /* 0 at the end of a zstd frame */
	union {
		z_stream gz;
		lzma_stream xz;
		LZ4F_dctx *lz4;
		ZSTD_DStream *zstd;
		bz_stream bz;
	} c;
};

/* Read more of the file once the input buffer is used up. */
static pw_err fill(struct pw_decoder *d, struct pw_error *e)
{
	if (d->in_pos < d->in_len || d->in_eof)
		return PW_OK;
	d->in_pos = d->in_len = 0;
	for (;;) {
		ssize_t n = read(d->fd, d->in, d->in_cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pw_error_set(e, PW_ERR_IO, "%s: %s", d->path, strerror(errno));
		d->in_len = (size_t)n;
		d->in_eof = n == 0;
		return PW_OK;
	}
}

static size_t in_left(const struct pw_decoder *d)
{
	return d->in_len - d->in_pos;
}

static uInt clamp_uint(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : (uInt)n;
}

static pw_err truncated(struct pw_decoder *d, const char *codec, struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_PARSE, "%s: %s: truncated", d->path, codec);
}

/* Each step makes what progress it can from the input at hand into
 * dst[0..cap) and adds what it wrote to *made. */

static pw_err step_plain(struct pw_decoder *d, char *dst, size_t cap, size_t *made,
			 struct pw_error *e)
{
	(void)e;
	if (in_left(d) == 0 && d->in_eof) {
		d->done = true;
		return PW_OK;
	}
	size_t n = in_left(d) < cap ? in_left(d) : cap;
	memcpy(dst, d->in + d->in_pos, n);
	d->in_pos += n;
	*made += n;
	return PW_OK;
}

static pw_err step_gzip(struct pw_decoder *d, char *dst, size_t cap, size_t *made,
			struct pw_error *e)
{
	z_stream *z = &d->c.gz;
	z->next_in = d->in + d->in_pos;
	z->avail_in = clamp_uint(in_left(d));
	z->next_out = (Bytef *)dst;
	z->avail_out = clamp_uint(cap);
	uInt in0 = z->avail_in, out0 = z->avail_out;
	int zr = inflate(z, Z_NO_FLUSH);
	d->in_pos += in0 - z->avail_in;
	*made += out0 - z->avail_out;
	if (zr == Z_STREAM_END) {
		/* concatenated gzip members: another one follows unless the file ends */
		pw_err rc = fill(d, e);
		if (rc)
			return rc;
		if (in_left(d) == 0)
			d->done = true;
		else
			inflateReset(z);
		return PW_OK;
	}
	if (zr != Z_OK && zr != Z_BUF_ERROR)
		return pw_error_set(e, PW_ERR_PARSE, "%s: gzip: %s", d->path,
				    z->msg ? z->msg : "corrupt data");
	if (in0 == z->avail_in && out0 == z->avail_out)
		return truncated(d, "gzip", e);
	return PW_OK;
}

static pw_err step_xz(struct pw_decoder *d, char *dst, size_t cap, size_t *made,
		      struct pw_error *e)
{
	lzma_stream *z = &d->c.xz;
	z->next_in = d->in + d->in_pos;
	z->avail_in = in_left(d);
	z->next_out = (uint8_t *)dst;
	z->avail_out = cap;
	size_t in0 = z->avail_in, out0 = z->avail_out;
	lzma_ret r = lzma_code(z, in0 == 0 && d->in_eof ? LZMA_FINISH : LZMA_RUN);
	d->in_pos += in0 - z->avail_in;
	*made += out0 - z->avail_out;
	if (r == LZMA_STREAM_END)
		d->done = true;
	else if (r != LZMA_OK)
		return pw_error_set(e, PW_ERR_PARSE, "%s: xz: corrupt or truncated data (%d)", d->path,
				    (int)r);
	return PW_OK;
}

static pw_err step_lz4(struct pw_decoder *d, char *dst, size_t cap, size_t *made,
		       struct pw_error *e)
{
	size_t src_size = in_left(d), dst_size = cap;
	size_t hint = LZ4F_decompress(d->c.lz4, dst, &dst_size, d->in + d->in_pos, &src_size, NULL);
	if (LZ4F_isError(hint))
		return pw_error_set(e, PW_ERR_PARSE, "%s: lz4: %s", d->path, LZ4F_getErrorName(hint));
	d->in_pos += src_size;
	*made += dst_size;
	/* the end of the frame; what follows it is not read, as apt does not */
	if (hint == 0)
		d->done = true;
	else if (src_size == 0 && dst_size == 0)
		return truncated(d, "lz4", e);
	return PW_OK;
}

static pw_err step_zstd(struct pw_decoder *d, char *dst, size_t cap, size_t *made,
			struct pw_error *e)
{
	ZSTD_inBuffer ib = { d->in + d->in_pos, in_left(d), 0 };
	ZSTD_outBuffer ob = { dst, cap, 0 };
	size_t r = ZSTD_decompressStream(d->c.zstd, &ob, &ib);
	if (ZSTD_isError(r))
		return pw_error_set(e, PW_ERR_PARSE, "%s: zstd: %s", d->path, ZSTD_getErrorName(r));
	d->in_pos += ib.pos;
	*made += ob.pos;
	d->zstd_hint = r;
	if (r == 0) {
		/* a frame ended and is flushed: another may follow */
		pw_err rc = fill(d, e);
		if (rc)
			return rc;
		if (in_left(d) == 0)
			d->done = true;
	} else if (ib.pos == 0 && ob.pos == 0) {
		return truncated(d, "zstd", e);
	}
	return PW_OK;
}

static pw_err step_bzip2(struct pw_decoder *d, char *dst, size_t cap, size_t *made,
			 struct pw_error *e)
{
	bz_stream *z = &d->c.bz;
	z->next_in = (char *)d->in + d->in_pos;
	z->avail_in = clamp_uint(in_left(d));
	z->next_out = dst;
	z->avail_out = clamp_uint(cap);
	unsigned in0 = z->avail_in, out0 = z->avail_out;
	int r = BZ2_bzDecompress(z);
	d->in_pos += in0 - z->avail_in;
	*made += out0 - z->avail_out;
	if (r == BZ_STREAM_END)
		d->done = true;
	else if (r != BZ_OK || (in0 == z->avail_in && out0 == z->avail_out))
		return pw_error_set(e, PW_ERR_PARSE, "%s: bzip2: corrupt or truncated data", d->path);
	return PW_OK;
}

static enum codec sniff(const unsigned char *m, size_t n)
{
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return CODEC_GZIP;
	if (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
		return CODEC_XZ;
	if (n >= 4 && memcmp(m, "\x04\x22\x4d\x18", 4) == 0)
		return CODEC_LZ4;
	if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return CODEC_ZSTD;
	if (n >= 3 && memcmp(m, "BZh", 3) == 0)
		return CODEC_BZIP2;
	return CODEC_PLAIN;
}

static pw_err start_codec(struct pw_decoder *d, struct pw_error *e)
{
	bool ok = true;
	const char *name = "";
	switch (d->codec) {
	case CODEC_PLAIN:
		return PW_OK;
	case CODEC_GZIP:
		name = "zlib";
		ok = inflateInit2(&d->c.gz, 15 + 32) == Z_OK; /* +32: gzip or zlib header */
		break;
	case CODEC_XZ:
		name = "xz";
		d->c.xz = (lzma_stream)LZMA_STREAM_INIT;
		ok = lzma_stream_decoder(&d->c.xz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
		break;
	case CODEC_LZ4:
		name = "lz4";
		ok = !LZ4F_isError(LZ4F_createDecompressionContext(&d->c.lz4, LZ4F_VERSION));
		break;
	case CODEC_ZSTD:
		name = "zstd";
		ok = (d->c.zstd = ZSTD_createDStream()) != NULL;
		break;
	case CODEC_BZIP2:
		name = "bzip2";
		ok = BZ2_bzDecompressInit(&d->c.bz, 0, 0) == BZ_OK;
		break;
	}
	if (!ok)
		return pw_error_set(e, PW_ERR_NOMEM, "%s: %s init failed", d->path, name);
	d->started = true;
	return PW_OK;
}

static pw_err open_file(const char *path, int *fd, struct pw_error *e)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int err = errno;
		return pw_error_set(e, err == ENOENT ? PW_ERR_NOTFOUND : PW_ERR_IO, "%s: %s", path,
				    strerror(err));
	}
	struct stat st;
	pw_err rc;
	if (fstat(*fd, &st) != 0)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = pw_error_set(e, PW_ERR_IO, "%s: is a directory", path);
	else
		return PW_OK;
	close(*fd);
	*fd = -1;
	return rc;
}

pw_err pw_decoder_open(const char *path, size_t in_chunk, struct pw_decoder **out,
		       struct pw_error *e)
{
	*out = NULL;
	struct pw_decoder *d = calloc(1, sizeof(*d));
	size_t cap = in_chunk ? in_chunk : IN_CHUNK;
	/* the magic is read whole, however small the chunks */
	if (!d || !(d->in = malloc(cap < MAGIC_MAX ? MAGIC_MAX : cap))) {
		free(d);
		return pw_error_set(e, PW_ERR_NOMEM, "%s: out of memory", path);
	}
	d->path = path;
	pw_err rc = open_file(path, &d->fd, e);
	if (rc) {
		free(d->in);
		free(d);
		return rc;
	}
	while (rc == PW_OK && d->in_len < MAGIC_MAX && !d->in_eof) {
		ssize_t n = read(d->fd, d->in + d->in_len, MAGIC_MAX - d->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
		else if (n == 0)
			d->in_eof = true;
		else
			d->in_len += (size_t)n;
	}
	d->in_cap = cap;
	if (rc == PW_OK) {
		d->codec = sniff(d->in, d->in_len);
		rc = start_codec(d, e);
	}
	if (rc) {
		pw_decoder_close(d);
		return rc;
	}
	*out = d;
	return PW_OK;
}

pw_err pw_decoder_read(struct pw_decoder *d, char *dst, size_t cap, size_t *n, struct pw_error *e)
{
	size_t made = 0;
	pw_err rc = PW_OK;
	if (cap > PW_DECODER_MAX_OUTPUT - d->out_total && !d->done)
		cap = PW_DECODER_MAX_OUTPUT - d->out_total + 1; /* one byte over tells */
	while (rc == PW_OK && made < cap && !d->done) {
		/* uncompressed: the file straight into dst once the magic is used */
		if (d->codec == CODEC_PLAIN && in_left(d) == 0 && !d->in_eof) {
			ssize_t r = read(d->fd, dst + made, cap - made);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				rc = pw_error_set(e, PW_ERR_IO, "%s: %s", d->path, strerror(errno));
			else if (r == 0)
				d->in_eof = d->done = true;
			else
				made += (size_t)r;
			continue;
		}
		if ((rc = fill(d, e)))
			break;
		switch (d->codec) {
		case CODEC_PLAIN: rc = step_plain(d, dst + made, cap - made, &made, e); break;
		case CODEC_GZIP: rc = step_gzip(d, dst + made, cap - made, &made, e); break;
		case CODEC_XZ: rc = step_xz(d, dst + made, cap - made, &made, e); break;
		case CODEC_LZ4: rc = step_lz4(d, dst + made, cap - made, &made, e); break;
		case CODEC_ZSTD: rc = step_zstd(d, dst + made, cap - made, &made, e); break;
		case CODEC_BZIP2: rc = step_bzip2(d, dst + made, cap - made, &made, e); break;
		}
	}
	d->out_total += made;
	if (rc == PW_OK && d->out_total > PW_DECODER_MAX_OUTPUT)
		rc = pw_error_set(e, PW_ERR_LIMIT, "%s: more than %zu bytes once decompressed",
				  d->path, (size_t)PW_DECODER_MAX_OUTPUT);
	*n = rc ? 0 : made;
	return rc;
}

void pw_decoder_close(struct pw_decoder *d)
{
	if (!d)
		return;
	if (d->started) {
		switch (d->codec) {
		case CODEC_PLAIN: break;
		case CODEC_GZIP: inflateEnd(&d->c.gz); break;
		case CODEC_XZ: lzma_end(&d->c.xz); break;
		case CODEC_LZ4: LZ4F_freeDecompressionContext(d->c.lz4); break;
		case CODEC_ZSTD: ZSTD_freeDStream(d->c.zstd); break;
		case CODEC_BZIP2: BZ2_bzDecompressEnd(&d->c.bz); break;
		}
	}
	if (d->fd >= 0)
		close(d->fd);
	free(d->in);
	free(d);
}

pw_err pw_decompress_file(const char *path, struct pw_buf *out, struct pw_error *e)
{
	struct pw_decoder *d;
	pw_err rc = pw_decoder_open(path, 0, &d, e);
	if (rc)
		return rc;
	for (;;) {
		if ((rc = pw_buf_grow(out, OUT_CHUNK))) {
			rc = pw_error_set(e, rc, "%s: %s", path, pw_strerror(rc));
			break;
		}
		size_t n;
		if ((rc = pw_decoder_read(d, out->data + out->len, OUT_CHUNK, &n, e)) || n == 0)
			break;
		out->len += n;
	}
	if (rc == PW_OK && out->data)
		out->data[out->len] = '\0';
	pw_decoder_close(d);
	return rc;
}
