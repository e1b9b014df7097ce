/* inventory_digest.c - the inventory digest agents and the server share
 * (see pw_inventory_digest.h). */
#include "pw_inventory_digest.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "pw_jsonw.h"

/* NULL and "" are the same value: both are left out. */
static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Every field the digest covers, so equal keys still sort one way. */
static int cmp_pkg(const void *pa, const void *pb)
{
	const struct pw_package *a = *(const struct pw_package *const *)pa;
	const struct pw_package *b = *(const struct pw_package *const *)pb;
	int c;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((c = cmp_str(a->name, b->name)) || (c = cmp_str(a->arch, b->arch)) ||
	    (c = cmp_str(a->version, b->version)))
		return c;
	if (a->state != b->state)
		return a->state < b->state ? -1 : 1;
	if ((c = cmp_str(a->source_name ? a->source_name : a->name,
			 b->source_name ? b->source_name : b->name)) ||
	    (c = cmp_str(a->source_version ? a->source_version : a->version,
			 b->source_version ? b->source_version : b->version)) ||
	    (c = cmp_str(a->multi_arch, b->multi_arch)) || (c = cmp_str(a->rpm_epoch, b->rpm_epoch)) ||
	    (c = cmp_str(a->rpm_version, b->rpm_version)) ||
	    (c = cmp_str(a->rpm_release, b->rpm_release)) ||
	    (c = cmp_str(a->rpm_sourcerpm, b->rpm_sourcerpm)) ||
	    (c = cmp_str(a->candidate_version, b->candidate_version)) ||
	    (c = cmp_str(a->candidate_origin, b->candidate_origin)))
		return c;
	if (a->candidate_security != b->candidate_security)
		return a->candidate_security ? 1 : -1;
	if (a->is_kernel != b->is_kernel)
		return a->is_kernel ? 1 : -1;
	return 0;
}

static void kstr(struct pw_jsonw *w, const char *key, const char *s)
{
	pw_jsonw_kstr(w, key, nz(s));
}

static void write_package(struct pw_jsonw *w, const struct pw_package *p)
{
	pw_jsonw_begin_object(w);
	kstr(w, "f", pw_family_name(p->family));
	kstr(w, "n", p->name);
	kstr(w, "a", p->arch);
	kstr(w, "v", p->version);
	kstr(w, "s", pw_state_name(p->state));
	kstr(w, "sn", p->source_name ? p->source_name : p->name);
	kstr(w, "sv", p->source_version ? p->source_version : p->version);
	kstr(w, "ma", p->multi_arch);
	kstr(w, "re", p->rpm_epoch);
	kstr(w, "rv", p->rpm_version);
	kstr(w, "rr", p->rpm_release);
	kstr(w, "rs", p->rpm_sourcerpm);
	if (nz(p->candidate_version)) {
		kstr(w, "uv", p->candidate_version);
		kstr(w, "uo", p->candidate_origin);
		pw_jsonw_key(w, "us");
		pw_jsonw_bool(w, p->candidate_security);
	}
	if (p->is_kernel) {
		pw_jsonw_key(w, "k");
		pw_jsonw_bool(w, true);
	}
	pw_jsonw_end_object(w);
}

static void write_strings(struct pw_jsonw *w, const char *key, const char *const *v, size_t n)
{
	pw_jsonw_key(w, key);
	pw_jsonw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		pw_jsonw_string(w, v[i] ? v[i] : "");
	pw_jsonw_end_array(w);
}

pw_err pw_inventory_canonical_json(const struct pw_inventory *inv, struct pw_buf *out)
{
	const struct pw_package **order = NULL;
	if (inv->npkgs) {
		order = malloc(inv->npkgs * sizeof(*order));
		if (!order)
			return PW_ERR_NOMEM;
		for (size_t i = 0; i < inv->npkgs; i++)
			order[i] = &inv->pkgs[i];
		qsort(order, inv->npkgs, sizeof(*order), cmp_pkg);
	}
	const struct pw_host_facts *h = &inv->host;
	struct pw_jsonw w;
	pw_jsonw_init(&w, out, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "digest_version");
	pw_jsonw_int(&w, 1);
	pw_jsonw_key(&w, "host");
	pw_jsonw_begin_object(&w);
	kstr(&w, "machine_id", h->machine_id);
	kstr(&w, "hostname", h->hostname);
	kstr(&w, "arch", h->arch);
	kstr(&w, "os_id", h->os_id);
	kstr(&w, "os_version_id", h->os_version_id);
	kstr(&w, "os_codename", h->os_codename);
	kstr(&w, "os_id_like", h->os_id_like);
	kstr(&w, "os_pretty_name", h->os_pretty_name);
	kstr(&w, "kernel_release", h->kernel_release);
	kstr(&w, "kernel_version", h->kernel_version);
	pw_jsonw_end_object(&w);
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
	write_strings(&w, "reasons", inv->reboot_reasons, inv->nreboot_reasons);
	write_strings(&w, "packages", inv->reboot_pkgs, inv->nreboot_pkgs);
	kstr(&w, "newest_kernel", inv->newest_kernel);
	pw_jsonw_end_object(&w);
	pw_jsonw_key(&w, "packages");
	pw_jsonw_begin_array(&w);
	for (size_t i = 0; i < inv->npkgs; i++)
		write_package(&w, order[i]);
	pw_jsonw_end_array(&w);
	pw_jsonw_end_object(&w);
	free(order);
	return pw_jsonw_finish(&w);
}

pw_err pw_inventory_digest(const struct pw_inventory *inv, char *digest, struct pw_error *e)
{
	struct pw_buf doc = PW_BUF_INIT;
	pw_err rc = pw_inventory_canonical_json(inv, &doc);
	if (rc) {
		pw_buf_free(&doc);
		return pw_error_set(e, rc, "cannot write the inventory's canonical document: %s",
				    pw_strerror(rc));
	}
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)(doc.data ? doc.data : ""), doc.len);
	pw_buf_free(&doc);
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(h); i++) {
		digest[2 * i] = hex[h[i] >> 4];
		digest[2 * i + 1] = hex[h[i] & 15];
	}
	digest[2 * sizeof(h)] = '\0';
	return PW_OK;
}

bool pw_inventory_digest_valid(const char *s)
{
	if (!s)
		return false;
	size_t i;
	for (i = 0; s[i]; i++) {
		if (i >= 64 || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return i == 64;
}
