/* inventory.c - the host inventory model. */
#include "pw_inventory.h"
#include <stdio.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_text.h"

void pw_inventory_init(struct pw_inventory *inv, const char *root)
{
	memset(inv, 0, sizeof(*inv));
	pw_arena_init(&inv->arena);
	inv->root = pw_arena_strdup(&inv->arena, root && *root ? root : "/");
}

void pw_inventory_free(struct pw_inventory *inv)
{
	free(inv->pkgs);
	free(inv->warnings);
	free(inv->reboot_reasons);
	free(inv->reboot_pkgs);
	free(inv->db_errors);
	pw_arena_free(&inv->arena);
	memset(inv, 0, sizeof(*inv));
}

/* Grow a pointer-sized array held as (items, n, cap). */
static bool grow(void **items, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = realloc(*items, ncap * elem);
	if (!p)
		return false;
	*items = p;
	*cap = ncap;
	return true;
}

struct pw_package *pw_inventory_add_package(struct pw_inventory *inv, enum pw_pkg_family family)
{
	if (!grow((void **)&inv->pkgs, inv->npkgs, &inv->cap_pkgs, sizeof(*inv->pkgs)))
		return NULL;
	struct pw_package *p = &inv->pkgs[inv->npkgs++];
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->arch = "";
	return p;
}

/* Append a copy of s to items, which has room. */
static pw_err add_plain(struct pw_inventory *inv, const char ***items, size_t *n, const char *s)
{
	const char *copy = pw_arena_strdup(&inv->arena, s);
	if (!copy)
		return PW_ERR_NOMEM;
	(*items)[(*n)++] = copy;
	return PW_OK;
}

/* Append a formatted sentence to (items, n, cap), at most max of them: the
 * max-th says that more were left out, later ones are dropped. Control
 * characters are escaped and the result cut to PW_INV_MAX_SENTENCE
 * bytes (at a character), since a sentence may quote a file's bytes. */
static pw_err add_line(struct pw_inventory *inv, const char ***items, size_t *n, size_t *cap,
		       size_t max, const char *fmt, va_list ap)
{
	char tmp[PW_INV_MAX_SENTENCE + 1];
	if (*n >= max)
		return PW_OK;
	int len = *n == max - 1 ? snprintf(tmp, sizeof(tmp), "more left out (at most %zu)", max)
				: vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (len < 0)
		return PW_ERR_INVALID;
	if (!grow((void **)items, *n, cap, sizeof(**items)))
		return PW_ERR_NOMEM;
	struct pw_buf safe;
	size_t used, tlen = strlen(tmp);
	pw_buf_init(&safe, 0);
	if (pw_text_escape(&safe, tmp, tlen, PW_TEXT_FINAL, &used) || !safe.data) {
		pw_buf_free(&safe);
		return tlen ? PW_ERR_NOMEM : add_plain(inv, items, n, "");
	}
	size_t cut = safe.len < sizeof(tmp) ? safe.len : sizeof(tmp) - 1;
	while (cut < safe.len && cut > 0 && ((unsigned char)safe.data[cut] & 0xc0) == 0x80)
		cut--; /* not inside a UTF-8 sequence */
	safe.data[cut] = '\0';
	pw_err rc = add_plain(inv, items, n, safe.data);
	pw_buf_free(&safe);
	return rc;
}

pw_err pw_inventory_warn(struct pw_inventory *inv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pw_err rc = add_line(inv, &inv->warnings, &inv->nwarnings, &inv->cap_warnings,
			     PW_INV_MAX_WARNINGS, fmt, ap);
	va_end(ap);
	return rc;
}

pw_err pw_inventory_add_reboot_reason(struct pw_inventory *inv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pw_err rc = add_line(inv, &inv->reboot_reasons, &inv->nreboot_reasons,
			     &inv->cap_reboot_reasons, PW_INV_MAX_REBOOT_REASONS, fmt, ap);
	va_end(ap);
	if (rc == PW_OK)
		inv->reboot_required = true;
	return rc;
}

pw_err pw_inventory_add_db_error(struct pw_inventory *inv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pw_err rc = add_line(inv, &inv->db_errors, &inv->ndb_errors, &inv->cap_db_errors,
			     PW_INV_MAX_WARNINGS, fmt, ap);
	va_end(ap);
	return rc;
}

bool pw_inventory_has_package_db(const struct pw_inventory *inv)
{
	return inv->has_dpkg || inv->has_rpm || inv->has_apk;
}

pw_err pw_inventory_add_reboot_pkg(struct pw_inventory *inv, const char *name)
{
	if (inv->nreboot_pkgs >= PW_INV_MAX_REBOOT_PKGS)
		return PW_OK; /* the reasons already say a reboot is due */
	if (!grow((void **)&inv->reboot_pkgs, inv->nreboot_pkgs, &inv->cap_reboot_pkgs,
		  sizeof(*inv->reboot_pkgs)))
		return PW_ERR_NOMEM;
	const char *s = pw_arena_strdup(&inv->arena, name);
	if (!s)
		return PW_ERR_NOMEM;
	inv->reboot_pkgs[inv->nreboot_pkgs++] = s;
	return PW_OK;
}

const char *pw_inventory_strdup(struct pw_inventory *inv, const char *s)
{
	return s ? pw_arena_strdup(&inv->arena, s) : NULL;
}

const char *pw_inventory_blobdup(struct pw_inventory *inv, struct pw_blob b)
{
	return pw_arena_blobdup(&inv->arena, b);
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_pkg(const void *pa, const void *pb)
{
	const struct pw_package *a = pa, *b = pb;
	if (a->family != b->family)
		return (int)a->family - (int)b->family;
	int c = cmp_str(a->name, b->name);
	if (c)
		return c;
	c = cmp_str(a->arch, b->arch);
	if (c)
		return c;
	return cmp_str(a->version, b->version);
}

void pw_inventory_sort(struct pw_inventory *inv)
{
	if (inv->npkgs > 1)
		qsort(inv->pkgs, inv->npkgs, sizeof(*inv->pkgs), cmp_pkg);
}

enum pw_scheme pw_family_scheme(enum pw_pkg_family family)
{
	switch (family) {
	case PW_FAMILY_RPM: return PW_SCHEME_RPM;
	case PW_FAMILY_APK: return PW_SCHEME_APK;
	case PW_FAMILY_DEB: break;
	}
	return PW_SCHEME_DEB;
}

const char *pw_family_name(enum pw_pkg_family family)
{
	switch (family) {
	case PW_FAMILY_RPM: return "rpm";
	case PW_FAMILY_APK: return "apk";
	case PW_FAMILY_DEB: break;
	}
	return "deb";
}

const char *pw_state_name(enum pw_pkg_state state)
{
	switch (state) {
	case PW_STATE_INSTALLED: return "installed";
	case PW_STATE_HALF_INSTALLED: return "half-installed";
	case PW_STATE_UNPACKED: return "unpacked";
	case PW_STATE_HALF_CONFIGURED: return "half-configured";
	case PW_STATE_TRIGGERS_AWAITED: return "triggers-awaited";
	case PW_STATE_TRIGGERS_PENDING: return "triggers-pending";
	case PW_STATE_CONFIG_FILES: return "config-files";
	case PW_STATE_NOT_INSTALLED: return "not-installed";
	case PW_STATE_OTHER: break;
	}
	return "other";
}
