/* aptlists.c - the candidate apt would install for each installed package.
 *
 * apt picks, for each package, the version with the highest pin priority,
 * and among equal priorities the highest version; the installed version has
 * priority 100, or that of a suite that ships the same version if higher.
 * With no pins configured, suites have 500, NotAutomatic ones 1, and
 * NotAutomatic+ButAutomaticUpgrades ones (backports) 100. An update is
 * pending when that candidate is newer than the installed version.
 *
 * The indexes are large (bookworm main: ~63,000 stanzas, ~90 MB unpacked),
 * so each is decompressed once and walked in one pass; only stanzas whose
 * Package is installed are looked at beyond their first line.
 */
#include "pw_aptlists.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_buf.h"
#include "pw_decompress.h"
#include "pw_file.h"

#define LISTS_DIR "/var/lib/apt/lists"

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static void copy_field(char *dst, size_t size, struct pw_blob v)
{
	v = pw_blob_trim(v);
	size_t n = v.len < size - 1 ? v.len : size - 1;
	memcpy(dst, v.ptr, n);
	dst[n] = '\0';
}

pw_err pw_aptlists_parse_release(struct pw_blob data, const char *path,
				 struct pw_apt_release *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	struct pw_blob rest = data, line;
	size_t lineno = 0;
	bool signed_msg = pw_blob_starts_with(data, "-----BEGIN PGP SIGNED MESSAGE-----");
	bool in_body = !signed_msg, any = false;
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (!in_body) {
			/* armor headers ("Hash: SHA512") end at the first blank line */
			if (line.len == 0)
				in_body = true;
			continue;
		}
		if (pw_blob_starts_with(line, "-----BEGIN PGP SIGNATURE-----"))
			break;
		if (line.len == 0 || line.ptr[0] == ' ' || line.ptr[0] == '\t')
			continue;
		struct pw_blob key, value;
		if (!pw_blob_split(line, ':', &key, &value))
			continue;
		any = true;
		if (pw_blob_eq_cstr(key, "Suite"))
			copy_field(out->suite, sizeof(out->suite), value);
		else if (pw_blob_eq_cstr(key, "Codename"))
			copy_field(out->codename, sizeof(out->codename), value);
		else if (pw_blob_eq_cstr(key, "Origin"))
			copy_field(out->origin, sizeof(out->origin), value);
		else if (pw_blob_eq_cstr(key, "Label"))
			copy_field(out->label, sizeof(out->label), value);
		else if (pw_blob_eq_cstr(key, "NotAutomatic"))
			out->not_automatic = pw_blob_eq_cstr(pw_blob_trim(value), "yes");
		else if (pw_blob_eq_cstr(key, "ButAutomaticUpgrades"))
			out->but_automatic_upgrades = pw_blob_eq_cstr(pw_blob_trim(value), "yes");
	}
	if (!any)
		return pw_error_set(e, PW_ERR_PARSE, "%s: not a Release file", path);
	return PW_OK;
}

int pw_aptlists_priority(const struct pw_apt_release *r)
{
	if (r->not_automatic)
		return r->but_automatic_upgrades ? 100 : 1;
	return 500;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool pw_aptlists_is_security(const struct pw_apt_release *r)
{
	return ends_with(r->suite, "-security") || ends_with(r->codename, "-security") ||
	       strcmp(r->label, "Debian-Security") == 0;
}

/* ---- candidate selection ---- */

struct slot {
	struct pw_package *pkg;    /* an installed deb package */
	int installed_prio;        /* 100, raised by a suite shipping that version */
	const char *best_version;  /* best version seen in a suite (arena) */
	int best_prio;
	struct pw_buf origins;     /* suites shipping best_version, comma-separated */
	bool best_security;
	struct slot *next;         /* same name, other arch */
};

struct pw_aptlists {
	struct pw_inventory *inv;
	struct slot *slots;
	size_t nslots;
	struct slot **table;       /* open hashing by name */
	size_t mask;
};

static uint64_t hash_name(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

pw_err pw_aptlists_begin(struct pw_inventory *inv, struct pw_aptlists **out, struct pw_error *e)
{
	struct pw_aptlists *s = calloc(1, sizeof(*s));
	if (!s)
		return nomem(e);
	s->inv = inv;
	size_t n = 0;
	for (size_t i = 0; i < inv->npkgs; i++)
		n += inv->pkgs[i].family == PW_FAMILY_DEB && inv->pkgs[i].state == PW_STATE_INSTALLED;
	size_t size = 64;
	while (size < n * 2)
		size *= 2;
	s->slots = calloc(n ? n : 1, sizeof(*s->slots));
	s->table = calloc(size, sizeof(*s->table));
	if (!s->slots || !s->table) {
		pw_aptlists_abort(s);
		return nomem(e);
	}
	s->mask = size - 1;
	for (size_t i = 0; i < inv->npkgs; i++) {
		struct pw_package *p = &inv->pkgs[i];
		if (p->family != PW_FAMILY_DEB || p->state != PW_STATE_INSTALLED)
			continue;
		struct slot *sl = &s->slots[s->nslots++];
		sl->pkg = p;
		sl->installed_prio = 100;
		pw_buf_init(&sl->origins, 4096);
		struct slot **b = &s->table[hash_name(p->name, strlen(p->name)) & s->mask];
		sl->next = *b;
		*b = sl;
	}
	*out = s;
	return PW_OK;
}

void pw_aptlists_abort(struct pw_aptlists *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nslots; i++)
		pw_buf_free(&s->slots[i].origins);
	free(s->slots);
	free(s->table);
	free(s);
}

static struct slot *lookup(struct pw_aptlists *s, struct pw_blob name)
{
	for (struct slot *sl = s->table[hash_name(name.ptr, name.len) & s->mask]; sl; sl = sl->next) {
		if (pw_blob_eq_cstr(name, sl->pkg->name))
			return sl;
	}
	return NULL;
}

/* One stanza of a Packages index for an installed package name. */
static pw_err consider(struct pw_aptlists *s, struct slot *first, struct pw_blob version,
		       struct pw_blob arch, const struct pw_apt_release *suite, int prio,
		       struct pw_error *e)
{
	char vbuf[256];
	if (version.len == 0 || version.len >= sizeof(vbuf))
		return PW_OK;
	memcpy(vbuf, version.ptr, version.len);
	vbuf[version.len] = '\0';
	for (struct slot *sl = first; sl; sl = sl->next) {
		if (!pw_blob_eq_cstr(arch, sl->pkg->arch) || strcmp(sl->pkg->name, first->pkg->name))
			continue;
		if (strcmp(vbuf, sl->pkg->version) == 0 && prio > sl->installed_prio)
			sl->installed_prio = prio;
		int c = sl->best_version ? pw_version_cmp(PW_SCHEME_DEB, vbuf, sl->best_version) : 1;
		const char *name = suite->suite[0] ? suite->suite : suite->codename;
		if (!sl->best_version || prio > sl->best_prio || (prio == sl->best_prio && c > 0)) {
			sl->best_version = pw_inventory_strdup(s->inv, vbuf);
			if (!sl->best_version)
				return nomem(e);
			sl->best_prio = prio;
			sl->best_security = pw_aptlists_is_security(suite);
			pw_buf_reset(&sl->origins);
			pw_buf_adds(&sl->origins, name);
		} else if (prio == sl->best_prio && c == 0) {
			/* the same version in another suite: apt lists every archive */
			sl->best_security |= pw_aptlists_is_security(suite);
			pw_buf_addc(&sl->origins, ',');
			pw_buf_adds(&sl->origins, name);
		}
	}
	return PW_OK;
}

struct stanza_state {
	size_t line;
	struct slot *slot;         /* non-NULL while in a stanza of an installed name */
	bool skip;                 /* in a stanza of a name we do not care about */
	struct pw_blob version, arch;
};

pw_err pw_aptlists_feed(struct pw_aptlists *s, struct pw_blob packages, const char *path,
			const struct pw_apt_release *suite, struct pw_error *e)
{
	int prio = pw_aptlists_priority(suite);
	struct pw_blob rest = packages, line;
	size_t lineno = 0;
	struct stanza_state st = { 0 };
	bool bad_warned = false;
	pw_err rc;
	for (;;) {
		bool more = pw_blob_next_line(&rest, &line);
		if (more)
			lineno++;
		if (!more || line.len == 0) {
			if (st.slot) {
				if (st.version.len == 0) {
					if (pw_inventory_warn(s->inv, "%s:%zu: stanza without Version skipped",
							      path, st.line))
						return nomem(e);
				} else if ((rc = consider(s, st.slot, st.version, st.arch, suite, prio, e))) {
					return rc;
				}
			}
			memset(&st, 0, sizeof(st));
			if (!more)
				break;
			continue;
		}
		if (st.skip || line.ptr[0] == ' ' || line.ptr[0] == '\t')
			continue;
		if (st.line == 0)
			st.line = lineno;
		struct pw_blob key, value;
		if (!pw_blob_split(line, ':', &key, &value)) {
			if (!bad_warned && pw_inventory_warn(s->inv, "%s:%zu: not a 'Field: value' line",
							     path, lineno))
				return nomem(e);
			bad_warned = true;
			continue;
		}
		value = pw_blob_trim(value);
		if (pw_blob_eq_cstr(key, "Package")) {
			st.slot = lookup(s, value);
			st.skip = st.slot == NULL;
		} else if (pw_blob_eq_cstr(key, "Version")) {
			st.version = value;
		} else if (pw_blob_eq_cstr(key, "Architecture")) {
			st.arch = value;
		}
	}
	return PW_OK;
}

pw_err pw_aptlists_finish(struct pw_aptlists *s, struct pw_error *e)
{
	pw_err rc = PW_OK;
	for (size_t i = 0; i < s->nslots && rc == PW_OK; i++) {
		struct slot *sl = &s->slots[i];
		struct pw_package *p = sl->pkg;
		if (!sl->best_version || sl->best_prio < sl->installed_prio)
			continue;
		if (pw_version_cmp(PW_SCHEME_DEB, sl->best_version, p->version) <= 0)
			continue;
		p->candidate_version = sl->best_version;
		p->candidate_origin = pw_inventory_strdup(s->inv, sl->origins.data ? sl->origins.data : "");
		p->candidate_security = sl->best_security;
		if (!p->candidate_origin)
			rc = nomem(e);
	}
	pw_aptlists_abort(s);
	return rc;
}

/* ---- the lists directory ---- */

/* A list file name is <site>_dists_<suite>_<component>_binary-<arch>_Packages[.ext];
 * its Release file is <site>_dists_<suite>_InRelease (or _Release). Try each
 * '_' after "_dists_" from the right. */
static bool find_release(const char *dir, const char *name, struct pw_apt_release *rel,
			 struct pw_inventory *inv)
{
	const char *dists = strstr(name, "_dists_");
	if (!dists)
		return false;
	size_t start = (size_t)(dists - name) + 7;
	for (size_t i = strlen(name); i > start; i--) {
		if (name[i - 1] != '_')
			continue;
		static const char *const kinds[] = { "InRelease", "Release" };
		for (size_t k = 0; k < 2; k++) {
			char file[1024];
			if (snprintf(file, sizeof(file), "%s/%.*s%s", dir, (int)i, name, kinds[k]) >=
			    (int)sizeof(file))
				continue;
			struct pw_file f;
			if (pw_file_read(&f, file, NULL) != PW_OK)
				continue;
			struct pw_error e;
			pw_err rc = pw_aptlists_parse_release(f.data, file, rel, &e);
			pw_file_close(&f);
			if (rc == PW_OK)
				return true;
			pw_inventory_warn(inv, "%s", e.msg);
		}
	}
	return false;
}

static bool is_index_name(const char *name)
{
	static const char *const exts[] = { "", ".gz", ".xz", ".lz4", ".zst", ".bz2" };
	const char *p = strstr(name, "_Packages");
	if (!p)
		return false;
	p += strlen("_Packages");
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (strcmp(p, exts[i]) == 0)
			return true;
	}
	return false;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void warn_about_pins(struct pw_inventory *inv)
{
	char *pref = pw_path_join(inv->root, "/etc/apt/preferences");
	char *prefd = pw_path_join(inv->root, "/etc/apt/preferences.d");
	struct stat st;
	bool pins = pref && stat(pref, &st) == 0 && st.st_size > 0;
	DIR *d = prefd ? opendir(prefd) : NULL;
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			pins |= de->d_name[0] != '.';
		closedir(d);
	}
	if (pins)
		pw_inventory_warn(inv, "apt preferences (pins) are present but not applied: "
				       "pending updates assume default priorities");
	free(pref);
	free(prefd);
}

pw_err pw_aptlists_collect(struct pw_inventory *inv, struct pw_error *e)
{
	char *dir = pw_path_join(inv->root, LISTS_DIR);
	if (!dir)
		return nomem(e);
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		return PW_ERR_NOTFOUND;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	pw_err rc = PW_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_index_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **p = realloc(names, cap * sizeof(*names));
			if (!p) {
				rc = nomem(e);
				goto out;
			}
			names = p;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = nomem(e);
			goto out;
		}
		n++;
	}
	if (n == 0) {
		rc = PW_ERR_NOTFOUND;
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	inv->has_apt_lists = true;
	warn_about_pins(inv);

	struct pw_aptlists *s;
	if ((rc = pw_aptlists_begin(inv, &s, e)))
		goto out;
	struct pw_buf buf = PW_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		struct pw_apt_release rel;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!find_release(dir, names[i], &rel, inv)) {
			if (pw_inventory_warn(inv, "%s: no Release file beside it; index skipped", path)) {
				rc = nomem(e);
				break;
			}
			continue;
		}
		pw_buf_reset(&buf);
		struct pw_error ie;
		if (pw_decompress_file(path, &buf, &ie)) {
			/* one broken index does not hide the others */
			if (pw_inventory_warn(inv, "%s; index skipped", ie.msg)) {
				rc = nomem(e);
				break;
			}
			continue;
		}
		if ((rc = pw_aptlists_feed(s, pw_blob(buf.data ? buf.data : "", buf.len), path, &rel, e)))
			break;
	}
	pw_buf_free(&buf);
	if (rc)
		pw_aptlists_abort(s);
	else
		rc = pw_aptlists_finish(s, e);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	free(dir);
	return rc;
}
