/* pw_decompress.h - read a file that may be compressed (gzip, xz, lz4,
 * zstd, bzip2), told apart by its magic bytes, whole or chunk by chunk.
 *
 * The collectors run on every host (the agent links them), so they use the
 * small codec libraries directly instead of libarchive, whose libxml2 and
 * ICU dependencies alone cost a few milliseconds at every process start.
 */
#ifndef PW_DECOMPRESS_H
#define PW_DECOMPRESS_H

#include <stddef.h>

#include "pw_buf.h"
#include "pw_err.h"

/* Append the decompressed contents of path to out (whose cap bounds the
 * output). A file with no known magic is copied as is. e names the file
 * and the codec's complaint. */
pw_err pw_decompress_file(const char *path, struct pw_buf *out, struct pw_error *e);

/* A decompressing reader, for files too large to hold unpacked (apt's
 * Packages lists: 19 MB of lz4, 50 MB of text). The compressed file is read
 * in chunks of in_chunk bytes (0: 128 KiB; tests pass 1 to cut every codec
 * call short), so memory stays bounded whatever the file's size. Gzip and
 * zstd files may hold several members or frames, as with pw_decompress_file;
 * more than PW_DECODER_MAX_OUTPUT bytes in all is an error (a bomb). */
#define PW_DECODER_MAX_OUTPUT PW_BUF_DEFAULT_MAX
struct pw_decoder;
pw_err pw_decoder_open(const char *path, size_t in_chunk, struct pw_decoder **out,
		       struct pw_error *e);

/* Put up to cap decompressed bytes at dst and their count in *n: fewer
 * only at the end of the data, and 0 once it was reached. A truncated or
 * corrupt file is PW_ERR_PARSE, e naming the file and the codec's
 * complaint ("x.gz: gzip: truncated"); an unreadable one PW_ERR_IO. */
pw_err pw_decoder_read(struct pw_decoder *d, char *dst, size_t cap, size_t *n, struct pw_error *e);
void pw_decoder_close(struct pw_decoder *d);

#endif
