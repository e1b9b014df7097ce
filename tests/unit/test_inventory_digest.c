/* test_inventory_digest.c - the digest agents send and the server computes:
 * equal on both sides of the JSON document (the agent digests its scan, the
 * server the document it received), blind to what changes without the host
 * changing (scan time, root, warnings, package order), and different when a
 * package, a version or a host fact changes. */
#include "pw_test.h"

#include <string.h>

#include "pw_clock.h"
#include "pw_inventory_digest.h"
#include "pw_inventory_json.h"
#include "pw_scan.h"

/* What the server does with an upload: the document parsed, then digested. */
static void server_side(const struct pw_inventory *agent, char *digest)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_error e;
	assert_int_equal(pw_inventory_write_json(agent, &b, false), PW_OK);
	json_error_t je;
	json_t *doc = json_loadb(b.data, b.len, 0, &je);
	assert_non_null(doc);
	struct pw_inventory srv;
	pw_inventory_init(&srv, NULL);
	assert_int_equal(pw_inventory_from_json(&srv, doc, &e), PW_OK);
	assert_int_equal(pw_inventory_digest(&srv, digest, &e), PW_OK);
	pw_inventory_free(&srv);
	json_decref(doc);
	pw_buf_free(&b);
}

static void scan_root(struct pw_inventory *inv, const char *root, const char *rpm_dbpath)
{
	struct pw_scan_options so = { .root = root, .rpm_dbpath = rpm_dbpath, .skip_updates = true };
	struct pw_error e;
	pw_inventory_init(inv, root);
	assert_int_equal(pw_scan(inv, &so, &e), PW_OK);
}

static void both_sides_agree(void **state)
{
	(void)state;
	static const struct {
		const char *root, *rpm;
		size_t min_pkgs;
	} roots[] = {
		{ PW_TEST_DATA "/inventory/dpkg/cases/root-status-and-status.d", NULL, 1 },
		{ PW_TEST_DATA "/inventory/apk/cases/root", NULL, 1 },
		{ PW_TEST_DATA "/inventory/hosts/debian12", NULL, 0 },
		{ PW_TEST_DATA "/inventory/hosts/alma9", PW_TEST_DATA "/inventory/rpm/libuuid-bdb", 1 },
	};
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct pw_inventory inv;
		char a[PW_INVENTORY_DIGEST_SIZE], b[PW_INVENTORY_DIGEST_SIZE];
		struct pw_error e;
		scan_root(&inv, roots[i].root, roots[i].rpm);
		assert_true(inv.npkgs >= roots[i].min_pkgs);
		assert_int_equal(pw_inventory_digest(&inv, a, &e), PW_OK);
		assert_true(pw_inventory_digest_valid(a));
		server_side(&inv, b);
		if (strcmp(a, b) != 0)
			fail_msg("%s: agent %s, server %s", roots[i].root, a, b);
		pw_inventory_free(&inv);
	}
}

static void fill(struct pw_inventory *inv)
{
	inv->host.machine_id = "0123456789abcdef0123456789abcdef";
	inv->host.hostname = "web-01";
	inv->host.os_id = "debian";
	inv->has_dpkg = true;
	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
	p->name = "zlib1g";
	p->arch = "amd64";
	p->version = "1:1.2.13.dfsg-1";
	p->source_name = "zlib";
	p->source_version = "1:1.2.13.dfsg-1";
	p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
	p->name = "bash";
	p->arch = "amd64";
	p->version = "5.2.15-2+b2";
	p->source_name = "bash";
	p->source_version = "5.2.15-2";
}

static void canonical_document(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_buf b = PW_BUF_INIT;
	char d[PW_INVENTORY_DIGEST_SIZE];
	struct pw_error e;
	pw_inventory_init(&inv, "/");
	fill(&inv);
	assert_int_equal(pw_inventory_canonical_json(&inv, &b), PW_OK);
	/* the byte-for-byte form docs/agent.md describes; packages sorted */
	static const char want[] =
		"{\"digest_version\":1,\"host\":{\"machine_id\":\"0123456789abcdef0123456789abcdef\","
		"\"hostname\":\"web-01\",\"os_id\":\"debian\"},\"package_managers\":[\"dpkg\"],"
		"\"reboot\":{\"required\":false,\"reasons\":[],\"packages\":[]},\"packages\":["
		"{\"f\":\"deb\",\"n\":\"bash\",\"a\":\"amd64\",\"v\":\"5.2.15-2+b2\",\"s\":\"installed\","
		"\"sn\":\"bash\",\"sv\":\"5.2.15-2\"},"
		"{\"f\":\"deb\",\"n\":\"zlib1g\",\"a\":\"amd64\",\"v\":\"1:1.2.13.dfsg-1\","
		"\"s\":\"installed\",\"sn\":\"zlib\",\"sv\":\"1:1.2.13.dfsg-1\"}]}";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	/* sha256 of `want`, computed with Python's hashlib */
	assert_int_equal(pw_inventory_digest(&inv, d, &e), PW_OK);
	assert_string_equal(d, "ae157b02b2437e3431a9adb9ab49e88d87444d13ca6ce5109a06f717e7f1c693");
	pw_buf_free(&b);
	pw_inventory_free(&inv);
}

static void what_counts(void **state)
{
	(void)state;
	struct pw_inventory a, b;
	char da[PW_INVENTORY_DIGEST_SIZE], db[PW_INVENTORY_DIGEST_SIZE];
	struct pw_error e;
	pw_inventory_init(&a, "/");
	fill(&a);
	assert_int_equal(pw_inventory_digest(&a, da, &e), PW_OK);

	/* order, root, warnings and scan time do not count */
	pw_inventory_init(&b, "/srv/other-root");
	fill(&b);
	struct pw_package t = b.pkgs[0];
	b.pkgs[0] = b.pkgs[1];
	b.pkgs[1] = t;
	pw_inventory_warn(&b, "status:3: something odd");
	pw_clock_set(1795000000);
	assert_int_equal(pw_inventory_digest(&b, db, &e), PW_OK);
	pw_clock_set(-1);
	assert_string_equal(da, db);
	/* an absent string and an empty one are the same */
	b.pkgs[0].multi_arch = "";
	assert_int_equal(pw_inventory_digest(&b, db, &e), PW_OK);
	assert_string_equal(da, db);

	/* a version, a package, a host fact, the reboot state do */
	b.pkgs[0].version = "5.2.15-2+b3";
	assert_int_equal(pw_inventory_digest(&b, db, &e), PW_OK);
	assert_string_not_equal(da, db);
	b.pkgs[0].version = a.pkgs[1].version;
	struct pw_package *p = pw_inventory_add_package(&b, PW_FAMILY_DEB);
	p->name = "curl";
	p->version = "7.88.1-10+deb12u5";
	assert_int_equal(pw_inventory_digest(&b, db, &e), PW_OK);
	assert_string_not_equal(da, db);
	b.npkgs--;
	assert_int_equal(pw_inventory_digest(&b, db, &e), PW_OK);
	assert_string_equal(da, db);
	b.host.hostname = "web-02";
	assert_int_equal(pw_inventory_digest(&b, db, &e), PW_OK);
	assert_string_not_equal(da, db);
	b.host.hostname = "web-01";
	b.reboot_required = true;
	assert_int_equal(pw_inventory_digest(&b, db, &e), PW_OK);
	assert_string_not_equal(da, db);
	pw_inventory_free(&a);
	pw_inventory_free(&b);
}

static void valid_form(void **state)
{
	(void)state;
	assert_true(pw_inventory_digest_valid(
		"0000000000000000000000000000000000000000000000000000000000000000"));
	assert_false(pw_inventory_digest_valid(""));
	assert_false(pw_inventory_digest_valid(NULL));
	assert_false(pw_inventory_digest_valid(
		"000000000000000000000000000000000000000000000000000000000000000"));
	assert_false(pw_inventory_digest_valid(
		"00000000000000000000000000000000000000000000000000000000000000000"));
	assert_false(pw_inventory_digest_valid(
		"000000000000000000000000000000000000000000000000000000000000000A"));
	assert_false(pw_inventory_digest_valid(
		"000000000000000000000000000000000000000000000000000000000000000g"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_sides_agree),
		cmocka_unit_test(canonical_document),
		cmocka_unit_test(what_counts),
		cmocka_unit_test(valid_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
