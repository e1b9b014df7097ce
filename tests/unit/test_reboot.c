/* test_reboot.c - kernel packages of each family, the newest one, and the
 * reasons a host needs a reboot. */
#include "pw_test.h"

#include <stdio.h>
#include <string.h>

#include "pw_reboot.h"

static struct pw_package *add(struct pw_inventory *inv, enum pw_pkg_family f, const char *name,
			      const char *version, const char *arch)
{
	struct pw_package *p = pw_inventory_add_package(inv, f);
	p->name = name;
	p->version = version;
	p->arch = arch;
	p->state = PW_STATE_INSTALLED;
	return p;
}

static void debian_kernels(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	add(&inv, PW_FAMILY_DEB, "linux-image-amd64", "6.1.158-1", "amd64"); /* meta */
	add(&inv, PW_FAMILY_DEB, "linux-image-6.1.0-9-amd64", "6.1.27-1", "amd64");
	add(&inv, PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64", "6.1.158-1", "amd64");
	add(&inv, PW_FAMILY_DEB, "linux-image-6.1.0-10-amd64", "6.1.38-1", "amd64");
	add(&inv, PW_FAMILY_DEB, "linux-firmware", "1", "all");
	pw_reboot_mark_kernels(&inv);
	assert_false(inv.pkgs[0].is_kernel);
	assert_true(inv.pkgs[1].is_kernel);
	/* 41 > 10 > 9 needs the real deb comparison, not strcmp */
	assert_string_equal(inv.newest_kernel, "6.1.0-41-amd64");
	inv.host.kernel_release = "6.1.0-9-amd64";
	assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
	assert_true(inv.reboot_required);
	assert_string_equal(inv.reboot_reasons[0],
			    "running kernel 6.1.0-9-amd64 is older than installed kernel 6.1.0-41-amd64");
	pw_inventory_free(&inv);

	/* running the newest: nothing to do */
	pw_inventory_init(&inv, NULL);
	add(&inv, PW_FAMILY_DEB, "linux-image-6.1.0-41-amd64", "6.1.158-1", "amd64");
	add(&inv, PW_FAMILY_DEB, "linux-image-6.1.0-9-amd64", "6.1.27-1", "amd64");
	pw_reboot_mark_kernels(&inv);
	inv.host.kernel_release = "6.1.0-41-amd64";
	assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
	assert_false(inv.reboot_required);
	pw_inventory_free(&inv);
}

static void rpm_and_apk_kernels(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	struct pw_package *p = add(&inv, PW_FAMILY_RPM, "kernel-core", "5.14.0-427.13.1.el9_4", "x86_64");
	p->rpm_version = "5.14.0";
	p->rpm_release = "427.13.1.el9_4";
	p = add(&inv, PW_FAMILY_RPM, "kernel-core", "5.14.0-362.8.1.el9_3", "x86_64");
	p->rpm_version = "5.14.0";
	p->rpm_release = "362.8.1.el9_3";
	p = add(&inv, PW_FAMILY_RPM, "kernel-tools", "5.14.0-427.13.1.el9_4", "x86_64");
	p->rpm_version = "5.14.0";
	p->rpm_release = "427.13.1.el9_4";
	pw_reboot_mark_kernels(&inv);
	assert_string_equal(inv.newest_kernel, "5.14.0-427.13.1.el9_4.x86_64");
	assert_false(inv.pkgs[2].is_kernel);
	inv.host.kernel_release = "5.14.0-362.8.1.el9_3.x86_64";
	assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
	assert_true(inv.reboot_required);
	pw_inventory_free(&inv);

	pw_inventory_init(&inv, NULL);
	add(&inv, PW_FAMILY_APK, "linux-lts", "6.6.31-r0", "x86_64");
	add(&inv, PW_FAMILY_APK, "linux-firmware-none", "20240513-r0", "x86_64");
	pw_reboot_mark_kernels(&inv);
	assert_string_equal(inv.newest_kernel, "6.6.31-0-lts");
	inv.host.kernel_release = "6.6.31-0-lts";
	assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
	assert_false(inv.reboot_required);
	pw_inventory_free(&inv);
}

static void flag_files(void **state)
{
	(void)state;
	char root[512];
	struct pw_inventory inv;
	struct pw_error e;
	snprintf(root, sizeof(root), "%s/inventory/hosts/ubuntu-reboot", PW_TEST_DATA);
	pw_inventory_init(&inv, root);
	assert_int_equal(pw_reboot_collect(&inv, &e), PW_OK);
	assert_true(inv.reboot_required);
	assert_string_equal(inv.reboot_reasons[0], "/var/run/reboot-required exists");
	assert_int_equal(inv.nreboot_pkgs, 2); /* the duplicate is listed once */
	assert_string_equal(inv.reboot_pkgs[0], "linux-image-5.15.0-105-generic");
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian_kernels),
		cmocka_unit_test(rpm_and_apk_kernels),
		cmocka_unit_test(flag_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
