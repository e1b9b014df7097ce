/* inventory_json.c - the inventory document (docs/inventory-schema.json).
 *
 * Absent values are omitted rather than written as null, so documents stay
 * small for agents that upload them on every change.
 */
#include "pw_inventory_json.h"

#include <string.h>

#include "pw_clock.h"
#include "pw_config.h"

/* Set key to a string when s is not NULL. Returns -1 on ENOMEM. */
static int set_str(json_t *obj, const char *key, const char *s)
{
	if (!s)
		return 0;
	return json_object_set_new(obj, key, json_string(s));
}

static json_t *string_array(const char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(items[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *host_to_json(const struct pw_host_facts *h)
{
	json_t *host = json_object(), *os = json_object(), *kernel = json_object();
	if (!host || !os || !kernel)
		goto fail;
	int bad = set_str(host, "machine_id", h->machine_id) | set_str(host, "hostname", h->hostname) |
		  set_str(host, "arch", h->arch) | set_str(os, "id", h->os_id) |
		  set_str(os, "version_id", h->os_version_id) |
		  set_str(os, "codename", h->os_codename) | set_str(os, "id_like", h->os_id_like) |
		  set_str(os, "pretty_name", h->os_pretty_name) |
		  set_str(kernel, "release", h->kernel_release) |
		  set_str(kernel, "version", h->kernel_version);
	if (bad || json_object_set_new(host, "os", os))
		goto fail_host;
	os = NULL;
	if (json_object_set_new(host, "kernel", kernel))
		goto fail_host;
	return host;
fail:
	json_decref(os);
	json_decref(kernel);
fail_host:
	json_decref(host);
	return NULL;
}

static json_t *package_to_json(const struct pw_package *p)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = set_str(o, "family", pw_family_name(p->family)) | set_str(o, "name", p->name) |
		  set_str(o, "arch", p->arch) | set_str(o, "version", p->version) |
		  set_str(o, "state", pw_state_name(p->state)) |
		  set_str(o, "source_name", p->source_name) |
		  set_str(o, "source_version", p->source_version) |
		  set_str(o, "multi_arch", p->multi_arch);
	if (p->family == PW_FAMILY_RPM) {
		json_t *r = json_object();
		bad |= !r || set_str(r, "epoch", p->rpm_epoch) | set_str(r, "version", p->rpm_version) |
			       set_str(r, "release", p->rpm_release) |
			       set_str(r, "sourcerpm", p->rpm_sourcerpm);
		bad |= json_object_set_new(o, "rpm", r);
	}
	if (p->candidate_version) {
		json_t *u = json_object();
		bad |= !u || set_str(u, "version", p->candidate_version) |
			       set_str(u, "origin", p->candidate_origin) |
			       json_object_set_new(u, "security", json_boolean(p->candidate_security));
		bad |= json_object_set_new(o, "update", u);
	}
	if (p->is_kernel)
		bad |= json_object_set_new(o, "kernel", json_true());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *pw_inventory_to_json(const struct pw_inventory *inv)
{
	json_t *doc = json_object(), *pkgs = json_array(), *mgrs = json_array();
	json_t *reboot = json_object(), *summary = json_object();
	char when[32];
	size_t installed = 0, updates = 0, security = 0;
	int bad = !doc || !pkgs || !mgrs || !reboot || !summary;

	for (size_t i = 0; !bad && i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		installed += p->state == PW_STATE_INSTALLED;
		updates += p->candidate_version != NULL;
		security += p->candidate_version && p->candidate_security;
		bad |= json_array_append_new(pkgs, package_to_json(p));
	}
	static const struct {
		size_t off;
		const char *name;
	} managers[] = {
		{ offsetof(struct pw_inventory, has_dpkg), "dpkg" },
		{ offsetof(struct pw_inventory, has_rpm), "rpm" },
		{ offsetof(struct pw_inventory, has_apk), "apk" },
		{ offsetof(struct pw_inventory, has_apt_lists), "apt" },
	};
	for (size_t i = 0; !bad && i < sizeof(managers) / sizeof(managers[0]); i++) {
		if (*(const bool *)((const char *)inv + managers[i].off))
			bad |= json_array_append_new(mgrs, json_string(managers[i].name));
	}
	if (bad)
		goto fail;
	bad |= json_object_set_new(reboot, "required", json_boolean(inv->reboot_required));
	bad |= json_object_set_new(reboot, "reasons",
				   string_array(inv->reboot_reasons, inv->nreboot_reasons));
	bad |= json_object_set_new(reboot, "packages",
				   string_array(inv->reboot_pkgs, inv->nreboot_pkgs));
	bad |= set_str(reboot, "newest_kernel", inv->newest_kernel);

	bad |= json_object_set_new(summary, "packages", json_integer((json_int_t)inv->npkgs));
	bad |= json_object_set_new(summary, "installed", json_integer((json_int_t)installed));
	bad |= json_object_set_new(summary, "updates", json_integer((json_int_t)updates));
	bad |= json_object_set_new(summary, "security_updates", json_integer((json_int_t)security));

	bad |= json_object_set_new(doc, "schema_version", json_integer(PW_INVENTORY_SCHEMA_VERSION));
	bad |= json_object_set_new(doc, "generator", json_string("patchwarden " PW_VERSION));
	bad |= json_object_set_new(doc, "scanned_at",
				   json_string(pw_clock_format(pw_clock_now(), when, sizeof(when))));
	bad |= set_str(doc, "root", inv->root);
	bad |= json_object_set_new(doc, "host", host_to_json(&inv->host));
	bad |= json_object_set_new(doc, "package_managers", mgrs);
	mgrs = NULL;
	bad |= json_object_set_new(doc, "reboot", reboot);
	reboot = NULL;
	bad |= json_object_set_new(doc, "summary", summary);
	summary = NULL;
	bad |= json_object_set_new(doc, "packages", pkgs);
	pkgs = NULL;
	bad |= json_object_set_new(doc, "warnings", string_array(inv->warnings, inv->nwarnings));
	if (bad)
		goto fail;
	return doc;
fail:
	json_decref(doc);
	json_decref(pkgs);
	json_decref(mgrs);
	json_decref(reboot);
	json_decref(summary);
	return NULL;
}

/* ---- reading ---- */

/* Copy an optional string member into the arena. A present member of another
 * type is an error naming `where`.key. */
static pw_err get_str(struct pw_inventory *inv, const json_t *obj, const char *key,
		      const char *where, const char **out, bool required, struct pw_error *e)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return pw_error_set(e, PW_ERR_PARSE, "%s: missing field \"%s\"", where, key);
		*out = NULL;
		return PW_OK;
	}
	if (!json_is_string(v))
		return pw_error_set(e, PW_ERR_PARSE, "%s.%s: expected a string", where, key);
	*out = pw_inventory_strdup(inv, json_string_value(v));
	return *out ? PW_OK : pw_error_set(e, PW_ERR_NOMEM, "out of memory");
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
	pw_err rc = get_str(inv, o, "family", where, &family, true, e);
	if (rc)
		return rc;
	enum pw_pkg_family fam;
	if (!parse_family(family, &fam))
		return pw_error_set(e, PW_ERR_PARSE, "%s.family: unknown family \"%s\"", where, family);
	struct pw_package *p = pw_inventory_add_package(inv, fam);
	if (!p)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	const char *arch = NULL;
	if ((rc = get_str(inv, o, "name", where, &p->name, true, e)) ||
	    (rc = get_str(inv, o, "version", where, &p->version, true, e)) ||
	    (rc = get_str(inv, o, "arch", where, &arch, false, e)) ||
	    (rc = get_str(inv, o, "state", where, &state, false, e)) ||
	    (rc = get_str(inv, o, "source_name", where, &p->source_name, false, e)) ||
	    (rc = get_str(inv, o, "source_version", where, &p->source_version, false, e)) ||
	    (rc = get_str(inv, o, "multi_arch", where, &p->multi_arch, false, e)))
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
		if ((rc = get_str(inv, r, "epoch", where, &p->rpm_epoch, false, e)) ||
		    (rc = get_str(inv, r, "version", where, &p->rpm_version, false, e)) ||
		    (rc = get_str(inv, r, "release", where, &p->rpm_release, false, e)) ||
		    (rc = get_str(inv, r, "sourcerpm", where, &p->rpm_sourcerpm, false, e)))
			return rc;
	}
	const json_t *u = json_object_get(o, "update");
	if (u) {
		snprintf(where, sizeof(where), "packages[%zu].update", idx);
		if (!json_is_object(u))
			return pw_error_set(e, PW_ERR_PARSE, "%s: expected an object", where);
		if ((rc = get_str(inv, u, "version", where, &p->candidate_version, true, e)) ||
		    (rc = get_str(inv, u, "origin", where, &p->candidate_origin, false, e)))
			return rc;
		p->candidate_security = json_is_true(json_object_get(u, "security"));
	}
	p->is_kernel = json_is_true(json_object_get(o, "kernel"));
	return PW_OK;
}

static pw_err strings_from_json(struct pw_inventory *inv, const json_t *arr, const char *where,
				pw_err (*add)(struct pw_inventory *, const char *),
				struct pw_error *e)
{
	if (!arr)
		return PW_OK;
	if (!json_is_array(arr))
		return pw_error_set(e, PW_ERR_PARSE, "%s: expected an array", where);
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return pw_error_set(e, PW_ERR_PARSE, "%s[%zu]: expected a string", where, i);
		if (add(inv, json_string_value(v)))
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	return PW_OK;
}

static pw_err add_warning(struct pw_inventory *inv, const char *s)
{
	return pw_inventory_warn(inv, "%s", s);
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
	if ((rc = get_str(inv, doc, "root", "inventory", &root, false, e)))
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
		if ((rc = get_str(inv, host, "machine_id", "host", &h->machine_id, false, e)) ||
		    (rc = get_str(inv, host, "hostname", "host", &h->hostname, false, e)) ||
		    (rc = get_str(inv, host, "arch", "host", &h->arch, false, e)))
			return rc;
		if (os && (!json_is_object(os) ||
			   (rc = get_str(inv, os, "id", "host.os", &h->os_id, false, e)) ||
			   (rc = get_str(inv, os, "version_id", "host.os", &h->os_version_id, false, e)) ||
			   (rc = get_str(inv, os, "codename", "host.os", &h->os_codename, false, e)) ||
			   (rc = get_str(inv, os, "id_like", "host.os", &h->os_id_like, false, e)) ||
			   (rc = get_str(inv, os, "pretty_name", "host.os", &h->os_pretty_name, false, e))))
			return rc ? rc : pw_error_set(e, PW_ERR_PARSE, "host.os: expected an object");
		if (kernel && (!json_is_object(kernel) ||
			       (rc = get_str(inv, kernel, "release", "host.kernel", &h->kernel_release, false, e)) ||
			       (rc = get_str(inv, kernel, "version", "host.kernel", &h->kernel_version, false, e))))
			return rc ? rc : pw_error_set(e, PW_ERR_PARSE, "host.kernel: expected an object");
	}

	const json_t *mgrs = json_object_get(doc, "package_managers");
	if (mgrs) {
		if (!json_is_array(mgrs))
			return pw_error_set(e, PW_ERR_PARSE, "package_managers: expected an array");
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
					    add_reason, e)) ||
		    (rc = strings_from_json(inv, json_object_get(reboot, "packages"),
					    "reboot.packages", pw_inventory_add_reboot_pkg, e)) ||
		    (rc = get_str(inv, reboot, "newest_kernel", "reboot", &inv->newest_kernel, false, e)))
			return rc;
		inv->reboot_required = json_is_true(json_object_get(reboot, "required"));
	}
	return strings_from_json(inv, json_object_get(doc, "warnings"), "warnings", add_warning, e);
}
