/* reboot.c - does the host need a reboot?
 *
 * Two signals: Debian's reboot-required flag files (written by package
 * maintainer scripts), and, for every family, a running kernel older than
 * the newest installed kernel package. Kernel releases are derived from the
 * package so they compare with `uname -r`:
 *   deb linux-image-6.1.0-41-amd64 (version 6.1.158-1)  -> "6.1.0-41-amd64"
 *   rpm kernel-core 5.14.0-427.13.1.el9_4 x86_64         -> "5.14.0-427.13.1.el9_4.x86_64"
 *   apk linux-lts 6.6.31-r0                              -> "6.6.31-0-lts"
 */
#include "pw_reboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_buf.h"
#include "pw_file.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The kernel release a kernel package installs, or false if p is not one. */
static bool kernel_release(const struct pw_package *p, struct pw_buf *out)
{
	if (p->state != PW_STATE_INSTALLED)
		return false;
	switch (p->family) {
	case PW_FAMILY_DEB: {
		/* linux-image-<release>[-unsigned]; the release starts with a digit,
		 * which rules out meta packages such as linux-image-amd64 */
		if (!starts_with(p->name, "linux-image-"))
			return false;
		const char *rel = p->name + strlen("linux-image-");
		if (*rel < '0' || *rel > '9' || ends_with(rel, "-dbg"))
			return false;
		size_t n = strlen(rel);
		if (ends_with(rel, "-unsigned"))
			n -= strlen("-unsigned");
		return pw_buf_add(out, rel, n) == PW_OK;
	}
	case PW_FAMILY_RPM: {
		static const char *const names[] = { "kernel", "kernel-core", "kernel-default",
						     "kernel-uek", "kernel-uek-core", "kernel-rt",
						     "kernel-rt-core" };
		bool is = false;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			is |= strcmp(p->name, names[i]) == 0;
		if (!is || !p->rpm_version)
			return false;
		return pw_buf_addf(out, "%s-%s.%s", p->rpm_version, p->rpm_release ? p->rpm_release : "",
				   p->arch) == PW_OK;
	}
	case PW_FAMILY_APK: {
		/* linux-<flavor> (lts, virt, edge, rpi...), not linux-firmware etc. */
		static const char *const flavors[] = { "lts", "virt", "edge", "rpi", "rpi4",
						       "rpi2", "stable", "vanilla", "hardened" };
		if (!starts_with(p->name, "linux-"))
			return false;
		const char *flavor = p->name + strlen("linux-");
		bool is = false;
		for (size_t i = 0; i < sizeof(flavors) / sizeof(flavors[0]); i++)
			is |= strcmp(flavor, flavors[i]) == 0;
		const char *r = strstr(p->version, "-r");
		if (!is || !r)
			return false;
		return pw_buf_addf(out, "%.*s-%s-%s", (int)(r - p->version), p->version, r + 2,
				   flavor) == PW_OK;
	}
	}
	return false;
}

void pw_reboot_mark_kernels(struct pw_inventory *inv)
{
	const struct pw_package *newest = NULL;
	struct pw_buf rel = PW_BUF_INIT;
	for (size_t i = 0; i < inv->npkgs; i++) {
		struct pw_package *p = &inv->pkgs[i];
		pw_buf_reset(&rel);
		if (!kernel_release(p, &rel))
			continue;
		p->is_kernel = true;
		if (!newest || (newest->family == p->family &&
				pw_version_cmp(pw_family_scheme(p->family), p->version, newest->version) > 0))
			newest = p;
	}
	if (newest) {
		pw_buf_reset(&rel);
		if (kernel_release(newest, &rel))
			inv->newest_kernel = pw_inventory_strdup(inv, rel.data);
	}
	pw_buf_free(&rel);
}

/* The installed kernel package whose release is `release`, or NULL. */
static const struct pw_package *package_of_release(const struct pw_inventory *inv,
						   const char *release)
{
	struct pw_buf rel = PW_BUF_INIT;
	const struct pw_package *found = NULL;
	for (size_t i = 0; i < inv->npkgs && !found; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		if (!p->is_kernel)
			continue;
		pw_buf_reset(&rel);
		if (kernel_release(p, &rel) && strcmp(rel.data, release) == 0)
			found = p;
	}
	pw_buf_free(&rel);
	return found;
}

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

/* Debian's flag files, under /run (the real place) or /var/run (its link). */
static pw_err read_flag_files(struct pw_inventory *inv, struct pw_error *e)
{
	static const char *const dirs[] = { "/run", "/var/run" };
	for (size_t i = 0; i < 2; i++) {
		char flag[64], list[64];
		snprintf(flag, sizeof(flag), "%s/reboot-required", dirs[i]);
		snprintf(list, sizeof(list), "%s/reboot-required.pkgs", dirs[i]);
		char *path = pw_path_join(inv->root, flag);
		if (!path)
			return nomem(e);
		struct stat st;
		bool present = stat(path, &st) == 0;
		free(path);
		if (!present)
			continue;
		if (pw_inventory_add_reboot_reason(inv, "%s exists", flag))
			return nomem(e);
		path = pw_path_join(inv->root, list);
		if (!path)
			return nomem(e);
		struct pw_file f;
		if (pw_file_read(&f, path, NULL) == PW_OK) {
			struct pw_blob rest = f.data, line;
			while (pw_blob_next_line(&rest, &line)) {
				line = pw_blob_trim(line);
				if (line.len == 0)
					continue;
				const char *name = pw_inventory_blobdup(inv, line);
				bool dup = false;
				for (size_t k = 0; name && k < inv->nreboot_pkgs; k++)
					dup |= strcmp(inv->reboot_pkgs[k], name) == 0;
				if (!name || (!dup && pw_inventory_add_reboot_pkg(inv, name))) {
					pw_file_close(&f);
					free(path);
					return nomem(e);
				}
			}
			pw_file_close(&f);
		}
		free(path);
		break; /* /var/run is usually a link to /run: read it once */
	}
	return PW_OK;
}

pw_err pw_reboot_collect(struct pw_inventory *inv, struct pw_error *e)
{
	pw_err rc = read_flag_files(inv, e);
	if (rc)
		return rc;
	const char *running = inv->host.kernel_release;
	if (!running || !inv->newest_kernel || strcmp(running, inv->newest_kernel) == 0)
		return PW_OK;
	const struct pw_package *cur = package_of_release(inv, running);
	const struct pw_package *newest = package_of_release(inv, inv->newest_kernel);
	if (!newest)
		return PW_OK;
	if (!cur) {
		/* a kernel not from the package manager (a VM's, a custom build):
		 * nothing to compare with */
		return PW_OK;
	}
	if (pw_version_cmp(pw_family_scheme(newest->family), cur->version, newest->version) < 0 &&
	    pw_inventory_add_reboot_reason(inv, "running kernel %s is older than installed kernel %s",
					   running, inv->newest_kernel))
		return nomem(e);
	return PW_OK;
}
