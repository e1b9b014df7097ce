/* inventory_json.c - the inventory document (docs/inventory-schema.json).
 *
 * Absent values are omitted rather than written as null, so documents stay
 * small for agents that upload them on every change.
 */
#include "pw_inventory_json.h"

#include <string.h>

#include "pw_clock.h"
#include "pw_jsonw.h"
#include "pw_text.h"
#include "pw_config.h"

static void write_string_array(struct pw_jsonw *w, const char *key, const char *const *items,
			       size_t n)
{
	pw_jsonw_key(w, key);
	pw_jsonw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		pw_jsonw_string(w, items[i]);
	pw_jsonw_end_array(w);
}

static void write_host(struct pw_jsonw *w, const struct pw_host_facts *h)
{
	pw_jsonw_key(w, "host");
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "machine_id", h->machine_id);
	pw_jsonw_kstr(w, "hostname", h->hostname);
	pw_jsonw_kstr(w, "arch", h->arch);
	pw_jsonw_key(w, "os");
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "id", h->os_id);
	pw_jsonw_kstr(w, "version_id", h->os_version_id);
	pw_jsonw_kstr(w, "codename", h->os_codename);
	pw_jsonw_kstr(w, "id_like", h->os_id_like);
	pw_jsonw_kstr(w, "pretty_name", h->os_pretty_name);
	pw_jsonw_end_object(w);
	pw_jsonw_key(w, "kernel");
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "release", h->kernel_release);
	pw_jsonw_kstr(w, "version", h->kernel_version);
	pw_jsonw_end_object(w);
	pw_jsonw_end_object(w);
}

static void write_package(struct pw_jsonw *w, const struct pw_package *p)
{
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "family", pw_family_name(p->family));
	pw_jsonw_kstr(w, "name", p->name);
	pw_jsonw_kstr(w, "arch", p->arch);
	pw_jsonw_kstr(w, "version", p->version);
	pw_jsonw_kstr(w, "state", pw_state_name(p->state));
	pw_jsonw_kstr(w, "source_name", p->source_name);
	pw_jsonw_kstr(w, "source_version", p->source_version);
	pw_jsonw_kstr(w, "multi_arch", p->multi_arch);
	if (p->family == PW_FAMILY_RPM) {
		pw_jsonw_key(w, "rpm");
		pw_jsonw_begin_object(w);
		pw_jsonw_kstr(w, "epoch", p->rpm_epoch);
		pw_jsonw_kstr(w, "version", p->rpm_version);
		pw_jsonw_kstr(w, "release", p->rpm_release);
		pw_jsonw_kstr(w, "sourcerpm", p->rpm_sourcerpm);
		pw_jsonw_end_object(w);
	}
	if (p->candidate_version) {
		pw_jsonw_key(w, "update");
		pw_jsonw_begin_object(w);
		pw_jsonw_kstr(w, "version", p->candidate_version);
		pw_jsonw_kstr(w, "origin", p->candidate_origin);
		pw_jsonw_key(w, "security");
		pw_jsonw_bool(w, p->candidate_security);
		pw_jsonw_end_object(w);
	}
	if (p->is_kernel) {
		pw_jsonw_key(w, "kernel");
		pw_jsonw_bool(w, true);
	}
	pw_jsonw_end_object(w);
}

pw_err pw_inventory_write_json(const struct pw_inventory *inv, struct pw_buf *out, bool pretty)
{
	return pw_inventory_write_json_to(inv, out, pretty, NULL, NULL);
}

pw_err pw_inventory_write_json_to(const struct pw_inventory *inv, struct pw_buf *out, bool pretty,
				  pw_err (*sink)(void *ctx, const char *data, size_t len), void *ctx)
{
	struct pw_jsonw w;
	char when[32];
	size_t installed = 0, updates = 0, security = 0;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		installed += p->state == PW_STATE_INSTALLED;
		updates += p->candidate_version != NULL;
		security += p->candidate_version && p->candidate_security;
	}
	pw_jsonw_init(&w, out, pretty);
	if (sink)
		pw_jsonw_set_sink(&w, sink, ctx, PW_INVENTORY_JSON_PIECE);
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "schema_version");
	pw_jsonw_int(&w, PW_INVENTORY_SCHEMA_VERSION);
	pw_jsonw_kstr(&w, "generator", "patchwarden " PW_VERSION);
	pw_jsonw_kstr(&w, "scanned_at", pw_clock_format(pw_clock_now(), when, sizeof(when)));
	pw_jsonw_kstr(&w, "root", inv->root);
	write_host(&w, &inv->host);

	pw_jsonw_key(&w, "package_managers");
	pw_jsonw_begin_array(&w);
	if (inv->has_dpkg)
		pw_jsonw_string(&w, "dpkg");
	if (inv->has_rpm)
		pw_jsonw_string(&w, "rpm");
	if (inv->has_apk)
		pw_jsonw_string(&w, "apk");
	if (inv->has_apt_lists)
		pw_jsonw_string(&w, "apt");
	pw_jsonw_end_array(&w);

	pw_jsonw_key(&w, "reboot");
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "required");
	pw_jsonw_bool(&w, inv->reboot_required);
	write_string_array(&w, "reasons", inv->reboot_reasons, inv->nreboot_reasons);
	write_string_array(&w, "packages", inv->reboot_pkgs, inv->nreboot_pkgs);
	pw_jsonw_kstr(&w, "newest_kernel", inv->newest_kernel);
	pw_jsonw_end_object(&w);

	pw_jsonw_key(&w, "summary");
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "packages");
	pw_jsonw_int(&w, (int64_t)inv->npkgs);
	pw_jsonw_key(&w, "installed");
	pw_jsonw_int(&w, (int64_t)installed);
	pw_jsonw_key(&w, "updates");
	pw_jsonw_int(&w, (int64_t)updates);
	pw_jsonw_key(&w, "security_updates");
	pw_jsonw_int(&w, (int64_t)security);
	pw_jsonw_end_object(&w);

	pw_jsonw_key(&w, "packages");
	pw_jsonw_begin_array(&w);
	for (size_t i = 0; i < inv->npkgs; i++)
		write_package(&w, &inv->pkgs[i]);
	pw_jsonw_end_array(&w);
	write_string_array(&w, "warnings", inv->warnings, inv->nwarnings);
	if (inv->ndb_errors)
		write_string_array(&w, "database_errors", inv->db_errors, inv->ndb_errors);
	pw_jsonw_end_object(&w);
	return pw_jsonw_finish(&w);
}

json_t *pw_inventory_to_json(const struct pw_inventory *inv)
{
	struct pw_buf b = PW_BUF_INIT;
	json_t *doc = NULL;
	if (pw_inventory_write_json(inv, &b, false) == PW_OK)
		doc = json_loadb(b.data, b.len, 0, NULL);
	pw_buf_free(&b);
	return doc;
}

/* ---- reading ---- */

/* What a string member may hold, beyond its length in bytes. */
enum {
	STR_REQUIRED = 1u << 0, /* present, and not empty */
	STR_WORD = 1u << 1,     /* no space either: names, versions, architectures */
};

/* Refuse a string past its bounds, naming it (a path such as
 * "packages[17].name") and what is wrong at which byte: a document is
 * refused whole, before anything of it is stored. */
static pw_err check_str(const char *name, const char *s, size_t len, size_t max, unsigned rules,
			struct pw_error *e)
{
	if (len > max)
		return pw_error_set(e, PW_ERR_LIMIT, "%s: %zu bytes, at most %zu", name, len, max);
	uint32_t what;
	size_t at = pw_text_find_control(s, len, &what);
	if (at < len) {
		char d[48];
		return pw_error_set(e, PW_ERR_INVALID, "%s: %s at byte %zu", name,
				    pw_text_describe(what, (unsigned char)s[at], d, sizeof(d)), at);
	}
	const char *space = (rules & STR_WORD) ? memchr(s, ' ', len) : NULL;
	if (space)
		return pw_error_set(e, PW_ERR_INVALID, "%s: a space at byte %zu", name,
				    (size_t)(space - s));
	if ((rules & STR_REQUIRED) && len == 0)
		return pw_error_set(e, PW_ERR_INVALID, "%s: empty", name);
	return PW_OK;
}

/* Copy a string member of the object at `where` ("" at the top), at most
 * max bytes, into the arena; absent (or null) gives NULL unless
 * STR_REQUIRED. A present member of another type is an error naming it. */
static pw_err get_str(struct pw_inventory *inv, const json_t *obj, const char *key,
		      const char *where, const char **out, unsigned rules, size_t max,
		      struct pw_error *e)
{
	char name[96];
	snprintf(name, sizeof(name), "%s%s%s", where, *where ? "." : "", key);
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (rules & STR_REQUIRED)
			return pw_error_set(e, PW_ERR_PARSE, "%s: missing field \"%s\"",
					    *where ? where : "inventory", key);
		*out = NULL;
		return PW_OK;
	}
	if (!json_is_string(v))
		return pw_error_set(e, PW_ERR_PARSE, "%s: expected a string", name);
	pw_err rc = check_str(name, json_string_value(v), json_string_length(v), max, rules, e);
	if (rc)
		return rc;
	*out = pw_inventory_strdup(inv, json_string_value(v));
	return *out ? PW_OK : pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

/* Refuse an array of more than max items, naming it. */
static pw_err check_items(const char *where, const json_t *arr, size_t max, struct pw_error *e)
{
	size_t n = json_array_size(arr);
	if (n > max)
		return pw_error_set(e, PW_ERR_LIMIT, "%s: %zu items, at most %zu", where, n, max);
	return PW_OK;
}

static bool parse_family(const char *s, enum pw_pkg_family *f)
{
	static const enum pw_pkg_family all[] = { PW_FAMILY_DEB, PW_FAMILY_RPM, PW_FAMILY_APK };
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(s, pw_family_name(all[i])) == 0) {
			*f = all[i];
			return true;
		}
	}
	return false;
}

static bool parse_state(const char *s, enum pw_pkg_state *st)
{
	for (int i = PW_STATE_INSTALLED; i <= PW_STATE_OTHER; i++) {
		if (strcmp(s, pw_state_name((enum pw_pkg_state)i)) == 0) {
			*st = (enum pw_pkg_state)i;
			return true;
		}
	}
	return false;
}

static pw_err package_from_json(struct pw_inventory *inv, const json_t *o, size_t idx,
				struct pw_error *e)
{
	char where[48];
	snprintf(where, sizeof(where), "packages[%zu]", idx);
	if (!json_is_object(o))
		return pw_error_set(e, PW_ERR_PARSE, "%s: expected an object", where);
	const char *family = NULL, *state = NULL;
	pw_err rc = get_str(inv, o, "family", where, &family, STR_REQUIRED, PW_INV_MAX_WORD, e);
	if (rc)
		return rc;
	enum pw_pkg_family fam;
	if (!parse_family(family, &fam))
		return pw_error_set(e, PW_ERR_PARSE, "%s.family: unknown family \"%s\"", where, family);
	struct pw_package *p = pw_inventory_add_package(inv, fam);
	if (!p)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	const char *arch = NULL;
	if ((rc = get_str(inv, o, "name", where, &p->name, STR_REQUIRED | STR_WORD,
			  PW_INV_MAX_NAME, e)) ||
	    (rc = get_str(inv, o, "version", where, &p->version, STR_REQUIRED | STR_WORD,
			  PW_INV_MAX_VERSION, e)) ||
	    (rc = get_str(inv, o, "arch", where, &arch, STR_WORD, PW_INV_MAX_ARCH, e)) ||
	    (rc = get_str(inv, o, "state", where, &state, 0, PW_INV_MAX_WORD, e)) ||
	    (rc = get_str(inv, o, "source_name", where, &p->source_name, STR_WORD, PW_INV_MAX_NAME,
			  e)) ||
	    (rc = get_str(inv, o, "source_version", where, &p->source_version, STR_WORD,
			  PW_INV_MAX_VERSION, e)) ||
	    (rc = get_str(inv, o, "multi_arch", where, &p->multi_arch, STR_WORD, PW_INV_MAX_WORD,
			  e)))
		return rc;
	p->arch = arch ? arch : "";
	p->state = PW_STATE_INSTALLED;
	if (state && !parse_state(state, &p->state))
		return pw_error_set(e, PW_ERR_PARSE, "%s.state: unknown state \"%s\"", where, state);
	if (!p->source_name)
		p->source_name = p->name;
	if (!p->source_version)
		p->source_version = p->version;
	const json_t *r = json_object_get(o, "rpm");
	if (r) {
		if (!json_is_object(r))
			return pw_error_set(e, PW_ERR_PARSE, "%s.rpm: expected an object", where);
		snprintf(where, sizeof(where), "packages[%zu].rpm", idx);
		if ((rc = get_str(inv, r, "epoch", where, &p->rpm_epoch, STR_WORD,
				  PW_INV_MAX_VERSION, e)) ||
		    (rc = get_str(inv, r, "version", where, &p->rpm_version, STR_WORD,
				  PW_INV_MAX_VERSION, e)) ||
		    (rc = get_str(inv, r, "release", where, &p->rpm_release, STR_WORD,
				  PW_INV_MAX_VERSION, e)) ||
		    (rc = get_str(inv, r, "sourcerpm", where, &p->rpm_sourcerpm, STR_WORD,
				  PW_INV_MAX_TEXT, e)))
			return rc;
	}
	const json_t *u = json_object_get(o, "update");
	if (u) {
		snprintf(where, sizeof(where), "packages[%zu].update", idx);
		if (!json_is_object(u))
			return pw_error_set(e, PW_ERR_PARSE, "%s: expected an object", where);
		if ((rc = get_str(inv, u, "version", where, &p->candidate_version,
				  STR_REQUIRED | STR_WORD, PW_INV_MAX_VERSION, e)) ||
		    (rc = get_str(inv, u, "origin", where, &p->candidate_origin, 0,
				  PW_INV_MAX_TEXT, e)))
			return rc;
		p->candidate_security = json_is_true(json_object_get(u, "security"));
	}
	p->is_kernel = json_is_true(json_object_get(o, "kernel"));
	return PW_OK;
}

/* An array of at most max_items strings of at most max bytes each. */
static pw_err strings_from_json(struct pw_inventory *inv, const json_t *arr, const char *where,
				size_t max_items, size_t max, unsigned rules,
				pw_err (*add)(struct pw_inventory *, const char *),
				struct pw_error *e)
{
	if (!arr)
		return PW_OK;
	if (!json_is_array(arr))
		return pw_error_set(e, PW_ERR_PARSE, "%s: expected an array", where);
	pw_err rc = check_items(where, arr, max_items, e);
	if (rc)
		return rc;
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		char at[48];
		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		if (!json_is_string(v))
			return pw_error_set(e, PW_ERR_PARSE, "%s: expected a string", at);
		rc = check_str(at, json_string_value(v), json_string_length(v), max, rules, e);
		if (rc)
			return rc;
		if (add(inv, json_string_value(v)))
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	return PW_OK;
}

static pw_err add_warning(struct pw_inventory *inv, const char *s)
{
	return pw_inventory_warn(inv, "%s", s);
}

static pw_err add_db_error(struct pw_inventory *inv, const char *s)
{
	return pw_inventory_add_db_error(inv, "%s", s);
}

static pw_err add_reason(struct pw_inventory *inv, const char *s)
{
	return pw_inventory_add_reboot_reason(inv, "%s", s);
}

pw_err pw_inventory_from_json(struct pw_inventory *inv, const json_t *doc, struct pw_error *e)
{
	pw_err rc;
	if (!json_is_object(doc))
		return pw_error_set(e, PW_ERR_PARSE, "inventory: expected a JSON object");
	const json_t *sv = json_object_get(doc, "schema_version");
	if (!json_is_integer(sv))
		return pw_error_set(e, PW_ERR_PARSE, "inventory: missing field \"schema_version\"");
	if (json_integer_value(sv) != PW_INVENTORY_SCHEMA_VERSION)
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "inventory: schema_version %lld is not supported (expected %d)",
				    (long long)json_integer_value(sv), PW_INVENTORY_SCHEMA_VERSION);
	const char *root = NULL;
	if ((rc = get_str(inv, doc, "root", "", &root, 0, PW_INV_MAX_ROOT, e)))
		return rc;
	if (root)
		inv->root = root;

	const json_t *host = json_object_get(doc, "host");
	if (host) {
		if (!json_is_object(host))
			return pw_error_set(e, PW_ERR_PARSE, "host: expected an object");
		struct pw_host_facts *h = &inv->host;
		const json_t *os = json_object_get(host, "os");
		const json_t *kernel = json_object_get(host, "kernel");
		if ((rc = get_str(inv, host, "machine_id", "host", &h->machine_id, STR_WORD,
				  PW_INV_MAX_MACHINE_ID, e)) ||
		    (rc = get_str(inv, host, "hostname", "host", &h->hostname, 0, PW_INV_MAX_HOSTNAME,
				  e)) ||
		    (rc = get_str(inv, host, "arch", "host", &h->arch, STR_WORD, PW_INV_MAX_ARCH, e)))
			return rc;
		if (os && (!json_is_object(os) ||
			   (rc = get_str(inv, os, "id", "host.os", &h->os_id, 0, PW_INV_MAX_WORD, e)) ||
			   (rc = get_str(inv, os, "version_id", "host.os", &h->os_version_id, 0,
					 PW_INV_MAX_WORD, e)) ||
			   (rc = get_str(inv, os, "codename", "host.os", &h->os_codename, 0,
					 PW_INV_MAX_WORD, e)) ||
			   (rc = get_str(inv, os, "id_like", "host.os", &h->os_id_like, 0,
					 PW_INV_MAX_TEXT, e)) ||
			   (rc = get_str(inv, os, "pretty_name", "host.os", &h->os_pretty_name, 0,
					 PW_INV_MAX_TEXT, e))))
			return rc ? rc : pw_error_set(e, PW_ERR_PARSE, "host.os: expected an object");
		if (kernel && (!json_is_object(kernel) ||
			       (rc = get_str(inv, kernel, "release", "host.kernel", &h->kernel_release, 0,
					     PW_INV_MAX_TEXT, e)) ||
			       (rc = get_str(inv, kernel, "version", "host.kernel", &h->kernel_version, 0,
					     PW_INV_MAX_TEXT, e))))
			return rc ? rc : pw_error_set(e, PW_ERR_PARSE, "host.kernel: expected an object");
	}

	const json_t *mgrs = json_object_get(doc, "package_managers");
	if (mgrs) {
		if (!json_is_array(mgrs))
			return pw_error_set(e, PW_ERR_PARSE, "package_managers: expected an array");
		if ((rc = check_items("package_managers", mgrs, PW_INV_MAX_MANAGERS, e)))
			return rc;
		size_t i;
		const json_t *v;
		json_array_foreach(mgrs, i, v) {
			const char *m = json_string_value(v);
			if (!m)
				return pw_error_set(e, PW_ERR_PARSE, "package_managers[%zu]: expected a string", i);
			inv->has_dpkg |= strcmp(m, "dpkg") == 0;
			inv->has_rpm |= strcmp(m, "rpm") == 0;
			inv->has_apk |= strcmp(m, "apk") == 0;
			inv->has_apt_lists |= strcmp(m, "apt") == 0;
		}
	}

	const json_t *pkgs = json_object_get(doc, "packages");
	if (!json_is_array(pkgs))
		return pw_error_set(e, PW_ERR_PARSE, "inventory: missing array \"packages\"");
	if ((rc = check_items("packages", pkgs, PW_INV_MAX_PACKAGES, e)))
		return rc;
	size_t i;
	const json_t *o;
	json_array_foreach(pkgs, i, o) {
		if ((rc = package_from_json(inv, o, i, e)))
			return rc;
	}

	const json_t *reboot = json_object_get(doc, "reboot");
	if (reboot) {
		if (!json_is_object(reboot))
			return pw_error_set(e, PW_ERR_PARSE, "reboot: expected an object");
		if ((rc = strings_from_json(inv, json_object_get(reboot, "reasons"), "reboot.reasons",
					    PW_INV_MAX_REBOOT_REASONS, PW_INV_MAX_SENTENCE, 0,
					    add_reason, e)) ||
		    (rc = strings_from_json(inv, json_object_get(reboot, "packages"),
					    "reboot.packages", PW_INV_MAX_REBOOT_PKGS, PW_INV_MAX_NAME,
					    STR_WORD, pw_inventory_add_reboot_pkg, e)) ||
		    (rc = get_str(inv, reboot, "newest_kernel", "reboot", &inv->newest_kernel, 0,
				  PW_INV_MAX_TEXT, e)))
			return rc;
		inv->reboot_required = json_is_true(json_object_get(reboot, "required"));
	}
	if ((rc = strings_from_json(inv, json_object_get(doc, "database_errors"), "database_errors",
				    PW_INV_MAX_WARNINGS, PW_INV_MAX_SENTENCE, 0, add_db_error, e)))
		return rc;
	return strings_from_json(inv, json_object_get(doc, "warnings"), "warnings",
				 PW_INV_MAX_WARNINGS, PW_INV_MAX_SENTENCE, 0, add_warning, e);
}
