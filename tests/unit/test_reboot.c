/* test_reboot.c - kernel packages of each family, the newest one as uname -r
 * would print it, the running-vs-installed comparison, and the flag files
 * of the fake roots in tests/data/inventory/hosts (NAME.expected). */
#include "pw_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_file.h"
#include "pw_reboot.h"

/* One installed package; for rpm, version is "V-R" and is split here. */
struct kpkg {
	enum pw_pkg_family family;
	const char *name, *version, *arch;
	bool kernel; /* expected is_kernel */
	enum pw_pkg_state state;
};

struct kcase {
	const char *what;
	struct kpkg pkgs[6];
	const char *newest;  /* expected newest_kernel, NULL for none */
	const char *running; /* host.kernel_release, NULL for a root scan */
	bool reboot;         /* "running kernel ... is older" expected */
};

static const struct kcase cases[] = {
	{ "Debian: ABI numbers compare as numbers (41 > 10 > 9), meta packages are not kernels",
	  { { PW_FAMILY_DEB, "linux-image-amd64", "6.1.158-1", "amd64", false, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-6.1.0-9-amd64", "6.1.27-1", "amd64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64", "6.1.158-1", "amd64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-6.1.0-10-amd64", "6.1.38-1", "amd64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64-dbg", "6.1.158-1", "amd64", false, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "firmware-linux-free", "20200122-1", "all", false, PW_STATE_INSTALLED } },
	  "6.1.0-41-amd64", "6.1.0-9-amd64", true },
	{ "Debian: running the newest",
	  { { PW_FAMILY_DEB, "linux-image-6.1.0-9-amd64", "6.1.27-1", "amd64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64", "6.1.158-1", "amd64", true, PW_STATE_INSTALLED } },
	  "6.1.0-41-amd64", "6.1.0-41-amd64", false },
	{ "Debian: a removed kernel (config-files) is not installed; -unsigned is the same release",
	  { { PW_FAMILY_DEB, "linux-image-6.1.0-42-amd64", "6.1.159-1", "amd64", false, PW_STATE_CONFIG_FILES },
	    { PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64-unsigned", "6.1.158-1", "amd64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-6.1.0-40-amd64", "6.1.153-1", "amd64", true, PW_STATE_INSTALLED } },
	  "6.1.0-41-amd64", "6.1.0-40-amd64", true },
	{ "Debian: the running kernel's package was removed: compare the releases",
	  { { PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64", "6.1.158-1", "amd64", true, PW_STATE_INSTALLED } },
	  "6.1.0-41-amd64", "6.1.0-9-amd64", true },
	{ "Debian image in a container on another kernel: different flavour, no verdict",
	  { { PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64", "6.1.158-1", "amd64", true, PW_STATE_INSTALLED } },
	  "6.1.0-41-amd64", "6.18.44-fc-v595", false },
	{ "Ubuntu: linux-image-unsigned-*, the -generic meta package",
	  { { PW_FAMILY_DEB, "linux-image-generic", "5.15.0.105.102", "amd64", false, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-unsigned-5.15.0-105-generic", "5.15.0-105.115", "amd64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_DEB, "linux-image-5.15.0-97-generic", "5.15.0-97.107", "amd64", true, PW_STATE_INSTALLED } },
	  "5.15.0-105-generic", "5.15.0-97-generic", true },
	{ "RHEL: kernel-core V-R.ARCH; 427 > 362 needs the rpm comparison",
	  { { PW_FAMILY_RPM, "kernel-core", "5.14.0-427.13.1.el9_4", "x86_64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_RPM, "kernel-core", "5.14.0-362.8.1.el9_3", "x86_64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_RPM, "kernel-tools", "5.14.0-427.13.1.el9_4", "x86_64", false, PW_STATE_INSTALLED },
	    { PW_FAMILY_RPM, "kernel-headers", "5.14.0-427.13.1.el9_4", "x86_64", false, PW_STATE_INSTALLED } },
	  "5.14.0-427.13.1.el9_4.x86_64", "5.14.0-362.8.1.el9_3.x86_64", true },
	{ "RHEL: 70.13 < 362.8 (not strcmp order)",
	  { { PW_FAMILY_RPM, "kernel", "5.14.0-70.13.1.el9_0", "x86_64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_RPM, "kernel", "5.14.0-362.8.1.el9_3", "x86_64", true, PW_STATE_INSTALLED } },
	  "5.14.0-362.8.1.el9_3.x86_64", "5.14.0-362.8.1.el9_3.x86_64", false },
	{ "Oracle UEK",
	  { { PW_FAMILY_RPM, "kernel-uek", "5.15.0-206.153.7.el8uek", "x86_64", true, PW_STATE_INSTALLED } },
	  "5.15.0-206.153.7.el8uek.x86_64", "5.15.0-200.131.27.el8uek.x86_64", true },
	{ "RHEL 9 real-time kernel runs as +rt",
	  { { PW_FAMILY_RPM, "kernel-rt-core", "5.14.0-427.13.1.el9_4", "x86_64", true, PW_STATE_INSTALLED } },
	  "5.14.0-427.13.1.el9_4.x86_64+rt", "5.14.0-427.13.1.el9_4.x86_64+rt", false },
	{ "RHEL 8 real-time kernel: rt is in the release",
	  { { PW_FAMILY_RPM, "kernel-rt", "4.18.0-513.5.1.rt7.307.el8_9", "x86_64", true, PW_STATE_INSTALLED } },
	  "4.18.0-513.5.1.rt7.307.el8_9.x86_64", NULL, false },
	{ "SUSE kernel-default drops the rebuild counter",
	  { { PW_FAMILY_RPM, "kernel-default", "5.14.21-150500.55.39.1", "x86_64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_RPM, "kernel-default", "5.14.21-150500.55.7.1", "x86_64", true, PW_STATE_INSTALLED } },
	  "5.14.21-150500.55.39-default", "5.14.21-150500.55.7-default", true },
	{ "Alpine: linux-lts 6.6.31-r0 runs as 6.6.31-0-lts",
	  { { PW_FAMILY_APK, "linux-lts", "6.6.31-r0", "x86_64", true, PW_STATE_INSTALLED },
	    { PW_FAMILY_APK, "linux-firmware-none", "20240513-r0", "x86_64", false, PW_STATE_INSTALLED },
	    { PW_FAMILY_APK, "linux-lts-dev", "6.6.31-r0", "x86_64", false, PW_STATE_INSTALLED } },
	  "6.6.31-0-lts", "6.6.31-0-lts", false },
	{ "Alpine: a newer virt kernel (6.6.9 < 6.6.31: not strcmp order)",
	  { { PW_FAMILY_APK, "linux-virt", "6.6.31-r1", "x86_64", true, PW_STATE_INSTALLED } },
	  "6.6.31-1-virt", "6.6.9-0-virt", true },
	{ "no kernel package at all (a container image)",
	  { { PW_FAMILY_DEB, "libc6", "2.36-9+deb12u13", "amd64", false, PW_STATE_INSTALLED } },
	  NULL, "6.18.44-fc-v595", false },
};

static void kernels(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct kcase *k = &cases[c];
		struct pw_inventory inv;
		struct pw_error e;
		char rv[6][128];
		pw_inventory_init(&inv, NULL);
		size_t n = 0;
		for (; n < 6 && k->pkgs[n].name; n++) {
			const struct kpkg *kp = &k->pkgs[n];
			struct pw_package *p = pw_inventory_add_package(&inv, kp->family);
			assert_non_null(p);
			p->name = kp->name;
			p->version = kp->version;
			p->arch = kp->arch;
			p->state = kp->state;
			if (kp->family == PW_FAMILY_RPM) {
				snprintf(rv[n], sizeof(rv[n]), "%s", kp->version);
				char *dash = strrchr(rv[n], '-');
				assert_non_null(dash);
				*dash = '\0';
				p->rpm_version = rv[n];
				p->rpm_release = dash + 1;
			}
		}
		pw_reboot_mark_kernels(&inv);
		for (size_t i = 0; i < n; i++) {
			if (inv.pkgs[i].is_kernel != k->pkgs[i].kernel)
				fail_msg("%s: %s is_kernel %d", k->what, k->pkgs[i].name,
					 inv.pkgs[i].is_kernel);
		}
		if (k->newest ? !inv.newest_kernel || strcmp(inv.newest_kernel, k->newest) != 0
			      : inv.newest_kernel != NULL)
			fail_msg("%s: newest kernel %s, expected %s", k->what,
				 inv.newest_kernel ? inv.newest_kernel : "(none)",
				 k->newest ? k->newest : "(none)");
		inv.host.kernel_release = k->running;
		assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
		if (inv.reboot_required != k->reboot)
			fail_msg("%s: reboot_required %d", k->what, inv.reboot_required);
		if (k->reboot) {
			char want[256];
			snprintf(want, sizeof(want),
				 "running kernel %s is older than installed kernel %s", k->running,
				 k->newest);
			assert_int_equal(inv.nreboot_reasons, 1);
			assert_string_equal(inv.reboot_reasons[0], want);
		}
		pw_inventory_free(&inv);
	}
}

/* The reboot keys of every hosts/NAME.expected (host keys are
 * test_hostfacts'); counts must match exactly, so a root without
 * reboot_ lines must give no reason. */
static void run_root(const char *name)
{
	char root[512], path[600];
	struct pw_inventory inv;
	struct pw_error e;
	struct pw_file exp;
	snprintf(root, sizeof(root), "%s/inventory/hosts/%s", PW_TEST_DATA, name);
	snprintf(path, sizeof(path), "%s.expected", root);
	assert_int_equal(pw_file_read(&exp, path, NULL), PW_OK);
	pw_inventory_init(&inv, root);
	assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
	size_t nreason = 0, npkg = 0;
	struct pw_blob rest = exp.data, line;
	while (pw_blob_next_line(&rest, &line)) {
		struct pw_blob key, value;
		if (line.len == 0 || line.ptr[0] == '#' || !pw_blob_split(line, '=', &key, &value))
			continue;
		if (pw_blob_eq_cstr(key, "reboot_reason")) {
			if (nreason >= inv.nreboot_reasons || !pw_blob_eq_cstr(value, inv.reboot_reasons[nreason]))
				fail_msg("%s: reboot reason %zu is not '%.*s'", name, nreason,
					 PW_BLOB_PRINTF(value));
			nreason++;
		} else if (pw_blob_eq_cstr(key, "reboot_pkg")) {
			if (npkg >= inv.nreboot_pkgs || !pw_blob_eq_cstr(value, inv.reboot_pkgs[npkg]))
				fail_msg("%s: reboot package %zu is not '%.*s'", name, npkg,
					 PW_BLOB_PRINTF(value));
			npkg++;
		}
	}
	if (nreason != inv.nreboot_reasons || npkg != inv.nreboot_pkgs)
		fail_msg("%s: %zu reasons and %zu packages, expected %zu and %zu", name,
			 inv.nreboot_reasons, inv.nreboot_pkgs, nreason, npkg);
	assert_int_equal(inv.reboot_required, nreason > 0);
	pw_inventory_free(&inv);
	pw_file_close(&exp);
}

static void flag_files(void **state)
{
	(void)state;
	DIR *d = opendir(PW_TEST_DATA "/inventory/hosts");
	assert_non_null(d);
	struct dirent *de;
	size_t ran = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n <= 9 || strcmp(de->d_name + n - 9, ".expected") != 0)
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 9), de->d_name);
		run_root(name);
		ran++;
	}
	closedir(d);
	assert_true(ran >= 7);
}

/* Flag file and kernel together: both reasons, flag first. */
static void both_reasons(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, PW_TEST_DATA "/inventory/hosts/debian12");
	struct pw_package *p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
	p->name = "linux-image-6.1.0-41-amd64";
	p->version = "6.1.158-1";
	p->arch = "amd64";
	p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
	p->name = "linux-image-6.1.0-40-amd64";
	p->version = "6.1.153-1";
	p->arch = "amd64";
	pw_reboot_mark_kernels(&inv);
	inv.host.kernel_release = "6.1.0-40-amd64";
	assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
	assert_int_equal(inv.nreboot_reasons, 2);
	assert_string_equal(inv.reboot_reasons[0], "/var/run/reboot-required exists");
	assert_string_equal(inv.reboot_reasons[1],
			    "running kernel 6.1.0-40-amd64 is older than installed kernel 6.1.0-41-amd64");
	assert_int_equal(inv.nreboot_pkgs, 2);
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernels),
		cmocka_unit_test(flag_files),
		cmocka_unit_test(both_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
