/* file.c - whole-file reading. */
#include "pw_file.h"
#include "pw_buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char empty_file[1] = "";

static pw_err read_stream(int fd, struct pw_file *f, const char *path, struct pw_error *e)
{
	struct pw_buf b = PW_BUF_INIT;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			pw_buf_free(&b);
			return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(err));
		}
		if (n == 0)
			break;
		pw_err rc = pw_buf_add(&b, chunk, (size_t)n);
		if (rc) {
			pw_buf_free(&b);
			return pw_error_set(e, rc, "%s: %s", path, pw_strerror(rc));
		}
	}
	f->data = b.data ? pw_blob(b.data, b.len) : pw_blob(empty_file, 0);
	f->mapped = false;
	return PW_OK;
}

pw_err pw_file_read(struct pw_file *f, const char *path, struct pw_error *e)
{
	f->data = PW_BLOB_NULL;
	f->mapped = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		return pw_error_set(e, err == ENOENT ? PW_ERR_NOTFOUND : PW_ERR_IO,
				    "%s: %s", path, strerror(err));
	}
	struct stat st;
	pw_err rc = PW_OK;
	if (fstat(fd, &st) < 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: is a directory", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		/* MAP_POPULATE: every caller reads the whole file, and mapping it
		 * in one go is cheaper than a page fault per 4 KiB */
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
			       0);
		if (p != MAP_FAILED) {
			f->data = pw_blob(p, (size_t)st.st_size);
			f->mapped = true;
			goto out;
		}
	}
	rc = read_stream(fd, f, path, e);
out:
	close(fd);
	return rc;
}

void pw_file_close(struct pw_file *f)
{
	if (f->mapped)
		munmap((void *)f->data.ptr, f->data.len);
	else if (f->data.ptr && f->data.ptr != empty_file)
		free((void *)f->data.ptr);
	f->data = PW_BLOB_NULL;
	f->mapped = false;
}

char *pw_path_join(const char *root, const char *path)
{
	struct pw_buf b = PW_BUF_INIT;
	if (root && *root && strcmp(root, "/") != 0) {
		size_t n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			n--;
		if (pw_buf_add(&b, root, n))
			goto fail;
		if (path[0] != '/' && pw_buf_addc(&b, '/'))
			goto fail;
	}
	if (pw_buf_adds(&b, path))
		goto fail;
	return pw_buf_detach(&b);
fail:
	pw_buf_free(&b);
	return NULL;
}
