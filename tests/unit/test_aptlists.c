/* test_aptlists.c - Release parsing, suite priorities, and apt's candidate
 * rules on hand-made indexes (the integration test compares whole hosts
 * with apt list --upgradable). */
#include "pw_test.h"

#include <string.h>

#include "pw_aptlists.h"

static const char in_release[] =
	"-----BEGIN PGP SIGNED MESSAGE-----\n"
	"Hash: SHA512\n"
	"\n"
	"Origin: Debian\n"
	"Label: Debian-Security\n"
	"Suite: oldstable-security\n"
	"Codename: bookworm-security\n"
	"SHA256:\n"
	" 0123 456 main/binary-amd64/Packages\n"
	"-----BEGIN PGP SIGNATURE-----\n"
	"Suite: forged-after-signature\n"
	"-----END PGP SIGNATURE-----\n";

static void release_files(void **state)
{
	(void)state;
	struct pw_apt_release r;
	struct pw_error e;
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(in_release), "InRelease", &r, &e), PW_OK);
	assert_string_equal(r.suite, "oldstable-security");
	assert_string_equal(r.codename, "bookworm-security");
	assert_true(pw_aptlists_is_security(&r));
	assert_int_equal(pw_aptlists_priority(&r), 500);

	static const char backports[] = "Suite: bookworm-backports\nNotAutomatic: yes\n"
					"ButAutomaticUpgrades: yes\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(backports), "Release", &r, &e), PW_OK);
	assert_false(pw_aptlists_is_security(&r));
	assert_int_equal(pw_aptlists_priority(&r), 100);
	static const char experimental[] = "Suite: experimental\nNotAutomatic: yes\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(experimental), "Release", &r, &e), PW_OK);
	assert_int_equal(pw_aptlists_priority(&r), 1);
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr("garbage without fields\n"), "R", &r, &e),
			 PW_ERR_PARSE);
}

static struct pw_package *add(struct pw_inventory *inv, const char *name, const char *arch,
			      const char *version)
{
	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
	p->name = name;
	p->arch = arch;
	p->version = version;
	p->state = PW_STATE_INSTALLED;
	return p;
}

static void candidates(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	add(&inv, "libc6", "amd64", "2.36-9+deb12u9");
	add(&inv, "libc6", "i386", "2.36-9+deb12u9");   /* multi-arch twin */
	add(&inv, "tzdata", "all", "2024a-0+deb12u1");
	add(&inv, "fromback", "amd64", "2.0~bpo12+1"); /* installed from backports */
	add(&inv, "stay", "amd64", "1.0-1");           /* only backports is newer */
	add(&inv, "exp", "amd64", "1.0-1");            /* only experimental is newer */
	add(&inv, "current", "amd64", "3.0-1");

	struct pw_apt_release main_r = { .suite = "oldstable", .codename = "bookworm" };
	struct pw_apt_release sec = { .suite = "oldstable-security", .codename = "bookworm-security" };
	struct pw_apt_release bpo = { .suite = "bookworm-backports", .not_automatic = true,
				      .but_automatic_upgrades = true };
	struct pw_apt_release expr = { .suite = "experimental", .not_automatic = true };
	static const char main_idx[] =
		"Package: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: amd64\nDescription: x\n y\n\n"
		"Package: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: i386\n\n"
		"Package: tzdata\nVersion: 2025b-0+deb12u1\nArchitecture: all\n\n"
		"Package: stay\nVersion: 1.0-1\nArchitecture: amd64\n\n"
		"Package: exp\nVersion: 1.0-1\nArchitecture: amd64\n\n"
		"Package: current\nVersion: 3.0-1\nArchitecture: amd64\n\n"
		"Package: notinstalled\nVersion: 9\nArchitecture: amd64\n\n"
		"Package: noversion\nArchitecture: amd64\n";
	static const char sec_idx[] =
		"Package: libc6\nVersion: 2.36-9+deb12u13\nArchitecture: amd64\n\n"
		"Package: tzdata\nVersion: 2025b-0+deb12u1\nArchitecture: all\n";
	static const char bpo_idx[] =
		"Package: fromback\nVersion: 2.1~bpo12+1\nArchitecture: amd64\n\n"
		"Package: stay\nVersion: 2.0~bpo12+1\nArchitecture: amd64\n";
	static const char exp_idx[] = "Package: exp\nVersion: 9.0-1\nArchitecture: amd64\n";

	struct pw_aptlists *s;
	assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
	assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr(main_idx), "main", &main_r, &e), PW_OK);
	assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr(sec_idx), "sec", &sec, &e), PW_OK);
	assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr(bpo_idx), "bpo", &bpo, &e), PW_OK);
	assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr(exp_idx), "exp", &expr, &e), PW_OK);
	assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);

	assert_string_equal(inv.pkgs[0].candidate_version, "2.36-9+deb12u13");
	assert_string_equal(inv.pkgs[0].candidate_origin, "oldstable-security");
	assert_true(inv.pkgs[0].candidate_security);
	/* the i386 twin is only in main */
	assert_string_equal(inv.pkgs[1].candidate_version, "2.36-9+deb12u10");
	assert_false(inv.pkgs[1].candidate_security);
	/* same version in two suites: both named, security wins the flag */
	assert_string_equal(inv.pkgs[2].candidate_origin, "oldstable,oldstable-security");
	assert_true(inv.pkgs[2].candidate_security);
	assert_string_equal(inv.pkgs[3].candidate_version, "2.1~bpo12+1");
	assert_null(inv.pkgs[4].candidate_version); /* main (500) keeps it */
	assert_null(inv.pkgs[5].candidate_version); /* experimental is 1 */
	assert_null(inv.pkgs[6].candidate_version);
	assert_int_equal(inv.nwarnings, 0); /* noversion is not installed: ignored */
	pw_inventory_free(&inv);
}

static void malformed_index(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	add(&inv, "a", "amd64", "1");
	struct pw_apt_release r = { .suite = "x" };
	struct pw_aptlists *s;
	static const char idx[] = "garbage line\n\nPackage: a\nArchitecture: amd64\n\n"
				  "Package: a\nVersion: 2\nArchitecture: amd64";
	assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
	assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr(idx), "Packages", &r, &e), PW_OK);
	assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);
	assert_string_equal(inv.pkgs[0].candidate_version, "2");
	assert_int_equal(inv.nwarnings, 2);
	assert_non_null(strstr(inv.warnings[0], "Packages:1: not a 'Field: value' line"));
	assert_non_null(strstr(inv.warnings[1], "Packages:3: stanza without Version"));
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(release_files),
		cmocka_unit_test(candidates),
		cmocka_unit_test(malformed_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
