/* dpkg.c - reading dpkg's status database.
 *
 * The file is mapped and walked line by line with byte views; only the
 * fields a package keeps are copied, into the inventory's arena. Long
 * fields (Description, Conffiles) are continuation lines, skipped after
 * looking at their first byte or two. This is why an inventory beats
 * dpkg-query, which parses and stores every field of every stanza.
 *
 * Where dpkg refuses a whole file for one bad stanza (no Package, no
 * Version, a line that is not a field), this reader keeps every usable
 * stanza and says, with path:line, what it skipped: an inventory that loses
 * all packages over one corrupt record would hide everything from the
 * assessment. Where dpkg lists something, the reader lists the same thing:
 * the unit tests hold it to dpkg-query -W on real status files.
 */
#include "pw_dpkg.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pw_debver.h"
#include "pw_file.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define DPKG_STATUS_D "/var/lib/dpkg/status.d"

/* One corrupt file must not turn into millions of warnings. */
#define MAX_WARNINGS_PER_FILE 50
/* Values quoted in warnings are cut to this many bytes. */
#define SHOW_MAX 64

/* The fields a stanza keeps, as views into the file, and the lines that
 * messages name. */
struct stanza {
	size_t line;        /* first line, 0 while the stanza is empty */
	size_t status_line;
	bool orphan_seen;   /* a continuation line came before any field */
	bool any_field;     /* a well-formed field line was seen */
	struct pw_blob package, version, status, arch, source, multi_arch;
};

/* What one parse call carries along. */
struct parser {
	struct pw_inventory *inv;
	const char *path;
	bool default_installed;
	size_t packages;
	size_t first_bad;   /* first line that is not a field, 0 if none */
	size_t nwarnings;
	bool has_nul;       /* the file holds a NUL byte: look for it field by field */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool blob_eq_nocase(struct pw_blob b, const char *s, size_t n)
{
	return b.len == n && strncasecmp(b.ptr, s, n) == 0;
}

#define FIELD_IS(name, lit) blob_eq_nocase(name, lit, sizeof(lit) - 1)

/* Copy at most SHOW_MAX bytes of b into out (SHOW_MAX + 4 bytes) with
 * control and non-ASCII bytes as '?', so a hostile file cannot put
 * terminal escapes into the warnings a command prints. */
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

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

/* Add "path:line: message", up to MAX_WARNINGS_PER_FILE per file and then
 * one line saying that more were dropped. Quoted values go through show(),
 * so the message always fits. */
static pw_err warn(struct parser *ps, size_t line, struct pw_error *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static pw_err warn(struct parser *ps, size_t line, struct pw_error *e, const char *fmt, ...)
{
	char msg[PW_ERROR_MSG_MAX];
	va_list ap;
	pw_err rc = PW_OK;

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

/* Take the next word (a run of non-blanks) from *rest. */
static struct pw_blob next_word(struct pw_blob *rest)
{
	size_t i = 0, j;
	while (i < rest->len && is_blank(rest->ptr[i]))
		i++;
	j = i;
	while (j < rest->len && !is_blank(rest->ptr[j]))
		j++;
	struct pw_blob w = pw_blob(rest->ptr + i, j - i);
	*rest = pw_blob(rest->ptr + j, rest->len - j);
	return w;
}

static bool word_in(struct pw_blob w, const char *const *words)
{
	for (; *words; words++) {
		if (blob_eq_nocase(w, *words, strlen(*words)))
			return true;
	}
	return false;
}

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

/* "want flag state", as dpkg reads it: words separated by any run of
 * spaces and tabs, compared without case, exactly three of them. NULL when
 * well-formed, else what is wrong. */
static const char *parse_status(struct pw_blob status, enum pw_pkg_state *out)
{
	static const char *const wants[] = { "unknown", "install", "hold", "deinstall", "purge",
					     NULL };
	static const char *const flags[] = { "ok", "reinstreq", NULL };
	struct pw_blob rest = status;
	struct pw_blob want = next_word(&rest), flag = next_word(&rest), state = next_word(&rest);
	if (!state.len)
		return "it does not have three words (want, flag, state)";
	if (next_word(&rest).len)
		return "it has more than three words";
	if (!word_in(want, wants))
		return "the first (want) word is unknown";
	if (!word_in(flag, flags))
		return "the second (flag) word is unknown";
	for (size_t i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++) {
		if (blob_eq_nocase(state, state_words[i].word, strlen(state_words[i].word))) {
			*out = state_words[i].state;
			return NULL;
		}
	}
	return "the third (state) word is unknown";
}

/* Source: "name" or "name (version)"; an absent part stays empty. */
static void parse_source(struct pw_blob source, struct pw_blob *name, struct pw_blob *version)
{
	struct pw_blob paren;
	*version = PW_BLOB_NULL;
	if (pw_blob_split(source, '(', name, &paren)) {
		struct pw_blob tail;
		pw_blob_split(paren, ')', version, &tail);
		*version = pw_blob_trim(*version);
	}
	*name = pw_blob_trim(*name);
}

/* A copy of the package name in lower case: dpkg folds names when it reads
 * them, so dpkg-query prints "foo" for "Package: Foo". */
static const char *name_dup(struct pw_inventory *inv, struct pw_blob b)
{
	char *s = pw_arena_blobdup(&inv->arena, b);
	for (char *p = s; p && *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return s;
}

/* Turn a finished stanza into a package (or a warning). */
static pw_err finish(struct parser *ps, const struct stanza *st, struct pw_error *e)
{
	char a[SHOW_MAX + 4], b[SHOW_MAX + 4];
	pw_err rc;

	/* a stanza of only malformed lines was reported line by line */
	if (!st->any_field)
		return PW_OK;
	if (!st->package.len)
		return warn(ps, st->line, e, "stanza without a Package field skipped");
	enum pw_pkg_state state = ps->default_installed ? PW_STATE_INSTALLED
							: PW_STATE_NOT_INSTALLED;
	if (!pw_blob_is_null(st->status)) {
		const char *why = parse_status(st->status, &state);
		if (why) {
			rc = warn(ps, st->status_line, e,
				  "package '%s' has a malformed Status '%s' (%s); state unknown",
				  show(a, st->package), show(b, st->status), why);
			if (rc)
				return rc;
			state = PW_STATE_OTHER;
		}
	}
	/* dpkg-query -W lists every package it knows except not-installed
	 * ones, config-files included: so does the inventory */
	if (state == PW_STATE_NOT_INSTALLED)
		return PW_OK;
	if (!st->version.len)
		return warn(ps, st->line, e, "package '%s' has no Version; skipped",
			    show(a, st->package));
	struct pw_package *p = pw_inventory_add_package(ps->inv, PW_FAMILY_DEB);
	if (!p)
		return nomem(e);
	p->state = state;
	p->name = name_dup(ps->inv, st->package);
	p->version = pw_inventory_blobdup(ps->inv, st->version);
	p->arch = pw_inventory_blobdup(ps->inv, st->arch);
	if (st->multi_arch.len)
		p->multi_arch = pw_inventory_blobdup(ps->inv, st->multi_arch);
	/* An absent Source means the binary's own name and version; a Source
	 * without "(version)" means the binary's version (a binNMU, 1.2-3+b1,
	 * always names its source version 1.2-3) */
	struct pw_blob src_name, src_ver;
	parse_source(st->source, &src_name, &src_ver);
	p->source_name = src_name.len ? pw_inventory_blobdup(ps->inv, src_name) : p->name;
	p->source_version = src_ver.len ? pw_inventory_blobdup(ps->inv, src_ver) : p->version;
	if (!p->name || !p->version || !p->arch || !p->source_name || !p->source_version ||
	    (st->multi_arch.len && !p->multi_arch))
		return nomem(e);
	ps->packages++;
	/* dpkg lists a version with odd characters, with a warning of its own;
	 * so does the inventory, as the assessment cannot trust its order */
	struct pw_error verr;
	if (pw_debver_validate(p->version, &verr) != PW_OK)
		return warn(ps, st->line, e, "package '%s' has an invalid Version: %s",
			    show(a, st->package), show(b, pw_blob_cstr(verr.msg)));
	return PW_OK;
}

/* Record one field line of the current stanza. */
static pw_err field(struct parser *ps, struct stanza *st, struct pw_blob line, size_t lineno,
		    struct pw_error *e)
{
	struct pw_blob name, value;
	pw_err rc;
	/* field names are short: a byte loop beats a memchr call per check */
	size_t colon = 0;
	while (colon < line.len && line.ptr[colon] != ':')
		colon++;
	bool ok = colon < line.len;
	name = pw_blob(line.ptr, colon);
	value = ok ? pw_blob(line.ptr + colon + 1, line.len - colon - 1) : pw_blob(line.ptr + line.len, 0);
	/* dpkg reads "Package : foo" as Package, but a name with blanks
	 * inside, or a NUL, or none at all, is not a field */
	while (name.len && is_blank(name.ptr[name.len - 1]))
		name.len--;
	for (size_t i = 0; ok && i < name.len; i++)
		ok = name.ptr[i] != ' ' && name.ptr[i] != '\t' && name.ptr[i] != '\0';
	if (!ok || !name.len) {
		if (!ps->first_bad)
			ps->first_bad = lineno;
		return warn(ps, lineno, e, "line is not a 'Field: value' line; ignored");
	}
	st->any_field = true;
	/* dpkg keeps values as C strings: a NUL ends the value there */
	const char *nul = ps->has_nul ? memchr(value.ptr, '\0', value.len) : NULL;
	if (nul) {
		value.len = (size_t)(nul - value.ptr);
		if ((rc = warn(ps, lineno, e, "a NUL byte cuts the value short, as dpkg reads it")))
			return rc;
	}
	value = pw_blob_trim(value);
	struct pw_blob *keep = NULL;
	switch (name.ptr[0] | 0x20) {
	case 'p':
		if (FIELD_IS(name, "Package"))
			keep = &st->package;
		break;
	case 'v':
		if (FIELD_IS(name, "Version"))
			keep = &st->version;
		break;
	case 's':
		if (FIELD_IS(name, "Status")) {
			keep = &st->status;
			st->status_line = lineno;
		} else if (FIELD_IS(name, "Source")) {
			keep = &st->source;
		}
		break;
	case 'a':
		if (FIELD_IS(name, "Architecture"))
			keep = &st->arch;
		break;
	case 'm':
		if (FIELD_IS(name, "Multi-Arch"))
			keep = &st->multi_arch;
		break;
	}
	if (!keep)
		return PW_OK;
	bool twice = !pw_blob_is_null(*keep);
	*keep = value;
	/* dpkg refuses the file; the last value is as good a guess as any */
	if (twice)
		return warn(ps, lineno, e, "field '%.*s' given twice in a stanza; the last one is used",
			    (int)name.len, name.ptr);
	return PW_OK;
}

pw_err pw_dpkg_parse_status(struct pw_inventory *inv, struct pw_blob data, const char *path,
			    bool default_installed, struct pw_error *e)
{
	struct parser ps = { inv, path ? path : "status", default_installed, 0, 0, 0, false };
	struct stanza st;
	const char *p, *end;
	size_t lineno = 0;
	pw_err rc;

	if (!data.ptr) /* an empty view may have no pointer: no arithmetic on NULL */
		data = pw_blob("", 0);
	p = data.ptr;
	end = data.ptr + data.len;
	/* one look over the whole file instead of two per field line */
	ps.has_nul = memchr(data.ptr, '\0', data.len) != NULL;
	memset(&st, 0, sizeof(st));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct pw_blob line = pw_blob(p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		/* a continuation line, or a line of only blanks, which ends the
		 * stanza: the first non-blank byte decides, and in a Description
		 * it comes right away */
		if (line.len == 0 || is_blank(line.ptr[0])) {
			size_t i = 0;
			while (i < line.len && is_blank(line.ptr[i]))
				i++;
			if (i < line.len) {
				if (!st.line && !st.orphan_seen) {
					/* a value with no field to belong to */
					st.orphan_seen = true;
					if (!ps.first_bad)
						ps.first_bad = lineno;
					rc = warn(&ps, lineno, e, "continuation line with no "
						  "field before it; ignored");
					if (rc)
						return rc;
				}
				continue;
			}
			if ((rc = finish(&ps, &st, e)))
				return rc;
			memset(&st, 0, sizeof(st));
			continue;
		}
		if (!st.line)
			st.line = lineno;
		if ((rc = field(&ps, &st, line, lineno, e)))
			return rc;
	}
	/* dpkg refuses a file whose last line has no newline: the write was
	 * cut short, so the last value may be too */
	if (st.line && data.ptr[data.len - 1] != '\n') {
		if ((rc = warn(&ps, lineno, e,
			       "file ends without a newline; the last stanza may be truncated")))
			return rc;
	}
	if ((rc = finish(&ps, &st, e)))
		return rc;
	if (ps.packages == 0 && ps.first_bad)
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:%zu: not a dpkg status file (a line is not 'Field: value')",
				    ps.path, ps.first_bad);
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

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every regular file in status.d/, in name order, except the .md5sums
 * lists distroless images keep beside each package's stanza. A file there
 * that is not a status file is one broken package record, not a broken
 * database: it becomes a warning and the others are still read. */
static pw_err read_status_d(struct pw_inventory *inv, const char *dir, struct pw_error *e)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	pw_err rc = PW_OK;
	struct dirent *de;
	DIR *d = opendir(dir);
	if (!d)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    ends_with(de->d_name, ".md5sums"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				rc = nomem(e);
				goto out;
			}
			names = grown;
		}
		if (!(names[n] = pw_path_join(dir, de->d_name))) {
			rc = nomem(e);
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		rc = parse_file(inv, names[i], true, e);
		if (rc == PW_ERR_PARSE) {
			if (pw_inventory_warn(inv, "%s; file skipped", e->msg)) {
				rc = nomem(e);
				goto out;
			}
			pw_error_clear(e);
			rc = PW_OK;
		}
		if (rc)
			goto out;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

/* stat() that tells "absent" (false, PW_OK) from "cannot look" (an error). */
static pw_err exists(const char *path, struct stat *st, bool *found, struct pw_error *e)
{
	*found = stat(path, st) == 0;
	if (!*found && errno != ENOENT && errno != ENOTDIR)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	return PW_OK;
}

pw_err pw_dpkg_collect(struct pw_inventory *inv, struct pw_error *e)
{
	char *status = pw_path_join(inv->root, DPKG_STATUS);
	char *status_d = pw_path_join(inv->root, DPKG_STATUS_D);
	struct stat st;
	bool have_status, have_dir;
	pw_err rc;

	if (!status || !status_d) {
		rc = nomem(e);
		goto out;
	}
	if ((rc = exists(status, &st, &have_status, e)))
		goto out;
	if ((rc = exists(status_d, &st, &have_dir, e)))
		goto out;
	have_dir = have_dir && S_ISDIR(st.st_mode);
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

/* dpkg's pnaw_nonambig (pkg_name() in lib/dpkg/pkg-show.c): qualify when
 * Multi-Arch is "same" or the architecture is foreign; never when the
 * architecture is empty. dpkg reads the Multi-Arch value without case. */
pw_err pw_dpkg_binary_package(const struct pw_package *p, const char *native_arch,
			      struct pw_buf *out)
{
	const char *arch = p->arch ? p->arch : "";
	bool same = p->multi_arch && strcasecmp(p->multi_arch, "same") == 0;
	bool foreign = strcmp(arch, "all") != 0 && (!native_arch || strcmp(arch, native_arch) != 0);
	pw_err rc = pw_buf_adds(out, p->name);
	if (rc == PW_OK && *arch && (same || foreign))
		rc = pw_buf_addf(out, ":%s", arch);
	return rc;
}
