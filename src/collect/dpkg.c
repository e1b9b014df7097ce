/* dpkg.c - reading dpkg's status database.
 *
 * The file is mapped and walked line by line with byte views; only the
 * fields a package keeps are copied, into the inventory's arena. Long
 * fields (Description, Conffiles) are continuation lines, skipped with one
 * memchr each. This is why an inventory beats dpkg-query, which parses and
 * stores every field of every stanza.
 */
#include "pw_dpkg.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pw_file.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define DPKG_STATUS_D "/var/lib/dpkg/status.d"

/* The fields a stanza keeps, as views into the file. */
struct stanza {
	size_t line;        /* first line, for messages */
	size_t bad_line;    /* first malformed line, 0 if none */
	struct pw_blob package, version, status, arch, source, multi_arch;
	bool any_field;
};

static bool blob_eq_nocase(struct pw_blob b, const char *s, size_t n)
{
	return b.len == n && strncasecmp(b.ptr, s, n) == 0;
}

#define FIELD_IS(name, lit) blob_eq_nocase(name, lit, sizeof(lit) - 1)

static const struct {
	const char *word;
	enum pw_pkg_state state;
} state_words[] = {
	{ "installed", PW_STATE_INSTALLED },
	{ "half-installed", PW_STATE_HALF_INSTALLED },
	{ "unpacked", PW_STATE_UNPACKED },
	{ "half-configured", PW_STATE_HALF_CONFIGURED },
	{ "triggers-awaited", PW_STATE_TRIGGERS_AWAITED },
	{ "triggers-pending", PW_STATE_TRIGGERS_PENDING },
	{ "config-files", PW_STATE_CONFIG_FILES },
	{ "not-installed", PW_STATE_NOT_INSTALLED },
};

/* "want flag state": the third word decides. false when malformed. */
static bool parse_status(struct pw_blob status, enum pw_pkg_state *out)
{
	struct pw_blob want, rest, flag, state;
	status = pw_blob_trim(status);
	if (!pw_blob_split(status, ' ', &want, &rest) || !pw_blob_split(rest, ' ', &flag, &state))
		return false;
	state = pw_blob_trim(state);
	for (size_t i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++) {
		if (pw_blob_eq_cstr(state, state_words[i].word)) {
			*out = state_words[i].state;
			return want.len > 0 && flag.len > 0;
		}
	}
	return false;
}

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

/* Turn a finished stanza into a package (or a warning). *used is set when a
 * package was added. */
static pw_err finish(struct pw_inventory *inv, const struct stanza *st, const char *path,
		     bool default_installed, bool *used, struct pw_error *e)
{
	*used = false;
	if (!st->any_field && !st->bad_line)
		return PW_OK;
	if (st->bad_line) {
		if (pw_inventory_warn(inv, "%s:%zu: line is not a 'Field: value' line; stanza skipped",
				      path, st->bad_line))
			return nomem(e);
		return PW_OK;
	}
	if (st->package.len == 0) {
		if (pw_inventory_warn(inv, "%s:%zu: stanza without a Package field skipped", path,
				      st->line))
			return nomem(e);
		return PW_OK;
	}
	enum pw_pkg_state state = default_installed ? PW_STATE_INSTALLED : PW_STATE_NOT_INSTALLED;
	if (!pw_blob_is_null(st->status) && !parse_status(st->status, &state)) {
		if (pw_inventory_warn(inv, "%s:%zu: package '%.*s' has a malformed Status '%.*s'",
				      path, st->line, PW_BLOB_PRINTF(st->package),
				      PW_BLOB_PRINTF(st->status)))
			return nomem(e);
		state = PW_STATE_OTHER;
	}
	if (state == PW_STATE_NOT_INSTALLED)
		return PW_OK;
	if (st->version.len == 0) {
		if (pw_inventory_warn(inv, "%s:%zu: package '%.*s' has no Version; skipped", path,
				      st->line, PW_BLOB_PRINTF(st->package)))
			return nomem(e);
		return PW_OK;
	}
	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
	if (!p)
		return nomem(e);
	p->state = state;
	p->name = pw_inventory_blobdup(inv, st->package);
	p->version = pw_inventory_blobdup(inv, st->version);
	p->arch = pw_inventory_blobdup(inv, st->arch);
	if (st->multi_arch.len)
		p->multi_arch = pw_inventory_blobdup(inv, st->multi_arch);
	/* Source: "name" or "name (version)"; absent means the binary's own */
	struct pw_blob src_name = st->source, src_ver = PW_BLOB_NULL;
	if (src_name.len) {
		struct pw_blob paren;
		if (pw_blob_split(src_name, '(', &src_name, &paren)) {
			struct pw_blob ver, tail;
			pw_blob_split(paren, ')', &ver, &tail);
			src_ver = pw_blob_trim(ver);
		}
		src_name = pw_blob_trim(src_name);
	}
	p->source_name = src_name.len ? pw_inventory_blobdup(inv, src_name) : p->name;
	p->source_version = src_ver.len ? pw_inventory_blobdup(inv, src_ver) : p->version;
	if (!p->name || !p->version || !p->arch || !p->source_name || !p->source_version)
		return nomem(e);
	*used = true;
	return PW_OK;
}

pw_err pw_dpkg_parse_status(struct pw_inventory *inv, struct pw_blob data, const char *path,
			    bool default_installed, struct pw_error *e)
{
	struct pw_blob rest = data, line;
	struct stanza st;
	size_t lineno = 0, packages = 0, first_bad = 0;
	bool used;
	pw_err rc;

	memset(&st, 0, sizeof(st));
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		/* a blank line (or one of only spaces) ends a stanza */
		if (pw_blob_trim(line).len == 0) {
			if ((rc = finish(inv, &st, path, default_installed, &used, e)))
				return rc;
			packages += used;
			memset(&st, 0, sizeof(st));
			continue;
		}
		if (st.line == 0)
			st.line = lineno;
		if (line.ptr[0] == ' ' || line.ptr[0] == '\t')
			continue; /* continuation of a multi-line field */
		struct pw_blob name, value;
		if (!pw_blob_split(line, ':', &name, &value) || name.len == 0 ||
		    memchr(line.ptr, '\0', line.len)) {
			if (!st.bad_line)
				st.bad_line = lineno;
			if (!first_bad)
				first_bad = lineno;
			continue;
		}
		st.any_field = true;
		value = pw_blob_trim(value);
		switch (name.ptr[0] | 0x20) {
		case 'p':
			if (FIELD_IS(name, "Package"))
				st.package = value;
			break;
		case 'v':
			if (FIELD_IS(name, "Version"))
				st.version = value;
			break;
		case 's':
			if (FIELD_IS(name, "Status"))
				st.status = value;
			else if (FIELD_IS(name, "Source"))
				st.source = value;
			break;
		case 'a':
			if (FIELD_IS(name, "Architecture"))
				st.arch = value;
			break;
		case 'm':
			if (FIELD_IS(name, "Multi-Arch"))
				st.multi_arch = value;
			break;
		}
	}
	if ((rc = finish(inv, &st, path, default_installed, &used, e)))
		return rc;
	packages += used;
	if (packages == 0 && first_bad)
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:%zu: not a dpkg status file (a line is not 'Field: value')",
				    path, first_bad);
	return PW_OK;
}

static pw_err parse_file(struct pw_inventory *inv, const char *path, bool default_installed,
			 struct pw_error *e)
{
	struct pw_file f;
	pw_err rc = pw_file_read(&f, path, e);
	if (rc)
		return rc;
	rc = pw_dpkg_parse_status(inv, f.data, path, default_installed, e);
	pw_file_close(&f);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in status.d/, sorted, except the .md5sums lists. */
static pw_err read_status_d(struct pw_inventory *inv, const char *dir, struct pw_error *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	pw_err rc = PW_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || (len > 8 && strcmp(de->d_name + len - 8, ".md5sums") == 0))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **p = realloc(names, cap * sizeof(*names));
			if (!p) {
				rc = nomem(e);
				goto out;
			}
			names = p;
		}
		if (!(names[n] = pw_path_join(dir, de->d_name))) {
			rc = nomem(e);
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && rc == PW_OK; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		rc = parse_file(inv, names[i], true, e);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

pw_err pw_dpkg_collect(struct pw_inventory *inv, struct pw_error *e)
{
	char *status = pw_path_join(inv->root, DPKG_STATUS);
	char *status_d = pw_path_join(inv->root, DPKG_STATUS_D);
	pw_err rc = PW_OK;
	if (!status || !status_d) {
		rc = nomem(e);
		goto out;
	}
	struct stat st;
	bool have_status = stat(status, &st) == 0;
	bool have_dir = stat(status_d, &st) == 0 && S_ISDIR(st.st_mode);
	if (!have_status && !have_dir) {
		rc = PW_ERR_NOTFOUND;
		goto out;
	}
	inv->has_dpkg = true;
	if (have_status && (rc = parse_file(inv, status, false, e)))
		goto out;
	if (have_dir)
		rc = read_status_d(inv, status_d, e);
out:
	free(status);
	free(status_d);
	return rc;
}

pw_err pw_dpkg_binary_package(const struct pw_package *p, const char *native_arch,
			      struct pw_buf *out)
{
	pw_err rc = pw_buf_adds(out, p->name);
	const char *arch = p->arch ? p->arch : "";
	bool qualify = *arch && ((p->multi_arch && strcmp(p->multi_arch, "same") == 0) ||
				 (strcmp(arch, "all") != 0 &&
				  (!native_arch || strcmp(arch, native_arch) != 0)));
	if (rc == PW_OK && qualify)
		rc = pw_buf_addf(out, ":%s", arch);
	return rc;
}
