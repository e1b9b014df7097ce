/* hostfacts.c - host identity: os-release, machine-id, hostname, uname.
 *
 * Under a --root every path is resolved inside the root: an absolute
 * symlink such as etc/os-release -> /usr/lib/os-release is read from the
 * root's usr/lib, never from the live host, and ".." cannot climb above it.
 */
#include "pw_hostfacts.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_file.h"

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static bool is_live(const struct pw_inventory *inv)
{
	return !inv->root || strcmp(inv->root, "/") == 0;
}

/* Normalize an absolute path lexically ("/a/./b/../c" -> "/a/c"), never
 * above "/". Writes into out (size PATH_MAX). */
static void normalize(const char *path, char *out)
{
	size_t n = 0;
	out[n++] = '/';
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
			while (n > 1 && out[n - 1] != '/')
				n--;
		} else if (n + len + 1 < PATH_MAX) {
			if (out[n - 1] != '/')
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = '\0';
}

/* Resolve `path` (absolute, as seen inside the root) following symlinks in
 * its last component inside the root; returns a new host path or NULL. */
static char *resolve_in_root(const char *root, const char *path)
{
	char cur[PATH_MAX], target[PATH_MAX], joined[PATH_MAX * 2];
	normalize(path, cur);
	for (int hops = 0; hops < 8; hops++) {
		char *host = pw_path_join(root, cur);
		if (!host)
			return NULL;
		ssize_t n = readlink(host, target, sizeof(target) - 1);
		if (n < 0)
			return host; /* not a symlink (or absent): read it as is */
		free(host);
		target[n] = '\0';
		if (target[0] == '/') {
			normalize(target, cur);
		} else {
			char *slash = strrchr(cur, '/');
			size_t dirlen = slash ? (size_t)(slash - cur) : 0;
			snprintf(joined, sizeof(joined), "%.*s/%s", (int)dirlen, cur, target);
			normalize(joined, cur);
		}
	}
	return NULL; /* a loop */
}

/* Read the first line of a file under the root into the arena; NULL if absent. */
static const char *read_first_line(struct pw_inventory *inv, const char *path)
{
	char *host = resolve_in_root(inv->root, path);
	if (!host)
		return NULL;
	struct pw_file f;
	const char *s = NULL;
	if (pw_file_read(&f, host, NULL) == PW_OK) {
		struct pw_blob rest = f.data, line;
		if (pw_blob_next_line(&rest, &line)) {
			line = pw_blob_trim(line);
			if (line.len && !memchr(line.ptr, '\0', line.len))
				s = pw_inventory_blobdup(inv, line);
		}
		pw_file_close(&f);
	}
	free(host);
	return s;
}

/* os-release(5) values: optionally quoted; in double quotes \" \\ \$ \` are
 * escapes. Returns false for an unterminated quote. */
static bool unquote(struct pw_blob v, struct pw_buf *out)
{
	if (v.len && (v.ptr[0] == '"' || v.ptr[0] == '\'')) {
		char q = v.ptr[0];
		size_t i = 1;
		for (; i < v.len && v.ptr[i] != q; i++) {
			if (q == '"' && v.ptr[i] == '\\' && i + 1 < v.len)
				i++;
			if (pw_buf_addc(out, v.ptr[i]))
				return false;
		}
		return i < v.len;
	}
	return pw_buf_add(out, v.ptr, v.len) == PW_OK;
}

pw_err pw_hostfacts_parse_os_release(struct pw_inventory *inv, struct pw_blob data,
				     const char *path, struct pw_error *e)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "ID", offsetof(struct pw_host_facts, os_id) },
		{ "VERSION_ID", offsetof(struct pw_host_facts, os_version_id) },
		{ "VERSION_CODENAME", offsetof(struct pw_host_facts, os_codename) },
		{ "ID_LIKE", offsetof(struct pw_host_facts, os_id_like) },
		{ "PRETTY_NAME", offsetof(struct pw_host_facts, os_pretty_name) },
	};
	struct pw_blob rest = data, line;
	const char *version = NULL, *ubuntu_codename = NULL;
	size_t lineno = 0;
	struct pw_buf val = PW_BUF_INIT;
	pw_buf_init(&val, 4096);
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		line = pw_blob_trim(line);
		if (line.len == 0 || line.ptr[0] == '#')
			continue;
		struct pw_blob key, value;
		if (!pw_blob_split(line, '=', &key, &value) || key.len == 0) {
			if (pw_inventory_warn(inv, "%s:%zu: not KEY=value", path, lineno))
				goto fail;
			continue;
		}
		pw_buf_reset(&val);
		if (!unquote(pw_blob_trim(value), &val)) {
			if (pw_inventory_warn(inv, "%s:%zu: unterminated quote or value too long", path,
					      lineno))
				goto fail;
			continue;
		}
		const char *s = pw_inventory_strdup(inv, val.data ? val.data : "");
		if (!s)
			goto fail;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (pw_blob_eq_cstr(key, keys[i].key))
				*(const char **)((char *)&inv->host + keys[i].off) = s;
		}
		if (pw_blob_eq_cstr(key, "VERSION"))
			version = s;
		else if (pw_blob_eq_cstr(key, "UBUNTU_CODENAME"))
			ubuntu_codename = s;
	}
	pw_buf_free(&val);
	if (!inv->host.os_codename && ubuntu_codename && *ubuntu_codename)
		inv->host.os_codename = ubuntu_codename;
	/* older files: VERSION="9 (stretch)" */
	if (!inv->host.os_codename && version) {
		const char *open = strchr(version, '('), *close = open ? strchr(open, ')') : NULL;
		if (open && close && close > open + 1)
			inv->host.os_codename = pw_inventory_blobdup(
				inv, pw_blob(open + 1, (size_t)(close - open - 1)));
	}
	return PW_OK;
fail:
	pw_buf_free(&val);
	return nomem(e);
}

static bool is_machine_id(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (const char *p = s; *p; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	}
	return true;
}

pw_err pw_hostfacts_collect(struct pw_inventory *inv, struct pw_error *e)
{
	static const char *const os_release[] = { "/etc/os-release", "/usr/lib/os-release" };
	for (size_t i = 0; i < 2; i++) {
		char *host = resolve_in_root(inv->root, os_release[i]);
		if (!host)
			continue;
		struct pw_file f;
		pw_err rc = pw_file_read(&f, host, NULL);
		if (rc == PW_OK) {
			rc = pw_hostfacts_parse_os_release(inv, f.data, host, e);
			pw_file_close(&f);
			free(host);
			if (rc)
				return rc;
			break;
		}
		free(host);
	}

	const char *mid = read_first_line(inv, "/etc/machine-id");
	if (mid && !is_machine_id(mid)) {
		if (pw_inventory_warn(inv, "%s/etc/machine-id: not 32 hexadecimal digits: '%s'",
				      is_live(inv) ? "" : inv->root, mid))
			return nomem(e);
		mid = NULL;
	}
	inv->host.machine_id = mid;

	if (is_live(inv)) {
		char name[256];
		if (gethostname(name, sizeof(name)) == 0) {
			name[sizeof(name) - 1] = '\0';
			inv->host.hostname = pw_inventory_strdup(inv, name);
		}
		struct utsname u;
		if (uname(&u) == 0) {
			inv->host.arch = pw_inventory_strdup(inv, u.machine);
			inv->host.kernel_release = pw_inventory_strdup(inv, u.release);
			inv->host.kernel_version = pw_inventory_strdup(inv, u.version);
		}
	} else {
		inv->host.hostname = read_first_line(inv, "/etc/hostname");
	}
	return PW_OK;
}
