/* alpine_secdb.c - Alpine's security database, in today's JSON layout and
 * in the older YAML files (the same structure):
 *
 *   distroversion: v3.11, reponame: main,
 *   packages: [ { pkg: { name: openssl, secfixes: { "1.1.1g-r0": [CVE-...] } } } ]
 *
 * One record per (release, repository, package): "v3.11/main/openssl". Each
 * secfix version fixes its CVEs; the version "0" means the package was
 * never affected. The YAML reader understands exactly this subset
 * (indentation, "- " items, "key: value", comments) and names file:line for
 * anything else; no YAML library is needed for it.
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_distro.h"

struct fix {
	const char *version;
	const char *cve;
};

struct secdb_pkg {
	struct pw_arena arena;
	char release[PW_DISTRO_KEY_MAX];
	char repo[64];
	const char *name;
	struct fix *fixes;
	size_t nfixes, cap_fixes;
	struct pw_vuln *vulns;
	struct pw_affected *aff;
};

static pw_err add_fix(struct secdb_pkg *p, const char *version, struct pw_blob ids,
		      const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct pw_blob id;
	while (ids.len) {
		pw_blob_split(ids, ' ', &id, &ids);
		id = pw_blob_trim(id);
		if (id.len == 0)
			continue;
		if (!pw_blob_starts_with(id, "CVE-") || id.len > 32) {
			if (sink->skip)
				sink->skip(sink->ctx, "secfix reference that is not a CVE id");
			continue;
		}
		if (p->nfixes == p->cap_fixes) {
			p->cap_fixes = p->cap_fixes ? p->cap_fixes * 2 : 32;
			struct fix *f = realloc(p->fixes, p->cap_fixes * sizeof(*f));
			if (!f)
				return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			p->fixes = f;
		}
		p->fixes[p->nfixes].version = version;
		p->fixes[p->nfixes++].cve = pw_arena_blobdup(&p->arena, id);
	}
	return PW_OK;
}

static pw_err emit(struct secdb_pkg *p, const struct pw_feed_sink *sink, struct pw_error *e)
{
	if (!p->name)
		return PW_OK;
	if (p->nfixes == 0) {
		if (sink->skip)
			sink->skip(sink->ctx, "package without secfixes");
		return PW_OK;
	}
	p->vulns = pw_arena_alloc(&p->arena, p->nfixes * sizeof(*p->vulns));
	p->aff = pw_arena_alloc(&p->arena, p->nfixes * sizeof(*p->aff));
	char id[256];
	snprintf(id, sizeof(id), "v%s/%s/%s", p->release, p->repo, p->name);
	if (!p->vulns || !p->aff)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < p->nfixes; i++) {
		const struct fix *f = &p->fixes[i];
		bool never = strcmp(f->version, "0") == 0 || strcmp(f->version, "0-r0") == 0;
		if (!never && pw_version_validate(PW_SCHEME_APK, f->version, NULL)) {
			if (sink->skip)
				sink->skip(sink->ctx, "invalid fixed version");
			continue;
		}
		p->vulns[n] = (struct pw_vuln){ .id = f->cve, .cvss_score = -1 };
		p->aff[n] = (struct pw_affected){
			.vuln_id = f->cve, .distro = "alpine", .release = p->release,
			.package = p->name,
			.status = never ? PW_AFFECT_NOT_AFFECTED : PW_AFFECT_FIXED,
			.fixed = never ? NULL : f->version,
		};
		n++;
	}
	struct pw_feed_record r = { .id = id, .vulns = p->vulns, .nvulns = n, .affected = p->aff,
				    .naffected = n };
	return n ? sink->record(sink->ctx, &r, e) : PW_OK;
}

static void next_package(struct secdb_pkg *p)
{
	pw_arena_free(&p->arena);
	pw_arena_init(&p->arena);
	p->name = NULL;
	p->nfixes = 0;
}

static bool set_release(struct secdb_pkg *p, const char *distroversion)
{
	struct pw_distro_release dr;
	if (!distroversion || !pw_distro_normalize("alpine", distroversion, &dr))
		return false;
	snprintf(p->release, sizeof(p->release), "%s", dr.release);
	return true;
}

static pw_err parse_json(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct secdb_pkg *p, struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr, data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	pw_err rc = PW_OK;
	const char *repo = json_string_value(json_object_get(doc, "reponame"));
	const json_t *pkgs = json_object_get(doc, "packages");
	/* an empty repository is written as "packages": {} */
	if (!set_release(p, json_string_value(json_object_get(doc, "distroversion"))) ||
	    !(json_is_array(pkgs) || (json_is_object(pkgs) && json_object_size(pkgs) == 0))) {
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: expected distroversion and packages[]", name);
		goto out;
	}
	snprintf(p->repo, sizeof(p->repo), "%s", repo ? repo : "main");
	size_t i;
	const json_t *item;
	json_array_foreach(json_object_get(doc, "packages"), i, item) {
		const json_t *pkg = json_object_get(item, "pkg");
		next_package(p);
		p->name = json_string_value(json_object_get(pkg, "name"));
		const char *ver;
		const json_t *cves;
		json_object_foreach((json_t *)json_object_get(pkg, "secfixes"), ver, cves) {
			size_t k;
			const json_t *c;
			json_array_foreach(cves, k, c) {
				const char *s = json_string_value(c);
				if (s && (rc = add_fix(p, ver, pw_blob_cstr(s), sink, e)))
					goto out;
			}
		}
		if (!p->name) {
			if (sink->skip)
				sink->skip(sink->ctx, "package without a name");
			continue;
		}
		if ((rc = emit(p, sink, e)))
			goto out;
	}
out:
	next_package(p);
	json_decref(doc);
	return rc;
}

static struct pw_blob unquote(struct pw_blob v)
{
	v = pw_blob_trim(v);
	if (v.len >= 2 && (v.ptr[0] == '"' || v.ptr[0] == '\'') && v.ptr[v.len - 1] == v.ptr[0])
		return pw_blob(v.ptr + 1, v.len - 2);
	return v;
}

static size_t indent_of(struct pw_blob line)
{
	size_t n = 0;
	while (n < line.len && line.ptr[n] == ' ')
		n++;
	return n;
}

static pw_err parse_yaml(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			 struct secdb_pkg *p, struct pw_error *e)
{
	struct pw_blob rest = data, line;
	size_t lineno = 0;
	bool in_packages = false, in_secfixes = false, have_release = false;
	const char *version = NULL;
	size_t secfixes_indent = 0;
	pw_err rc = PW_OK;
	snprintf(p->repo, sizeof(p->repo), "main");
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		size_t ind = indent_of(line);
		struct pw_blob t = pw_blob_trim(line);
		if (t.len == 0 || t.ptr[0] == '#' || pw_blob_eq_cstr(t, "---"))
			continue;
		if (memchr(line.ptr, '\t', line.len))
			return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: tab in indentation", name, lineno);
		struct pw_blob key, value;
		if (ind == 0) {
			if (!pw_blob_split(t, ':', &key, &value))
				return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: expected 'key: value'", name, lineno);
			value = unquote(value);
			char v[64];
			snprintf(v, sizeof(v), "%.*s", (int)(value.len < 63 ? value.len : 63), value.ptr);
			if (pw_blob_eq_cstr(key, "distroversion")) {
				if (!set_release(p, v))
					return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: unknown distroversion '%s'",
							    name, lineno, v);
				have_release = true;
			} else if (pw_blob_eq_cstr(key, "reponame")) {
				snprintf(p->repo, sizeof(p->repo), "%s", v);
			}
			in_packages = pw_blob_eq_cstr(key, "packages");
			continue;
		}
		if (!in_packages)
			continue;
		if (!have_release)
			return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: packages before distroversion", name, lineno);
		if (pw_blob_starts_with(t, "- pkg:")) {
			if ((rc = emit(p, sink, e)))
				return rc;
			next_package(p);
			in_secfixes = false;
			continue;
		}
		if (pw_blob_starts_with(t, "- ")) {
			if (!in_secfixes || !version)
				return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: list item outside secfixes",
						    name, lineno);
			if ((rc = add_fix(p, version, unquote(pw_blob(t.ptr + 2, t.len - 2)), sink, e)))
				return rc;
			continue;
		}
		if (!pw_blob_split(t, ':', &key, &value)) {
			/* "1.2.3-r0" version keys always end with ':' */
			return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: expected 'key:'", name, lineno);
		}
		key = unquote(key);
		if (in_secfixes && ind > secfixes_indent) {
			version = pw_arena_blobdup(&p->arena, key);
			continue;
		}
		in_secfixes = false;
		if (pw_blob_eq_cstr(key, "name")) {
			p->name = pw_arena_blobdup(&p->arena, unquote(value));
		} else if (pw_blob_eq_cstr(key, "secfixes")) {
			in_secfixes = true;
			version = NULL;
			secfixes_indent = ind;
		}
	}
	return emit(p, sink, e);
}

pw_err pw_feed_parse_alpine_secdb(struct pw_blob data, const char *name,
				  const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct secdb_pkg p;
	memset(&p, 0, sizeof(p));
	pw_arena_init(&p.arena);
	struct pw_blob t = pw_blob_trim(data);
	while (t.len && (t.ptr[0] == '\n' || t.ptr[0] == '\r'))
		t = pw_blob_trim(pw_blob(t.ptr + 1, t.len - 1));
	pw_err rc = t.len && t.ptr[0] == '{' ? parse_json(data, name, sink, &p, e)
					     : parse_yaml(data, name, sink, &p, e);
	pw_arena_free(&p.arena);
	free(p.fixes);
	return rc;
}
