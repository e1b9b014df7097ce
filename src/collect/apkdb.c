/* apkdb.c - reading Alpine's installed database (lib/apk/db/installed).
 *
 * Records are separated by blank lines; each line is "X:value" with a
 * one-letter key (P name, V version, A arch, o origin). Most lines are file
 * entries (F, R, Z, a, M) and are skipped without copying.
 */
#include "pw_apkdb.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_file.h"

#define APK_INSTALLED "/lib/apk/db/installed"

struct record {
	size_t line;
	size_t bad_line;
	bool any_field;
	struct pw_blob name, version, arch, origin;
};

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static pw_err finish(struct pw_inventory *inv, const struct record *r, const char *path,
		     bool *used, struct pw_error *e)
{
	*used = false;
	if (!r->any_field && !r->bad_line)
		return PW_OK;
	const char *why = NULL;
	size_t at = r->line;
	if (r->bad_line) {
		why = "line is not 'X:value'; record skipped";
		at = r->bad_line;
	} else if (r->name.len == 0) {
		why = "record without a P: (name) line skipped";
	} else if (r->version.len == 0) {
		why = "record without a V: (version) line skipped";
	}
	if (why) {
		if (r->name.len && !r->bad_line ?
			    pw_inventory_warn(inv, "%s:%zu: package '%.*s': %s", path, at,
					      PW_BLOB_PRINTF(r->name), why) :
			    pw_inventory_warn(inv, "%s:%zu: %s", path, at, why))
			return nomem(e);
		return PW_OK;
	}
	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_APK);
	if (!p)
		return nomem(e);
	p->state = PW_STATE_INSTALLED;
	p->name = pw_inventory_blobdup(inv, r->name);
	p->version = pw_inventory_blobdup(inv, r->version);
	p->arch = pw_inventory_blobdup(inv, r->arch);
	p->source_name = r->origin.len ? pw_inventory_blobdup(inv, r->origin) : p->name;
	p->source_version = p->version;
	if (!p->name || !p->version || !p->arch || !p->source_name)
		return nomem(e);
	*used = true;
	return PW_OK;
}

pw_err pw_apkdb_parse_installed(struct pw_inventory *inv, struct pw_blob data, const char *path,
				struct pw_error *e)
{
	struct pw_blob rest = data, line;
	struct record r;
	size_t lineno = 0, packages = 0, first_bad = 0;
	bool used;
	pw_err rc;

	memset(&r, 0, sizeof(r));
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0) {
			if ((rc = finish(inv, &r, path, &used, e)))
				return rc;
			packages += used;
			memset(&r, 0, sizeof(r));
			continue;
		}
		if (r.line == 0)
			r.line = lineno;
		if (line.len < 2 || line.ptr[1] != ':' || memchr(line.ptr, '\0', line.len)) {
			if (!r.bad_line)
				r.bad_line = lineno;
			if (!first_bad)
				first_bad = lineno;
			continue;
		}
		r.any_field = true;
		struct pw_blob value = pw_blob(line.ptr + 2, line.len - 2);
		switch (line.ptr[0]) {
		case 'P': r.name = value; break;
		case 'V': r.version = value; break;
		case 'A': r.arch = value; break;
		case 'o': r.origin = value; break;
		default: break;
		}
	}
	if ((rc = finish(inv, &r, path, &used, e)))
		return rc;
	packages += used;
	if (packages == 0 && first_bad)
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:%zu: not an apk installed database (a line is not 'X:value')",
				    path, first_bad);
	return PW_OK;
}

pw_err pw_apkdb_collect(struct pw_inventory *inv, struct pw_error *e)
{
	char *path = pw_path_join(inv->root, APK_INSTALLED);
	if (!path)
		return nomem(e);
	struct stat st;
	pw_err rc;
	if (stat(path, &st) != 0) {
		rc = PW_ERR_NOTFOUND;
		goto out;
	}
	inv->has_apk = true;
	struct pw_file f;
	if ((rc = pw_file_read(&f, path, e)))
		goto out;
	rc = pw_apkdb_parse_installed(inv, f.data, path, e);
	pw_file_close(&f);
out:
	free(path);
	return rc;
}
