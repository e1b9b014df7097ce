/* feed.c - feed kinds, detection, and the import driver for files,
 * directories, compressed files and zip archives.
 *
 * A plain file is mapped (pw_file) and parsed in place. A compressed file
 * (.gz, .xz, .bz2, .zst, .lz4 — libarchive's raw format behind all its
 * filters, told apart by content, not by name) and each member of a zip are
 * read into one reused buffer, never extracted to disk. The buffer is
 * bounded: a zip member (one OSV record) past 64 MiB, or a whole
 * decompressed file past 1 GiB, is PW_ERR_LIMIT naming it — a feed file
 * that large is an attack or a mistake, not data.
 *
 * Directories are walked recursively in sorted order (so an import is
 * reproducible); dot files, licence/readme files and JSON Schemas are not
 * data and are passed over, and for OSV so is every file that is not JSON. Progress is
 * reported as bytes read of the file (a single file or zip) or as files
 * done of the files found (a directory).
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
#include "pw_file.h"

#define MEMBER_MAX ((size_t)64 << 20)  /* one zip member, decompressed */
#define FILE_MAX ((size_t)1 << 30)     /* one compressed file, decompressed */
#define DIR_DEPTH_MAX 16
#define NAME_MAX_LEN 1024

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
		if (name && strcmp(name, kind_names[i]) == 0) {
			*out = (enum pw_feed_kind)i;
			return true;
		}
	}
	return false;
}

/* ---- detection ---- */

static bool head_has(struct pw_blob head, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= head.len; i++) {
		if (memcmp(head.ptr + i, needle, n) == 0)
			return true;
	}
	return false;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_space(struct pw_blob b, size_t i)
{
	while (i < b.len && is_space(b.ptr[i]))
		i++;
	return i;
}

/* A leading UTF-8 byte order mark is not content. */
static struct pw_blob skip_bom(struct pw_blob b)
{
	if (b.len >= 3 && memcmp(b.ptr, "\xef\xbb\xbf", 3) == 0)
		return pw_blob(b.ptr + 3, b.len - 3);
	return b;
}

/* "[29 Mar 2023] DSA-" or "DLA-": the tracker's advisory list. */
static bool starts_advisory_list(struct pw_blob h, const char *prefix)
{
	size_t i = 0;
	if (h.len < 1 || h.ptr[i++] != '[')
		return false;
	size_t d = 0;
	while (i < h.len && h.ptr[i] >= '0' && h.ptr[i] <= '9' && d < 2)
		i++, d++;
	if (d == 0 || i >= h.len || h.ptr[i++] != ' ')
		return false;
	for (int k = 0; k < 3; k++, i++) {
		if (i >= h.len || !((h.ptr[i] >= 'A' && h.ptr[i] <= 'Z') || (h.ptr[i] >= 'a' && h.ptr[i] <= 'z')))
			return false;
	}
	if (i >= h.len || h.ptr[i++] != ' ')
		return false;
	for (int k = 0; k < 4; k++, i++) {
		if (i >= h.len || h.ptr[i] < '0' || h.ptr[i] > '9')
			return false;
	}
	size_t n = strlen(prefix);
	return i + 2 + n <= h.len && h.ptr[i] == ']' && h.ptr[i + 1] == ' ' &&
	       memcmp(h.ptr + i + 2, prefix, n) == 0;
}

/* The tracker's JSON: {"srcpkg": {"CVE-...": ... — an object of source
 * packages whose values are objects keyed by CVE (or TEMP-) ids. */
static bool starts_tracker_json(struct pw_blob h)
{
	size_t i = skip_space(h, 0);
	if (i >= h.len || h.ptr[i++] != '{')
		return false;
	i = skip_space(h, i);
	if (i >= h.len || h.ptr[i++] != '"')
		return false;
	while (i < h.len && h.ptr[i] != '"') {
		if (h.ptr[i] == '\\')
			return false; /* package names need no escapes */
		i++;
	}
	if (i >= h.len)
		return false;
	i = skip_space(h, i + 1);
	if (i >= h.len || h.ptr[i++] != ':')
		return false;
	i = skip_space(h, i);
	if (i >= h.len || h.ptr[i++] != '{')
		return false;
	i = skip_space(h, i);
	struct pw_blob rest = pw_blob(h.ptr + i, h.len - i);
	return pw_blob_starts_with(rest, "\"CVE-") || pw_blob_starts_with(rest, "\"TEMP-");
}

bool pw_feed_detect(const char *name, struct pw_blob head, enum pw_feed_kind *out)
{
	const char *base = name ? strrchr(name, '/') : NULL;
	base = base ? base + 1 : name ? name : "";
	head = skip_bom(head);
	if (head.len > 4096)
		head.len = 4096;
	struct pw_blob trimmed = pw_blob(head.ptr + skip_space(head, 0), head.len - skip_space(head, 0));
	bool json = trimmed.len && (trimmed.ptr[0] == '{' || trimmed.ptr[0] == '[');

	if (pw_blob_starts_with(head, "#model_version") || pw_blob_starts_with(head, "cve,epss,percentile"))
		*out = PW_FEED_EPSS;
	else if (starts_advisory_list(head, "DSA-"))
		*out = PW_FEED_DSA;
	else if (starts_advisory_list(head, "DLA-"))
		*out = PW_FEED_DLA;
	else if (json && head_has(head, "\"catalogVersion\""))
		*out = PW_FEED_KEV;
	else if (json && head_has(head, "\"NVD_CVE\"") && head_has(head, "\"vulnerabilities\""))
		*out = PW_FEED_NVD;
	else if (json && head_has(head, "\"distroversion\"") && head_has(head, "\"packages\""))
		*out = PW_FEED_ALPINE_SECDB;
	else if (!json && (pw_blob_starts_with(head, "---") || pw_blob_starts_with(head, "distroversion:") ||
			   pw_blob_starts_with(head, "packages:")))
		*out = PW_FEED_ALPINE_SECDB;
	else if (json && starts_tracker_json(trimmed))
		*out = PW_FEED_DEBIAN_TRACKER;
	else if (json && head_has(head, "\"id\"") &&
		 (head_has(head, "\"affected\"") || head_has(head, "\"modified\"")))
		*out = PW_FEED_OSV;
	else if (strcmp(base, "DSA-list") == 0)
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

/* ---- the import driver ---- */

/* Not feed data, wherever it lies: dot files, licences, readmes, and the
 * JSON Schemas published beside feeds (CISA's
 * known_exploited_vulnerabilities_schema.json). */
static bool is_not_data(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	static const char *const prefixes[] = { "LICENSE", "LICENCE", "COPYING", "NOTICE", "README" };
	if (base[0] == '.' || base[0] == '\0')
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	}
	size_t n = strlen(base);
	return (n > 3 && strcmp(base + n - 3, ".md") == 0) ||
	       (n >= 11 && strcmp(base + n - 11, "schema.json") == 0);
}

/* OSV files are JSON, possibly compressed (".json", ".json.gz"). */
static bool is_json_name(const char *path)
{
	const char *base = strrchr(path, '/');
	return strstr(base ? base : path, ".json") != NULL;
}

/* Whether a file or member found while walking is passed over. */
static bool passed_over(const char *path, enum pw_feed_kind kind)
{
	return is_not_data(path) || (kind == PW_FEED_OSV && !is_json_name(path));
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

/* Read the current archive entry into buf, at most max bytes. */
static pw_err read_entry(struct archive *a, struct pw_buf *buf, size_t max, const char *what,
			 const char *name, struct pw_error *e)
{
	char chunk[1 << 16];
	pw_buf_reset(buf);
	buf->max = max;
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
		if (n == 0)
			return PW_OK;
		if (n < 0)
			return pw_error_set(e, PW_ERR_PARSE, "%s: %s", name, archive_error_string(a));
		pw_err rc = pw_buf_add(buf, chunk, (size_t)n);
		if (rc == PW_ERR_LIMIT)
			return pw_error_set(e, PW_ERR_LIMIT, "%s: %s is larger than %zu MiB decompressed",
					    name, what, max >> 20);
		if (rc)
			return pw_error_set(e, rc, "%s: out of memory", name);
	}
}

static struct archive *open_archive(const char *path)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		/* keep `a` for its error string; the caller frees it */
	}
	return a;
}

static bool is_plain(struct archive *a)
{
	return (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW &&
	       archive_filter_count(a) <= 1 && archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
}

static pw_err import_mapped(const char *path, enum pw_feed_kind kind,
			    const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct pw_file f;
	pw_err rc = pw_file_read(&f, path, e);
	if (rc)
		return rc;
	rc = parse_one(kind, f.data, path, sink, e);
	if (rc == PW_OK && sink->progress)
		sink->progress(sink->ctx, f.data.len, f.data.len);
	pw_file_close(&f);
	return rc;
}

/* A file: plain (mapped), compressed (one stream), or a zip (each member). */
static pw_err import_file(const char *path, enum pw_feed_kind kind,
			  const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "%s: no such file", path);
	if (st.st_size == 0)
		return import_mapped(path, kind, sink, e); /* libarchive sees no stream in nothing */
	struct archive *a = open_archive(path);
	struct archive_entry *entry;
	struct pw_buf buf;
	pw_err rc = PW_OK;
	if (!a)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_buf_init(&buf, MEMBER_MAX);
	int r = archive_read_next_header(a, &entry);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path,
				  archive_error_string(a) ? archive_error_string(a) : "cannot read");
		goto out;
	}
	if (is_plain(a)) {
		archive_read_free(a);
		a = NULL;
		rc = import_mapped(path, kind, sink, e);
		goto out;
	}
	bool zip = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
	uint64_t total = (uint64_t)st.st_size;
	char name[NAME_MAX_LEN];
	for (; r == ARCHIVE_OK || r == ARCHIVE_WARN; r = archive_read_next_header(a, &entry)) {
		if (!zip) { /* a compressed file: its one stream */
			if ((rc = read_entry(a, &buf, FILE_MAX, "it", path, e)))
				goto out;
			if ((rc = parse_one(kind, pw_blob(buf.data ? buf.data : "", buf.len), path, sink, e)))
				goto out;
			continue;
		}
		const char *member = archive_entry_pathname(entry);
		if (archive_entry_filetype(entry) != AE_IFREG || !member || passed_over(member, kind))
			continue;
		int n = snprintf(name, sizeof(name), "%s:%s", path, member);
		if (n < 0 || (size_t)n >= sizeof(name)) {
			rc = pw_error_set(e, PW_ERR_LIMIT, "%s: a member name is too long", path);
			goto out;
		}
		if ((rc = read_entry(a, &buf, MEMBER_MAX, "the member", name, e)))
			goto out;
		if ((rc = parse_one(kind, pw_blob(buf.data ? buf.data : "", buf.len), name, sink, e)))
			goto out;
		if (sink->progress)
			sink->progress(sink->ctx, (uint64_t)archive_filter_bytes(a, -1), total);
	}
	if (r != ARCHIVE_EOF) {
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: %s", path,
				  archive_error_string(a) ? archive_error_string(a) : "cannot read");
		goto out;
	}
	if (sink->progress)
		sink->progress(sink->ctx, total, total);
out:
	pw_buf_free(&buf);
	if (a)
		archive_read_free(a);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct dir_list {
	char **paths;
	size_t n, cap;
};

static void dir_list_free(struct dir_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	*l = (struct dir_list){ 0 };
}

/* Every data file below path, recursively, sorted. */
static pw_err list_dir(const char *path, enum pw_feed_kind kind, int depth, struct dir_list *l,
		       struct pw_error *e)
{
	if (depth > DIR_DEPTH_MAX)
		return pw_error_set(e, PW_ERR_LIMIT, "%s: directories nested deeper than %d", path,
				    DIR_DEPTH_MAX);
	DIR *d = opendir(path);
	if (!d)
		return pw_error_set(e, PW_ERR_IO, "%s: cannot open the directory", path);
	struct dir_list here = { 0 };
	pw_err rc = PW_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (here.n == here.cap) {
			size_t cap = here.cap ? here.cap * 2 : 64;
			char **p = realloc(here.paths, cap * sizeof(*p));
			if (!p) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				goto out;
			}
			here.paths = p;
			here.cap = cap;
		}
		char *child = pw_path_join(path, de->d_name);
		if (!child) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			goto out;
		}
		here.paths[here.n++] = child;
	}
	qsort(here.paths, here.n, sizeof(*here.paths), cmp_names);
	for (size_t i = 0; i < here.n && rc == PW_OK; i++) {
		struct stat st;
		if (stat(here.paths[i], &st) != 0)
			continue; /* a dangling link */
		if (S_ISDIR(st.st_mode)) {
			rc = list_dir(here.paths[i], kind, depth + 1, l, e);
			continue;
		}
		if (!S_ISREG(st.st_mode) || passed_over(here.paths[i], kind))
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			char **p = realloc(l->paths, cap * sizeof(*p));
			if (!p) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				goto out;
			}
			l->paths = p;
			l->cap = cap;
		}
		l->paths[l->n++] = here.paths[i];
		here.paths[i] = NULL;
	}
out:
	for (size_t i = 0; i < here.n; i++)
		free(here.paths[i]);
	free(here.paths);
	closedir(d);
	return rc;
}

static pw_err import_dir(const char *path, enum pw_feed_kind kind,
			 const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct dir_list l = { 0 };
	pw_err rc = list_dir(path, kind, 0, &l, e);
	/* progress counts files here; the files' own byte progress would mix units */
	struct pw_feed_sink inner = *sink;
	inner.progress = NULL;
	for (size_t i = 0; i < l.n && rc == PW_OK; i++) {
		rc = import_file(l.paths[i], kind, &inner, e);
		if (rc == PW_OK && sink->progress)
			sink->progress(sink->ctx, i + 1, l.n);
	}
	dir_list_free(&l);
	return rc;
}

bool pw_feed_detect_path(const char *path, enum pw_feed_kind *out)
{
	struct stat st;
	if (!path || stat(path, &st) != 0)
		return false;
	if (S_ISDIR(st.st_mode)) {
		/* the first data file, in import order, decides */
		struct dir_list l = { 0 };
		bool ok = list_dir(path, PW_FEED_KIND_COUNT, 0, &l, NULL) == PW_OK && l.n > 0 &&
			  pw_feed_detect_path(l.paths[0], out);
		dir_list_free(&l);
		return ok;
	}
	if (st.st_size == 0)
		return false;
	struct archive *a = open_archive(path);
	struct archive_entry *entry;
	bool ok = false;
	if (!a)
		return false;
	char head[4096];
	int r;
	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *member = archive_entry_pathname(entry);
		bool zip = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
		if (zip && (archive_entry_filetype(entry) != AE_IFREG || !member || is_not_data(member)))
			continue;
		size_t n = 0;
		while (n < sizeof(head)) {
			la_ssize_t k = archive_read_data(a, head + n, sizeof(head) - n);
			if (k <= 0)
				break;
			n += (size_t)k;
		}
		ok = n > 0 && pw_feed_detect(zip ? member : path, pw_blob(head, n), out);
		break;
	}
	archive_read_free(a);
	return ok;
}

pw_err pw_feed_import_path(const char *path, enum pw_feed_kind kind,
			   const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct stat st;
	if (!path || stat(path, &st) != 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "%s: no such file or directory",
				    path ? path : "(null)");
	if (S_ISDIR(st.st_mode))
		return import_dir(path, kind, sink, e);
	if (!S_ISREG(st.st_mode))
		return pw_error_set(e, PW_ERR_UNSUPPORTED, "%s: not a regular file or directory", path);
	return import_file(path, kind, sink, e);
}
