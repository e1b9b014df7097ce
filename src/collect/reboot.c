/* reboot.c - does the host need a reboot?
 *
 * Two signals: Debian's reboot-required flag files (written by package
 * maintainer scripts), and, for every family, a running kernel older than
 * the newest installed kernel package. Kernel releases are derived from the
 * package so they compare with `uname -r`:
 *   deb linux-image-6.1.0-41-amd64 (version 6.1.158-1)  -> "6.1.0-41-amd64"
 *   rpm kernel-core 5.14.0-427.13.1.el9_4 x86_64         -> "5.14.0-427.13.1.el9_4.x86_64"
 *   rpm kernel-default 5.14.21-150500.55.39.1 (SUSE)     -> "5.14.21-150500.55.39-default"
 *   apk linux-lts 6.6.31-r0                              -> "6.6.31-0-lts"
 */
#include "pw_reboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_buf.h"
#include "pw_file.h"
#include "pw_hostfacts.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* How an rpm kernel package's name maps to the release uname -r prints. */
enum rpm_kernel_style {
	RPM_PLAIN,    /* Red Hat, Oracle UEK, Fedora, Mariner: V-R.ARCH */
	RPM_VARIANT,  /* Red Hat variants: V-R.ARCH+debug, +64k */
	RPM_RT,       /* kernel-rt: el8 "V-R.ARCH" (R has ".rt"), el9 "V-R.ARCH+rt",
		       * SUSE (R all digits) "V-R'-rt" */
	RPM_SUSE,     /* SUSE flavours: V-R'-FLAVOUR, R' = R without its last
		       * ".N" (the rebuild counter): kernel-default
		       * 5.14.21-150500.55.39.1 runs as 5.14.21-150500.55.39-default */
};

static bool rpm_kernel_release(const struct pw_package *p, struct pw_buf *out)
{
	static const struct {
		const char *name;
		enum rpm_kernel_style style;
		const char *flavour;
	} kernels[] = {
		{ "kernel", RPM_PLAIN, NULL },
		{ "kernel-core", RPM_PLAIN, NULL },
		{ "kernel-uek", RPM_PLAIN, NULL },
		{ "kernel-uek-core", RPM_PLAIN, NULL },
		{ "kernel-debug", RPM_VARIANT, "debug" },
		{ "kernel-debug-core", RPM_VARIANT, "debug" },
		{ "kernel-64k", RPM_VARIANT, "64k" },
		{ "kernel-64k-core", RPM_VARIANT, "64k" },
		{ "kernel-rt", RPM_RT, "rt" },
		{ "kernel-rt-core", RPM_RT, "rt" },
		{ "kernel-default", RPM_SUSE, "default" },
		{ "kernel-azure", RPM_SUSE, "azure" },
		{ "kernel-preempt", RPM_SUSE, "preempt" },
		{ "kernel-64kb", RPM_SUSE, "64kb" },
		{ "kernel-kvmsmall", RPM_SUSE, "kvmsmall" },
	};
	size_t k = 0;
	while (k < sizeof(kernels) / sizeof(kernels[0]) && strcmp(p->name, kernels[k].name) != 0)
		k++;
	if (k == sizeof(kernels) / sizeof(kernels[0]) || !p->rpm_version || !p->rpm_release ||
	    !*p->rpm_release)
		return false;
	const char *v = p->rpm_version, *r = p->rpm_release, *arch = p->arch ? p->arch : "";
	enum rpm_kernel_style style = kernels[k].style;
	if (style == RPM_RT) {
		if (strspn(r, "0123456789.") == strlen(r))
			style = RPM_SUSE;
		else if (strstr(r, "rt"))
			style = RPM_PLAIN;
		else
			style = RPM_VARIANT;
	}
	switch (style) {
	case RPM_PLAIN:
	case RPM_RT:
		return pw_buf_addf(out, "%s-%s.%s", v, r, arch) == PW_OK;
	case RPM_VARIANT:
		return pw_buf_addf(out, "%s-%s.%s+%s", v, r, arch, kernels[k].flavour) == PW_OK;
	case RPM_SUSE: {
		const char *dot = strrchr(r, '.');
		int rlen = (int)(dot ? (size_t)(dot - r) : strlen(r));
		return pw_buf_addf(out, "%s-%.*s-%s", v, rlen, r, kernels[k].flavour) == PW_OK;
	}
	}
	return false;
}

/* The kernel release a kernel package installs, or false if p is not one. */
static bool kernel_release(const struct pw_package *p, struct pw_buf *out)
{
	if (p->state != PW_STATE_INSTALLED || !p->name || !p->version)
		return false;
	switch (p->family) {
	case PW_FAMILY_DEB: {
		/* linux-image-<release>, Debian's signed/unsigned pair
		 * linux-image-<release>[-unsigned], Ubuntu's
		 * linux-image-unsigned-<release>. The release starts with a digit,
		 * which rules out meta packages (linux-image-amd64,
		 * linux-image-generic); debug symbols are not kernels. */
		const char *rel = NULL;
		if (starts_with(p->name, "linux-image-unsigned-"))
			rel = p->name + strlen("linux-image-unsigned-");
		else if (starts_with(p->name, "linux-image-"))
			rel = p->name + strlen("linux-image-");
		if (!rel || *rel < '0' || *rel > '9' || ends_with(rel, "-dbg") ||
		    ends_with(rel, "-dbgsym"))
			return false;
		size_t n = strlen(rel);
		if (ends_with(rel, "-unsigned"))
			n -= strlen("-unsigned");
		return pw_buf_add(out, rel, n) == PW_OK;
	}
	case PW_FAMILY_RPM:
		return rpm_kernel_release(p, out);
	case PW_FAMILY_APK: {
		/* linux-<flavour>: the kernel image packages of aports (not
		 * linux-firmware-*, linux-lts-dev, linux-headers). uname -r is
		 * VERSION-PKGREL-FLAVOUR: linux-lts 6.6.31-r0 runs as 6.6.31-0-lts */
		static const char *const flavours[] = { "lts", "virt", "edge", "rpi", "rpi2",
							"rpi4", "stable", "vanilla", "hardened" };
		if (!starts_with(p->name, "linux-"))
			return false;
		const char *flavour = p->name + strlen("linux-");
		bool is = false;
		for (size_t i = 0; i < sizeof(flavours) / sizeof(flavours[0]) && !is; i++)
			is = strcmp(flavour, flavours[i]) == 0;
		const char *r = NULL;
		for (const char *q = strstr(p->version, "-r"); q; q = strstr(q + 1, "-r"))
			r = q;
		if (!is || !r || r == p->version || r[2] < '0' || r[2] > '9')
			return false;
		return pw_buf_addf(out, "%.*s-%s-%s", (int)(r - p->version), p->version, r + 2,
				   flavour) == PW_OK;
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

/* Debian's flag files. Maintainer scripts (and update-notifier) write
 * /var/run/reboot-required; on current systems /var/run is a link to /run,
 * resolved inside the root, so one path finds the file on old and new
 * layouts. /run is looked at too for a root whose var/run is missing. */
static pw_err read_flag_files(struct pw_inventory *inv, struct pw_error *e)
{
	static const char *const dirs[] = { "/var/run", "/run" };
	pw_err rc = PW_OK;
	char *path = NULL;
	struct pw_file f;
	bool mapped = false;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char flag[64], list[64];
		/* fixed, short names: snprintf cannot truncate here */
		snprintf(flag, sizeof(flag), "%s/reboot-required", dirs[i]);
		snprintf(list, sizeof(list), "%s/reboot-required.pkgs", dirs[i]);
		if (!(path = pw_hostfacts_resolve(inv->root, flag)))
			continue; /* a link loop or an overlong path: not a flag file */
		struct stat st;
		bool present = stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
		free(path);
		path = NULL;
		if (!present)
			continue;
		if (pw_inventory_add_reboot_reason(inv, "%s exists", flag))
			goto nomem;
		if (!(path = pw_hostfacts_resolve(inv->root, list)))
			break;
		if (pw_file_read(&f, path, NULL) != PW_OK)
			break;
		mapped = true;
		struct pw_blob rest = f.data, line;
		while (pw_blob_next_line(&rest, &line)) {
			line = pw_blob_trim(line);
			if (line.len == 0 || memchr(line.ptr, '\0', line.len))
				continue;
			/* the file is appended to by every kernel or libc upgrade
			 * since the last boot: list each package once */
			bool dup = false;
			for (size_t k = 0; k < inv->nreboot_pkgs && !dup; k++)
				dup = pw_blob_eq_cstr(line, inv->reboot_pkgs[k]);
			if (dup)
				continue;
			const char *name = pw_inventory_blobdup(inv, line);
			if (!name || pw_inventory_add_reboot_pkg(inv, name))
				goto nomem;
		}
		break; /* one flag file is enough: /var/run is usually /run */
	}
	goto out;
nomem:
	rc = nomem(e);
out:
	if (mapped)
		pw_file_close(&f);
	free(path);
	return rc;
}

/* The flavour a kernel release ends with: "amd64" in 6.1.0-41-amd64, "lts"
 * in 6.6.31-0-lts (after the last '-'), "x86_64" in
 * 5.14.0-427.13.1.el9_4.x86_64 (after the last '.'). */
static const char *flavour_of(enum pw_pkg_family family, const char *release)
{
	const char *s = strrchr(release, family == PW_FAMILY_RPM ? '.' : '-');
	return s ? s + 1 : "";
}

pw_err pw_reboot_collect(struct pw_inventory *inv, struct pw_error *e)
{
	pw_err rc = read_flag_files(inv, e);
	if (rc)
		return rc;
	const char *running = inv->host.kernel_release;
	if (!running || !inv->newest_kernel || strcmp(running, inv->newest_kernel) == 0)
		return PW_OK;
	const struct pw_package *newest = package_of_release(inv, inv->newest_kernel);
	if (!newest)
		return PW_OK;
	enum pw_scheme scheme = pw_family_scheme(newest->family);
	const struct pw_package *cur = package_of_release(inv, running);
	int cmp;
	if (cur) {
		/* both packaged: their versions say which is newer (deb kernel
		 * package names carry the ABI, not the full version) */
		cmp = pw_version_cmp(scheme, cur->version, newest->version);
	} else {
		/* The running kernel's package was removed (or never was: a
		 * custom build, a container sharing its host's kernel). Compare
		 * the release strings themselves, but only for the same flavour:
		 * a container's "6.18.44-fc-v595" says nothing about the image's
		 * linux-image-6.1.0-41-amd64. rpm's segment comparison orders
		 * release strings of every family (digits numerically, so
		 * 6.1.0-9 < 6.1.0-41). */
		if (strcmp(flavour_of(newest->family, running),
			   flavour_of(newest->family, inv->newest_kernel)) != 0)
			return PW_OK;
		cmp = pw_version_cmp(PW_SCHEME_RPM, running, inv->newest_kernel);
	}
	if (cmp < 0 &&
	    pw_inventory_add_reboot_reason(inv, "running kernel %s is older than installed kernel %s",
					   running, inv->newest_kernel))
		return nomem(e);
	return PW_OK;
}
