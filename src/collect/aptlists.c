/* aptlists.c - the candidate apt would install for each installed package.
 *
 * apt's policy (apt-pkg/policy.cc and versionmatch.cc, apt 2.x), which this
 * file follows rule for rule:
 *  - every index file has a priority: 500; 100 when its suite says
 *    ButAutomaticUpgrades; 1 when it says NotAutomatic; the dpkg status file
 *    100. "Package: *" pins replace it: the first matching pin wins, except
 *    that "never" always wins.
 *  - a version's priority is that of the first pin naming its package that
 *    matches it; failing that, the highest priority among the files that
 *    ship it (the status file counts for the installed version only).
 *  - the candidate is the version with the highest priority, the higher
 *    version winning ties. A priority of 0 or less never selects a version;
 *    a version older than the installed one needs 1000 or more (a downgrade
 *    must be asked for).
 * An update is pending when the candidate is newer than the installed version.
 *
 * The indexes are large (bookworm main: ~63,000 stanzas, 50 MB unpacked
 * from 19 MB of lz4), so each is decompressed piece by piece into a window
 * of 1 MiB and walked once, and only stanzas whose Package is installed are
 * looked at beyond their first lines. What is kept is one small entry per
 * (installed package, index) pair; the policy runs over those at the end,
 * when every file and pin is known.
 */
#include "pw_aptlists.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pw_buf.h"
#include "pw_decompress.h"
#include "pw_file.h"

#define LISTS_DIR "/var/lib/apt/lists"
#define PREFS_FILE "/etc/apt/preferences"
#define PREFS_DIR "/etc/apt/preferences.d"

#define PIN_NEVER SHRT_MIN /* apt's NEVER_PIN, "Pin-Priority: never" */
#define WARN_BUDGET 10     /* warnings per file; the rest are only counted */
#define MAX_VERSION 256    /* a longer Version field is refused */
#define MAX_PATTERN 300    /* apt cuts a release pin at 300 bytes too */
#define MAX_FRAGMENTS 20   /* apt's limit of comma-separated release terms */

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

/* apt's tag files compare field names without case. */
static bool key_is(struct pw_blob key, const char *name)
{
	size_t n = strlen(name);
	return key.len == n && strncasecmp(key.ptr, name, n) == 0;
}

static void copy_field(char *dst, size_t size, struct pw_blob v)
{
	v = pw_blob_trim(v);
	size_t n = v.len < size - 1 ? v.len : size - 1;
	memcpy(dst, v.ptr, n);
	dst[n] = '\0';
}

/* apt's StringToBool: yes/true/with/on/enable or a non-zero number. */
static bool parse_bool(struct pw_blob v)
{
	static const char *const yes[] = { "yes", "true", "with", "on", "enable" };
	v = pw_blob_trim(v);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (key_is(v, yes[i]))
			return true;
	}
	unsigned long n;
	return pw_blob_to_ulong(v, &n) && n != 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Drop a trailing '\r' (a file edited on another system). */
static struct pw_blob chomp(struct pw_blob line)
{
	if (line.len && line.ptr[line.len - 1] == '\r')
		line.len--;
	return line;
}

/* ---- Release files ---- */

pw_err pw_aptlists_parse_release(struct pw_blob data, const char *path,
				 struct pw_apt_release *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	struct pw_blob rest = data, line;
	bool in_body = !pw_blob_starts_with(data, "-----BEGIN PGP SIGNED MESSAGE-----");
	bool any = false;
	while (pw_blob_next_line(&rest, &line)) {
		line = chomp(line);
		if (!in_body) {
			/* armor headers ("Hash: SHA512") end at the first blank line */
			if (line.len == 0)
				in_body = true;
			continue;
		}
		/* what follows the signed body is not signed: never read it */
		if (pw_blob_starts_with(line, "-----BEGIN PGP SIGNATURE-----"))
			break;
		/* the cleartext framework escapes body lines that start with '-' */
		if (pw_blob_starts_with(line, "- ")) {
			line.ptr += 2;
			line.len -= 2;
		}
		if (line.len == 0) {
			if (any) /* apt reads the first stanza only */
				break;
			continue;
		}
		if (line.ptr[0] == ' ' || line.ptr[0] == '\t')
			continue;
		struct pw_blob key, value;
		if (!pw_blob_split(line, ':', &key, &value))
			continue;
		any = true;
		if (key_is(key, "Suite"))
			copy_field(out->suite, sizeof(out->suite), value);
		else if (key_is(key, "Codename"))
			copy_field(out->codename, sizeof(out->codename), value);
		else if (key_is(key, "Origin"))
			copy_field(out->origin, sizeof(out->origin), value);
		else if (key_is(key, "Label"))
			copy_field(out->label, sizeof(out->label), value);
		else if (key_is(key, "Version"))
			copy_field(out->version, sizeof(out->version), value);
		else if (key_is(key, "NotAutomatic"))
			out->not_automatic = parse_bool(value);
		else if (key_is(key, "ButAutomaticUpgrades"))
			out->but_automatic_upgrades = parse_bool(value);
	}
	if (!any)
		return pw_error_set(e, PW_ERR_PARSE, "%s: not a Release file (no field)", path);
	return PW_OK;
}

int pw_aptlists_priority(const struct pw_apt_release *r)
{
	/* apt flags ButAutomaticUpgrades on its own, and clears NotAutomatic
	 * when both are set: either way the suite gets 100 */
	if (r->but_automatic_upgrades)
		return 100;
	return r->not_automatic ? 1 : 500;
}

bool pw_aptlists_is_security(const struct pw_apt_release *r)
{
	return ends_with(r->suite, "-security") || ends_with(r->codename, "-security") ||
	       strcmp(r->label, "Debian-Security") == 0;
}

/* ---- list file names ---- */

static const char *const index_exts[] = { "", ".gz", ".xz", ".lz4", ".zst", ".bz2" };

/* Length of name without its "_Packages[.ext]" suffix, or 0 when it has none. */
static size_t index_stem(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(index_exts) / sizeof(index_exts[0]); i++) {
		char suffix[32];
		int m = snprintf(suffix, sizeof(suffix), "Packages%s", index_exts[i]);
		if (m < 0 || (size_t)m >= sizeof(suffix))
			continue;
		size_t sl = (size_t)m;
		/* flat repositories name it "<site>_<path>_Packages" */
		if (n > sl && strcmp(name + n - sl, suffix) == 0 && name[n - sl - 1] == '_')
			return n - sl;
	}
	return 0;
}

static void copy_range(char *dst, size_t size, const char *p, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

bool pw_aptlists_parse_list_name(const char *name, struct pw_apt_index *out)
{
	memset(out, 0, sizeof(*out));
	size_t stem = index_stem(name); /* "..._binary-amd64_" */
	if (stem == 0)
		return false;
	/* apt names the file after the URI without its scheme, '/' becoming
	 * '_' (and '_' itself escaped): the site is what precedes the first
	 * '_', empty for file:/ URIs */
	const char *us = strchr(name, '_');
	copy_range(out->site, sizeof(out->site), name, (size_t)(us - name));
	/* "<component>_binary-<arch>_": the component is the segment before
	 * "binary-" (a suite may itself contain '_', a component in
	 * sources.list rarely does) */
	const char *bin = NULL;
	for (const char *p = name; (p = strstr(p, "_binary-")) && (size_t)(p - name) < stem; p++)
		bin = p;
	if (!bin)
		return true;
	const char *arch = bin + strlen("_binary-");
	copy_range(out->arch, sizeof(out->arch), arch, stem - 1 - (size_t)(arch - name));
	const char *comp = bin;
	while (comp > name && comp[-1] != '_')
		comp--;
	copy_range(out->component, sizeof(out->component), comp, (size_t)(bin - comp));
	return true;
}

/* ---- apt's pattern matching ---- */

/* A /regex/ (extended, caseless) or a caseless glob, as apt matches pin
 * names, suites and origins. NULL (a field the Release file lacks) never
 * matches. Unlike apt, a regex with an interval expression never matches
 * (see below). */
static bool expr_match(const char *pattern, const char *s)
{
	if (!pattern || !s)
		return false;
	size_t n = strlen(pattern);
	if (n >= 2 && pattern[0] == '/' && pattern[n - 1] == '/') {
		char re[MAX_PATTERN + 1];
		/* interval expressions ("a{1,200}") can make regcomp build an
		 * automaton exponential in the pattern: a preferences file in a
		 * scanned image is not trusted that far, so they never match */
		if (n - 2 > MAX_PATTERN || memchr(pattern, '{', n))
			return false;
		memcpy(re, pattern + 1, n - 2);
		re[n - 2] = '\0';
		regex_t preg;
		if (regcomp(&preg, re, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			return false;
		bool m = regexec(&preg, s, 0, NULL, 0) == 0;
		regfree(&preg);
		return m;
	}
	return fnmatch(pattern, s, FNM_CASEFOLD) == 0;
}

/* apt's MatchVer: equal without case, or a prefix when the pin ended in '*'. */
static bool match_ver(const char *have, const char *want, bool prefix)
{
	if (!have || !want)
		return false;
	size_t n = strlen(have), m = strlen(want);
	if ((n != m && !prefix) || n < m)
		return false;
	return strncasecmp(want, have, m) == 0;
}

/* ---- the state ---- */

enum pin_type { PIN_VERSION, PIN_RELEASE, PIN_ORIGIN };

struct pin {
	enum pin_type type;
	int prio;
	const char *name;  /* NULL for "Package: *": the pin applies to index files */
	const char *arch;  /* "name:arch"; NULL means the native architecture */
	bool source;       /* "src:name": versions built from that source */
	bool pattern;      /* name is a glob or a /regex/ */
	/* what the pin selects */
	bool none;         /* a release spec apt could not split: selects nothing */
	bool all;          /* "release *" */
	const char *ver;   /* "version V" or "release v=V" */
	bool ver_prefix;
	const char *origin, *archive, *codename, *release, *label, *component, *barch;
	const char *site;  /* "origin SITE" */
};

struct file_rec {
	struct pw_apt_index idx;
	const char *name;  /* what apt list prints: the Suite, else the Codename */
	bool status;       /* the dpkg status file (apt's "now") */
	bool security;
	int prio;
	bool fixed;        /* a "Package: *" pin set prio */
};

struct slot {
	struct pw_package *pkg;
	const char *arch;  /* "all" read as the native arch, as apt's cache does */
	struct slot *next; /* same hash bucket */
};

struct entry {
	uint32_t slot, file;
	const char *version;
	const char *source; /* NULL: the package's own name */
};

struct pw_aptlists {
	struct pw_inventory *inv;
	const char *native;
	struct slot *slots;
	size_t nslots;
	struct slot **table; /* chained hashing by name */
	size_t mask;
	struct file_rec *files;
	size_t nfiles, cap_files;
	struct entry *entries;
	size_t nentries, cap_entries;
	struct pin *pins;
	size_t npins, cap_pins;
};

/* Grow an array of `size`-byte items to hold one more. */
static bool reserve(void **items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / size)
		return false;
	void *p = realloc(*items, ncap * size);
	if (!p)
		return false;
	*items = p;
	*cap = ncap;
	return true;
}

/* Warnings for one file: the first WARN_BUDGET are kept, the rest counted. */
struct warner {
	struct pw_inventory *inv;
	const char *path;
	size_t count;
	struct pw_error *e; /* set when a warning cannot be stored */
};

static pw_err warn_at(struct warner *w, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static pw_err warn_at(struct warner *w, size_t line, const char *fmt, ...)
{
	if (w->count++ >= WARN_BUDGET)
		return PW_OK;
	char msg[PW_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return PW_OK;
	/* a cut message still names file:line, which is what matters */
	if (pw_inventory_warn(w->inv, "%s:%zu: %s", w->path, line, msg))
		return nomem(w->e);
	return PW_OK;
}

static pw_err warn_done(struct warner *w)
{
	if (w->count <= WARN_BUDGET)
		return PW_OK;
	if (pw_inventory_warn(w->inv, "%s: %zu more problems not listed", w->path,
			      w->count - WARN_BUDGET))
		return nomem(w->e);
	return PW_OK;
}

static uint64_t hash_name(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static bool is_installed_deb(const struct pw_package *p)
{
	return p->family == PW_FAMILY_DEB && p->state == PW_STATE_INSTALLED && p->name && p->version;
}

/* dpkg's native architecture: that of the dpkg package itself, which is
 * always native; failing that, the most common one. */
static const char *find_native_arch(const struct pw_inventory *inv)
{
	const char *seen[16];
	size_t counts[16] = { 0 }, nseen = 0;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		if (!is_installed_deb(p) || !p->arch || !p->arch[0] || strcmp(p->arch, "all") == 0)
			continue;
		if (strcmp(p->name, "dpkg") == 0)
			return p->arch;
		size_t j = 0;
		while (j < nseen && strcmp(seen[j], p->arch) != 0)
			j++;
		if (j == nseen) {
			if (nseen == sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[nseen++] = p->arch;
		}
		counts[j]++;
	}
	size_t best = 0;
	for (size_t j = 1; j < nseen; j++) {
		if (counts[j] > counts[best])
			best = j;
	}
	return nseen ? seen[best] : "";
}

static const char *norm_arch(const struct pw_aptlists *s, const char *arch)
{
	return strcmp(arch, "all") == 0 ? s->native : arch;
}

static pw_err add_entry(struct pw_aptlists *s, size_t slot, size_t file, const char *version,
			const char *source, struct pw_error *e)
{
	if (!reserve((void **)&s->entries, &s->cap_entries, s->nentries, sizeof(*s->entries)))
		return nomem(e);
	s->entries[s->nentries++] = (struct entry){ (uint32_t)slot, (uint32_t)file, version, source };
	return PW_OK;
}

static pw_err add_file(struct pw_aptlists *s, const struct pw_apt_index *idx, bool status,
		       size_t *id, struct pw_error *e)
{
	if (s->nfiles >= UINT32_MAX ||
	    !reserve((void **)&s->files, &s->cap_files, s->nfiles, sizeof(*s->files)))
		return nomem(e);
	struct file_rec *f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->idx = *idx;
	f->status = status;
	f->name = status ? "now" : f->idx.release.suite[0] ? f->idx.release.suite : f->idx.release.codename;
	f->security = !status && pw_aptlists_is_security(&idx->release);
	f->prio = status ? 100 : pw_aptlists_priority(&idx->release);
	*id = s->nfiles++;
	return PW_OK;
}

pw_err pw_aptlists_begin(struct pw_inventory *inv, struct pw_aptlists **out, struct pw_error *e)
{
	struct pw_aptlists *s = calloc(1, sizeof(*s));
	if (!s)
		return nomem(e);
	s->inv = inv;
	s->native = find_native_arch(inv);
	size_t n = 0;
	for (size_t i = 0; i < inv->npkgs; i++)
		n += is_installed_deb(&inv->pkgs[i]);
	size_t size = 64;
	while (size < n * 2)
		size *= 2;
	s->slots = calloc(n ? n : 1, sizeof(*s->slots));
	s->table = calloc(size, sizeof(*s->table));
	if (!s->slots || !s->table)
		goto fail;
	s->mask = size - 1;
	/* file 0 is the status file; it ships each installed version */
	struct pw_apt_index status = { 0 };
	size_t id;
	if (add_file(s, &status, true, &id, e))
		goto fail;
	for (size_t i = 0; i < inv->npkgs; i++) {
		struct pw_package *p = &inv->pkgs[i];
		if (!is_installed_deb(p))
			continue;
		struct slot *sl = &s->slots[s->nslots];
		sl->pkg = p;
		sl->arch = norm_arch(s, p->arch ? p->arch : "");
		struct slot **b = &s->table[hash_name(p->name, strlen(p->name)) & s->mask];
		sl->next = *b;
		*b = sl;
		if (add_entry(s, s->nslots, 0, p->version, p->source_name, e))
			goto fail;
		s->nslots++;
	}
	*out = s;
	return PW_OK;
fail:
	pw_aptlists_abort(s);
	return nomem(e);
}

void pw_aptlists_abort(struct pw_aptlists *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s->table);
	free(s->files);
	free(s->entries);
	free(s->pins);
	free(s);
}

/* ---- preferences ---- */

/* A copy of a blob in the inventory's arena, or NULL for an empty one. */
static const char *dup_or_null(struct pw_aptlists *s, struct pw_blob b, bool *oom)
{
	if (b.len == 0)
		return NULL;
	const char *c = pw_inventory_blobdup(s->inv, b);
	if (!c)
		*oom = true;
	return c;
}

/* Parse what follows the pin type ("a=stable,o=Debian", "1.2*",
 * "deb.example.org") the way pkgVersionMatch's constructor does. */
static void parse_pin_data(struct pw_aptlists *s, struct pin *p, struct pw_blob data, bool *oom)
{
	if (data.len > MAX_PATTERN)
		data.len = MAX_PATTERN;
	if (p->type == PIN_VERSION) {
		if (data.len && data.ptr[data.len - 1] == '*') {
			p->ver_prefix = true;
			data.len--;
		}
		p->ver = dup_or_null(s, data, oom);
		if (!p->ver && !p->ver_prefix)
			p->none = true; /* an empty version matches nothing */
		return;
	}
	if (p->type == PIN_ORIGIN) {
		if (data.len >= 2 && data.ptr[0] == '"' && data.ptr[data.len - 1] == '"')
			data = pw_blob(data.ptr + 1, data.len - 2);
		p->site = data.len ? dup_or_null(s, data, oom) : "";
		return;
	}
	if (data.len == 1 && data.ptr[0] == '*') {
		p->all = true;
		return;
	}
	struct pw_blob ver = PW_BLOB_NULL;
	if (data.len && !memchr(data.ptr, '=', data.len)) {
		/* a bare "stable" names a suite or codename; "12*" a version */
		if (isdigit((unsigned char)data.ptr[0]))
			ver = data;
		else
			p->release = dup_or_null(s, data, oom);
	} else if (data.len) {
		struct pw_blob rest = data, frag;
		size_t count = 0;
		while (rest.len) {
			pw_blob_split(rest, ',', &frag, &rest);
			frag = pw_blob_trim(frag);
			if (frag.len == 0)
				continue;
			if (++count >= MAX_FRAGMENTS) {
				p->none = true;
				return;
			}
			if (frag.len < 3 || frag.ptr[1] != '=')
				continue;
			struct pw_blob v = pw_blob(frag.ptr + 2, frag.len - 2);
			switch (tolower((unsigned char)frag.ptr[0])) {
			case 'v': ver = v; break;
			case 'o': p->origin = dup_or_null(s, v, oom); break;
			case 'a': p->archive = dup_or_null(s, v, oom); break;
			case 'n': p->codename = dup_or_null(s, v, oom); break;
			case 'l': p->label = dup_or_null(s, v, oom); break;
			case 'c': p->component = dup_or_null(s, v, oom); break;
			case 'b': p->barch = dup_or_null(s, v, oom); break;
			default: break;
			}
		}
	}
	if (ver.len && ver.ptr[ver.len - 1] == '*') {
		p->ver_prefix = true;
		ver.len--;
	}
	p->ver = dup_or_null(s, ver, oom);
}

/* Pin-Priority: apt's FindI reads a leading decimal number and ignores
 * what follows it. */
static bool parse_priority(struct pw_blob v, long *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < v.len && (v.ptr[i] == '-' || v.ptr[i] == '+'))
		neg = v.ptr[i++] == '-';
	long n = 0;
	size_t start = i;
	for (; i < v.len && isdigit((unsigned char)v.ptr[i]); i++) {
		if (n > 100000) /* far outside the valid range already */
			return false;
		n = n * 10 + (v.ptr[i] - '0');
	}
	*out = i == start ? 0 : neg ? -n : n;
	return true;
}

struct pref_record {
	size_t line;
	size_t nfields;
	bool has_pkg, has_pin, has_prio;
	const char *pkg_start, *pkg_end; /* the Package value with its continuation lines */
	struct pw_blob pin, prio;
	bool in_pkg;                     /* continuation lines belong to Package */
};

static pw_err add_pin(struct pw_aptlists *s, const struct pin *p, struct pw_error *e)
{
	if (!reserve((void **)&s->pins, &s->cap_pins, s->npins, sizeof(*s->pins)))
		return nomem(e);
	s->pins[s->npins++] = *p;
	return PW_OK;
}

/* One Package name of a record: "src:" and ":arch" taken apart. */
static pw_err add_named_pin(struct pw_aptlists *s, struct pin p, struct pw_blob name,
			    struct pw_error *e)
{
	if (pw_blob_starts_with(name, "src:")) {
		p.source = true;
		name = pw_blob(name.ptr + 4, name.len - 4);
	}
	for (size_t i = name.len; i > 0; i--) {
		if (name.ptr[i - 1] == ':') {
			if (!(p.arch = pw_inventory_blobdup(s->inv, pw_blob(name.ptr + i, name.len - i))))
				return nomem(e);
			name.len = i - 1;
			break;
		}
	}
	if (!(p.name = pw_inventory_blobdup(s->inv, name)))
		return nomem(e);
	p.pattern = (name.len && name.ptr[0] == '/' && name.ptr[name.len - 1] == '/') ||
		    strpbrk(p.name, "*[?") != NULL;
	return add_pin(s, &p, e);
}

static pw_err add_record(struct pw_aptlists *s, struct warner *w, const struct pref_record *r,
			 struct pw_error *e)
{
	if (!r->has_pkg || r->pkg_start == r->pkg_end)
		return warn_at(w, r->line, "record without Package skipped (apt refuses the file)");
	if (!r->has_pin)
		return PW_OK; /* apt ignores records without Pin (comments, Explanation) */
	struct pw_blob pkg = pw_blob_trim(pw_blob(r->pkg_start, (size_t)(r->pkg_end - r->pkg_start)));
	bool generic = pw_blob_eq_cstr(pkg, "*");

	struct pin p = { 0 };
	struct pw_blob word = r->pin, data;
	size_t i = 0;
	while (i < word.len && !isspace((unsigned char)word.ptr[i]))
		i++;
	data = pw_blob_trim(pw_blob(word.ptr + i, word.len - i));
	word.len = i;
	if (key_is(word, "version") && !generic)
		p.type = PIN_VERSION;
	else if (key_is(word, "release"))
		p.type = PIN_RELEASE;
	else if (key_is(word, "origin"))
		p.type = PIN_ORIGIN;
	else
		return warn_at(w, r->line, "pin type '%.*s' not understood; record skipped",
			       PW_BLOB_PRINTF(word));

	long prio = 0;
	if (r->has_prio && pw_blob_eq_cstr(r->prio, "never")) {
		if (!generic)
			return warn_at(w, r->line, "Pin-Priority: never is for 'Package: *' only; "
				       "record skipped");
		prio = PIN_NEVER;
	} else if (!r->has_prio || !parse_priority(r->prio, &prio) || prio < SHRT_MIN ||
		   prio > SHRT_MAX) {
		return warn_at(w, r->line, "Pin-Priority missing or out of range; record skipped");
	} else if (prio == 0) {
		return warn_at(w, r->line, "Pin-Priority is zero; record skipped");
	} else if (prio == PIN_NEVER) {
		prio = PIN_NEVER + 1; /* only the word "never" means never */
	}
	p.prio = (int)prio;

	bool oom = false;
	parse_pin_data(s, &p, data, &oom);
	if (oom)
		return nomem(e);
	if (generic)
		return add_pin(s, &p, e);
	/* several names, separated by white space, possibly over continuation
	 * lines; a comment line among them is not a name */
	const char *c = r->pkg_start;
	while (c < r->pkg_end) {
		const char *eol = memchr(c, '\n', (size_t)(r->pkg_end - c));
		if (!eol)
			eol = r->pkg_end;
		struct pw_blob line = pw_blob(c, (size_t)(eol - c));
		c = eol + (eol < r->pkg_end);
		if (line.len && line.ptr[0] == '#')
			continue;
		size_t k = 0;
		while (k < line.len) {
			while (k < line.len && isspace((unsigned char)line.ptr[k]))
				k++;
			size_t start = k;
			while (k < line.len && !isspace((unsigned char)line.ptr[k]))
				k++;
			pw_err rc;
			if (k > start && (rc = add_named_pin(s, p, pw_blob(line.ptr + start, k - start), e)))
				return rc;
		}
	}
	return PW_OK;
}

pw_err pw_aptlists_add_preferences(struct pw_aptlists *s, struct pw_blob data, const char *path,
				   struct pw_error *e)
{
	struct warner w = { s->inv, path, 0, e };
	struct pref_record r = { 0 };
	struct pw_blob rest = data, line;
	size_t lineno = 0;
	pw_err rc;
	for (;;) {
		bool more = pw_blob_next_line(&rest, &line);
		if (more) {
			lineno++;
			line = chomp(line);
			if (line.len && line.ptr[0] == '#')
				continue; /* apt allows comments anywhere in preferences */
		}
		if (!more || line.len == 0) {
			if (r.nfields && (rc = add_record(s, &w, &r, e)))
				return rc;
			memset(&r, 0, sizeof(r));
			if (!more)
				break;
			continue;
		}
		if (line.ptr[0] == ' ' || line.ptr[0] == '\t') {
			if (r.in_pkg)
				r.pkg_end = line.ptr + line.len;
			continue;
		}
		struct pw_blob key, value;
		if (!pw_blob_split(line, ':', &key, &value)) {
			if ((rc = warn_at(&w, lineno, "not a 'Field: value' line")))
				return rc;
			continue;
		}
		if (r.nfields++ == 0)
			r.line = lineno;
		value = pw_blob_trim(value);
		r.in_pkg = false;
		if (key_is(key, "Package")) {
			r.has_pkg = r.in_pkg = true;
			r.pkg_start = value.ptr;
			r.pkg_end = value.ptr + value.len;
		} else if (key_is(key, "Pin")) {
			r.has_pin = true;
			r.pin = value;
		} else if (key_is(key, "Pin-Priority")) {
			r.has_prio = true;
			r.prio = value;
		}
	}
	return warn_done(&w);
}

/* ---- Packages indexes ---- */

struct stanza {
	size_t line;       /* of its first field */
	size_t nfields;
	size_t start;      /* window offset of its first field's line */
	bool has_package;
	struct slot *slot; /* the first installed slot with this name */
	bool skip;         /* a name nobody installed: nothing more to read */
	bool too_long;     /* it did not fit the window: skipped with a warning */
	struct pw_blob name, version, arch, source;
};

static struct slot *lookup(struct pw_aptlists *s, struct pw_blob name)
{
	for (struct slot *sl = s->table[hash_name(name.ptr, name.len) & s->mask]; sl; sl = sl->next) {
		if (pw_blob_eq_cstr(name, sl->pkg->name))
			return sl;
	}
	return NULL;
}

/* One stanza of an installed package name: an entry for each installed
 * architecture it matches. */
static pw_err take_stanza(struct pw_aptlists *s, struct warner *w, size_t file,
			  const struct stanza *st, struct pw_error *e)
{
	if (st->version.len == 0)
		return warn_at(w, st->line, "package %.*s: stanza without Version skipped",
			       PW_BLOB_PRINTF(st->name));
	if (st->arch.len == 0)
		return warn_at(w, st->line, "package %.*s: stanza without Architecture skipped",
			       PW_BLOB_PRINTF(st->name));
	if (st->version.len > MAX_VERSION)
		return warn_at(w, st->line, "package %.*s: Version longer than %d bytes; skipped",
			       PW_BLOB_PRINTF(st->name), MAX_VERSION);
	char vbuf[MAX_VERSION + 1], abuf[64];
	memcpy(vbuf, st->version.ptr, st->version.len);
	vbuf[st->version.len] = '\0';
	copy_field(abuf, sizeof(abuf), st->arch);
	const char *arch = norm_arch(s, abuf);

	const char *version = NULL, *source = NULL;
	for (struct slot *sl = st->slot; sl; sl = sl->next) {
		if (!pw_blob_eq_cstr(st->name, sl->pkg->name) || strcmp(sl->arch, arch) != 0)
			continue;
		if (!version) {
			struct pw_error ve;
			if (pw_version_validate(PW_SCHEME_DEB, vbuf, &ve))
				return warn_at(w, st->line, "package %.*s: Version '%s': %s; skipped",
					       PW_BLOB_PRINTF(st->name), vbuf, ve.msg);
			if (!(version = pw_inventory_strdup(s->inv, vbuf)))
				return nomem(e);
			/* "Source: name (version)": only the name matters to pins */
			struct pw_blob src = pw_blob_trim(st->source), tail;
			pw_blob_split(src, ' ', &src, &tail);
			if (src.len && !pw_blob_eq(src, st->name) &&
			    !(source = pw_inventory_blobdup(s->inv, src)))
				return nomem(e);
		}
		pw_err rc = add_entry(s, (size_t)(sl - s->slots), file, version, source, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

/* The text of one index, seen through a window of bounded size: lines are
 * taken from its front, and when no whole line is left the window is
 * refilled. What the current stanza's fields point into stays in the window
 * until the stanza ends: a refill moves it to the window's front (and the
 * fields' pointers with it) instead of copying any field out. A stanza
 * whose name nobody installed keeps nothing, however long it is. */
struct window {
	pw_aptlists_read_fn read; /* NULL: text is the whole index */
	void *ctx;
	char *buf;          /* what read fills; text == buf */
	const char *text;
	size_t cap, len, pos; /* text[0..len) read, pos: the next line */
	bool eof;
	bool failed;        /* read reported an error */
	char last;          /* the last byte read: '\n' unless the file was cut */
	bool in_long_line;  /* inside a line that did not fit: dropped to its end */
};

#define WINDOW_DEFAULT ((size_t)1 << 20)
#define WINDOW_MIN 64

/* A line's bytes after chomp() are empty: it ends a stanza. */
static bool blank_at(const char *p, size_t n, size_t i, bool *known)
{
	*known = true;
	if (i < n && p[i] == '\n')
		return true;
	if (i < n && p[i] == '\r') {
		if (i + 1 < n)
			return p[i + 1] == '\n';
		*known = false;
		return false;
	}
	*known = i < n;
	return false;
}

/* Bytes with the high bit set where w's byte equals c's (c repeated). */
static uint64_t bytes_equal(uint64_t w, uint64_t c)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
	uint64_t x = w ^ c;
	return ~(((x & low7) + low7) | x | low7);
}

/* The length of the whole lines at p[0..n) before the first blank line or
 * the first line that may not be whole, and their count in *lines. This is
 * what the line loop does to a skipped stanza, done a word at a time: most
 * of an index is stanzas nobody installed. */
static size_t skip_lines(const char *p, size_t n, size_t *lines)
{
	bool known;
	*lines = 0;
	if (blank_at(p, n, 0, &known) || !known)
		return 0;
	size_t i = 0, count = 0, end = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t nl = 0x0a0a0a0a0a0a0a0aull, cr = 0x0d0d0d0d0d0d0d0dull;
	/* each '\n' at i with p[i+1] == '\n', or "\r\n" at i+1, starts a blank line */
	for (; i + 10 <= n; i += 8) {
		uint64_t w0, w1, w2;
		memcpy(&w0, p + i, 8);
		memcpy(&w1, p + i + 1, 8);
		memcpy(&w2, p + i + 2, 8);
		uint64_t at = bytes_equal(w0, nl);
		if (!at)
			continue;
		uint64_t blank = at & (bytes_equal(w1, nl) | (bytes_equal(w1, cr) & bytes_equal(w2, nl)));
		if (blank) {
			uint64_t upto = blank ^ (blank - 1); /* the first blank's '\n' and below */
			*lines = count + (size_t)__builtin_popcountll(at & upto);
			return i + (size_t)__builtin_ctzll(blank) / 8 + 1;
		}
		count += (size_t)__builtin_popcountll(at);
		end = i + (63 - (size_t)__builtin_clzll(at)) / 8 + 1;
	}
#endif
	for (; i < n; i++) {
		if (p[i] != '\n')
			continue;
		count++;
		end = i + 1;
		if (blank_at(p, n, i + 1, &known) || !known)
			break;
	}
	*lines = count;
	return end;
}

/* Refill the window, first dropping what is no longer needed: everything
 * before the current stanza, or before the current line when the stanza is
 * skipped. When the window is full of what must be kept, the stanza is too
 * long: it is skipped with a warning, and the line being read dropped to
 * its end. */
static pw_err refill(struct window *w, struct stanza *st, struct warner *wr, size_t lineno,
		     struct pw_error *e)
{
	bool keep_stanza = st->nfields && !st->skip;
	size_t keep = keep_stanza ? st->start : w->pos;
	if (w->in_long_line)
		keep = w->len;
	if (keep == 0 && w->len == w->cap) {
		if (!st->skip) {
			pw_err rc = warn_at(wr, st->nfields ? st->line : lineno + 1,
					    "stanza longer than %zu bytes; skipped", w->cap);
			if (rc)
				return rc;
			st->too_long = true;
		}
		st->skip = true;
		st->slot = NULL;
		keep_stanza = false;
		w->in_long_line = true;
		keep = w->len;
	}
	if (keep) {
		memmove(w->buf, w->buf + keep, w->len - keep);
		w->len -= keep;
		w->pos = keep > w->pos ? 0 : w->pos - keep;
		if (keep_stanza) {
			st->start -= keep;
			struct pw_blob *fields[] = { &st->name, &st->version, &st->arch, &st->source };
			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
				if (fields[i]->ptr)
					fields[i]->ptr -= keep;
			}
		}
	}
	size_t n;
	pw_err rc = w->read(w->ctx, w->buf + w->len, w->cap - w->len, &n, e);
	if (rc) {
		w->failed = true;
		return rc;
	}
	if (n == 0)
		w->eof = true;
	else
		w->last = w->buf[w->len + n - 1];
	w->len += n;
	return PW_OK;
}

/* The next line without its '\n', or false at the end of the index. *cut:
 * the end of a line too long for the window (its text is not there). */
static pw_err next_line(struct window *w, struct stanza *st, struct warner *wr, size_t lineno,
			struct pw_blob *line, bool *more, bool *cut, struct pw_error *e)
{
	for (;;) {
		const char *p = w->text + w->pos;
		const char *nl = w->in_long_line && w->pos == w->len ? NULL
					: memchr(p, '\n', w->len - w->pos);
		if (nl || (w->eof && w->pos < w->len)) {
			size_t n = nl ? (size_t)(nl - p) : w->len - w->pos;
			*line = pw_blob(p, n);
			w->pos += n + (nl != NULL);
			*cut = w->in_long_line;
			w->in_long_line = false;
			*more = true;
			return PW_OK;
		}
		if (w->eof) {
			*more = false;
			return PW_OK;
		}
		pw_err rc = refill(w, st, wr, lineno, e);
		if (rc)
			return rc;
	}
}

static pw_err feed_window(struct pw_aptlists *s, struct window *w, const char *path,
			  const struct pw_apt_index *idx, struct pw_error *e)
{
	size_t file;
	pw_err rc = add_file(s, idx, false, &file, e);
	if (rc)
		return rc;
	struct warner wr = { s->inv, path, 0, e };
	size_t lineno = 0;
	bool bad_line_warned = false;
	struct stanza st = { 0 };
	for (;;) {
		if (st.skip && !w->in_long_line) {
			size_t lines;
			w->pos += skip_lines(w->text + w->pos, w->len - w->pos, &lines);
			lineno += lines;
		}
		struct pw_blob line;
		bool more, cut;
		if ((rc = next_line(w, &st, &wr, lineno, &line, &more, &cut, e)))
			return rc;
		if (more) {
			lineno++;
			line = chomp(line);
		}
		if (!more || (line.len == 0 && !cut)) {
			/* apt writes every index with a final newline: without one the
			 * file was cut, and its last stanza may be too */
			if (!more && w->last != '\n' && st.nfields) {
				rc = warn_at(&wr, lineno, "the file ends inside a line (truncated?); "
					     "its last stanza is ignored");
			} else if (st.nfields && !st.has_package && !st.too_long) {
				rc = warn_at(&wr, st.line, "stanza without Package skipped");
			} else if (st.slot) {
				rc = take_stanza(s, &wr, file, &st, e);
			}
			if (rc)
				return rc;
			memset(&st, 0, sizeof(st));
			if (!more)
				break;
			continue;
		}
		if (st.skip || line.ptr[0] == ' ' || line.ptr[0] == '\t')
			continue;
		struct pw_blob key, value;
		if (!pw_blob_split(line, ':', &key, &value)) {
			/* one warning per file: a garbage file would repeat it on every line */
			if (!bad_line_warned && (rc = warn_at(&wr, lineno, "not a 'Field: value' line")))
				return rc;
			bad_line_warned = true;
			continue;
		}
		if (st.nfields++ == 0) {
			st.line = lineno;
			st.start = (size_t)(line.ptr - w->text);
		}
		value = pw_blob_trim(value);
		if (key_is(key, "Package")) {
			st.has_package = true;
			st.name = value;
			st.slot = lookup(s, value);
			st.skip = st.slot == NULL;
		} else if (key_is(key, "Version")) {
			st.version = value;
		} else if (key_is(key, "Architecture")) {
			st.arch = value;
		} else if (key_is(key, "Source")) {
			st.source = value;
		}
	}
	return warn_done(&wr);
}

pw_err pw_aptlists_feed(struct pw_aptlists *s, struct pw_blob packages, const char *path,
			const struct pw_apt_index *idx, struct pw_error *e)
{
	struct window w = { 0 };
	w.text = packages.len ? packages.ptr : "";
	w.len = w.cap = packages.len;
	w.eof = true;
	w.last = packages.len ? packages.ptr[packages.len - 1] : '\n';
	return feed_window(s, &w, path, idx, e);
}

pw_err pw_aptlists_feed_stream(struct pw_aptlists *s, pw_aptlists_read_fn read, void *ctx,
			       size_t window, const char *path, const struct pw_apt_index *idx,
			       struct pw_error *e)
{
	struct window w = { 0 };
	w.read = read;
	w.ctx = ctx;
	w.cap = window == 0 ? WINDOW_DEFAULT : window < WINDOW_MIN ? WINDOW_MIN : window;
	w.last = '\n';
	if (!(w.buf = malloc(w.cap)))
		return nomem(e);
	w.text = w.buf;
	size_t nfiles = s->nfiles, nentries = s->nentries, nwarnings = s->inv->nwarnings;
	pw_err rc = feed_window(s, &w, path, idx, e);
	if (rc && w.failed) {
		/* as if the index had never been fed */
		s->nfiles = nfiles;
		s->nentries = nentries;
		s->inv->nwarnings = nwarnings;
	}
	free(w.buf);
	return rc;
}

/* ---- the policy ---- */

/* pkgVersionMatch::FileMatch: does a release or origin pin select file f? */
static bool file_match(const struct pin *p, const struct file_rec *f)
{
	if (p->none || p->type == PIN_VERSION)
		return false;
	const struct pw_apt_release *r = &f->idx.release;
	if (f->status) {
		/* the status file has no Release: its archive and component are "now" */
		if (p->type != PIN_RELEASE)
			return false;
		if (p->archive && !expr_match(p->archive, "now"))
			return false;
		if (p->release && !expr_match(p->release, "now"))
			return false;
		if (p->origin || p->label || p->ver || p->codename)
			return false;
		if (p->all)
			return true;
		if (p->component && !expr_match(p->component, "now"))
			return false;
		return !p->barch;
	}
#define FIELD(x) ((x)[0] ? (x) : NULL)
	if (p->type == PIN_ORIGIN)
		return expr_match(p->site, f->idx.site);
	if (p->all)
		return true;
	if (!p->ver && !p->origin && !p->archive && !p->label && !p->release && !p->codename &&
	    !p->component && !p->barch)
		return false;
	if (p->ver && !match_ver(FIELD(r->version), p->ver, p->ver_prefix) &&
	    !expr_match(p->ver, FIELD(r->version)))
		return false;
	if (p->origin && !expr_match(p->origin, FIELD(r->origin)))
		return false;
	if (p->archive && !expr_match(p->archive, FIELD(r->suite)))
		return false;
	if (p->codename && !expr_match(p->codename, FIELD(r->codename)))
		return false;
	if (p->release && !expr_match(p->release, FIELD(r->suite)) &&
	    !expr_match(p->release, FIELD(r->codename)))
		return false;
	if (p->label && !expr_match(p->label, FIELD(r->label)))
		return false;
	if (p->component && !expr_match(p->component, FIELD(f->idx.component)))
		return false;
	if (p->barch && !expr_match(p->barch, FIELD(f->idx.arch)))
		return false;
#undef FIELD
	return true;
}

/* InitDefaults: the priority of each file, "Package: *" pins applied. */
static void file_priorities(struct pw_aptlists *s)
{
	for (size_t i = 0; i < s->npins; i++) {
		const struct pin *p = &s->pins[i];
		if (p->name)
			continue;
		for (size_t j = 0; j < s->nfiles; j++) {
			struct file_rec *f = &s->files[j];
			if ((!f->fixed || p->prio == PIN_NEVER) && f->prio != PIN_NEVER && file_match(p, f)) {
				f->prio = p->prio;
				f->fixed = true;
			}
		}
	}
}

/* The versions of one slot, as runs of entries with the same version string. */
struct run {
	const struct entry *first;
	size_t n;
};

/* Does a pin naming packages apply to this slot and select this version? */
static bool pin_selects(const struct pw_aptlists *s, const struct pin *p, const struct slot *sl,
			struct run v)
{
	/* a name without ":arch" pins the native package only, as in apt */
	const char *arch = p->arch ? p->arch : "native";
	if (strcmp(arch, "any") != 0) {
		if (strcmp(arch, "native") == 0)
			arch = s->native;
		if (strcmp(norm_arch(s, arch), sl->arch) != 0)
			return false;
	}
	const char *subject = sl->pkg->name;
	if (p->source) {
		subject = NULL;
		for (size_t i = 0; i < v.n && !subject; i++)
			subject = v.first[i].source;
		if (!subject)
			subject = sl->pkg->name;
	}
	if (p->pattern ? strcmp(p->name, subject) == 0 || !expr_match(p->name, subject)
		       : strcmp(p->name, subject) != 0)
		return false;
	if (p->type == PIN_VERSION)
		return !p->none && (match_ver(v.first->version, p->ver ? p->ver : "", p->ver_prefix) ||
				    (p->ver && expr_match(p->ver, v.first->version)));
	for (size_t i = 0; i < v.n; i++) {
		if (file_match(p, &s->files[v.first[i].file]))
			return true;
	}
	return false;
}

/* GetPriority(version). */
static int version_priority(const struct pw_aptlists *s, const struct slot *sl, struct run v)
{
	for (size_t i = 0; i < s->npins; i++) {
		const struct pin *p = &s->pins[i];
		if (!p->name || !pin_selects(s, p, sl, v))
			continue;
		if (p->prio == PIN_NEVER)
			return PIN_NEVER;
		/* a specific pin counts unless every file is pinned "never" */
		for (size_t j = 0; j < v.n; j++) {
			if (s->files[v.first[j].file].prio != PIN_NEVER)
				return p->prio;
		}
		break;
	}
	int prio = INT_MIN;
	for (size_t j = 0; j < v.n; j++) {
		int fp = s->files[v.first[j].file].prio;
		if (fp > prio)
			prio = fp;
	}
	return prio == INT_MIN ? 0 : prio;
}

/* Entries of a slot together, newest version first; the same version
 * string together, in feed order. */
static int cmp_entries(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	int c = pw_version_cmp(PW_SCHEME_DEB, y->version, x->version);
	if (c)
		return c;
	if ((c = strcmp(x->version, y->version)))
		return c;
	return x->file < y->file ? -1 : x->file > y->file;
}

static pw_err choose(struct pw_aptlists *s, const struct entry *first, size_t n, struct pw_buf *tmp,
		     struct pw_error *e)
{
	const struct slot *sl = &s->slots[first->slot];
	struct pw_package *p = sl->pkg;
	struct run best = { NULL, 0 };
	int best_prio = -1;
	for (size_t i = 0; i < n;) {
		struct run v = { first + i, 1 };
		while (i + v.n < n && strcmp(first[i + v.n].version, v.first->version) == 0)
			v.n++;
		i += v.n;
		int prio = version_priority(s, sl, v);
		if (prio == 0 || prio <= best_prio)
			continue;
		if (prio < 1000 && pw_version_cmp(PW_SCHEME_DEB, v.first->version, p->version) < 0)
			continue;
		best = v;
		best_prio = prio;
	}
	if (!best.first || pw_version_cmp(PW_SCHEME_DEB, best.first->version, p->version) <= 0)
		return PW_OK;
	pw_buf_reset(tmp);
	bool security = false;
	for (size_t i = 0; i < best.n; i++) {
		const struct file_rec *f = &s->files[best.first[i].file];
		if (f->status)
			continue;
		if ((tmp->len && pw_buf_addc(tmp, ',')) || pw_buf_adds(tmp, f->name))
			return nomem(e);
		security |= f->security;
	}
	p->candidate_version = best.first->version;
	p->candidate_origin = pw_inventory_strdup(s->inv, tmp->data ? tmp->data : "");
	p->candidate_security = security;
	return p->candidate_origin ? PW_OK : nomem(e);
}

pw_err pw_aptlists_finish(struct pw_aptlists *s, struct pw_error *e)
{
	file_priorities(s);
	qsort(s->entries, s->nentries, sizeof(*s->entries), cmp_entries);
	struct pw_buf tmp;
	pw_buf_init(&tmp, 1 << 16);
	pw_err rc = PW_OK;
	for (size_t i = 0; i < s->nentries && rc == PW_OK;) {
		size_t n = 1;
		while (i + n < s->nentries && s->entries[i + n].slot == s->entries[i].slot)
			n++;
		rc = choose(s, &s->entries[i], n, &tmp, e);
		i += n;
	}
	pw_buf_free(&tmp);
	pw_aptlists_abort(s);
	return rc;
}

/* ---- the host's files ---- */

/* The Release file of a list: <prefix>InRelease or <prefix>Release, where
 * the prefix ends at one of the '_' after "_dists_" (flat repositories: any
 * '_'). Tried from the longest prefix. */
static bool find_release(const char *dir, const char *name, struct pw_apt_release *rel,
			 struct pw_inventory *inv)
{
	const char *dists = strstr(name, "_dists_");
	size_t start = dists ? (size_t)(dists - name) + strlen("_dists_") : 1;
	for (size_t i = index_stem(name); i > start; i--) {
		if (name[i - 1] != '_')
			continue;
		static const char *const kinds[] = { "InRelease", "Release" };
		for (size_t k = 0; k < 2; k++) {
			char file[4096];
			int m = snprintf(file, sizeof(file), "%s/%.*s%s", dir, (int)i, name, kinds[k]);
			if (m < 0 || (size_t)m >= sizeof(file))
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

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir that keep(name) accepts, sorted; *out is NULL-free. */
static pw_err list_dir(const char *dir, bool (*keep)(const char *), char ***out, size_t *n,
		       struct pw_error *e)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return PW_ERR_NOTFOUND;
	size_t cap = 0;
	pw_err rc = PW_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!keep(de->d_name))
			continue;
		char *copy = NULL;
		if (!reserve((void **)out, &cap, *n, sizeof(**out)) || !(copy = strdup(de->d_name))) {
			rc = nomem(e);
			break;
		}
		(*out)[(*n)++] = copy;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_names);
	return rc;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool is_index_name(const char *name)
{
	return index_stem(name) != 0;
}

/* apt's rule for preferences.d (GetListOfFilesInDir with "pref"): no
 * leading dot; no extension or ".pref"; letters, digits, '_', '-', ':' and
 * '.' only; not ending in '.'. */
static bool is_pref_part(const char *name)
{
	if (name[0] == '.' || name[0] == '\0')
		return false;
	const char *dot = strrchr(name, '.');
	if (dot && strcmp(dot, ".pref") != 0)
		return false;
	for (const char *c = name; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != ':' && *c != '.')
			return false;
	}
	return name[strlen(name) - 1] != '.';
}

static pw_err read_pref_file(struct pw_aptlists *s, const char *path, struct pw_error *e)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return PW_OK;
	struct pw_file f;
	struct pw_error fe;
	if (pw_file_read(&f, path, &fe))
		return pw_inventory_warn(s->inv, "%s; its pins are not applied", fe.msg) ? nomem(e) : PW_OK;
	pw_err rc = pw_aptlists_add_preferences(s, f.data, path, e);
	pw_file_close(&f);
	return rc;
}

/* etc/apt/preferences, then preferences.d/ in name order, as apt reads them. */
static pw_err read_preferences(struct pw_aptlists *s, struct pw_error *e)
{
	char *file = pw_path_join(s->inv->root, PREFS_FILE);
	char *dir = pw_path_join(s->inv->root, PREFS_DIR);
	char **names = NULL;
	size_t n = 0;
	pw_err rc = PW_OK;
	if (!file || !dir) {
		rc = nomem(e);
		goto out;
	}
	if ((rc = read_pref_file(s, file, e)))
		goto out;
	rc = list_dir(dir, is_pref_part, &names, &n, e);
	if (rc == PW_ERR_NOTFOUND)
		rc = PW_OK;
	for (size_t i = 0; i < n && rc == PW_OK; i++) {
		char path[4096];
		int m = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (m < 0 || (size_t)m >= sizeof(path))
			continue;
		rc = read_pref_file(s, path, e);
	}
out:
	free_names(names, n);
	free(file);
	free(dir);
	return rc;
}

/* Two names for one index ("X_Packages" and "X_Packages.lz4", left by a
 * change of compression): the first in name order is read. */
static bool same_index(const char *a, const char *b)
{
	size_t n = index_stem(a);
	return n == index_stem(b) && strncmp(a, b, n) == 0;
}

struct list_reader {
	struct pw_decoder *d;
	bool failed;
};

static pw_err read_list(void *ctx, char *dst, size_t cap, size_t *n, struct pw_error *e)
{
	struct list_reader *r = ctx;
	pw_err rc = pw_decoder_read(r->d, dst, cap, n, e);
	r->failed = rc != PW_OK;
	return rc;
}

/* One list file, decompressed as it is parsed. A file that cannot be read
 * or decompressed, even near its end, counts for nothing: one broken index
 * does not hide the others, nor adds half of itself. */
static pw_err feed_file(struct pw_aptlists *s, const char *path, const struct pw_apt_index *idx,
			struct pw_error *e)
{
	struct list_reader r = { NULL, false };
	struct pw_error ie;
	pw_err rc = pw_decoder_open(path, 0, &r.d, &ie);
	if (rc == PW_OK) {
		rc = pw_aptlists_feed_stream(s, read_list, &r, 0, path, idx, &ie);
		pw_decoder_close(r.d);
		if (rc && !r.failed) { /* the parser's own failure: out of memory */
			*e = ie;
			return rc;
		}
	}
	if (rc == PW_OK)
		return PW_OK;
	return pw_inventory_warn(s->inv, "%s; index skipped", ie.msg) ? nomem(e) : PW_OK;
}

pw_err pw_aptlists_collect(struct pw_inventory *inv, struct pw_error *e)
{
	char *dir = pw_path_join(inv->root, LISTS_DIR);
	if (!dir)
		return nomem(e);
	char **names = NULL;
	size_t n = 0;
	struct pw_aptlists *s = NULL;
	pw_err rc = list_dir(dir, is_index_name, &names, &n, e);
	if (rc == PW_OK && n == 0)
		rc = PW_ERR_NOTFOUND;
	if (rc)
		goto out;
	inv->has_apt_lists = true;
	if ((rc = pw_aptlists_begin(inv, &s, e)) || (rc = read_preferences(s, e)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		int m = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (m < 0 || (size_t)m >= sizeof(path))
			continue;
		if (i > 0 && same_index(names[i - 1], names[i])) {
			if (pw_inventory_warn(inv, "%s: another copy of %s; skipped", path, names[i - 1])) {
				rc = nomem(e);
				goto out;
			}
			continue;
		}
		struct pw_apt_index idx;
		pw_aptlists_parse_list_name(names[i], &idx);
		if (!find_release(dir, names[i], &idx.release, inv)) {
			if (pw_inventory_warn(inv, "%s: no Release file beside it; index skipped", path)) {
				rc = nomem(e);
				goto out;
			}
			continue;
		}
		if ((rc = feed_file(s, path, &idx, e)))
			goto out;
	}
	rc = pw_aptlists_finish(s, e);
	s = NULL;
out:
	pw_aptlists_abort(s);
	free_names(names, n);
	free(dir);
	return rc;
}
