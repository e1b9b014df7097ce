/* feed.c - feed kinds, detection, and the import driver for files,
 * directories, compressed files and zip archives.
 *
 * Zip members and compressed files are read with libarchive, one member at
 * a time into memory (bounded), never extracted to disk.
 */
#include "pw_feeds.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_buf.h"

#define MEMBER_MAX ((size_t)256 << 20) /* one feed file, decompressed */

static const char *const kind_names[PW_FEED_KIND_COUNT] = {
	[PW_FEED_OSV] = "osv",
	[PW_FEED_DEBIAN_TRACKER] = "debian-tracker",
	[PW_FEED_DSA] = "dsa",
	[PW_FEED_DLA] = "dla",
	[PW_FEED_ALPINE_SECDB] = "alpine-secdb",
	[PW_FEED_KEV] = "kev",
	[PW_FEED_EPSS] = "epss",
	[PW_FEED_NVD] = "nvd",
};

const char *pw_feed_kind_name(enum pw_feed_kind k)
{
	return (unsigned)k < PW_FEED_KIND_COUNT ? kind_names[k] : "unknown";
}

bool pw_feed_kind_parse(const char *name, enum pw_feed_kind *out)
{
	for (int i = 0; i < PW_FEED_KIND_COUNT; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (enum pw_feed_kind)i;
			return true;
		}
	}
	return false;
}

static bool head_has(struct pw_blob head, const char *needle)
{
	size_t n = strlen(needle);
	if (head.len < n)
		return false;
	for (size_t i = 0; i + n <= head.len; i++) {
		if (memcmp(head.ptr + i, needle, n) == 0)
			return true;
	}
	return false;
}

bool pw_feed_detect(const char *name, struct pw_blob head, enum pw_feed_kind *out)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (head.len > 4096)
		head.len = 4096;
	if (pw_blob_starts_with(head, "#model_version") || pw_blob_starts_with(head, "cve,epss,percentile"))
		*out = PW_FEED_EPSS;
	else if (head_has(head, "] DSA-"))
		*out = PW_FEED_DSA;
	else if (head_has(head, "] DLA-"))
		*out = PW_FEED_DLA;
	else if (head_has(head, "\"catalogVersion\""))
		*out = PW_FEED_KEV;
	else if (head_has(head, "\"NVD_CVE\"") || head_has(head, "\"cveTags\""))
		*out = PW_FEED_NVD;
	else if (head_has(head, "\"distroversion\"") || head_has(head, "distroversion:") ||
		 (head_has(head, "secfixes") && head_has(head, "packages")))
		*out = PW_FEED_ALPINE_SECDB;
	else if (head_has(head, "\"affected\"") || (head_has(head, "\"id\"") && head_has(head, "\"modified\"")))
		*out = PW_FEED_OSV;
	else if (head_has(head, "\"releases\"") && head_has(head, "\"CVE-"))
		*out = PW_FEED_DEBIAN_TRACKER;
	else if (strcmp(base, "DSA-list") == 0 || strcmp(base, "list") == 0)
		*out = PW_FEED_DSA;
	else if (strcmp(base, "DLA-list") == 0)
		*out = PW_FEED_DLA;
	else
		return false;
	return true;
}

pw_err pw_feed_parse(enum pw_feed_kind kind, struct pw_blob data, const char *name,
		     const struct pw_feed_sink *sink, struct pw_error *e)
{
	switch (kind) {
	case PW_FEED_OSV: return pw_feed_parse_osv(data, name, sink, e);
	case PW_FEED_DEBIAN_TRACKER: return pw_feed_parse_debian_tracker(data, name, sink, e);
	case PW_FEED_DSA:
	case PW_FEED_DLA: return pw_feed_parse_dsa_list(data, name, kind, sink, e);
	case PW_FEED_ALPINE_SECDB: return pw_feed_parse_alpine_secdb(data, name, sink, e);
	case PW_FEED_KEV: return pw_feed_parse_kev(data, name, sink, e);
	case PW_FEED_EPSS: return pw_feed_parse_epss(data, name, sink, e);
	case PW_FEED_NVD: return pw_feed_parse_nvd(data, name, sink, e);
	case PW_FEED_KIND_COUNT: break;
	}
	return pw_error_set(e, PW_ERR_USAGE, "%s: no feed kind given", name);
}

/* Parse one in-memory input, detecting its kind when asked to. */
static pw_err parse_one(enum pw_feed_kind kind, struct pw_blob data, const char *name,
			const struct pw_feed_sink *sink, struct pw_error *e)
{
	if (kind == PW_FEED_KIND_COUNT && !pw_feed_detect(name, data, &kind))
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "%s: cannot tell which feed this is; name it with --kind", name);
	return pw_feed_parse(kind, data, name, sink, e);
}

/* Read the current archive entry into buf (bounded). */
static pw_err read_entry(struct archive *a, struct pw_buf *buf, const char *name, struct pw_error *e)
{
	char chunk[1 << 16];
	pw_buf_reset(buf);
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
		if (n == 0)
			return PW_OK;
		if (n < 0)
			return pw_error_set(e, PW_ERR_PARSE, "%s: %s", name, archive_error_string(a));
		if (pw_buf_add(buf, chunk, (size_t)n))
			return pw_error_set(e, PW_ERR_LIMIT, "%s: larger than %zu MiB", name,
					    MEMBER_MAX >> 20);
	}
}

static bool is_zip(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcmp(path + n - 4, ".zip") == 0;
}

/* A zip: every member, in archive order; a plain or compressed file: its
 * one stream. */
static pw_err import_archive(const char *path, enum pw_feed_kind kind,
			     const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	struct pw_buf buf;
	pw_err rc = PW_OK;
	if (!a)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_buf_init(&buf, MEMBER_MAX);
	archive_read_support_filter_all(a);
	if (is_zip(path))
		archive_read_support_format_zip(a);
	else
		archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path, archive_error_string(a));
		goto out;
	}
	struct stat st;
	uint64_t total = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	int r;
	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
		if (archive_entry_filetype(entry) == AE_IFDIR)
			continue;
		const char *member = archive_entry_pathname(entry);
		char name[1024];
		if (is_zip(path))
			snprintf(name, sizeof(name), "%s:%s", path, member ? member : "?");
		else
			snprintf(name, sizeof(name), "%s", path);
		if (is_zip(path) && member && strlen(member) > 5 &&
		    strcmp(member + strlen(member) - 5, ".json") != 0)
			continue; /* LICENSE, README in an OSV zip */
		if ((rc = read_entry(a, &buf, name, e)))
			goto out;
		if ((rc = parse_one(kind, pw_blob(buf.data ? buf.data : "", buf.len), name, sink, e)))
			goto out;
		if (sink->progress)
			sink->progress(sink->ctx, (uint64_t)archive_filter_bytes(a, -1), total);
	}
	if (r != ARCHIVE_EOF)
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: %s", path, archive_error_string(a));
out:
	pw_buf_free(&buf);
	archive_read_free(a);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static pw_err import_dir(const char *path, enum pw_feed_kind kind,
			 const struct pw_feed_sink *sink, int depth, struct pw_error *e)
{
	if (depth > 16)
		return pw_error_set(e, PW_ERR_LIMIT, "%s: directories nested too deep", path);
	DIR *d = opendir(path);
	if (!d)
		return pw_error_set(e, PW_ERR_IO, "%s: cannot open directory", path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	pw_err rc = PW_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **p = realloc(names, cap * sizeof(*names));
			if (!p) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				goto out;
			}
			names = p;
		}
		struct pw_buf b = PW_BUF_INIT;
		pw_buf_addf(&b, "%s/%s", path, de->d_name);
		names[n++] = pw_buf_detach(&b);
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && rc == PW_OK; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = import_dir(names[i], kind, sink, depth + 1, e);
		else if (S_ISREG(st.st_mode) && !strstr(names[i], "LICENSE") && !strstr(names[i], "README"))
			rc = import_archive(names[i], kind, sink, e);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

bool pw_feed_detect_path(const char *path, enum pw_feed_kind *out)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	if (S_ISDIR(st.st_mode)) {
		/* the first regular file inside decides */
		DIR *d = opendir(path);
		struct dirent *de;
		bool ok = false;
		while (d && !ok && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			struct pw_buf child = PW_BUF_INIT;
			pw_buf_addf(&child, "%s/%s", path, de->d_name);
			ok = child.data && pw_feed_detect_path(child.data, out);
			pw_buf_free(&child);
		}
		if (d)
			closedir(d);
		return ok;
	}
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	bool ok = false;
	if (!a)
		return false;
	archive_read_support_filter_all(a);
	if (is_zip(path))
		archive_read_support_format_zip(a);
	else
		archive_read_support_format_raw(a);
	char head[4096];
	if (archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK) {
		while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
			if (archive_entry_filetype(entry) == AE_IFDIR)
				continue;
			const char *member = archive_entry_pathname(entry);
			la_ssize_t n = archive_read_data(a, head, sizeof(head));
			ok = n > 0 && pw_feed_detect(member ? member : path, pw_blob(head, (size_t)n), out);
			break;
		}
	}
	archive_read_free(a);
	return ok;
}

pw_err pw_feed_import_path(const char *path, enum pw_feed_kind kind,
			   const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "%s: no such file or directory", path);
	if (S_ISDIR(st.st_mode))
		return import_dir(path, kind, sink, 0, e);
	return import_archive(path, kind, sink, e);
}
