/* test_distro.c - feeds and hosts name releases differently; both must land
 * on the same canonical key. */
#include "pw_test.h"

#include <string.h>

#include "pw_distro.h"

static void os_release(void **state)
{
	(void)state;
	static const struct {
		const char *id, *like, *version_id, *codename, *distro, *release;
		enum pw_scheme scheme;
	} cases[] = {
		{ "debian", NULL, "12", "bookworm", "debian", "12", PW_SCHEME_DEB },
		{ "debian", NULL, NULL, "trixie", "debian", "13", PW_SCHEME_DEB },
		{ "debian", NULL, NULL, "sid", "debian", "sid", PW_SCHEME_DEB },
		{ "ubuntu", "debian", "22.04", "jammy", "ubuntu", "22.04", PW_SCHEME_DEB },
		{ "ubuntu", "debian", NULL, "noble", "ubuntu", "24.04", PW_SCHEME_DEB },
		{ "almalinux", "rhel centos fedora", "9.4", NULL, "almalinux", "9", PW_SCHEME_RPM },
		{ "rocky", "rhel centos fedora", "8.10", NULL, "rocky", "8", PW_SCHEME_RPM },
		{ "rhel", "fedora", "9.3", NULL, "rhel", "9", PW_SCHEME_RPM },
		{ "alpine", NULL, "3.19.1", NULL, "alpine", "3.19", PW_SCHEME_APK },
		{ "alpine", NULL, "3.11.6", NULL, "alpine", "3.11", PW_SCHEME_APK },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_distro_release dr;
		assert_true(pw_distro_from_os_release(cases[i].id, cases[i].like, cases[i].version_id,
						      cases[i].codename, &dr));
		assert_string_equal(dr.distro, cases[i].distro);
		assert_string_equal(dr.release, cases[i].release);
		assert_int_equal(dr.scheme, cases[i].scheme);
	}
	struct pw_distro_release dr;
	assert_false(pw_distro_from_os_release("fedora", NULL, "40", NULL, &dr));
	assert_false(pw_distro_from_os_release(NULL, NULL, "12", NULL, &dr));
	assert_false(pw_distro_from_os_release("debian", NULL, NULL, NULL, &dr));
}

static void osv_ecosystems(void **state)
{
	(void)state;
	static const struct {
		const char *eco, *distro, *release;
	} cases[] = {
		{ "Debian:12", "debian", "12" },
		{ "Debian:11", "debian", "11" },
		{ "Ubuntu:22.04:LTS", "ubuntu", "22.04" },
		{ "Ubuntu:Pro:18.04:LTS", "ubuntu", "18.04" },
		{ "Ubuntu:24.10", "ubuntu", "24.10" },
		{ "AlmaLinux:9", "almalinux", "9" },
		{ "AlmaLinux:10", "almalinux", "10" },
		{ "Rocky Linux:8", "rocky", "8" },
		{ "Alpine:v3.11", "alpine", "3.11" },
		{ "Red Hat:enterprise_linux:9::appstream", "rhel", "9" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_distro_release dr;
		if (!pw_distro_from_osv_ecosystem(cases[i].eco, &dr))
			fail_msg("%s not mapped", cases[i].eco);
		assert_string_equal(dr.distro, cases[i].distro);
		assert_string_equal(dr.release, cases[i].release);
	}
	struct pw_distro_release dr;
	assert_false(pw_distro_from_osv_ecosystem("PyPI", &dr));
	assert_false(pw_distro_from_osv_ecosystem("npm:", &dr));
	assert_false(pw_distro_from_osv_ecosystem("Debian:", &dr));
	assert_false(pw_distro_from_osv_ecosystem("Alpine:vX.Y", &dr));
}

static void normalize_spellings(void **state)
{
	(void)state;
	struct pw_distro_release dr;
	assert_true(pw_distro_normalize("debian", "bookworm", &dr));
	assert_string_equal(dr.release, "12");
	assert_true(pw_distro_normalize("debian", "bullseye", &dr));
	assert_string_equal(dr.release, "11");
	assert_true(pw_distro_normalize("alpine", "v3.12", &dr));
	assert_string_equal(dr.release, "3.12");
	assert_true(pw_distro_normalize("alpine", "edge", &dr));
	assert_string_equal(dr.release, "edge");
	assert_false(pw_distro_normalize("debian", "narnia", &dr));
	assert_false(pw_distro_normalize("gentoo", "1", &dr));
	assert_string_equal(pw_debian_release_of_codename("buster"), "10");
	assert_string_equal(pw_ubuntu_release_of_codename("focal"), "20.04");
	assert_null(pw_ubuntu_release_of_codename("bookworm"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(os_release),
		cmocka_unit_test(osv_ecosystems),
		cmocka_unit_test(normalize_spellings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
