/* test_inventory_json.c - the inventory document round-trips, and malformed
 * documents are refused with the field at fault named. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
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

/* Parse doc; the error message, or "" when accepted. */
static void parse_msg(const json_t *doc, char *msg, size_t size)
{
	struct pw_inventory inv;
	struct pw_error e = { 0 };
	pw_inventory_init(&inv, NULL);
	pw_err rc = pw_inventory_from_json(&inv, doc, &e);
	snprintf(msg, size, "%s", rc ? e.msg : "");
	if (rc && !e.msg[0])
		snprintf(msg, size, "error %d without a message", rc);
	pw_inventory_free(&inv);
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

/* A valid document with one of everything that has a bound. */
static json_t *full_doc(void)
{
	json_error_t je;
	json_t *doc = json_loads(
		"{\"schema_version\": 1, \"root\": \"/\","
		" \"host\": {\"machine_id\": \"0123456789abcdef0123456789abcdef\","
		"  \"hostname\": \"web-01\", \"arch\": \"x86_64\","
		"  \"os\": {\"id\": \"almalinux\", \"version_id\": \"9.4\", \"codename\": \"x\","
		"   \"id_like\": \"rhel centos fedora\", \"pretty_name\": \"AlmaLinux 9.4\"},"
		"  \"kernel\": {\"release\": \"5.14.0\", \"version\": \"#1 SMP\"}},"
		" \"package_managers\": [\"rpm\"],"
		" \"reboot\": {\"required\": true, \"reasons\": [\"r\"], \"packages\": [\"kernel\"],"
		"  \"newest_kernel\": \"5.14.0\"},"
		" \"packages\": [{\"family\": \"rpm\", \"name\": \"bash\", \"arch\": \"x86_64\","
		"  \"version\": \"5.1.8-6.el9\", \"state\": \"installed\", \"source_name\": \"bash\","
		"  \"source_version\": \"5.1.8-6.el9\", \"multi_arch\": \"same\","
		"  \"rpm\": {\"epoch\": \"1\", \"version\": \"5.1.8\", \"release\": \"6.el9\","
		"   \"sourcerpm\": \"bash-5.1.8-6.el9.src.rpm\"},"
		"  \"update\": {\"version\": \"5.1.8-9.el9\", \"origin\": \"baseos\"}}],"
		" \"warnings\": [\"w\"]}",
		0, &je);
	assert_non_null(doc);
	return doc;
}

/* The member a path such as "packages[0].rpm.release" or "warnings[0]"
 * names: its parent object (or array) and key (or index). */
static json_t *parent_of(json_t *doc, const char *path, char *key, size_t size, size_t *index)
{
	json_t *node = doc;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	char *part = buf, *dot;
	for (;;) {
		dot = strchr(part, '.');
		if (dot)
			*dot = '\0';
		char *br = strchr(part, '[');
		*index = SIZE_MAX;
		if (br) {
			*br = '\0';
			*index = (size_t)strtoul(br + 1, NULL, 10);
		}
		if (!dot) {
			if (*index == SIZE_MAX) {
				snprintf(key, size, "%s", part);
				return node;
			}
			return json_object_get(node, part);
		}
		node = json_object_get(node, part);
		if (*index != SIZE_MAX)
			node = json_array_get(node, *index);
		assert_non_null(node);
		part = dot + 1;
	}
}

/* Set the string at path to n bytes of 'a'. */
static void set_len(json_t *doc, const char *path, size_t n)
{
	char key[128];
	size_t index;
	json_t *parent = parent_of(doc, path, key, sizeof(key), &index);
	assert_non_null(parent);
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, 'a', n);
	s[n] = '\0';
	if (index == SIZE_MAX)
		assert_int_equal(json_object_set_new(parent, key, json_string(s)), 0);
	else
		assert_int_equal(json_array_set_new(parent, index, json_string(s)), 0);
	free(s);
}

/* Every bounded string of the document, with its bound in bytes. */
static const struct {
	const char *path;
	size_t max;
} string_bounds[] = {
	{ "root", PW_INV_MAX_ROOT },
	{ "host.machine_id", PW_INV_MAX_MACHINE_ID },
	{ "host.hostname", PW_INV_MAX_HOSTNAME },
	{ "host.arch", PW_INV_MAX_ARCH },
	{ "host.os.id", PW_INV_MAX_WORD },
	{ "host.os.version_id", PW_INV_MAX_WORD },
	{ "host.os.codename", PW_INV_MAX_WORD },
	{ "host.os.id_like", PW_INV_MAX_TEXT },
	{ "host.os.pretty_name", PW_INV_MAX_TEXT },
	{ "host.kernel.release", PW_INV_MAX_TEXT },
	{ "host.kernel.version", PW_INV_MAX_TEXT },
	{ "packages[0].name", PW_INV_MAX_NAME },
	{ "packages[0].arch", PW_INV_MAX_ARCH },
	{ "packages[0].version", PW_INV_MAX_VERSION },
	{ "packages[0].source_name", PW_INV_MAX_NAME },
	{ "packages[0].source_version", PW_INV_MAX_VERSION },
	{ "packages[0].multi_arch", PW_INV_MAX_WORD },
	{ "packages[0].rpm.epoch", PW_INV_MAX_VERSION },
	{ "packages[0].rpm.version", PW_INV_MAX_VERSION },
	{ "packages[0].rpm.release", PW_INV_MAX_VERSION },
	{ "packages[0].rpm.sourcerpm", PW_INV_MAX_TEXT },
	{ "packages[0].update.version", PW_INV_MAX_VERSION },
	{ "packages[0].update.origin", PW_INV_MAX_TEXT },
	{ "reboot.reasons[0]", PW_INV_MAX_SENTENCE },
	{ "reboot.packages[0]", PW_INV_MAX_NAME },
	{ "reboot.newest_kernel", PW_INV_MAX_TEXT },
	{ "warnings[0]", PW_INV_MAX_SENTENCE },
};

/* At its bound a string is accepted; one byte more and the document is
 * refused with the field named, the length and the bound. */
static void strings_bounded(void **state)
{
	(void)state;
	char msg[PW_ERROR_MSG_MAX], want[256];
	json_t *doc = full_doc();
	parse_msg(doc, msg, sizeof(msg));
	assert_string_equal(msg, "");
	json_decref(doc);
	for (size_t i = 0; i < sizeof(string_bounds) / sizeof(string_bounds[0]); i++) {
		size_t max = string_bounds[i].max;
		doc = full_doc();
		set_len(doc, string_bounds[i].path, max);
		parse_msg(doc, msg, sizeof(msg));
		if (msg[0])
			fail_msg("%s at %zu bytes refused: %s", string_bounds[i].path, max, msg);
		set_len(doc, string_bounds[i].path, max + 1);
		parse_msg(doc, msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s: %zu bytes, at most %zu", string_bounds[i].path,
			 max + 1, max);
		if (strcmp(msg, want) != 0)
			fail_msg("%s: '%s', expected '%s'", string_bounds[i].path, msg, want);
		json_decref(doc);
	}
}

/* A 1 MiB package name, as an attacker uploads it, is refused by name. */
static void mebibyte_name_refused(void **state)
{
	(void)state;
	json_t *doc = full_doc(), *pkgs = json_object_get(doc, "packages");
	for (int i = 0; i < 17; i++)
		json_array_append_new(pkgs, json_deep_copy(json_array_get(pkgs, 0)));
	set_len(doc, "packages[17].name", (size_t)1 << 20);
	char msg[PW_ERROR_MSG_MAX];
	parse_msg(doc, msg, sizeof(msg));
	assert_string_equal(msg, "packages[17].name: 1048576 bytes, at most 256");
	json_decref(doc);
}

/* Every bounded array, with its most items. */
static const struct {
	const char *path;
	size_t max;
} array_bounds[] = {
	{ "packages", PW_INV_MAX_PACKAGES },
	{ "package_managers", PW_INV_MAX_MANAGERS },
	{ "reboot.reasons", PW_INV_MAX_REBOOT_REASONS },
	{ "reboot.packages", PW_INV_MAX_REBOOT_PKGS },
	{ "warnings", PW_INV_MAX_WARNINGS },
};

/* Arrays past their count are refused before their items are read. */
static void counts_bounded(void **state)
{
	(void)state;
	char msg[PW_ERROR_MSG_MAX], want[128], key[128];
	for (size_t i = 0; i < sizeof(array_bounds) / sizeof(array_bounds[0]); i++) {
		json_t *doc = full_doc();
		size_t index;
		json_t *arr = json_object_get(parent_of(doc, array_bounds[i].path, key, sizeof(key), &index),
					      key);
		assert_non_null(arr);
		json_t *item = json_array_get(arr, 0);
		while (json_array_size(arr) < array_bounds[i].max)
			json_array_append(arr, item); /* one item, many references: cheap */
		parse_msg(doc, msg, sizeof(msg));
		if (msg[0])
			fail_msg("%s with %zu items refused: %s", array_bounds[i].path, array_bounds[i].max, msg);
		json_array_append(arr, item);
		parse_msg(doc, msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s: %zu items, at most %zu", array_bounds[i].path,
			 array_bounds[i].max + 1, array_bounds[i].max);
		assert_string_equal(msg, want);
		json_decref(doc);
	}
}

/* The schema node a path names: "packages[0].rpm.release" is
 * properties.packages.items.properties.rpm.properties.release. */
static const json_t *schema_node(const json_t *schema, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	const json_t *node = schema;
	for (char *part = strtok(buf, "."); part && node; part = strtok(NULL, ".")) {
		char *br = strchr(part, '[');
		if (br)
			*br = '\0';
		node = json_object_get(json_object_get(node, "properties"), part);
		if (br)
			node = json_object_get(node, "items");
	}
	return node;
}

/* docs/inventory-schema.json documents the bounds the parser applies. */
static void schema_documents_the_bounds(void **state)
{
	(void)state;
	json_error_t je;
	json_t *schema = json_load_file(PW_TEST_DATA "/../../docs/inventory-schema.json", 0, &je);
	if (!schema)
		fail_msg("inventory-schema.json: %s", je.text);
	for (size_t i = 0; i < sizeof(string_bounds) / sizeof(string_bounds[0]); i++) {
		const json_t *n = schema_node(schema, string_bounds[i].path);
		json_int_t max = json_integer_value(json_object_get(n, "maxLength"));
		if (max != (json_int_t)string_bounds[i].max)
			fail_msg("%s: maxLength %lld in the schema, %zu in the parser",
				 string_bounds[i].path, (long long)max, string_bounds[i].max);
	}
	for (size_t i = 0; i < sizeof(array_bounds) / sizeof(array_bounds[0]); i++) {
		const json_t *n = schema_node(schema, array_bounds[i].path);
		json_int_t max = json_integer_value(json_object_get(n, "maxItems"));
		if (max != (json_int_t)array_bounds[i].max)
			fail_msg("%s: maxItems %lld in the schema, %zu in the parser",
				 array_bounds[i].path, (long long)max, array_bounds[i].max);
	}
	json_decref(schema);
}

/* tests/data/inventory/refused: control characters and spaces where real
 * data has none, each refused with the field and the byte named. */
static void control_characters_refused(void **state)
{
	(void)state;
	char path[1024], line[256], msg[PW_ERROR_MSG_MAX];
	snprintf(path, sizeof(path), "%s/inventory/refused/cases.tsv", PW_TEST_DATA);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		snprintf(path, sizeof(path), "%s/inventory/refused/%s", PW_TEST_DATA, line);
		json_error_t je;
		json_t *doc = json_load_file(path, 0, &je);
		if (!doc)
			fail_msg("%s: %s", line, je.text);
		parse_msg(doc, msg, sizeof(msg));
		if (!strstr(msg, tab + 1))
			fail_msg("%s: '%s', expected '%s'", line, msg, tab + 1);
		json_decref(doc);
		n++;
	}
	fclose(f);
	assert_true(n >= 8);
}

/* The collectors never produce a document the server refuses: warnings
 * quoting a file's bytes are escaped and cut, and past the count the last
 * one says more were left out. */
static void collected_sentences_stay_in_bounds(void **state)
{
	(void)state;
	struct pw_inventory a;
	char msg[PW_ERROR_MSG_MAX];
	pw_inventory_init(&a, NULL);
	char long_line[3000];
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	assert_int_equal(pw_inventory_warn(&a, "status:3: bad name \"%s\"", "a\033[2Jb"), PW_OK);
	assert_string_equal(a.warnings[0], "status:3: bad name \"a\\x1b[2Jb\"");
	assert_int_equal(pw_inventory_warn(&a, "%s", long_line), PW_OK);
	assert_int_equal(strlen(a.warnings[1]), PW_INV_MAX_SENTENCE);
	for (int i = 0; i < 2 * PW_INV_MAX_WARNINGS; i++)
		assert_int_equal(pw_inventory_warn(&a, "line %d", i), PW_OK);
	assert_int_equal(a.nwarnings, PW_INV_MAX_WARNINGS);
	assert_non_null(strstr(a.warnings[PW_INV_MAX_WARNINGS - 1], "more left out"));
	for (int i = 0; i < 2 * PW_INV_MAX_REBOOT_PKGS; i++)
		assert_int_equal(pw_inventory_add_reboot_pkg(&a, "linux-image-amd64"), PW_OK);
	assert_int_equal(a.nreboot_pkgs, PW_INV_MAX_REBOOT_PKGS);
	json_t *doc = pw_inventory_to_json(&a);
	assert_non_null(doc);
	parse_msg(doc, msg, sizeof(msg));
	assert_string_equal(msg, "");
	json_decref(doc);
	pw_inventory_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(malformed_documents),
		cmocka_unit_test(strings_bounded),
		cmocka_unit_test(mebibyte_name_refused),
		cmocka_unit_test(counts_bounded),
		cmocka_unit_test(control_characters_refused),
		cmocka_unit_test(schema_documents_the_bounds),
		cmocka_unit_test(collected_sentences_stay_in_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
