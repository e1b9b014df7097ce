/* test_match.c - the matching rules on hand-made affected entries: source
 * packages and binNMUs, epochs, '~', fixed and not-affected never matching,
 * introduced bounds, release isolation, several families in one index,
 * cross-feed merging, the memo and its invalidation. */
#include "pw_test.h"

#include <string.h>

#include "pw_match.h"

static struct pw_vulndb *db;

static void add(const char *vuln, const char *distro, const char *release, const char *pkg,
		enum pw_affect_status st, const char *introduced, const char *fixed)
{
	struct pw_affected a = { .vuln_id = vuln, .distro = distro, .release = release,
				 .package = pkg, .status = st, .introduced = introduced,
				 .fixed = fixed, .advisory = "ADV-1" };
	struct pw_error e;
	assert_int_equal(pw_vulndb_add(db, &a, &e), PW_OK);
}

static struct pw_package *pkg(struct pw_inventory *inv, enum pw_pkg_family fam, const char *name,
			      const char *version, const char *src, const char *src_version)
{
	struct pw_package *p = pw_inventory_add_package(inv, fam);
	p->name = name;
	p->version = version;
	p->source_name = src ? src : name;
	p->source_version = src_version ? src_version : version;
	p->state = PW_STATE_INSTALLED;
	return p;
}

static void host(struct pw_inventory *inv, const char *id, const char *version_id,
		 const char *codename)
{
	pw_inventory_init(inv, NULL);
	inv->host.os_id = id;
	inv->host.os_version_id = version_id;
	inv->host.os_codename = codename;
}

static const struct pw_finding *find(const struct pw_findings *f, const char *vuln, const char *name)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->items[i].vuln_id, vuln) == 0 && strcmp(f->items[i].pkg->name, name) == 0)
			return &f->items[i];
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	struct pw_error e;
	if (pw_vulndb_new(&db, &e))
		return -1;
	/* Debian 12 */
	add("CVE-1", "debian", "12", "glibc", PW_AFFECT_FIXED, NULL, "2.36-9+deb12u10");
	add("CVE-2", "debian", "12", "openssl", PW_AFFECT_FIXED, NULL, "3.0.15-1~deb12u1");
	add("CVE-3", "debian", "12", "openssl", PW_AFFECT_NOT_AFFECTED, NULL, NULL);
	add("CVE-3", "debian", "12", "openssl", PW_AFFECT_FIXED, NULL, "9.9"); /* another feed */
	add("CVE-4", "debian", "12", "binnmu", PW_AFFECT_FIXED, NULL, "1.2-3");
	add("CVE-5", "debian", "12", "epochy", PW_AFFECT_FIXED, NULL, "1:1.0-1");
	add("CVE-6", "debian", "12", "newfeature", PW_AFFECT_FIXED, "2.0-1", "2.5-1");
	add("CVE-7", "debian", "12", "nofix", PW_AFFECT_VULNERABLE, NULL, NULL);
	add("CVE-8", "debian", "12", "eol", PW_AFFECT_EOL, NULL, NULL);
	/* one feed says fixed in 1.0-2 (installed), another is still open */
	add("CVE-9", "debian", "12", "merged", PW_AFFECT_FIXED, NULL, "1.0-2");
	add("CVE-9", "debian", "12", "merged", PW_AFFECT_VULNERABLE, NULL, NULL);
	/* two feeds, two fixes: the greater one is reported */
	add("CVE-10", "debian", "12", "twofix", PW_AFFECT_FIXED, NULL, "1.0-3");
	add("CVE-10", "debian", "12", "twofix", PW_AFFECT_FIXED, NULL, "1.0-5");
	/* an incomplete fix completed by a later advisory: 1.0-4 is still vulnerable */
	add("CVE-12", "debian", "12", "refixed", PW_AFFECT_FIXED, NULL, "1.0-3");
	add("CVE-12", "debian", "12", "refixed", PW_AFFECT_FIXED, NULL, "1.0-5");
	/* Debian 11 only: must never reach a Debian 12 host */
	add("CVE-11", "debian", "11", "glibc", PW_AFFECT_FIXED, NULL, "99");
	/* other families in the same index */
	add("CVE-20", "alpine", "3.19", "openssl", PW_AFFECT_FIXED, NULL, "3.1.4-r5");
	add("CVE-21", "almalinux", "9", "openssl-libs", PW_AFFECT_FIXED, NULL, "1:3.0.7-27.el9");
	add("CVE-22", "ubuntu", "22.04", "glibc", PW_AFFECT_FIXED, NULL, "2.35-0ubuntu3.8");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pw_vulndb_free(db);
	return 0;
}

static void debian_rules(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_findings f;
	struct pw_error e;
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u9", "glibc", NULL);
	pkg(&inv, PW_FAMILY_DEB, "libssl3", "3.0.15-1~deb12u1", "openssl", NULL); /* exactly fixed */
	pkg(&inv, PW_FAMILY_DEB, "binnmu-bin", "1.2-3+b1", "binnmu", "1.2-3");   /* binNMU of the fix */
	pkg(&inv, PW_FAMILY_DEB, "epochy", "2.0-1", NULL, NULL);                  /* 2.0 < 1:1.0 */
	pkg(&inv, PW_FAMILY_DEB, "newfeature", "1.9-1", NULL, NULL);              /* before introduced */
	pkg(&inv, PW_FAMILY_DEB, "nofix", "1.0-1", NULL, NULL);
	pkg(&inv, PW_FAMILY_DEB, "eol", "1.0-1", NULL, NULL);
	pkg(&inv, PW_FAMILY_DEB, "merged", "1.0-2", NULL, NULL);
	pkg(&inv, PW_FAMILY_DEB, "twofix", "1.0-1", NULL, NULL);
	pkg(&inv, PW_FAMILY_DEB, "refixed", "1.0-4", NULL, NULL);
	struct pw_package *half = pkg(&inv, PW_FAMILY_DEB, "half", "0.1", "glibc", "0.1");
	half->state = PW_STATE_HALF_INSTALLED;
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_OK);
	assert_string_equal(f.distro, "debian");
	assert_string_equal(f.release, "12");

	const struct pw_finding *x = find(&f, "CVE-1", "libc6");
	assert_non_null(x);
	assert_true(x->fixable);
	assert_string_equal(x->fixed, "2.36-9+deb12u10");
	assert_string_equal(x->advisories, "ADV-1");
	assert_null(find(&f, "CVE-2", "libssl3"));      /* fixed exactly at installed */
	assert_null(find(&f, "CVE-3", "libssl3"));      /* not affected wins */
	assert_null(find(&f, "CVE-4", "binnmu-bin"));   /* source version compared */
	x = find(&f, "CVE-5", "epochy");
	assert_non_null(x);                             /* the epoch decides */
	assert_null(find(&f, "CVE-6", "newfeature"));
	x = find(&f, "CVE-7", "nofix");
	assert_non_null(x);
	assert_false(x->fixable);
	assert_int_equal(find(&f, "CVE-8", "eol")->status, PW_AFFECT_EOL);
	assert_null(find(&f, "CVE-9", "merged"));       /* the installed fix settles it */
	assert_string_equal(find(&f, "CVE-10", "twofix")->fixed, "1.0-5");
	assert_string_equal(find(&f, "CVE-12", "refixed")->fixed, "1.0-5");
	assert_null(find(&f, "CVE-11", "libc6"));       /* another release */
	assert_null(find(&f, "CVE-1", "half"));         /* not installed */
	assert_int_equal(f.packages_skipped, 1);
	assert_int_equal(f.n, 6);
	pw_findings_free(&f);
	pw_inventory_free(&inv);
}

static void other_families(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_findings f;
	struct pw_error e;
	host(&inv, "alpine", "3.19.1", NULL);
	pkg(&inv, PW_FAMILY_APK, "libssl3", "3.1.4-r4", "openssl", "3.1.4-r4");
	pkg(&inv, PW_FAMILY_APK, "libcrypto3", "3.1.4-r5", "openssl", "3.1.4-r5");
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_OK);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].pkg->name, "libssl3");
	pw_findings_free(&f);
	pw_inventory_free(&inv);

	host(&inv, "almalinux", "9.4", NULL);
	pkg(&inv, PW_FAMILY_RPM, "openssl-libs", "1:3.0.7-25.el9_3", "openssl", "3.0.7-25.el9_3");
	pkg(&inv, PW_FAMILY_RPM, "openssl", "1:3.0.7-25.el9_3", NULL, NULL); /* not named in the entry */
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_OK);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].vuln_id, "CVE-21");
	pw_findings_free(&f);
	pw_inventory_free(&inv);

	host(&inv, "ubuntu", "22.04", "jammy");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.35-0ubuntu3.7", "glibc", NULL);
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_OK);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].vuln_id, "CVE-22"); /* not Debian's CVE-1 */
	pw_findings_free(&f);
	pw_inventory_free(&inv);

	host(&inv, "fedora", "40", NULL);
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "ID=fedora"));
	pw_findings_free(&f);
	pw_inventory_free(&inv);
}

static void memo_and_invalidation(void **state)
{
	(void)state;
	struct pw_error e;
	uint64_t evaluated0, hits0, evaluated, hits;
	pw_vulndb_stats(db, &evaluated0, &hits0);
	/* ten hosts with the same glibc: one evaluation, nine memo hits */
	for (int i = 0; i < 10; i++) {
		struct pw_inventory inv;
		struct pw_findings f;
		host(&inv, "debian", "12", "bookworm");
		pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u1", "glibc", NULL);
		pw_findings_init(&f);
		assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_OK);
		assert_int_equal(f.n, 1);
		pw_findings_free(&f);
		pw_inventory_free(&inv);
	}
	pw_vulndb_stats(db, &evaluated, &hits);
	assert_int_equal(evaluated - evaluated0, 1);
	assert_int_equal(hits - hits0, 9);

	/* a new advisory for glibc: only that key is re-evaluated */
	add("CVE-30", "debian", "12", "glibc", PW_AFFECT_FIXED, NULL, "2.36-9+deb12u11");
	struct pw_inventory inv;
	struct pw_findings f;
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u1", "glibc", NULL);
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_OK);
	assert_int_equal(f.n, 2);
	pw_vulndb_stats(db, &evaluated0, &hits0);
	assert_int_equal(evaluated0 - evaluated, 1);
	pw_findings_free(&f);
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian_rules),
		cmocka_unit_test(other_families),
		cmocka_unit_test(memo_and_invalidation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
