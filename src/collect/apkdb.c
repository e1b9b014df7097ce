/* apkdb.c - reading Alpine's installed database (lib/apk/db/installed).
 *
 * Records are separated by blank lines; each line is "X:value" with a
 * one-letter key (P name, V version, A arch, o origin). Most lines are file
 * entries (F, R, Z, a, M) and are passed over after two bytes.
 *
 * apk-tools refuses the whole database at the first line that is not
 * "X:value" (apk_db_fdb_read(): "FDB format error"). This reader keeps
 * every usable record and reports each bad line with path:line instead, so
 * one corrupt record does not hide every other package from the assessment.
 * Only data with no usable record and something malformed in it is an
 * error (PW_ERR_PARSE): that is not an installed database at all.
 */
#include "pw_apkdb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_apkver.h"
#include "pw_file.h"

#define APK_INSTALLED "/lib/apk/db/installed"

/* One corrupt file must not turn into millions of warnings. */
#define MAX_WARNINGS_PER_FILE 50
/* Values quoted in warnings are cut to this many bytes. */
#define SHOW_MAX 64

struct record {
	size_t line;        /* first line, 0 while the record is empty */
	bool any_field;     /* a well-formed "X:value" line was seen */
	struct pw_blob name, version, arch, origin;
};

struct parser {
	struct pw_inventory *inv;
	const char *path;
	size_t packages;
	size_t first_bad;   /* first malformed line, 0 if none */
	size_t nwarnings;
};

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

/* At most SHOW_MAX bytes of b, control and non-ASCII bytes as '?', into out
 * (SHOW_MAX + 4 bytes): file contents never reach a terminal raw. */
static const char *show(char *out, struct pw_blob b)
{
	size_t n = b.len > SHOW_MAX ? SHOW_MAX : b.len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b.ptr[i];
		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n < b.len) {
		memcpy(out + n, "...", 4);
		return out;
	}
	out[n] = '\0';
	return out;
}

static pw_err warn(struct parser *ps, size_t line, struct pw_error *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "path:line: message", at most MAX_WARNINGS_PER_FILE of them per file. */
static pw_err warn(struct parser *ps, size_t line, struct pw_error *e, const char *fmt, ...)
{
	char msg[PW_ERROR_MSG_MAX];
	va_list ap;
	pw_err rc;

	if (++ps->nwarnings > MAX_WARNINGS_PER_FILE)
		return PW_OK;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(msg, sizeof(msg), "(a problem that could not be described)");
	if (ps->nwarnings == MAX_WARNINGS_PER_FILE)
		rc = pw_inventory_warn(ps->inv, "%s:%zu: too many problems; further ones not reported",
				       ps->path, line);
	else
		rc = pw_inventory_warn(ps->inv, "%s:%zu: %s", ps->path, line, msg);
	return rc ? nomem(e) : PW_OK;
}

static pw_err finish(struct parser *ps, const struct record *r, struct pw_error *e)
{
	char a[SHOW_MAX + 4], b[SHOW_MAX + 4];

	/* a record of only malformed lines was reported line by line */
	if (!r->any_field)
		return PW_OK;
	if (!r->name.len)
		return warn(ps, r->line, e, "record without a package name (P:) skipped");
	if (!r->version.len)
		return warn(ps, r->line, e, "package '%s' has no version (V:); skipped",
			    show(a, r->name));
	struct pw_package *p = pw_inventory_add_package(ps->inv, PW_FAMILY_APK);
	if (!p)
		return nomem(e);
	/* the installed database lists installed packages only */
	p->state = PW_STATE_INSTALLED;
	p->name = pw_inventory_blobdup(ps->inv, r->name);
	p->version = pw_inventory_blobdup(ps->inv, r->version);
	p->arch = pw_inventory_blobdup(ps->inv, r->arch);
	/* origin is the aport (source package) the binary was built from */
	p->source_name = r->origin.len ? pw_inventory_blobdup(ps->inv, r->origin) : p->name;
	p->source_version = p->version;
	if (!p->name || !p->version || !p->arch || !p->source_name)
		return nomem(e);
	ps->packages++;
	struct pw_error verr;
	if (pw_apkver_validate(p->version, &verr) != PW_OK)
		return warn(ps, r->line, e, "package '%s' has an invalid version: %s",
			    show(a, r->name), show(b, pw_blob_cstr(verr.msg)));
	return PW_OK;
}

/* Record one "X:value" line (already known to be one). */
static pw_err field(struct parser *ps, struct record *r, struct pw_blob line, size_t lineno,
		    struct pw_error *e)
{
	struct pw_blob *keep;
	switch (line.ptr[0]) {
	case 'P': keep = &r->name; break;
	case 'V': keep = &r->version; break;
	case 'A': keep = &r->arch; break;
	case 'o': keep = &r->origin; break;
	default: return PW_OK;
	}
	struct pw_blob value = pw_blob(line.ptr + 2, line.len - 2);
	if (memchr(value.ptr, '\0', value.len)) {
		if (!ps->first_bad)
			ps->first_bad = lineno;
		return warn(ps, lineno, e, "'%c:' line contains a NUL byte; ignored", line.ptr[0]);
	}
	bool twice = !pw_blob_is_null(*keep);
	*keep = value;
	if (twice)
		return warn(ps, lineno, e, "'%c:' given twice in a record; the last one is used",
			    line.ptr[0]);
	return PW_OK;
}

pw_err pw_apkdb_parse_installed(struct pw_inventory *inv, struct pw_blob data, const char *path,
				struct pw_error *e)
{
	struct parser ps = { inv, path ? path : "installed", 0, 0, 0 };
	struct record r;
	const char *p, *end;
	size_t lineno = 0;
	pw_err rc;

	if (!data.ptr) /* an empty view may have no pointer: no arithmetic on NULL */
		data = pw_blob("", 0);
	p = data.ptr;
	end = data.ptr + data.len;
	memset(&r, 0, sizeof(r));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct pw_blob line = pw_blob(p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		/* apk-tools ends a record at any line shorter than "X:" */
		if (line.len < 2) {
			if (line.len == 1) {
				if (!ps.first_bad)
					ps.first_bad = lineno;
				if ((rc = warn(&ps, lineno, e,
					       "one-byte line; taken as the end of a record, as apk does")))
					return rc;
			}
			if ((rc = finish(&ps, &r, e)))
				return rc;
			memset(&r, 0, sizeof(r));
			continue;
		}
		if (!r.line)
			r.line = lineno;
		if (line.ptr[1] != ':') {
			if (!ps.first_bad)
				ps.first_bad = lineno;
			if ((rc = warn(&ps, lineno, e, "line is not 'X:value'; ignored")))
				return rc;
			continue;
		}
		r.any_field = true;
		if ((rc = field(&ps, &r, line, lineno, e)))
			return rc;
	}
	if (r.line && data.ptr[data.len - 1] != '\n') {
		if ((rc = warn(&ps, lineno, e,
			       "file ends without a newline; the last record may be truncated")))
			return rc;
	}
	if ((rc = finish(&ps, &r, e)))
		return rc;
	if (ps.packages == 0 && ps.first_bad)
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:%zu: not an apk installed database (a line is not 'X:value')",
				    ps.path, ps.first_bad);
	return PW_OK;
}

pw_err pw_apkdb_collect(struct pw_inventory *inv, struct pw_error *e)
{
	struct pw_file f;
	struct stat st;
	pw_err rc;
	char *path = pw_path_join(inv->root, APK_INSTALLED);
	if (!path)
		return nomem(e);
	if (stat(path, &st) != 0) {
		rc = errno == ENOENT || errno == ENOTDIR
			     ? PW_ERR_NOTFOUND
			     : pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	inv->has_apk = true;
	if ((rc = pw_file_read(&f, path, e)))
		goto out;
	rc = pw_apkdb_parse_installed(inv, f.data, path, e);
	pw_file_close(&f);
out:
	free(path);
	return rc;
}
