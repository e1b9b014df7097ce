/* rpmdb.c - the rpm database, read through rpm itself.
 *
 * rpm's databases come in three formats (sqlite since rpm 4.16, ndb, and
 * the Berkeley DB of older systems) that only librpm reads reliably, so the
 * collector runs `rpm --dbpath DIR -qa --qf FMT` once, with an argv, and
 * parses its output in one pass: the cost is rpm's own plus a linear scan.
 *
 * --dbpath with the directory found inside the root, rather than --root:
 * --root would take the database location from the host's rpm macros
 * (Debian's rpm says /var/lib/rpm, Fedora 36+ and openSUSE keep it in
 * /usr/lib/sysimage/rpm), while looking for it ourselves reads either and
 * resolves symlinks inside the root. rpm needs no chroot (and no privilege)
 * for a query.
 */
#include "pw_rpmdb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_exec.h"
#include "pw_file.h"
#include "pw_hostfacts.h"

/* One package per line: name, epoch, version, release, arch, source rpm.
 * None of these can hold a tab or a newline (rpmbuild rejects whitespace in
 * them), so tab-separated lines are unambiguous; rpm prints "(none)" for an
 * absent tag (EPOCH of most packages, ARCH and SOURCERPM of gpg-pubkey). */
const char pw_rpmdb_queryformat[] =
	"%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n";

#define RPM_FIELDS 6
/* Garbage output should not turn into a million warnings. */
#define MAX_LINE_WARNINGS 100
/* What a package database can reasonably print: ~300 bytes per package. */
#define MAX_OUTPUT ((size_t)256 << 20)

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static bool is_none(struct pw_blob b)
{
	return b.len == 0 || pw_blob_eq_cstr(b, "(none)");
}

static bool all_digits(struct pw_blob b)
{
	if (b.len == 0 || b.len > 10)
		return false;
	for (size_t i = 0; i < b.len; i++) {
		if (b.ptr[i] < '0' || b.ptr[i] > '9')
			return false;
	}
	return true;
}

/* "util-linux-2.32.1-42.el8_8.src.rpm" -> "util-linux", "2.32.1-42.el8_8".
 * Split from the right: names contain '-' (util-linux), versions and
 * releases never do. */
static bool split_sourcerpm(struct pw_blob s, struct pw_blob *name, struct pw_blob *vr)
{
	static const char *const suffixes[] = { ".src.rpm", ".nosrc.rpm" };
	bool found = false;
	for (size_t i = 0; i < 2 && !found; i++) {
		size_t n = strlen(suffixes[i]);
		if (s.len > n && memcmp(s.ptr + s.len - n, suffixes[i], n) == 0) {
			s.len -= n;
			found = true;
		}
	}
	if (!found)
		return false;
	size_t dashes = 0, cut = 0;
	for (size_t i = s.len; i > 0 && dashes < 2; i--) {
		if (s.ptr[i - 1] == '-' && ++dashes == 2)
			cut = i - 1;
	}
	/* a name, a version and a release, none of them empty */
	if (dashes < 2 || cut == 0 || s.ptr[cut + 1] == '-' || s.ptr[s.len - 1] == '-')
		return false;
	*name = pw_blob(s.ptr, cut);
	*vr = pw_blob(s.ptr + cut + 1, s.len - cut - 1);
	return true;
}

/* "[E:]V-R" in the arena, built without a temporary. */
static const char *join_evr(struct pw_inventory *inv, struct pw_blob epoch, struct pw_blob v,
			    struct pw_blob r)
{
	size_t n = (epoch.len ? epoch.len + 1 : 0) + v.len + 1 + r.len;
	char *s = pw_arena_alloc(&inv->arena, n + 1), *p = s;
	if (!s)
		return NULL;
	if (epoch.len) {
		memcpy(p, epoch.ptr, epoch.len);
		p += epoch.len;
		*p++ = ':';
	}
	memcpy(p, v.ptr, v.len);
	p += v.len;
	*p++ = '-';
	memcpy(p, r.ptr, r.len);
	p[r.len] = '\0';
	return s;
}

struct qf_parse {
	struct pw_inventory *inv;
	size_t bad; /* malformed lines seen */
};

static pw_err bad_line(struct qf_parse *st, size_t lineno, struct pw_blob line, const char *why,
		       struct pw_error *e)
{
	if (++st->bad > MAX_LINE_WARNINGS)
		return PW_OK;
	size_t shown = line.len > 120 ? 120 : line.len;
	const char *nul = memchr(line.ptr, '\0', shown);
	if (nul)
		shown = (size_t)(nul - line.ptr);
	if (pw_inventory_warn(st->inv, "rpm output line %zu: %s: '%.*s%s'", lineno, why, (int)shown,
			      line.ptr, shown < line.len ? "..." : ""))
		return nomem(e);
	return PW_OK;
}

static pw_err add_line(struct qf_parse *st, struct pw_blob line, size_t lineno,
		       struct pw_error *e)
{
	struct pw_inventory *inv = st->inv;
	struct pw_blob f[RPM_FIELDS], rest = line;
	size_t n = 0;
	bool more = true;
	while (n < RPM_FIELDS && more)
		more = pw_blob_split(rest, '\t', &f[n++], &rest);
	if (n != RPM_FIELDS || more)
		return bad_line(st, lineno, line, "expected 6 tab-separated fields", e);
	if (memchr(line.ptr, '\0', line.len))
		return bad_line(st, lineno, line, "NUL byte", e);
	if (is_none(f[0]) || is_none(f[2]) || is_none(f[3]))
		return bad_line(st, lineno, line, "empty name, version or release", e);
	if (!is_none(f[1]) && !all_digits(f[1]))
		return bad_line(st, lineno, line, "epoch is not a number", e);
	/* rpm --import puts each trusted signing key in the database as a
	 * "gpg-pubkey" header (version = key id, release = creation time, no
	 * arch, no source rpm). rpm -qa lists them, but they are keys, not
	 * installed software: no update or advisory can apply to them, and the
	 * reference inventories (expected-packages.tsv) list packages only. */
	if (pw_blob_eq_cstr(f[0], "gpg-pubkey"))
		return PW_OK;

	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_RPM);
	if (!p)
		return nomem(e);
	struct pw_blob epoch = is_none(f[1]) ? PW_BLOB_NULL : f[1];
	p->state = PW_STATE_INSTALLED;
	p->name = pw_inventory_blobdup(inv, f[0]);
	p->rpm_epoch = epoch.len ? pw_inventory_blobdup(inv, epoch) : NULL;
	p->rpm_version = pw_inventory_blobdup(inv, f[2]);
	p->rpm_release = pw_inventory_blobdup(inv, f[3]);
	p->arch = is_none(f[4]) ? "" : pw_inventory_blobdup(inv, f[4]);
	p->version = join_evr(inv, epoch, f[2], f[3]);
	if (!p->name || (epoch.len && !p->rpm_epoch) || !p->rpm_version || !p->rpm_release ||
	    !p->arch || !p->version)
		return nomem(e);

	struct pw_blob sname, svr;
	p->rpm_sourcerpm = is_none(f[5]) ? NULL : pw_inventory_blobdup(inv, f[5]);
	if (!is_none(f[5]) && split_sourcerpm(f[5], &sname, &svr)) {
		p->source_name = pw_inventory_blobdup(inv, sname);
		p->source_version = pw_inventory_blobdup(inv, svr);
	} else {
		/* no (or an unreadable) source rpm: the package is its own source */
		p->source_name = p->name;
		p->source_version = join_evr(inv, PW_BLOB_NULL, f[2], f[3]);
	}
	if ((!is_none(f[5]) && !p->rpm_sourcerpm) || !p->source_name || !p->source_version)
		return nomem(e);
	return PW_OK;
}

pw_err pw_rpmdb_parse_qf(struct pw_inventory *inv, struct pw_blob out, struct pw_error *e)
{
	struct qf_parse st = { inv, 0 };
	struct pw_blob rest = out, line;
	size_t lineno = 0;
	pw_err rc;
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len == 0)
			continue;
		/* every record ends with '\n': a last line without one was cut
		 * off (rpm killed, output truncated), and its last field with it */
		if (rest.len == 0 && line.ptr + line.len == out.ptr + out.len)
			rc = bad_line(&st, lineno, line, "truncated (no end of line)", e);
		else
			rc = add_line(&st, line, lineno, e);
		if (rc)
			return rc;
	}
	if (st.bad > MAX_LINE_WARNINGS &&
	    pw_inventory_warn(inv, "rpm output: %zu more malformed lines not listed",
			      st.bad - MAX_LINE_WARNINGS))
		return nomem(e);
	return PW_OK;
}

/* The modification time of the newest database file in dir, or 0 when dir
 * holds no rpm database in any format. */
static long long rpmdb_mtime(const char *dir)
{
	static const char *const files[] = { "rpmdb.sqlite", "Packages.db", "Packages" };
	long long newest = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = pw_path_join(dir, files[i]);
		struct stat st;
		if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		    (long long)st.st_mtime + 1 > newest)
			newest = (long long)st.st_mtime + 1;
		free(p);
	}
	return newest;
}

/* The database directory: dbpath as given, or the one inside the root.
 * *out is an absolute path (rpm refuses a relative --dbpath). */
static pw_err find_db(struct pw_inventory *inv, const char *dbpath, char **out,
		      struct pw_error *e)
{
	/* Fedora 36+ and openSUSE moved the database to /usr/lib/sysimage/rpm
	 * (var/lib/rpm is a link to it); elsewhere it is /var/lib/rpm. When a
	 * root has both, the one written last is the live one. */
	static const char *const dirs[] = { "/usr/lib/sysimage/rpm", "/var/lib/rpm" };
	char *found = NULL;
	*out = NULL;
	if (dbpath) {
		if (rpmdb_mtime(dbpath) == 0)
			return pw_error_set(e, PW_ERR_NOTFOUND,
					    "%s: no rpm database there (rpmdb.sqlite, Packages.db or Packages)",
					    dbpath);
		found = strdup(dbpath);
		if (!found)
			return nomem(e);
	} else {
		long long best = 0;
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			char *d = pw_hostfacts_resolve(inv->root, dirs[i]);
			long long t = d ? rpmdb_mtime(d) : 0;
			if (t > best) {
				free(found);
				found = d;
				best = t;
			} else {
				free(d);
			}
		}
		if (!found)
			return PW_ERR_NOTFOUND;
	}
	/* resolved inside the root already: realpath only makes it absolute */
	*out = realpath(found, NULL);
	int err = errno;
	free(found);
	if (!*out)
		return pw_error_set(e, err == ENOMEM ? PW_ERR_NOMEM : PW_ERR_IO,
				    "rpm database directory: %s", strerror(err));
	return PW_OK;
}

/* Is there an executable "rpm" in PATH? Asked only after a failed spawn,
 * to tell "not installed" from other failures. */
static bool rpm_in_path(void)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char full[PATH_MAX];
		int w = snprintf(full, sizeof(full), "%.*s/rpm", (int)n, n ? path : ".");
		if (w > 0 && (size_t)w < sizeof(full) && access(full, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* Remove a private copy made by copy_db (flat: files only). */
static void remove_copy(char *dir)
{
	if (!dir)
		return;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *p = pw_path_join(dir, de->d_name);
			if (p)
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

static bool copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1;
	bool ok = false;
	if (in < 0)
		return false;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		goto out;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = n == 0;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	if (out >= 0 && close(out) != 0)
		ok = false;
	close(in);
	return ok;
}

/* Copy the database files of dir into a new private directory under
 * $TMPDIR, for rpm to open read-write. Lock and Berkeley DB environment
 * files are left behind: they belong to the original's users. */
static char *copy_db(const char *dir)
{
	const char *tmp = getenv("TMPDIR");
	char *copy = NULL;
	DIR *d = NULL;
	bool ok = false;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (!(copy = pw_path_join(tmp, "/pw-rpmdb-XXXXXX")) || !mkdtemp(copy)) {
		free(copy);
		return NULL;
	}
	if (!(d = opendir(dir)))
		goto out;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (name[0] == '.' || strncmp(name, "__db.", 5) == 0)
			continue;
		char *from = pw_path_join(dir, name), *to = pw_path_join(copy, name);
		struct stat st;
		bool fine = from && to && (stat(from, &st) != 0 || !S_ISREG(st.st_mode) ||
					   copy_file(from, to));
		free(from);
		free(to);
		if (!fine)
			goto out;
	}
	ok = true;
out:
	if (d)
		closedir(d);
	if (!ok) {
		remove_copy(copy);
		copy = NULL;
	}
	return copy;
}

/* Run rpm once on dir. *status is its exit code; out and err its output. */
static pw_err run_rpm(const char *dir, struct pw_buf *out, struct pw_buf *err, int *status,
		      struct pw_error *e)
{
	/* --nodigest --nosignature: rpm -qa re-hashes every header it reads
	 * from the database against the digest stored beside it, which is
	 * most of its time (8 ms instead of 14 for 129 packages). An inventory
	 * reads names and versions; rpm's structural checks of each header
	 * stay, and a damaged database still fails the query (tested). */
	const char *argv[] = { "rpm", "--dbpath", dir, "-qa", "--nodigest", "--nosignature",
			       "--qf", pw_rpmdb_queryformat, NULL };
	pw_buf_reset(out);
	pw_buf_reset(err);
	pw_err rc = pw_exec_capture(argv, out, err, status, e);
	if (rc == PW_ERR_EXEC) {
		if (!rpm_in_path())
			return pw_error_set(e, PW_ERR_EXEC,
					    "rpm not found: install the rpm package (to read the rpm database in %s)",
					    dir);
		char why[PW_ERROR_MSG_MAX];
		snprintf(why, sizeof(why), "%s", e ? e->msg : "");
		return pw_error_set(e, PW_ERR_EXEC, "rpm cannot run: %s", why);
	}
	return rc;
}

/* rpm's stderr without trailing newlines, its last 300 bytes at most. */
static struct pw_blob stderr_tail(const struct pw_buf *err)
{
	size_t n = err->len;
	while (n && (err->data[n - 1] == '\n' || err->data[n - 1] == '\r'))
		n--;
	size_t from = n > 300 ? n - 300 : 0;
	return pw_blob(err->data ? err->data + from : "", n - from);
}

pw_err pw_rpmdb_collect(struct pw_inventory *inv, const char *dbpath, struct pw_error *e)
{
	char *dir = NULL, *copy = NULL;
	struct pw_buf out, err;
	int status;
	pw_buf_init(&out, MAX_OUTPUT);
	pw_buf_init(&err, 65536);
	pw_err rc = find_db(inv, dbpath, &dir, e);
	if (rc)
		goto out;
	inv->has_rpm = true;

	if ((rc = run_rpm(dir, &out, &err, &status, e)))
		goto out;
	if (status != 0 && access(dir, W_OK) != 0) {
		/* A read-only image: rpm opens an sqlite database read-write
		 * (it needs the -shm file beside it) and fails. A private copy
		 * reads the same packages. */
		if (!(copy = copy_db(dir))) {
			struct pw_blob t = stderr_tail(&err);
			rc = pw_error_set(e, PW_ERR_EXEC,
					  "rpm --dbpath %s -qa exited %d (%.*s) and the database could not be copied: %s",
					  dir, status, PW_BLOB_PRINTF(t), strerror(errno));
			goto out;
		}
		if (pw_inventory_warn(inv, "%s: not writable, rpm read a private copy", dir)) {
			rc = nomem(e);
			goto out;
		}
		if ((rc = run_rpm(copy, &out, &err, &status, e)))
			goto out;
	}
	if (status != 0) {
		struct pw_blob t = stderr_tail(&err);
		rc = pw_error_set(e, PW_ERR_EXEC, "rpm --dbpath %s -qa exited %d: %.*s", dir, status,
				  PW_BLOB_PRINTF(t));
		goto out;
	}
	rc = pw_rpmdb_parse_qf(inv, pw_blob(out.data ? out.data : "", out.len), e);
	if (rc)
		goto out;
	/* rpm reports unreadable headers on stderr and carries on; those
	 * packages are missing from the output, so say so. Its warnings (a
	 * Berkeley DB without index files) are not worth repeating. */
	struct pw_blob rest = pw_blob(err.data ? err.data : "", err.len), line;
	size_t nerr = 0;
	while (pw_blob_next_line(&rest, &line) && nerr < 10) {
		if (pw_blob_starts_with(line, "error:")) {
			nerr++;
			if (pw_inventory_warn(inv, "rpm --dbpath %s: %.*s", dir,
					      (int)(line.len > 200 ? 200 : line.len), line.ptr)) {
				rc = nomem(e);
				goto out;
			}
		}
	}
out:
	remove_copy(copy);
	pw_buf_free(&out);
	pw_buf_free(&err);
	free(dir);
	return rc;
}
