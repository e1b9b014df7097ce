/* test_inventory_json.c - the inventory document round-trips, and malformed
 * documents are refused with the field at fault named. */
#include "pw_test.h"

#include <string.h>

#include "pw_clock.h"
#include "pw_inventory_json.h"

static void fill(struct pw_inventory *inv)
{
	inv->host.hostname = "web-01";
	inv->host.machine_id = "0123456789abcdef0123456789abcdef";
	inv->host.os_id = "debian";
	inv->host.os_version_id = "12";
	inv->host.os_codename = "bookworm";
	inv->host.kernel_release = "6.1.0-41-amd64";
	inv->has_dpkg = inv->has_apt_lists = inv->has_rpm = true;
	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
	p->name = "libc6";
	p->arch = "amd64";
	p->version = "2.36-9+deb12u10";
	p->source_name = "glibc";
	p->source_version = "2.36-9+deb12u10";
	p->multi_arch = "same";
	p->candidate_version = "2.36-9+deb12u13";
	p->candidate_origin = "bookworm-security";
	p->candidate_security = true;
	p = pw_inventory_add_package(inv, PW_FAMILY_RPM);
	p->name = "bash";
	p->arch = "x86_64";
	p->version = "5.1.8-1.cm2";
	p->source_name = "bash";
	p->source_version = "5.1.8-1.cm2";
	p->rpm_version = "5.1.8";
	p->rpm_release = "1.cm2";
	p->rpm_sourcerpm = "bash-5.1.8-1.cm2.src.rpm";
	p->state = PW_STATE_INSTALLED;
	p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
	p->name = "oldpkg";
	p->version = "1.0";
	p->source_name = "oldpkg";
	p->source_version = "1.0";
	p->state = PW_STATE_HALF_INSTALLED;
	p->is_kernel = true;
	pw_inventory_add_reboot_reason(inv, "/var/run/reboot-required exists");
	pw_inventory_add_reboot_pkg(inv, "linux-image-6.1.0-41-amd64");
	pw_inventory_warn(inv, "status:12: stanza without Version skipped");
}

static void round_trip(void **state)
{
	(void)state;
	struct pw_inventory a, b;
	struct pw_error e;
	pw_clock_set(1795000000);
	pw_inventory_init(&a, "/srv/img");
	fill(&a);
	json_t *doc = pw_inventory_to_json(&a);
	assert_non_null(doc);
	char *text = json_dumps(doc, JSON_SORT_KEYS);
	assert_non_null(strstr(text, "\"scanned_at\": \"2026-11-18T"));
	pw_inventory_init(&b, NULL);
	assert_int_equal(pw_inventory_from_json(&b, doc, &e), PW_OK);
	json_t *again = pw_inventory_to_json(&b);
	char *text2 = json_dumps(again, JSON_SORT_KEYS);
	assert_string_equal(text, text2);
	assert_int_equal(b.npkgs, 3);
	assert_string_equal(b.pkgs[0].source_name, "glibc");
	assert_true(b.pkgs[0].candidate_security);
	assert_int_equal(b.pkgs[2].state, PW_STATE_HALF_INSTALLED);
	assert_true(b.reboot_required);
	free(text);
	free(text2);
	json_decref(doc);
	json_decref(again);
	pw_inventory_free(&a);
	pw_inventory_free(&b);
	pw_clock_set(-1);
}

/* Each malformed document and the words its error must contain. */
static const struct {
	const char *json;
	const char *expect;
} bad_docs[] = {
	{ "[]", "expected a JSON object" },
	{ "{}", "schema_version" },
	{ "{\"schema_version\": 99, \"packages\": []}", "not supported" },
	{ "{\"schema_version\": 1}", "packages" },
	{ "{\"schema_version\": 1, \"packages\": [{\"family\": \"deb\", \"name\": \"x\"}]}",
	  "packages[0]: missing field \"version\"" },
	{ "{\"schema_version\": 1, \"packages\": [{\"family\": \"msi\", \"name\": \"x\", \"version\": \"1\"}]}",
	  "packages[0].family: unknown family \"msi\"" },
	{ "{\"schema_version\": 1, \"packages\": [{\"family\": \"deb\", \"name\": 5, \"version\": \"1\"}]}",
	  "packages[0].name: expected a string" },
	{ "{\"schema_version\": 1, \"packages\": [{\"family\": \"deb\", \"name\": \"a\", \"version\": \"1\", \"state\": \"gone\"}]}",
	  "packages[0].state: unknown state" },
	{ "{\"schema_version\": 1, \"packages\": [], \"host\": {\"os\": 3}}", "host.os" },
	{ "{\"schema_version\": 1, \"packages\": [], \"warnings\": [1]}", "warnings[0]" },
};

static void malformed_documents(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		json_error_t je;
		json_t *doc = json_loads(bad_docs[i].json, JSON_DECODE_ANY, &je);
		assert_non_null(doc);
		struct pw_inventory inv;
		struct pw_error e;
		pw_inventory_init(&inv, NULL);
		pw_err rc = pw_inventory_from_json(&inv, doc, &e);
		if (rc == PW_OK || !strstr(e.msg, bad_docs[i].expect))
			fail_msg("case %zu: rc=%d msg='%s', expected '%s'", i, rc, e.msg,
				 bad_docs[i].expect);
		pw_inventory_free(&inv);
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(malformed_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
