/* test_hostfacts.c - os-release, machine-id, hostname and uname, from fake
 * roots, the real Debian 12 host's os-release and the live host. */
#include "pw_test.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "pw_file.h"
#include "pw_hostfacts.h"

static void collect_root(struct pw_inventory *inv, const char *name)
{
	char root[512];
	struct pw_error e;
	snprintf(root, sizeof(root), "%s/inventory/hosts/%s", PW_TEST_DATA, name);
	pw_inventory_init(inv, root);
	assert_int_equal(pw_hostfacts_collect(inv, &e), PW_OK);
}

static void real_debian(void **state)
{
	(void)state;
	struct pw_file f;
	struct pw_error e;
	assert_int_equal(pw_file_read(&f, PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/os-release", &e), PW_OK);
	struct pw_inventory inv;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_hostfacts_parse_os_release(&inv, f.data, "os-release", &e), PW_OK);
	assert_string_equal(inv.host.os_id, "debian");
	assert_string_equal(inv.host.os_version_id, "12");
	assert_string_equal(inv.host.os_codename, "bookworm");
	assert_string_equal(inv.host.os_pretty_name, "Debian GNU/Linux 12 (bookworm)");
	assert_int_equal(inv.nwarnings, 0);
	pw_inventory_free(&inv);
	pw_file_close(&f);
}

static void fake_roots(void **state)
{
	(void)state;
	struct pw_inventory inv;
	/* absolute symlink resolved inside the root, not on this Debian host */
	collect_root(&inv, "alma9");
	assert_string_equal(inv.host.os_id, "almalinux");
	assert_string_equal(inv.host.os_version_id, "9.4");
	assert_string_equal(inv.host.os_id_like, "rhel centos fedora");
	assert_string_equal(inv.host.os_codename, "Seafoam Ocelot");
	assert_string_equal(inv.host.hostname, "alma-web-01");
	assert_null(inv.host.machine_id);
	assert_int_equal(inv.nwarnings, 1);
	assert_non_null(strstr(inv.warnings[0], "machine-id: not 32 hexadecimal digits"));
	assert_null(inv.host.kernel_release); /* not the live host */
	pw_inventory_free(&inv);

	collect_root(&inv, "alpine");
	assert_string_equal(inv.host.os_id, "alpine");
	assert_string_equal(inv.host.os_version_id, "3.19.1");
	assert_null(inv.host.os_codename);
	pw_inventory_free(&inv);

	collect_root(&inv, "ubuntu-reboot");
	assert_string_equal(inv.host.os_codename, "jammy");
	assert_string_equal(inv.host.machine_id, "0123456789abcdef0123456789abcdef");
	assert_int_equal(inv.nwarnings, 1);
	assert_non_null(strstr(inv.warnings[0], "os-release:9: not KEY=value"));
	pw_inventory_free(&inv);
}

static void quoting(void **state)
{
	(void)state;
	static const char text[] = "ID='single'\nPRETTY_NAME=\"a \\\"quoted\\\" \\$name\"\n"
				   "VERSION_ID=\"unterminated\nVERSION_CODENAME=plain\n";
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_hostfacts_parse_os_release(&inv, pw_blob_cstr(text), "x", &e), PW_OK);
	assert_string_equal(inv.host.os_id, "single");
	assert_string_equal(inv.host.os_pretty_name, "a \"quoted\" $name");
	assert_null(inv.host.os_version_id);
	assert_string_equal(inv.host.os_codename, "plain");
	assert_int_equal(inv.nwarnings, 1);
	assert_non_null(strstr(inv.warnings[0], "x:3: unterminated quote"));
	pw_inventory_free(&inv);
}

static void live_host(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	struct utsname u;
	assert_int_equal(uname(&u), 0);
	pw_inventory_init(&inv, "/");
	assert_int_equal(pw_hostfacts_collect(&inv, &e), PW_OK);
	assert_string_equal(inv.host.kernel_release, u.release);
	assert_string_equal(inv.host.arch, u.machine);
	assert_non_null(inv.host.hostname);
	assert_non_null(inv.host.os_id);
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_debian),
		cmocka_unit_test(fake_roots),
		cmocka_unit_test(quoting),
		cmocka_unit_test(live_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
