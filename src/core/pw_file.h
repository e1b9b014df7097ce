/* pw_file.h - read a whole file into memory (mmap when possible).
 *
 * Package databases are read once, front to back; mapping them avoids a copy.
 * The contents are read-only and not NUL-terminated: use them as a pw_blob.
 */
#ifndef PW_FILE_H
#define PW_FILE_H

#include <stdbool.h>

#include "pw_blob.h"
#include "pw_err.h"

struct pw_file {
	struct pw_blob data;
	bool mapped;
};

/* Read path into f. An empty file yields an empty blob with a non-NULL ptr.
 * On error, e names the path and the reason. Release with pw_file_close(). */
pw_err pw_file_read(struct pw_file *f, const char *path, struct pw_error *e);
void pw_file_close(struct pw_file *f);

/* Join root and path ("/" or NULL root means path as is) into a new string
 * the caller frees. Returns NULL on ENOMEM. */
char *pw_path_join(const char *root, const char *path);

#endif
