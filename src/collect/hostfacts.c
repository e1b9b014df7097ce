/* hostfacts.c - host identity: os-release, machine-id, hostname, uname.
 *
 * Under a --root every path is resolved inside the root: Debian's
 * etc/os-release -> ../usr/lib/os-release and var/run -> /run, or an image
 * whose etc/os-release -> /usr/lib/os-release, are followed to the root's own
 * files, never to the live host's (which the kernel would do if we simply
 * opened root + path). The kernel's openat2(RESOLVE_IN_ROOT) would do the
 * same, but seccomp profiles of container runtimes often refuse it, and the
 * rpm collector needs a path string to hand to rpm anyway.
 */
#include "pw_hostfacts.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_file.h"

/* Linux's own limit on symlinks followed in one lookup. */
#define MAX_LINK_HOPS 40
/* os-release values are short; a longer one is a broken or hostile file. */
#define MAX_VALUE 4096

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static bool is_live(const struct pw_inventory *inv)
{
	return !inv->root || strcmp(inv->root, "/") == 0;
}

char *pw_hostfacts_resolve(const char *root, const char *path)
{
	if (!root || !*root || strcmp(root, "/") == 0)
		return strdup(path);
	size_t rootlen = strlen(root);
	while (rootlen > 1 && root[rootlen - 1] == '/')
		rootlen--;
	/* host[0..cur) is the root followed by the part resolved so far (no
	 * symlinks left in it); todo[pos..] is what is still to walk */
	char host[PATH_MAX], todo[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
	if (rootlen >= sizeof(host))
		return NULL;
	memcpy(host, root, rootlen);
	size_t cur = rootlen, pos = 0;
	int n = snprintf(todo, sizeof(todo), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(todo))
		return NULL;
	int hops = 0;
	for (;;) {
		while (todo[pos] == '/')
			pos++;
		if (!todo[pos])
			break;
		const char *comp = todo + pos;
		size_t len = strcspn(comp, "/");
		pos += len;
		if (len == 1 && comp[0] == '.')
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			while (cur > rootlen && host[cur - 1] != '/')
				cur--;
			if (cur > rootlen)
				cur--;
			continue;
		}
		if (cur + 1 + len >= sizeof(host))
			return NULL;
		size_t parent = cur;
		host[cur++] = '/';
		memcpy(host + cur, comp, len);
		cur += len;
		host[cur] = '\0';
		struct stat st;
		if (lstat(host, &st) != 0 || !S_ISLNK(st.st_mode))
			continue; /* a file, a directory, or absent: keep walking lexically */
		if (++hops > MAX_LINK_HOPS)
			return NULL;
		ssize_t tn = readlink(host, target, sizeof(target) - 1);
		if (tn <= 0)
			return NULL;
		target[tn] = '\0';
		/* walk the link's target, then what was left after the link */
		n = snprintf(next, sizeof(next), "%s/%s", target, todo + pos);
		if (n < 0 || (size_t)n >= sizeof(next))
			return NULL;
		memcpy(todo, next, (size_t)n + 1);
		pos = 0;
		cur = target[0] == '/' ? rootlen : parent;
	}
	host[cur] = '\0';
	return strdup(host);
}

/* Read the first line of a file inside the root that is neither blank nor
 * (when skip_comments) a '#' comment, into the arena; NULL if none. */
static const char *read_first_line(struct pw_inventory *inv, const char *path, bool skip_comments)
{
	char *host = pw_hostfacts_resolve(inv->root, path);
	if (!host)
		return NULL;
	struct pw_file f;
	const char *s = NULL;
	if (pw_file_read(&f, host, NULL) == PW_OK) {
		struct pw_blob rest = f.data, line;
		while (pw_blob_next_line(&rest, &line)) {
			line = pw_blob_trim(line);
			if (line.len == 0 || (skip_comments && line.ptr[0] == '#'))
				continue;
			if (!memchr(line.ptr, '\0', line.len))
				s = pw_inventory_blobdup(inv, line);
			break;
		}
		pw_file_close(&f);
	}
	free(host);
	return s;
}

enum unquote_result { UNQUOTE_OK, UNQUOTE_TRAILING, UNQUOTE_UNTERMINATED, UNQUOTE_TOO_LONG };

/* An os-release value as systemd's parser reads it: in double quotes a
 * backslash escapes only " \ $ ` (shell rules; any other backslash is kept);
 * single quotes take everything literally; unquoted, a backslash escapes the
 * next character. Concatenated quoted strings are not supported by the
 * specification: text after the closing quote is reported, not appended. */
static enum unquote_result unquote(struct pw_blob v, struct pw_buf *out)
{
	if (v.len && (v.ptr[0] == '"' || v.ptr[0] == '\'')) {
		char q = v.ptr[0];
		size_t i = 1;
		for (; i < v.len && v.ptr[i] != q; i++) {
			char c = v.ptr[i];
			if (q == '"' && c == '\\' && i + 1 < v.len && strchr("\"\\$`", v.ptr[i + 1]) &&
			    v.ptr[i + 1] != '\0')
				c = v.ptr[++i];
			if (pw_buf_addc(out, c))
				return UNQUOTE_TOO_LONG;
		}
		if (i >= v.len)
			return UNQUOTE_UNTERMINATED;
		return i + 1 == v.len ? UNQUOTE_OK : UNQUOTE_TRAILING;
	}
	for (size_t i = 0; i < v.len; i++) {
		char c = v.ptr[i];
		if (c == '\\' && i + 1 < v.len)
			c = v.ptr[++i];
		if (pw_buf_addc(out, c))
			return UNQUOTE_TOO_LONG;
	}
	return UNQUOTE_OK;
}

/* Debian's VERSION="9 (stretch)": the codename is one lowercase word in
 * parentheses. Other distributions put names there that are not codenames
 * ("9.4 (Seafoam Ocelot)", Fedora's "39 (Container Image)"), so anything
 * else is not taken. */
static const char *codename_of_version(struct pw_inventory *inv, const char *version)
{
	const char *open = strchr(version, '(');
	const char *close = open ? strchr(open, ')') : NULL;
	if (!open || !close || close == open + 1)
		return NULL;
	for (const char *p = open + 1; p < close; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return NULL;
	}
	return pw_inventory_blobdup(inv, pw_blob(open + 1, (size_t)(close - open - 1)));
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
	static const char *const problems[] = {
		[UNQUOTE_TRAILING] = "text after the closing quote ignored",
		[UNQUOTE_UNTERMINATED] = "unterminated quote",
		[UNQUOTE_TOO_LONG] = "value longer than 4096 bytes",
	};
	struct pw_blob rest = data, line;
	const char *version = NULL, *ubuntu_codename = NULL;
	size_t lineno = 0;
	struct pw_buf val;
	pw_err rc = PW_OK;
	pw_buf_init(&val, MAX_VALUE);
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		line = pw_blob_trim(line);
		if (line.len == 0 || line.ptr[0] == '#')
			continue;
		struct pw_blob key, value;
		bool split = pw_blob_split(line, '=', &key, &value);
		key = pw_blob_trim(key);
		value = pw_blob_trim(value);
		if (!split || key.len == 0) {
			if (pw_inventory_warn(inv, "%s:%zu: not KEY=value", path, lineno))
				goto nomem;
			continue;
		}
		pw_buf_reset(&val);
		enum unquote_result u = unquote(value, &val);
		if (u != UNQUOTE_OK) {
			if (pw_inventory_warn(inv, "%s:%zu: %.*s: %s", path, lineno,
					      (int)(key.len > 64 ? 64 : key.len), key.ptr, problems[u]))
				goto nomem;
			if (u != UNQUOTE_TRAILING)
				continue;
		}
		const char *s = pw_inventory_strdup(inv, val.data ? val.data : "");
		if (!s)
			goto nomem;
		/* a later assignment wins, as when the file is sourced by a shell */
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (pw_blob_eq_cstr(key, keys[i].key))
				*(const char **)((char *)&inv->host + keys[i].off) = s;
		}
		if (pw_blob_eq_cstr(key, "VERSION"))
			version = s;
		else if (pw_blob_eq_cstr(key, "UBUNTU_CODENAME"))
			ubuntu_codename = s;
	}
	if (inv->host.os_codename && !*inv->host.os_codename)
		inv->host.os_codename = NULL;
	/* Ubuntu before 17.10 (and some derivatives) only have UBUNTU_CODENAME */
	if (!inv->host.os_codename && ubuntu_codename && *ubuntu_codename)
		inv->host.os_codename = ubuntu_codename;
	if (!inv->host.os_codename && version)
		inv->host.os_codename = codename_of_version(inv, version);
	goto out;
nomem:
	rc = nomem(e);
out:
	pw_buf_free(&val);
	return rc;
}

/* machine-id(5): 32 lowercase hexadecimal digits. */
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

static pw_err read_os_release(struct pw_inventory *inv, struct pw_error *e)
{
	/* os-release(5): etc/os-release, else usr/lib/os-release */
	static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *host = pw_hostfacts_resolve(inv->root, paths[i]);
		if (!host)
			continue;
		struct pw_file f;
		if (pw_file_read(&f, host, NULL) != PW_OK) {
			free(host);
			continue;
		}
		pw_err rc = pw_hostfacts_parse_os_release(inv, f.data, host, e);
		pw_file_close(&f);
		free(host);
		return rc;
	}
	return PW_OK;
}

pw_err pw_hostfacts_collect(struct pw_inventory *inv, struct pw_error *e)
{
	pw_err rc = read_os_release(inv, e);
	if (rc)
		return rc;

	/* An empty machine-id is normal in images (generated at first boot)
	 * and yields nothing; anything else that is not an id is reported. */
	const char *mid = read_first_line(inv, "/etc/machine-id", false);
	if (mid && !is_machine_id(mid)) {
		if (pw_inventory_warn(inv, "%s%s: not 32 hexadecimal digits: '%.64s'",
				      is_live(inv) ? "" : inv->root, "/etc/machine-id", mid))
			return nomem(e);
		mid = NULL;
	}
	inv->host.machine_id = mid;

	if (is_live(inv)) {
		char name[256];
		if (gethostname(name, sizeof(name)) == 0) {
			name[sizeof(name) - 1] = '\0';
			if (!(inv->host.hostname = pw_inventory_strdup(inv, name)))
				return nomem(e);
		}
		struct utsname u;
		if (uname(&u) == 0) {
			inv->host.arch = pw_inventory_strdup(inv, u.machine);
			inv->host.kernel_release = pw_inventory_strdup(inv, u.release);
			inv->host.kernel_version = pw_inventory_strdup(inv, u.version);
			if (!inv->host.arch || !inv->host.kernel_release || !inv->host.kernel_version)
				return nomem(e);
		}
	} else {
		/* hostname(5): one name; '#' lines are comments */
		inv->host.hostname = read_first_line(inv, "/etc/hostname", true);
	}
	return PW_OK;
}
