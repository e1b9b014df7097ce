/* rpmdb.c - the rpm database, read through rpm itself.
 *
 * rpm's databases come in three formats (sqlite, ndb, Berkeley DB) that only
 * librpm reads reliably, so the collector runs `rpm --dbpath DIR -qa --qf`
 * once, with an argv, and parses its tab-separated output in one pass. The
 * database directory is joined to the root rather than passed with --root,
 * so no chroot (and no root privilege) is needed to read an image.
 */
#include "pw_rpmdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_buf.h"
#include "pw_exec.h"
#include "pw_file.h"

/* One package per line: name, epoch, version, release, arch, source rpm.
 * rpm prints "(none)" for an absent tag. */
const char pw_rpmdb_queryformat[] =
	"%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n";

#define RPM_FIELDS 6

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static bool is_none(struct pw_blob b)
{
	return b.len == 0 || pw_blob_eq_cstr(b, "(none)");
}

/* "util-linux-2.32.1-42.el8_8.src.rpm" -> name "util-linux", "2.32.1-42.el8_8" */
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
	/* the release follows the last '-', the version the one before */
	size_t dashes = 0, cut = 0;
	for (size_t i = s.len; i > 0; i--) {
		if (s.ptr[i - 1] == '-' && ++dashes == 2) {
			cut = i - 1;
			break;
		}
	}
	if (dashes < 2 || cut == 0)
		return false;
	*name = pw_blob(s.ptr, cut);
	*vr = pw_blob(s.ptr + cut + 1, s.len - cut - 1);
	return true;
}

static pw_err add_line(struct pw_inventory *inv, struct pw_blob line, size_t lineno,
		       struct pw_error *e)
{
	struct pw_blob f[RPM_FIELDS], rest = line;
	size_t n = 0;
	bool more = true;
	while (n < RPM_FIELDS && more)
		more = pw_blob_split(rest, '\t', &f[n++], &rest);
	if (n != RPM_FIELDS || more || f[0].len == 0 || f[2].len == 0) {
		if (pw_inventory_warn(inv, "rpm output line %zu: expected %d tab-separated fields: '%.*s'",
				      lineno, RPM_FIELDS, (int)(line.len > 200 ? 200 : line.len),
				      line.ptr))
			return nomem(e);
		return PW_OK;
	}
	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_RPM);
	if (!p)
		return nomem(e);
	struct pw_buf evr = PW_BUF_INIT;
	p->state = PW_STATE_INSTALLED;
	p->name = pw_inventory_blobdup(inv, f[0]);
	p->rpm_epoch = is_none(f[1]) ? NULL : pw_inventory_blobdup(inv, f[1]);
	p->rpm_version = pw_inventory_blobdup(inv, f[2]);
	p->rpm_release = is_none(f[3]) ? "" : pw_inventory_blobdup(inv, f[3]);
	p->arch = is_none(f[4]) ? "" : pw_inventory_blobdup(inv, f[4]);
	if (p->rpm_epoch)
		pw_buf_addf(&evr, "%s:", p->rpm_epoch);
	pw_buf_adds(&evr, p->rpm_version);
	if (p->rpm_release && *p->rpm_release)
		pw_buf_addf(&evr, "-%s", p->rpm_release);
	p->version = evr.data ? pw_inventory_strdup(inv, evr.data) : NULL;
	pw_buf_free(&evr);

	struct pw_blob sname, svr;
	if (!is_none(f[5]) && split_sourcerpm(f[5], &sname, &svr)) {
		p->rpm_sourcerpm = pw_inventory_blobdup(inv, f[5]);
		p->source_name = pw_inventory_blobdup(inv, sname);
		p->source_version = pw_inventory_blobdup(inv, svr);
	} else {
		/* gpg-pubkey and other pseudo-packages have no source rpm */
		p->rpm_sourcerpm = is_none(f[5]) ? NULL : pw_inventory_blobdup(inv, f[5]);
		p->source_name = p->name;
		p->source_version = p->version;
	}
	if (!p->name || !p->rpm_version || !p->rpm_release || !p->arch || !p->version ||
	    !p->source_name || !p->source_version)
		return nomem(e);
	return PW_OK;
}

pw_err pw_rpmdb_parse_qf(struct pw_inventory *inv, struct pw_blob out, struct pw_error *e)
{
	struct pw_blob rest = out, line;
	size_t lineno = 0;
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len == 0)
			continue;
		pw_err rc = add_line(inv, line, lineno, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

/* A directory holding an rpm database in one of its formats. */
static bool has_rpmdb(const char *dir)
{
	static const char *const files[] = { "rpmdb.sqlite", "Packages.db", "Packages" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = pw_path_join(dir, files[i]);
		struct stat st;
		bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
		free(p);
		if (ok)
			return true;
	}
	return false;
}

pw_err pw_rpmdb_collect(struct pw_inventory *inv, const char *dbpath, struct pw_error *e)
{
	static const char *const default_dirs[] = { "/usr/lib/sysimage/rpm", "/var/lib/rpm" };
	char *dir = NULL;
	pw_err rc = PW_OK;
	if (dbpath) {
		if (!(dir = strdup(dbpath)))
			return nomem(e);
		if (!has_rpmdb(dir)) {
			rc = pw_error_set(e, PW_ERR_NOTFOUND, "%s: no rpm database there", dbpath);
			free(dir);
			return rc;
		}
	} else {
		for (size_t i = 0; i < 2 && !dir; i++) {
			char *d = pw_path_join(inv->root, default_dirs[i]);
			if (!d)
				return nomem(e);
			if (has_rpmdb(d))
				dir = d;
			else
				free(d);
		}
		if (!dir)
			return PW_ERR_NOTFOUND;
	}
	inv->has_rpm = true;

	struct pw_buf out = PW_BUF_INIT, err = PW_BUF_INIT;
	const char *argv[] = { "rpm", "--dbpath", dir, "-qa", "--qf", pw_rpmdb_queryformat, NULL };
	int status;
	rc = pw_exec_capture(argv, &out, &err, &status, e);
	if (rc == PW_ERR_EXEC) {
		char why[PW_ERROR_MSG_MAX];
		snprintf(why, sizeof(why), "%s", e ? e->msg : "");
		rc = pw_error_set(e, PW_ERR_EXEC,
				  "rpm database %s found but rpm cannot run (%s): install the rpm package",
				  dir, why);
		goto out;
	}
	if (rc)
		goto out;
	if (status != 0) {
		size_t n = err.len;
		while (n && (err.data[n - 1] == '\n'))
			n--;
		rc = pw_error_set(e, PW_ERR_EXEC, "rpm --dbpath %s -qa exited %d: %.*s", dir, status,
				  (int)(n > 300 ? 300 : n), err.data ? err.data + (n > 300 ? n - 300 : 0) : "");
		goto out;
	}
	rc = pw_rpmdb_parse_qf(inv, pw_blob(out.data ? out.data : "", out.len), e);
out:
	pw_buf_free(&out);
	pw_buf_free(&err);
	free(dir);
	return rc;
}
