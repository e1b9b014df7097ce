/* test_match.c - the matching rules on hand-made affected entries (source
 * packages and binNMUs, epochs, '~', fixed and not-affected never matching,
 * introduced/last_affected/exact bounds, no-fix statuses, release
 * isolation, several families in one index, cross-feed merging, patch
 * availability), the memo and its invalidation, the fleet API with
 * incremental refresh from a store, and the fully-patched Debian 12 host on
 * the real importers and the bundled data. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_decompress.h"
#include "pw_dpkg.h"
#include "pw_feeds.h"
#include "pw_file.h"
#include "pw_fleet.h"
#include "pw_match.h"
#include "pw_version.h"

/* ---- helpers ---- */

static void add6(struct pw_vulndb *db, const char *vuln, const char *distro, const char *release,
		 const char *pkg, enum pw_affect_status st, const char *introduced, const char *fixed,
		 const char *last, const char *exact, const char *advisory)
{
	struct pw_affected a = { .vuln_id = vuln, .distro = distro, .release = release,
				 .package = pkg, .status = st, .introduced = introduced,
				 .fixed = fixed, .last_affected = last, .exact = exact,
				 .advisory = advisory };
	struct pw_error e;
	assert_int_equal(pw_vulndb_add(db, &a, &e), PW_OK);
}

static void add(struct pw_vulndb *db, const char *vuln, const char *distro, const char *release,
		const char *pkg, enum pw_affect_status st, const char *introduced, const char *fixed)
{
	add6(db, vuln, distro, release, pkg, st, introduced, fixed, NULL, NULL, "ADV-1");
}

static struct pw_vulndb *new_db(void)
{
	struct pw_vulndb *db;
	struct pw_error e;
	assert_int_equal(pw_vulndb_new(&db, &e), PW_OK);
	return db;
}

static void host(struct pw_inventory *inv, const char *id, const char *version_id,
		 const char *codename)
{
	pw_inventory_init(inv, NULL);
	inv->host.hostname = "h1";
	inv->host.os_id = id;
	inv->host.os_version_id = version_id;
	inv->host.os_codename = codename;
}

static struct pw_package *pkg(struct pw_inventory *inv, enum pw_pkg_family fam, const char *name,
			      const char *version, const char *src, const char *src_version)
{
	struct pw_package *p = pw_inventory_add_package(inv, fam);
	assert_non_null(p);
	p->name = name;
	p->version = version;
	p->source_name = src ? src : name;
	p->source_version = src_version ? src_version : version;
	p->state = PW_STATE_INSTALLED;
	return p;
}

static const struct pw_finding *find(const struct pw_findings *f, const char *vuln, const char *name)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->items[i].vuln_id, vuln) == 0 && strcmp(f->items[i].pkg->name, name) == 0)
			return &f->items[i];
	}
	return NULL;
}

/* Match inv against db into a fresh f (free it with pw_findings_free). */
static void match(struct pw_vulndb *db, const struct pw_inventory *inv, struct pw_findings *f)
{
	struct pw_error e;
	pw_findings_init(f);
	pw_err rc = pw_match_inventory(db, inv, f, &e);
	if (rc)
		fail_msg("pw_match_inventory: %s", e.msg);
}

/* One package on a Debian 12 host: its findings. */
static void one_deb(struct pw_vulndb *db, const char *name, const char *version, const char *src,
		    const char *src_version, struct pw_inventory *inv, struct pw_findings *f)
{
	host(inv, "debian", "12", "bookworm");
	pkg(inv, PW_FAMILY_DEB, name, version, src, src_version);
	match(db, inv, f);
}

static void done(struct pw_inventory *inv, struct pw_findings *f)
{
	pw_findings_free(f);
	pw_inventory_free(inv);
}

/* Does (name, version) on Debian 12 have vuln? 1 fixable, 2 no-fix, 0 none. */
static int deb_has(struct pw_vulndb *db, const char *vuln, const char *src, const char *version)
{
	struct pw_inventory inv;
	struct pw_findings f;
	one_deb(db, src, version, NULL, NULL, &inv, &f);
	const struct pw_finding *x = find(&f, vuln, src);
	int r = x ? (x->fixable ? 1 : 2) : 0;
	done(&inv, &f);
	return r;
}

/* ---- the rules ---- */

static void source_packages_and_binnmus(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-1", "debian", "12", "glibc", PW_AFFECT_FIXED, NULL, "2.36-9+deb12u10");
	add(db, "CVE-4", "debian", "12", "binnmu", PW_AFFECT_FIXED, NULL, "1.2-3");
	struct pw_inventory inv;
	struct pw_findings f;
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u9", "glibc", NULL);
	pkg(&inv, PW_FAMILY_DEB, "libc-bin", "2.36-9+deb12u9", "glibc", NULL);
	pkg(&inv, PW_FAMILY_DEB, "glibc", "9.9", "other-source", NULL); /* a binary named like the source */
	pkg(&inv, PW_FAMILY_DEB, "binnmu-bin", "1.2-3+b1", "binnmu", "1.2-3");   /* binNMU of the fix */
	pkg(&inv, PW_FAMILY_DEB, "binnmu-old", "1.2-2+b3", "binnmu", "1.2-2");   /* binNMU before it */
	match(db, &inv, &f);
	assert_string_equal(f.distro, "debian");
	assert_string_equal(f.release, "12");
	assert_string_equal(f.host, "h1");
	assert_true(f.advisory_entries == 2);
	const struct pw_finding *x = find(&f, "CVE-1", "libc6");
	assert_non_null(x);
	assert_true(x->fixable);
	assert_int_equal(x->status, PW_AFFECT_FIXED);
	assert_string_equal(x->fixed, "2.36-9+deb12u10");
	assert_string_equal(x->advisories, "ADV-1");
	assert_string_equal(x->match_name, "glibc");
	assert_string_equal(x->host, "h1");
	assert_non_null(find(&f, "CVE-1", "libc-bin"));  /* every binary of the source */
	assert_null(find(&f, "CVE-1", "glibc"));         /* the binary name is not the key */
	assert_null(find(&f, "CVE-4", "binnmu-bin"));    /* the source version is compared */
	x = find(&f, "CVE-4", "binnmu-old");
	assert_non_null(x);
	assert_string_equal(x->match_version, "1.2-2");
	assert_int_equal(f.n, 3);
	done(&inv, &f);
	pw_vulndb_free(db);
}

static void epochs_and_tilde(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-5", "debian", "12", "epochy", PW_AFFECT_FIXED, NULL, "1:1.0-1");
	add(db, "CVE-2", "debian", "12", "openssl", PW_AFFECT_FIXED, NULL, "3.0.15-1~deb12u1");
	assert_int_equal(deb_has(db, "CVE-5", "epochy", "2.0-1"), 1);     /* 2.0-1 < 1:1.0-1 */
	assert_int_equal(deb_has(db, "CVE-5", "epochy", "1:1.0-1"), 0);
	assert_int_equal(deb_has(db, "CVE-5", "epochy", "0:9.9-1"), 1);
	assert_int_equal(deb_has(db, "CVE-2", "openssl", "3.0.15-1~deb12u1"), 0); /* exactly the fix */
	assert_int_equal(deb_has(db, "CVE-2", "openssl", "3.0.15-1~deb11u1"), 1); /* '~' sorts first */
	assert_int_equal(deb_has(db, "CVE-2", "openssl", "3.0.15-1~"), 1);
	assert_int_equal(deb_has(db, "CVE-2", "openssl", "3.0.15-1"), 0);         /* after any ~ */
	assert_int_equal(deb_has(db, "CVE-2", "openssl", "3.0.14-1"), 1);
	pw_vulndb_free(db);
}

static void not_affected_never_matches(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-3", "debian", "12", "na", PW_AFFECT_NOT_AFFECTED, NULL, NULL);
	/* another feed claims a fix, a third an open issue: not-affected settles it */
	add(db, "CVE-6", "debian", "12", "na", PW_AFFECT_NOT_AFFECTED, NULL, NULL);
	add(db, "CVE-6", "debian", "12", "na", PW_AFFECT_FIXED, NULL, "9.9");
	add(db, "CVE-7", "debian", "12", "na", PW_AFFECT_NOT_AFFECTED, NULL, NULL);
	add(db, "CVE-7", "debian", "12", "na", PW_AFFECT_VULNERABLE, NULL, NULL);
	/* not affected for exactly one version only */
	add6(db, "CVE-8", "debian", "12", "na", PW_AFFECT_NOT_AFFECTED, NULL, NULL, NULL, "1.0-1", NULL);
	add(db, "CVE-8", "debian", "12", "na", PW_AFFECT_FIXED, NULL, "2.0-1");
	for (int i = 0; i < 3; i++) {
		const char *v = i == 0 ? "0.1" : i == 1 ? "1.0-1" : "1:9";
		assert_int_equal(deb_has(db, "CVE-3", "na", v), 0);
		assert_int_equal(deb_has(db, "CVE-6", "na", v), 0);
		assert_int_equal(deb_has(db, "CVE-7", "na", v), 0);
	}
	assert_int_equal(deb_has(db, "CVE-8", "na", "1.0-1"), 0);
	assert_int_equal(deb_has(db, "CVE-8", "na", "1.0-2"), 1);
	pw_vulndb_free(db);
}

static void bounds(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-10", "debian", "12", "intro", PW_AFFECT_FIXED, "2.0-1", "2.5-1");
	add(db, "CVE-11", "debian", "12", "zero", PW_AFFECT_FIXED, "0", "2.5-1"); /* OSV's "0" */
	add6(db, "CVE-12", "debian", "12", "last", PW_AFFECT_VULNERABLE, NULL, NULL, "1.5-1", NULL, NULL);
	add6(db, "CVE-13", "debian", "12", "exact", PW_AFFECT_VULNERABLE, NULL, NULL, NULL, "1.0-1", NULL);
	/* two ranges of one vulnerability */
	add(db, "CVE-14", "debian", "12", "ranges", PW_AFFECT_FIXED, "1.0", "1.2");
	add(db, "CVE-14", "debian", "12", "ranges", PW_AFFECT_FIXED, "2.0", "2.3");
	assert_int_equal(deb_has(db, "CVE-10", "intro", "1.9-1"), 0);
	assert_int_equal(deb_has(db, "CVE-10", "intro", "2.0-1"), 1);
	assert_int_equal(deb_has(db, "CVE-10", "intro", "2.4-9"), 1);
	assert_int_equal(deb_has(db, "CVE-10", "intro", "2.5-1"), 0);
	assert_int_equal(deb_has(db, "CVE-11", "zero", "0~1"), 1);
	assert_int_equal(deb_has(db, "CVE-12", "last", "1.5-1"), 2);
	assert_int_equal(deb_has(db, "CVE-12", "last", "1.5-2"), 0);
	assert_int_equal(deb_has(db, "CVE-13", "exact", "1.0-1"), 2);
	assert_int_equal(deb_has(db, "CVE-13", "exact", "1.0-2"), 0);
	assert_int_equal(deb_has(db, "CVE-14", "ranges", "0.9"), 0);
	assert_int_equal(deb_has(db, "CVE-14", "ranges", "1.1"), 1);
	assert_int_equal(deb_has(db, "CVE-14", "ranges", "1.5"), 0);
	assert_int_equal(deb_has(db, "CVE-14", "ranges", "2.1"), 1);
	assert_int_equal(deb_has(db, "CVE-14", "ranges", "2.3"), 0);
	struct pw_inventory inv;
	struct pw_findings f;
	one_deb(db, "ranges", "2.1", NULL, NULL, &inv, &f);
	assert_string_equal(find(&f, "CVE-14", "ranges")->fixed, "2.3");
	done(&inv, &f);
	one_deb(db, "ranges", "1.1", NULL, NULL, &inv, &f);
	assert_string_equal(find(&f, "CVE-14", "ranges")->fixed, "1.2");
	done(&inv, &f);
	pw_vulndb_free(db);
}

static void no_fix_statuses(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-20", "debian", "12", "open", PW_AFFECT_VULNERABLE, NULL, NULL);
	add(db, "CVE-21", "debian", "12", "open", PW_AFFECT_WONT_FIX, NULL, NULL);
	add(db, "CVE-22", "debian", "12", "open", PW_AFFECT_EOL, NULL, NULL);
	/* two feeds disagree on why there is no fix: "vulnerable" (one may come) */
	add(db, "CVE-23", "debian", "12", "open", PW_AFFECT_WONT_FIX, NULL, NULL);
	add(db, "CVE-23", "debian", "12", "open", PW_AFFECT_VULNERABLE, NULL, NULL);
	/* a stale "open" from one feed, a fix the host has from another */
	add(db, "CVE-24", "debian", "12", "open", PW_AFFECT_VULNERABLE, NULL, NULL);
	add(db, "CVE-24", "debian", "12", "open", PW_AFFECT_FIXED, NULL, "1.0-1");
	/* ... and a fix the host lacks wins over "open": fixable */
	add(db, "CVE-25", "debian", "12", "open", PW_AFFECT_VULNERABLE, NULL, NULL);
	add(db, "CVE-25", "debian", "12", "open", PW_AFFECT_FIXED, NULL, "1.0-5");
	/* a FIXED entry without a fixed version is kept on the safe side */
	add(db, "CVE-26", "debian", "12", "open", PW_AFFECT_FIXED, NULL, NULL);
	struct pw_inventory inv;
	struct pw_findings f;
	one_deb(db, "open", "1.0-1", NULL, NULL, &inv, &f);
	const struct pw_finding *x = find(&f, "CVE-20", "open");
	assert_non_null(x);
	assert_false(x->fixable);
	assert_null(x->fixed);
	assert_int_equal(x->status, PW_AFFECT_VULNERABLE);
	assert_int_equal(x->patch, PW_PATCH_NO);
	assert_int_equal(find(&f, "CVE-21", "open")->status, PW_AFFECT_WONT_FIX);
	assert_int_equal(find(&f, "CVE-22", "open")->status, PW_AFFECT_EOL);
	assert_int_equal(find(&f, "CVE-23", "open")->status, PW_AFFECT_VULNERABLE);
	assert_null(find(&f, "CVE-24", "open"));
	x = find(&f, "CVE-25", "open");
	assert_true(x->fixable);
	assert_string_equal(x->fixed, "1.0-5");
	assert_int_equal(find(&f, "CVE-26", "open")->status, PW_AFFECT_VULNERABLE);
	assert_int_equal(f.n, 6);
	assert_int_equal(pw_findings_fixable(&f), 1);
	done(&inv, &f);
	pw_vulndb_free(db);
}

static void merging_across_feeds(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	/* the same fix from two feeds (the tracker and a DSA): one finding */
	add6(db, "CVE-30", "debian", "12", "dup", PW_AFFECT_FIXED, NULL, "1.0-3", NULL, NULL, "DSA-100-1");
	add6(db, "CVE-30", "debian", "12", "dup", PW_AFFECT_FIXED, NULL, "1.0-3", NULL, NULL, "DSA-100-1");
	add6(db, "CVE-30", "debian", "12", "dup", PW_AFFECT_FIXED, NULL, "1.0-3", NULL, NULL, NULL);
	/* an incomplete fix completed by a later advisory: the greater fix */
	add6(db, "CVE-31", "debian", "12", "dup", PW_AFFECT_FIXED, NULL, "1.0-3", NULL, NULL, "DSA-100-1");
	add6(db, "CVE-31", "debian", "12", "dup", PW_AFFECT_FIXED, NULL, "1.0-5", NULL, NULL, "DSA-200-1");
	struct pw_inventory inv;
	struct pw_findings f;
	one_deb(db, "dup", "1.0-1", NULL, NULL, &inv, &f);
	assert_int_equal(f.n, 2);
	const struct pw_finding *x = find(&f, "CVE-30", "dup");
	assert_string_equal(x->fixed, "1.0-3");
	assert_string_equal(x->advisories, "DSA-100-1");
	x = find(&f, "CVE-31", "dup");
	assert_string_equal(x->fixed, "1.0-5");
	assert_string_equal(x->advisories, "DSA-100-1,DSA-200-1"); /* both, sorted */
	done(&inv, &f);
	one_deb(db, "dup", "1.0-4", NULL, NULL, &inv, &f);
	assert_int_equal(f.n, 1);
	x = find(&f, "CVE-31", "dup");
	assert_string_equal(x->fixed, "1.0-5");
	assert_string_equal(x->advisories, "DSA-200-1"); /* only the fix still missing */
	done(&inv, &f);
	assert_int_equal(deb_has(db, "CVE-31", "dup", "1.0-5"), 0);
	/* identical rows are stored once */
	assert_int_equal(pw_index_release_entries(pw_vulndb_index(db), "debian", "12"), 4);
	pw_vulndb_free(db);
}

static void release_isolation(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-40", "debian", "11", "glibc", PW_AFFECT_FIXED, NULL, "99");
	add(db, "CVE-41", "debian", "sid", "glibc", PW_AFFECT_FIXED, NULL, "99");
	add(db, "CVE-42", "ubuntu", "22.04", "glibc", PW_AFFECT_FIXED, NULL, "99");
	add(db, "CVE-43", "debian", "12", "other", PW_AFFECT_FIXED, NULL, "99");
	struct pw_inventory inv;
	struct pw_findings f;
	one_deb(db, "libc6", "2.36-9", "glibc", NULL, &inv, &f); /* bookworm */
	assert_int_equal(f.n, 0);
	done(&inv, &f);
	host(&inv, "debian", "11", "bullseye");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.31-13", "glibc", NULL);
	match(db, &inv, &f);
	assert_int_equal(f.n, 1);
	assert_non_null(find(&f, "CVE-40", "libc6"));
	done(&inv, &f);
	/* a release the index knows nothing of: said, not "clean" */
	host(&inv, "debian", "13", "trixie");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.40-1", "glibc", NULL);
	match(db, &inv, &f);
	assert_int_equal(f.n, 0);
	assert_int_equal(f.advisory_entries, 0);
	done(&inv, &f);
	pw_vulndb_free(db);
}

static void families_in_one_index(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-1", "debian", "12", "openssl", PW_AFFECT_FIXED, NULL, "9.9");
	add(db, "CVE-20", "alpine", "3.19", "openssl", PW_AFFECT_FIXED, NULL, "3.1.4-r5");
	add(db, "CVE-21", "almalinux", "9", "openssl-libs", PW_AFFECT_FIXED, NULL, "1:3.0.7-27.el9");
	add(db, "CVE-22", "ubuntu", "22.04", "openssl", PW_AFFECT_FIXED, NULL, "3.0.2-0ubuntu1.15");
	struct pw_inventory inv;
	struct pw_findings f;

	host(&inv, "alpine", "3.19.1", NULL);
	pkg(&inv, PW_FAMILY_APK, "libssl3", "3.1.4-r4", "openssl", "3.1.4-r4");
	pkg(&inv, PW_FAMILY_APK, "libcrypto3", "3.1.4-r5", "openssl", "3.1.4-r5");
	match(db, &inv, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].pkg->name, "libssl3");
	assert_string_equal(f.items[0].vuln_id, "CVE-20");
	assert_string_equal(f.release, "3.19");
	done(&inv, &f);

	host(&inv, "almalinux", "9.4", NULL);
	pkg(&inv, PW_FAMILY_RPM, "openssl-libs", "1:3.0.7-25.el9_3", "openssl", "3.0.7-25.el9_3");
	pkg(&inv, PW_FAMILY_RPM, "openssl", "1:3.0.7-25.el9_3", NULL, NULL); /* not named by the entry */
	match(db, &inv, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].vuln_id, "CVE-21");
	assert_string_equal(f.items[0].match_name, "openssl-libs"); /* the binary rpm */
	done(&inv, &f);

	host(&inv, "ubuntu", "22.04", "jammy");
	pkg(&inv, PW_FAMILY_DEB, "libssl3", "3.0.2-0ubuntu1.14", "openssl", NULL);
	match(db, &inv, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].vuln_id, "CVE-22"); /* not Debian's CVE-1 */
	done(&inv, &f);

	/* an OS without advisories is an error naming it, never zero findings */
	struct pw_error e;
	host(&inv, "fedora", "40", NULL);
	pkg(&inv, PW_FAMILY_RPM, "openssl-libs", "1:3.0.7-25.fc40", NULL, NULL);
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "ID=fedora VERSION_ID=40"));
	done(&inv, &f);
	host(&inv, NULL, NULL, NULL);
	pw_findings_init(&f);
	assert_int_equal(pw_match_inventory(db, &inv, &f, &e), PW_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "ID=unknown"));
	done(&inv, &f);

	/* packages of another family on a Debian host: counted and said */
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_RPM, "openssl", "1:1.0-1", NULL, NULL);
	pkg(&inv, PW_FAMILY_DEB, "libssl3", "3.0.0-1", "openssl", NULL);
	match(db, &inv, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.packages_other_family, 1);
	assert_int_equal(f.nwarnings, 1);
	assert_non_null(strstr(f.warnings[0], "1 packages of another family"));
	done(&inv, &f);
	pw_vulndb_free(db);
}

static int rpm_has(struct pw_vulndb *db, const char *name, const char *version)
{
	struct pw_inventory inv;
	struct pw_findings f;
	host(&inv, "almalinux", "9.4", NULL);
	pkg(&inv, PW_FAMILY_RPM, name, version, NULL, NULL);
	match(db, &inv, &f);
	int n = (int)f.n;
	done(&inv, &f);
	return n;
}

static void rpm_epochs(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-50", "almalinux", "9", "withepoch", PW_AFFECT_FIXED, NULL, "1:3.0.7-27.el9");
	add(db, "CVE-51", "almalinux", "9", "noepoch", PW_AFFECT_FIXED, NULL, "3.0.7-27.el9");
	assert_int_equal(rpm_has(db, "withepoch", "1:3.0.7-25.el9"), 1);
	assert_int_equal(rpm_has(db, "withepoch", "1:3.0.7-27.el9"), 0);
	assert_int_equal(rpm_has(db, "withepoch", "1:3.0.7-27.el9_4.1"), 0);
	/* installed without an epoch is epoch 0, as rpm has it: older than 1: */
	assert_int_equal(rpm_has(db, "withepoch", "3.0.7-28.el9"), 1);
	assert_int_equal(rpm_has(db, "withepoch", "2:1.0-1.el9"), 0);
	/* an advisory without an epoch is epoch 0: an installed epoch is newer
	 * (AlmaLinux's module streams carry epochs 0 to 4 for one package name) */
	assert_int_equal(rpm_has(db, "noepoch", "1:3.0.7-25.el9"), 0);
	assert_int_equal(rpm_has(db, "noepoch", "1:1.0-1.el9"), 0);
	assert_int_equal(rpm_has(db, "noepoch", "3.0.7-26.el9"), 1);
	assert_int_equal(rpm_has(db, "noepoch", "0:3.0.7-26.el9"), 1);
	assert_int_equal(rpm_has(db, "noepoch", "0:3.0.7-27.el9"), 0);
	assert_int_equal(rpm_has(db, "noepoch", "3.0.7-27.el9"), 0);
	pw_vulndb_free(db);
}

static void package_states(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-1", "debian", "12", "glibc", PW_AFFECT_FIXED, NULL, "2.36-9+deb12u10");
	struct pw_inventory inv;
	struct pw_findings f;
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u9", "glibc", NULL)->state = PW_STATE_HALF_INSTALLED;
	pkg(&inv, PW_FAMILY_DEB, "libc-bin", "2.36-9+deb12u9", "glibc", NULL)->state = PW_STATE_UNPACKED;
	pkg(&inv, PW_FAMILY_DEB, "libc-l10n", "2.36-9+deb12u9", "glibc", NULL)->state = PW_STATE_CONFIG_FILES;
	pkg(&inv, PW_FAMILY_DEB, "locales", "2.36-9+deb12u9", "glibc", NULL);
	match(db, &inv, &f);
	assert_int_equal(f.n, 1);
	assert_non_null(find(&f, "CVE-1", "locales"));
	assert_int_equal(f.packages_checked, 1);
	assert_int_equal(f.packages_skipped, 3);
	assert_int_equal(f.nwarnings, 2); /* config-files is a removed package: no warning */
	assert_string_equal(f.warnings[0], "libc6 2.36-9+deb12u9: half-installed, not assessed (only "
			    "installed packages are)");
	assert_non_null(strstr(f.warnings[1], "libc-bin 2.36-9+deb12u9: unpacked"));
	done(&inv, &f);
	pw_vulndb_free(db);
}

static void patch_availability(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-60", "debian", "12", "zlib", PW_AFFECT_FIXED, NULL, "1:1.2.13.dfsg-1+deb12u1");
	add(db, "CVE-61", "almalinux", "9", "openssl-libs", PW_AFFECT_FIXED, NULL, "1:3.0.7-27.el9");
	struct pw_inventory inv;
	struct pw_findings f;
	host(&inv, "debian", "12", "bookworm");
	inv.has_apt_lists = true;
	struct pw_package *p = pkg(&inv, PW_FAMILY_DEB, "zlib1g", "1:1.2.13.dfsg-1", "zlib", NULL);
	p->candidate_version = "1:1.2.13.dfsg-1+deb12u1";
	p->candidate_origin = "bookworm-security";
	p = pkg(&inv, PW_FAMILY_DEB, "zlib1g-old", "1:1.2.13.dfsg-1~a", "zlib", NULL);
	p->candidate_version = "1:1.2.13.dfsg-1"; /* newer, but not the fix */
	p->candidate_origin = "bookworm";
	pkg(&inv, PW_FAMILY_DEB, "zlib1g-dev", "1:1.2.13.dfsg-1", "zlib", NULL); /* lists read, nothing newer */
	p = pkg(&inv, PW_FAMILY_DEB, "zlib-binnmu", "1:1.2.13.dfsg-1+b1", "zlib", "1:1.2.13.dfsg-1");
	p->candidate_version = "1:1.2.13.dfsg-1+deb12u1+b1"; /* binNMU of the fixed source */
	p = pkg(&inv, PW_FAMILY_DEB, "minizip", "9:1.0-1", "zlib", "1:1.2.13.dfsg-1");
	p->candidate_version = "9:1.0-2"; /* versioned apart from its source: cannot tell */
	match(db, &inv, &f);
	assert_int_equal(f.n, 5);
	const struct pw_finding *x = find(&f, "CVE-60", "zlib1g");
	assert_int_equal(x->patch, PW_PATCH_YES);
	assert_string_equal(x->patch_origin, "bookworm-security");
	assert_string_equal(x->patch_version, "1:1.2.13.dfsg-1+deb12u1");
	assert_int_equal(find(&f, "CVE-60", "zlib1g-old")->patch, PW_PATCH_NO);
	assert_int_equal(find(&f, "CVE-60", "zlib1g-dev")->patch, PW_PATCH_NO);
	assert_int_equal(find(&f, "CVE-60", "zlib-binnmu")->patch, PW_PATCH_YES);
	assert_int_equal(find(&f, "CVE-60", "minizip")->patch, PW_PATCH_UNKNOWN);
	done(&inv, &f);
	/* no repository metadata: unknown */
	one_deb(db, "zlib1g", "1:1.2.13.dfsg-1", "zlib", NULL, &inv, &f);
	assert_int_equal(f.items[0].patch, PW_PATCH_UNKNOWN);
	done(&inv, &f);
	host(&inv, "almalinux", "9", NULL);
	p = pkg(&inv, PW_FAMILY_RPM, "openssl-libs", "1:3.0.7-25.el9", NULL, NULL);
	p->candidate_version = "1:3.0.7-27.el9_4";
	match(db, &inv, &f);
	assert_int_equal(f.items[0].patch, PW_PATCH_YES);
	done(&inv, &f);
	assert_string_equal(pw_patch_name(PW_PATCH_UNKNOWN), "unknown");
	pw_vulndb_free(db);
}

/* Pending updates from a security repository that no advisory covers are
 * findings of kind update; one an advisory covers is not said twice. */
static int count_kind(const struct pw_findings *f, enum pw_finding_kind k)
{
	int n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->items[i].kind == k;
	return n;
}

static void security_updates_as_findings(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-70", "debian", "12", "zlib", PW_AFFECT_FIXED, NULL, "1:1.2.13.dfsg-1+deb12u1");
	add(db, "CVE-71", "debian", "12", "curl", PW_AFFECT_FIXED, NULL, "7.88.1-10+deb12u9");
	struct pw_inventory inv;
	struct pw_findings f;
	host(&inv, "debian", "12", "bookworm");
	inv.has_apt_lists = true;
	/* an advisory whose fix the candidate reaches covers the update */
	struct pw_package *p = pkg(&inv, PW_FAMILY_DEB, "zlib1g", "1:1.2.13.dfsg-1", "zlib", NULL);
	p->candidate_version = "1:1.2.13.dfsg-1+deb12u1";
	p->candidate_origin = "bookworm-security";
	p->candidate_security = true;
	/* an advisory whose fix the candidate does not reach: the update is
	 * pending all the same */
	p = pkg(&inv, PW_FAMILY_DEB, "libcurl4", "7.88.1-10+deb12u5", "curl", NULL);
	p->candidate_version = "7.88.1-10+deb12u8";
	p->candidate_origin = "bookworm-security";
	p->candidate_security = true;
	/* no advisory at all: the feed knows nothing of it */
	p = pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u4", "glibc", NULL);
	p->candidate_version = "2.36-9+deb12u10";
	p->candidate_origin = "oldstable-security,stable-security";
	p->candidate_security = true;
	/* not from a security suite, or not installed: no finding */
	p = pkg(&inv, PW_FAMILY_DEB, "base-files", "12.4+deb12u11", NULL, NULL);
	p->candidate_version = "12.4+deb12u12";
	p->candidate_origin = "bookworm";
	p = pkg(&inv, PW_FAMILY_DEB, "libold", "1.0-1", NULL, NULL);
	p->candidate_version = "1.0-1+deb12u1";
	p->candidate_origin = "bookworm-security";
	p->candidate_security = true;
	p->state = PW_STATE_CONFIG_FILES;
	match(db, &inv, &f);
	assert_int_equal(count_kind(&f, PW_KIND_VULNERABILITY), 2);
	assert_int_equal(count_kind(&f, PW_KIND_UPDATE), 2);
	assert_null(find(&f, PW_UPDATE_SECURITY_ID, "zlib1g"));
	const struct pw_finding *x = find(&f, PW_UPDATE_SECURITY_ID, "libcurl4");
	assert_non_null(x);
	assert_non_null(find(&f, "CVE-71", "libcurl4"));
	x = find(&f, PW_UPDATE_SECURITY_ID, "libc6");
	assert_non_null(x);
	assert_int_equal(x->kind, PW_KIND_UPDATE);
	assert_int_equal(x->update_class, PW_CLASS_SECURITY);
	assert_string_equal(x->repository, "oldstable-security,stable-security");
	assert_string_equal(x->match_name, "glibc");
	assert_string_equal(x->match_version, "2.36-9+deb12u4");
	assert_string_equal(x->fixed, "2.36-9+deb12u10");
	assert_true(x->fixable);
	assert_int_equal(x->patch, PW_PATCH_YES);
	assert_null(x->advisories);

	/* the fleet gives the same findings */
	struct pw_fleet *fleet;
	struct pw_error e;
	size_t id;
	struct pw_findings g;
	assert_int_equal(pw_fleet_new(db, &fleet, &e), PW_OK);
	assert_int_equal(pw_fleet_add(fleet, &inv, &id, &e), PW_OK);
	pw_findings_init(&g);
	assert_int_equal(pw_fleet_findings(fleet, id, &g, &e), PW_OK);
	assert_int_equal(g.n, f.n);
	assert_int_equal(count_kind(&g, PW_KIND_UPDATE), 2);
	assert_non_null(find(&g, PW_UPDATE_SECURITY_ID, "libc6"));
	pw_findings_free(&g);
	pw_fleet_free(fleet);

	/* bug-fix and enhancement errata are updates of their class, and cover
	 * no pending security update */
	struct pw_inventory alma;
	struct pw_findings h;
	add(db, "ALBA-2024:1", "almalinux", "9", "qatzip", PW_AFFECT_FIXED, NULL, "1.0.9-1.el9");
	add(db, "ALEA-2024:2", "almalinux", "9", "qatzip", PW_AFFECT_FIXED, NULL, "1.1.0-1.el9");
	add(db, "CVE-72", "almalinux", "9", "qatzip", PW_AFFECT_FIXED, NULL, "1.0.9-1.el9");
	host(&alma, "almalinux", "9", NULL);
	p = pkg(&alma, PW_FAMILY_RPM, "qatzip", "1.0.8-1.el9", NULL, NULL);
	match(db, &alma, &h);
	assert_int_equal(h.n, 3);
	x = find(&h, "ALBA-2024:1", "qatzip");
	assert_int_equal(x->kind, PW_KIND_UPDATE);
	assert_int_equal(x->update_class, PW_CLASS_BUGFIX);
	assert_string_equal(x->fixed, "1.0.9-1.el9");
	x = find(&h, "ALEA-2024:2", "qatzip");
	assert_int_equal(x->kind, PW_KIND_UPDATE);
	assert_int_equal(x->update_class, PW_CLASS_ENHANCEMENT);
	x = find(&h, "CVE-72", "qatzip");
	assert_int_equal(x->kind, PW_KIND_VULNERABILITY);
	assert_int_equal(x->update_class, PW_CLASS_SECURITY);
	done(&alma, &h);
	assert_int_equal(pw_advisory_class("ALBA-2024:1"), PW_CLASS_BUGFIX);
	assert_int_equal(pw_advisory_class("RLEA-2024:1"), PW_CLASS_ENHANCEMENT);
	assert_int_equal(pw_advisory_class("RHBA-2024:1"), PW_CLASS_BUGFIX);
	assert_int_equal(pw_advisory_class("ALSA-2024:1"), PW_CLASS_SECURITY);
	assert_int_equal(pw_advisory_class("CVE-2024-1"), PW_CLASS_SECURITY);
	assert_int_equal(pw_advisory_class("ALBA"), PW_CLASS_SECURITY);
	assert_int_equal(pw_advisory_class("DLA-3000-1"), PW_CLASS_SECURITY);
	assert_int_equal(pw_advisory_class(""), PW_CLASS_SECURITY);

	/* names */
	enum pw_finding_kind k;
	assert_true(pw_finding_kind_parse("update", &k) && k == PW_KIND_UPDATE);
	assert_false(pw_finding_kind_parse("patch", &k));
	assert_string_equal(pw_finding_kind_name(PW_KIND_VULNERABILITY), "vulnerability");
	assert_string_equal(pw_update_class_name(PW_CLASS_BUGFIX), "bugfix");
	assert_string_equal(pw_update_class_name(PW_CLASS_ENHANCEMENT), "enhancement");
	done(&inv, &f);
	pw_vulndb_free(db);
}

/* ---- memo, invalidation, fleet ---- */

static void memo_reuse(void **state)
{
	(void)state;
	struct pw_vulndb *db = new_db();
	add(db, "CVE-1", "debian", "12", "glibc", PW_AFFECT_FIXED, NULL, "2.36-9+deb12u10");
	add(db, "CVE-2", "debian", "12", "openssl", PW_AFFECT_FIXED, NULL, "3.0.15-1~deb12u1");
	uint64_t ev0, hit0, ev, hit;
	pw_vulndb_stats(db, &ev0, &hit0);
	assert_true(ev0 == 0 && hit0 == 0);
	/* two hosts sharing glibc: one evaluation; a host's two binaries of one
	 * source version: one evaluation */
	for (int i = 0; i < 2; i++) {
		struct pw_inventory inv;
		struct pw_findings f;
		host(&inv, "debian", "12", "bookworm");
		pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u1", "glibc", NULL);
		pkg(&inv, PW_FAMILY_DEB, "libc-bin", "2.36-9+deb12u1", "glibc", NULL);
		pkg(&inv, PW_FAMILY_DEB, "libssl3", i ? "3.0.11-1~deb12u2" : "3.0.9-1", "openssl", NULL);
		match(db, &inv, &f);
		assert_int_equal(f.n, 3);
		done(&inv, &f);
	}
	pw_vulndb_stats(db, &ev, &hit);
	assert_int_equal(ev, 3);  /* glibc once, openssl twice (two versions) */
	assert_int_equal(hit, 3); /* libc-bin on host 1, libc6 and libc-bin on host 2 */

	/* a new advisory for glibc: glibc evaluated again, openssl answered */
	add(db, "CVE-3", "debian", "12", "glibc", PW_AFFECT_FIXED, NULL, "2.36-9+deb12u11");
	struct pw_inventory inv;
	struct pw_findings f;
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u1", "glibc", NULL);
	pkg(&inv, PW_FAMILY_DEB, "libssl3", "3.0.9-1", "openssl", NULL);
	match(db, &inv, &f);
	assert_int_equal(f.n, 3);
	done(&inv, &f);
	pw_vulndb_stats(db, &ev0, &hit0);
	assert_int_equal(ev0 - ev, 1);
	assert_int_equal(hit0 - hit, 1);
	/* explicit invalidation */
	pw_vulndb_invalidate(db, "debian", "12", "openssl");
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_DEB, "libssl3", "3.0.9-1", "openssl", NULL);
	match(db, &inv, &f);
	done(&inv, &f);
	pw_vulndb_stats(db, &ev, &hit);
	assert_int_equal(ev - ev0, 1);
	pw_vulndb_free(db);
}

/* A one-record import into the store. */
static void import(struct pw_store *s, const char *id, const struct pw_affected *a, size_t n)
{
	struct pw_feed_sink sink;
	struct pw_import_stats st;
	struct pw_error e;
	struct pw_vuln v[4];
	size_t nv = 0;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < nv; j++)
			seen |= strcmp(v[j].id, a[i].vuln_id) == 0;
		if (!seen) {
			assert_true(nv < 4);
			v[nv++] = (struct pw_vuln){ .id = a[i].vuln_id, .cvss_score = -1 };
		}
	}
	struct pw_feed_record r = { "osv", id, v, nv, a, n, NULL, 0 };
	assert_int_equal(pw_store_import_begin(s, "osv", &sink, &st, &e), PW_OK);
	assert_int_equal(sink.record(sink.ctx, &r, &e), PW_OK);
	assert_int_equal(pw_store_import_commit(s, &e), PW_OK);
}

static bool has_key(const struct pw_keyset *ks, const char *distro, const char *release,
		    const char *package)
{
	for (size_t i = 0; i < ks->n; i++) {
		if (strcmp(ks->keys[i]->distro, distro) == 0 && strcmp(ks->keys[i]->release, release) == 0 &&
		    strcmp(ks->keys[i]->package, package) == 0)
			return true;
	}
	return false;
}

static void fleet_and_incremental_refresh(void **state)
{
	(void)state;
	struct pw_error e;
	struct pw_store *s;
	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	struct pw_affected r1[] = {
		{ .vuln_id = "CVE-1", .distro = "debian", .release = "12", .package = "glibc",
		  .status = PW_AFFECT_FIXED, .fixed = "2.36-9+deb12u10", .advisory = "DSA-1" },
		{ .vuln_id = "CVE-1", .distro = "debian", .release = "12", .package = "openssl",
		  .status = PW_AFFECT_FIXED, .fixed = "3.0.15-1~deb12u1", .advisory = "DSA-1" },
	};
	struct pw_affected r2[] = {
		{ .vuln_id = "CVE-2", .distro = "alpine", .release = "3.19", .package = "openssl",
		  .status = PW_AFFECT_FIXED, .fixed = "3.1.4-r5" },
	};
	import(s, "REC-1", r1, 2);
	import(s, "REC-2", r2, 1);
	struct pw_vulndb *db = new_db();
	assert_int_equal(pw_vulndb_load(db, s, NULL, NULL, &e), PW_OK);
	int64_t seen = pw_store_generation(s);

	struct pw_inventory h[3];
	host(&h[0], "debian", "12", "bookworm");
	pkg(&h[0], PW_FAMILY_DEB, "libc6", "2.36-9+deb12u9", "glibc", NULL);
	pkg(&h[0], PW_FAMILY_DEB, "libssl3", "3.0.14-1~deb12u1", "openssl", NULL);
	pkg(&h[0], PW_FAMILY_DEB, "zlib1g", "1:1.2.13.dfsg-1", "zlib", NULL);
	host(&h[1], "debian", "12", "bookworm");
	pkg(&h[1], PW_FAMILY_DEB, "libc6", "2.36-9+deb12u9", "glibc", NULL);
	pkg(&h[1], PW_FAMILY_DEB, "zlib1g", "1:1.2.13.dfsg-1", "zlib", NULL);
	host(&h[2], "alpine", "3.19.0", NULL);
	pkg(&h[2], PW_FAMILY_APK, "libssl3", "3.1.4-r4", "openssl", "3.1.4-r4");
	struct pw_fleet *fleet;
	assert_int_equal(pw_fleet_new(db, &fleet, &e), PW_OK);
	size_t id;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(pw_fleet_add(fleet, &h[i], &id, &e), PW_OK);
		assert_int_equal(id, i);
	}
	struct pw_inventory plan9;
	host(&plan9, "plan9", "4", NULL);
	assert_int_equal(pw_fleet_add(fleet, &plan9, &id, &e), PW_ERR_UNSUPPORTED);
	assert_int_equal(pw_fleet_nhosts(fleet), 3);
	struct pw_fleet_summary sum;
	pw_fleet_summary(fleet, 0, &sum);
	assert_true(sum.fixable == 2 && sum.nofix == 0 && sum.packages_checked == 3);
	pw_fleet_summary(fleet, 1, &sum);
	assert_int_equal(sum.fixable, 1);
	pw_fleet_summary(fleet, 2, &sum);
	assert_int_equal(sum.fixable, 1);
	/* the fleet's findings are pw_match_inventory's */
	struct pw_findings a, b;
	pw_findings_init(&a);
	assert_int_equal(pw_fleet_findings(fleet, 0, &a, &e), PW_OK);
	match(db, &h[0], &b);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		assert_string_equal(a.items[i].vuln_id, b.items[i].vuln_id);
		assert_ptr_equal(a.items[i].pkg, b.items[i].pkg);
		assert_string_equal(a.items[i].fixed, b.items[i].fixed);
	}
	pw_findings_free(&a);
	pw_findings_free(&b);

	/* nothing changed: nothing touched */
	struct pw_keyset touched;
	pw_keyset_init(&touched);
	assert_int_equal(pw_vulndb_refresh(db, s, seen, &touched, &e), PW_OK);
	assert_int_equal(touched.n, 0);

	/* REC-1 is updated: glibc's fix corrected downwards (the hosts have it
	 * now), openssl dropped; REC-3 is new, for zlib, which no feed named
	 * before. Alpine's openssl is untouched. */
	struct pw_affected r1b[] = {
		{ .vuln_id = "CVE-1", .distro = "debian", .release = "12", .package = "glibc",
		  .status = PW_AFFECT_FIXED, .fixed = "2.36-9+deb12u8", .advisory = "DSA-1" },
	};
	struct pw_affected r3[] = {
		{ .vuln_id = "CVE-3", .distro = "debian", .release = "12", .package = "zlib",
		  .status = PW_AFFECT_FIXED, .fixed = "1:1.2.13.dfsg-1+deb12u1", .advisory = "DSA-3" },
	};
	import(s, "REC-1", r1b, 1);
	import(s, "REC-3", r3, 1);
	uint64_t ev0, hit0, ev, hit;
	pw_vulndb_stats(db, &ev0, &hit0);
	assert_int_equal(pw_vulndb_refresh(db, s, seen, &touched, &e), PW_OK);
	seen = pw_store_generation(s);
	assert_int_equal(touched.n, 3);
	assert_true(has_key(&touched, "debian", "12", "glibc"));
	assert_true(has_key(&touched, "debian", "12", "openssl"));
	assert_true(has_key(&touched, "debian", "12", "zlib"));
	size_t hosts;
	assert_int_equal(pw_fleet_update(fleet, &touched, &hosts, &e), PW_OK);
	assert_int_equal(hosts, 2); /* not the Alpine host */
	pw_vulndb_stats(db, &ev, &hit);
	assert_int_equal(ev - ev0, 3); /* glibc, openssl, zlib: once each */
	assert_int_equal(hit - hit0, 0); /* host 1 shares host 0's glibc and zlib versions */
	pw_fleet_summary(fleet, 0, &sum);
	assert_int_equal(sum.fixable, 1); /* zlib only */
	pw_fleet_summary(fleet, 1, &sum);
	assert_int_equal(sum.fixable, 1);
	pw_fleet_summary(fleet, 2, &sum);
	assert_int_equal(sum.fixable, 1);
	pw_findings_init(&a);
	assert_int_equal(pw_fleet_findings(fleet, 1, &a, &e), PW_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.items[0].vuln_id, "CVE-3");
	assert_string_equal(a.items[0].advisories, "DSA-3");
	pw_findings_free(&a);

	/* host 1 checks in patched and without zlib: its old links are dropped */
	struct pw_inventory h1b;
	host(&h1b, "debian", "12", "bookworm");
	pkg(&h1b, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u10", "glibc", NULL);
	assert_int_equal(pw_fleet_set(fleet, 1, &h1b, &e), PW_OK);
	pw_fleet_summary(fleet, 1, &sum);
	assert_int_equal(sum.fixable, 0);
	struct pw_affected r3b[] = {
		{ .vuln_id = "CVE-3", .distro = "debian", .release = "12", .package = "zlib",
		  .status = PW_AFFECT_FIXED, .fixed = "1:1.2.13.dfsg-1+deb12u2", .advisory = "DSA-3" },
	};
	import(s, "REC-3", r3b, 1);
	touched.n = 0;
	assert_int_equal(pw_vulndb_refresh(db, s, seen, &touched, &e), PW_OK);
	assert_int_equal(touched.n, 1);
	assert_int_equal(pw_fleet_update(fleet, &touched, &hosts, &e), PW_OK);
	assert_int_equal(hosts, 1);
	pw_findings_init(&a);
	assert_int_equal(pw_fleet_findings(fleet, 0, &a, &e), PW_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.items[0].fixed, "1:1.2.13.dfsg-1+deb12u2");
	pw_findings_free(&a);

	pw_keyset_free(&touched);
	pw_fleet_free(fleet);
	for (size_t i = 0; i < 3; i++)
		pw_inventory_free(&h[i]);
	pw_inventory_free(&h1b);
	pw_inventory_free(&plan9);
	pw_vulndb_free(db);
	pw_store_close(s);
}

/* A new advisory for a package 40 hosts have at 2 versions: 2 evaluations,
 * fanned out to the 40 hosts; a host added between the refresh and the
 * update takes the new result, and the hosts it brought up to date count
 * as re-assessed by the update. */
static void fleet_update_once_per_version(void **state)
{
	(void)state;
	struct pw_error e;
	struct pw_store *s;
	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	struct pw_affected r1[] = {
		{ .vuln_id = "CVE-1", .distro = "debian", .release = "12", .package = "glibc",
		  .status = PW_AFFECT_FIXED, .fixed = "2.36-9+deb12u10", .advisory = "DSA-1" },
	};
	import(s, "REC-1", r1, 1);
	struct pw_vulndb *db = new_db();
	assert_int_equal(pw_vulndb_load(db, s, NULL, NULL, &e), PW_OK);
	int64_t seen = pw_store_generation(s);
	enum { N = 40 };
	struct pw_inventory h[N + 1];
	struct pw_fleet *fleet;
	assert_int_equal(pw_fleet_new(db, &fleet, &e), PW_OK);
	for (size_t i = 0; i <= N; i++) {
		host(&h[i], "debian", "12", "bookworm");
		pkg(&h[i], PW_FAMILY_DEB, "libc6", "2.36-9+deb12u9", "glibc", NULL);
		pkg(&h[i], PW_FAMILY_DEB, "zlib1g", i % 2 ? "1:1.2.13.dfsg-1+deb12u1" : "1:1.2.13.dfsg-1",
		    "zlib", NULL);
	}
	size_t id;
	for (size_t i = 0; i < N; i++)
		assert_int_equal(pw_fleet_add(fleet, &h[i], &id, &e), PW_OK);

	struct pw_affected r2[] = {
		{ .vuln_id = "CVE-2", .distro = "debian", .release = "12", .package = "zlib",
		  .status = PW_AFFECT_FIXED, .fixed = "1:1.2.13.dfsg-1+deb12u1", .advisory = "DSA-2" },
	};
	import(s, "REC-2", r2, 1);
	struct pw_keyset touched;
	pw_keyset_init(&touched);
	uint64_t ev0, hit0, ev, hit;
	pw_vulndb_stats(db, &ev0, &hit0);
	assert_int_equal(pw_vulndb_refresh(db, s, seen, &touched, &e), PW_OK);
	assert_int_equal(touched.n, 1);
	/* a check-in between the refresh and the update */
	assert_int_equal(pw_fleet_add(fleet, &h[N], &id, &e), PW_OK);
	size_t hosts;
	assert_int_equal(pw_fleet_update(fleet, &touched, &hosts, &e), PW_OK);
	pw_vulndb_stats(db, &ev, &hit);
	assert_int_equal(ev - ev0, 2); /* one per distinct zlib version */
	assert_int_equal(hit - hit0, 0);
	assert_int_equal(hosts, N); /* the new host was assessed fresh */
	for (size_t i = 0; i <= N; i++) {
		struct pw_fleet_summary sum;
		pw_fleet_summary(fleet, i, &sum);
		assert_int_equal(sum.fixable, i % 2 ? 1 : 2);
		assert_true(pw_fleet_host_updated(fleet, i) == (i < N));
		struct pw_findings a, b;
		pw_findings_init(&a);
		assert_int_equal(pw_fleet_findings(fleet, i, &a, &e), PW_OK);
		match(db, &h[i], &b);
		assert_int_equal(a.n, b.n);
		for (size_t j = 0; j < a.n; j++)
			assert_string_equal(a.items[j].vuln_id, b.items[j].vuln_id);
		pw_findings_free(&a);
		pw_findings_free(&b);
	}

	pw_keyset_free(&touched);
	pw_fleet_free(fleet);
	for (size_t i = 0; i <= N; i++)
		pw_inventory_free(&h[i]);
	pw_vulndb_free(db);
	pw_store_close(s);
}

/* ---- the fully patched Debian 12 host, on real data ---- */

/* Newest version of each binary package in the bundled bookworm lists,
 * with its source version (Source: "name (version)" or the Version). */
struct newest {
	char *name, *version, *source_version;
};

struct newest_table {
	struct newest *v;
	size_t n, cap;
};

static int cmp_newest(const void *a, const void *b)
{
	return strcmp(((const struct newest *)a)->name, ((const struct newest *)b)->name);
}

static struct pw_blob field(struct pw_blob stanza, const char *name)
{
	struct pw_blob rest = stanza, line;
	size_t n = strlen(name);
	while (pw_blob_next_line(&rest, &line)) {
		if (line.len > n + 1 && memcmp(line.ptr, name, n) == 0 && line.ptr[n] == ':')
			return pw_blob_trim(pw_blob(line.ptr + n + 1, line.len - n - 1));
	}
	return PW_BLOB_NULL;
}

static char *dupb(struct pw_blob b)
{
	char *s = malloc(b.len + 1);
	assert_non_null(s);
	memcpy(s, b.ptr, b.len);
	s[b.len] = '\0';
	return s;
}

static void read_lists(struct newest_table *t)
{
	static const char *const files[] = {
		"deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
		"deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4",
		"deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4",
	};
	for (size_t i = 0; i < 3; i++) {
		char path[512];
		struct pw_buf b;
		struct pw_error e;
		snprintf(path, sizeof(path), "%s/apt/bookworm/%s", PW_DATA_DIR, files[i]);
		pw_buf_init(&b, (size_t)1 << 30);
		assert_int_equal(pw_decompress_file(path, &b, &e), PW_OK);
		const char *p = b.data, *end = b.data + b.len;
		while (p < end) {
			/* memmem, not strstr: a bounded scan (ASan's strstr measures the
			 * whole remaining text at every call) */
			const char *q = memmem(p, (size_t)(end - p), "\n\n", 2);
			if (!q)
				q = end;
			struct pw_blob st = pw_blob(p, (size_t)(q - p));
			struct pw_blob name = field(st, "Package"), ver = field(st, "Version");
			struct pw_blob src = field(st, "Source");
			p = q + 2;
			if (pw_blob_is_null(name) || pw_blob_is_null(ver))
				continue;
			char *n = dupb(name), *v = dupb(ver), *sv = NULL;
			const char *open = src.ptr ? memchr(src.ptr, '(', src.len) : NULL;
			if (open) {
				const char *close = memchr(open, ')', src.len - (size_t)(open - src.ptr));
				assert_non_null(close);
				sv = dupb(pw_blob_trim(pw_blob(open + 1, (size_t)(close - open - 1))));
			} else {
				sv = strdup(v);
			}
			/* only names the host has were put in the table */
			struct newest key = { .name = n }, *x = bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_newest);
			free(n);
			if (!x) {
				free(v);
				free(sv);
				continue;
			}
			if (!x->version || pw_version_cmp(PW_SCHEME_DEB, v, x->version) > 0) {
				free(x->version);
				free(x->source_version);
				x->version = v;
				x->source_version = sv;
			} else {
				free(v);
				free(sv);
			}
		}
		pw_buf_free(&b);
	}
}

static const struct newest *newest_of(const struct newest_table *t, const char *name)
{
	struct newest key = { .name = (char *)name };
	return bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_newest);
}

static void import_path(struct pw_store *s, const char *rel)
{
	char path[512];
	struct pw_error e;
	enum pw_feed_kind kind;
	struct pw_feed_sink sink;
	struct pw_import_stats st;
	snprintf(path, sizeof(path), "%s/feeds/%s", PW_DATA_DIR, rel);
	assert_true(pw_feed_detect_path(path, &kind));
	assert_int_equal(pw_store_import_begin(s, pw_feed_kind_name(kind), &sink, &st, &e), PW_OK);
	if (pw_feed_import_path(path, kind, &sink, &e) != PW_OK)
		fail_msg("%s: %s", path, e.msg);
	assert_int_equal(pw_store_import_commit(s, &e), PW_OK);
}

/* An assessment reads only its host's keys, and finds what a whole load finds. */
static void loading_one_hosts_keys(void **state)
{
	(void)state;
	struct pw_error e;
	struct pw_store *s;
	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	struct pw_affected r[] = {
		{ .vuln_id = "CVE-1", .distro = "debian", .release = "12", .package = "glibc",
		  .status = PW_AFFECT_FIXED, .fixed = "2.36-9+deb12u10", .advisory = "DSA-1" },
		{ .vuln_id = "CVE-2", .distro = "debian", .release = "12", .package = "openssl",
		  .status = PW_AFFECT_FIXED, .fixed = "3.0.15-1~deb12u1", .advisory = "DSA-2" },
		{ .vuln_id = "CVE-3", .distro = "debian", .release = "12", .package = "zlib",
		  .status = PW_AFFECT_VULNERABLE },
		{ .vuln_id = "CVE-1", .distro = "debian", .release = "11", .package = "glibc",
		  .status = PW_AFFECT_FIXED, .fixed = "2.31-13+deb11u11", .advisory = "DSA-1" },
	};
	import(s, "REC-1", r, 4);
	bool any = false;
	assert_int_equal(pw_store_has_affected(s, "debian", "12", &any, &e), PW_OK);
	assert_true(any);
	assert_int_equal(pw_store_has_affected(s, "debian", "13", &any, &e), PW_OK);
	assert_false(any);

	struct pw_inventory inv;
	host(&inv, "debian", "12", "bookworm");
	pkg(&inv, PW_FAMILY_DEB, "libc6", "2.36-9+deb12u9", "glibc", NULL);
	pkg(&inv, PW_FAMILY_DEB, "libc-bin", "2.36-9+deb12u9", "glibc", NULL);
	pkg(&inv, PW_FAMILY_DEB, "openssl", "3.0.14-1~deb12u1", NULL, NULL)->state =
		PW_STATE_CONFIG_FILES;
	pkg(&inv, PW_FAMILY_RPM, "zlib", "1.2.11-40.el9", NULL, NULL);
	struct pw_vulndb *part = new_db(), *whole = new_db();
	assert_int_equal(pw_vulndb_load_host(part, s, &inv, &e), PW_OK);
	assert_int_equal(pw_vulndb_load(whole, s, "debian", "12", &e), PW_OK);
	struct pw_index *idx = pw_vulndb_index(part);
	assert_non_null(pw_index_find(idx, "debian", "12", "glibc"));
	assert_null(pw_index_find(idx, "debian", "12", "openssl")); /* not installed */
	assert_null(pw_index_find(idx, "debian", "12", "zlib"));    /* an rpm's name */
	assert_null(pw_index_find(idx, "debian", "11", "glibc"));   /* another release */
	assert_int_equal(pw_index_release_entries(idx, "debian", "12"), 1);

	struct pw_findings fp, fw;
	match(part, &inv, &fp);
	match(whole, &inv, &fw);
	assert_int_equal(fp.n, 2);
	assert_int_equal(fw.n, fp.n);
	for (size_t i = 0; i < fp.n; i++) {
		assert_string_equal(fp.items[i].vuln_id, fw.items[i].vuln_id);
		assert_string_equal(fp.items[i].pkg->name, fw.items[i].pkg->name);
		assert_string_equal(fp.items[i].fixed, fw.items[i].fixed);
	}
	assert_non_null(find(&fp, "CVE-1", "libc-bin"));
	pw_findings_free(&fw);
	done(&inv, &fp);
	pw_vulndb_free(part);
	pw_vulndb_free(whole);
	pw_store_close(s);
}

static void fully_patched_debian12(void **state)
{
	(void)state;
	struct pw_error e;
	struct pw_store *s;
	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	/* every Debian feed we have, and NVD */
	import_path(s, "debian/security-tracker/DSA-list");
	import_path(s, "debian/security-tracker/DLA-list");
	import_path(s, "debian/tracker-json/osvdev-tracker-mock.json");
	import_path(s, "debian/tracker-json/vunnel-debian.json");
	import_path(s, "nvd");
	struct pw_vulndb *db = new_db();
	assert_int_equal(pw_vulndb_load(db, s, NULL, NULL, &e), PW_OK);
	/* not vacuous: the data holds bookworm entries, and many for bullseye */
	assert_true(pw_index_release_entries(pw_vulndb_index(db), "debian", "12") >= 5);
	assert_true(pw_index_release_entries(pw_vulndb_index(db), "debian", "11") > 1000);

	/* the real host, every package raised to the newest version of its lists */
	struct pw_inventory inv;
	struct pw_file file;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_file_read(&file, PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/status", &e),
			 PW_OK);
	assert_int_equal(pw_dpkg_parse_status(&inv, file.data, "status", false, &e), PW_OK);
	pw_file_close(&file);
	inv.host.os_id = "debian";
	inv.host.os_version_id = "12";
	inv.host.os_codename = "bookworm";
	struct newest_table t = { 0 };
	t.v = calloc(inv.npkgs, sizeof(*t.v));
	assert_non_null(t.v);
	for (size_t i = 0; i < inv.npkgs; i++)
		t.v[t.n++].name = strdup(inv.pkgs[i].name);
	qsort(t.v, t.n, sizeof(*t.v), cmp_newest);
	size_t w = 0; /* a name twice (two architectures): once */
	for (size_t i = 0; i < t.n; i++) {
		if (w && strcmp(t.v[w - 1].name, t.v[i].name) == 0)
			free(t.v[i].name);
		else
			t.v[w++] = t.v[i];
	}
	t.n = w;
	read_lists(&t);
	size_t raised = 0;
	for (size_t i = 0; i < inv.npkgs; i++) {
		struct pw_package *p = &inv.pkgs[i];
		const struct newest *x = newest_of(&t, p->name);
		if (x->version && pw_version_cmp(PW_SCHEME_DEB, x->version, p->version) > 0) {
			p->version = x->version;
			p->source_version = x->source_version;
			raised++;
		}
	}
	assert_true(raised > 10); /* the status file is older than the lists */
	struct pw_findings f;
	match(db, &inv, &f);
	assert_true(f.packages_checked > 800);
	assert_true(f.advisory_entries >= 5);
	for (size_t i = 0; i < f.n; i++) {
		if (f.items[i].fixable)
			fail_msg("fully patched host: fixable %s in %s %s (fixed %s)", f.items[i].vuln_id,
				 f.items[i].pkg->name, f.items[i].match_version, f.items[i].fixed);
	}
	assert_int_equal(pw_findings_fixable(&f), 0);
	/* the one open bookworm issue of the data, for a package the host has */
	assert_non_null(find(&f, "CVE-2016-1585", "libapparmor1"));
	done(&inv, &f);

	/* the same host with apparmor below the bookworm fix of CVE-2017-6507
	 * (2.11.0-3): exactly its binaries, for that CVE, are fixable */
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_file_read(&file, PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/status", &e),
			 PW_OK);
	assert_int_equal(pw_dpkg_parse_status(&inv, file.data, "status", false, &e), PW_OK);
	pw_file_close(&file);
	inv.host.os_id = "debian";
	inv.host.os_version_id = "12";
	size_t lowered = 0;
	for (size_t i = 0; i < inv.npkgs; i++) {
		struct pw_package *p = &inv.pkgs[i];
		const struct newest *x = newest_of(&t, p->name);
		if (x->version && pw_version_cmp(PW_SCHEME_DEB, x->version, p->version) > 0) {
			p->version = x->version;
			p->source_version = x->source_version;
		}
		if (strcmp(p->source_name, "apparmor") == 0 && p->state == PW_STATE_INSTALLED) {
			p->version = p->source_version = "2.10.95-8";
			lowered++;
		}
	}
	assert_true(lowered >= 1);
	match(db, &inv, &f);
	assert_int_equal(pw_findings_fixable(&f), lowered);
	for (size_t i = 0; i < f.n; i++) {
		if (!f.items[i].fixable)
			continue;
		assert_string_equal(f.items[i].vuln_id, "CVE-2017-6507");
		assert_string_equal(f.items[i].match_name, "apparmor");
		assert_string_equal(f.items[i].fixed, "2.11.0-3");
	}
	done(&inv, &f);

	/* the raised host claiming to be bullseye meets the DSA/DLA fixes: the
	 * data can make findings, so zero above is a result */
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_file_read(&file, PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/status", &e),
			 PW_OK);
	assert_int_equal(pw_dpkg_parse_status(&inv, file.data, "status", false, &e), PW_OK);
	pw_file_close(&file);
	inv.host.os_id = "debian";
	inv.host.os_version_id = "11";
	for (size_t i = 0; i < inv.npkgs; i++)
		inv.pkgs[i].source_version = "0.1";
	match(db, &inv, &f);
	assert_true(pw_findings_fixable(&f) > 100);
	done(&inv, &f);

	for (size_t i = 0; i < t.n; i++) {
		free(t.v[i].name);
		free(t.v[i].version);
		free(t.v[i].source_version);
	}
	free(t.v);
	pw_vulndb_free(db);
	pw_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(source_packages_and_binnmus),
		cmocka_unit_test(epochs_and_tilde),
		cmocka_unit_test(not_affected_never_matches),
		cmocka_unit_test(bounds),
		cmocka_unit_test(no_fix_statuses),
		cmocka_unit_test(merging_across_feeds),
		cmocka_unit_test(release_isolation),
		cmocka_unit_test(families_in_one_index),
		cmocka_unit_test(rpm_epochs),
		cmocka_unit_test(package_states),
		cmocka_unit_test(patch_availability),
		cmocka_unit_test(security_updates_as_findings),
		cmocka_unit_test(memo_reuse),
		cmocka_unit_test(fleet_and_incremental_refresh),
		cmocka_unit_test(loading_one_hosts_keys),
		cmocka_unit_test(fleet_update_once_per_version),
		cmocka_unit_test(fully_patched_debian12),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
