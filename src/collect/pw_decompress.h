/* pw_decompress.h - read a file that may be compressed (gzip, xz, lz4,
 * zstd, bzip2), told apart by its magic bytes.
 *
 * The collectors run on every host (the agent links them), so they use the
 * small codec libraries directly instead of libarchive, whose libxml2 and
 * ICU dependencies alone cost a few milliseconds at every process start.
 */
#ifndef PW_DECOMPRESS_H
#define PW_DECOMPRESS_H

#include "pw_buf.h"
#include "pw_err.h"

/* Append the decompressed contents of path to out (whose cap bounds the
 * output). A file with no known magic is copied as is. e names the file
 * and the codec's complaint. */
pw_err pw_decompress_file(const char *path, struct pw_buf *out, struct pw_error *e);

#endif
