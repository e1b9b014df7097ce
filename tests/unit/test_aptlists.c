/* test_aptlists.c - Release files, list names, apt's candidate rules and
 * pins on hand-made inputs, and whole roots against what apt itself said:
 *   tests/data/apt/pins/ (every pin type) vs pins-apt-list-upgradable.txt,
 *   the bundled Debian 12 lists with a real 823-package status file vs
 *   bookworm-this-host-apt-list-upgradable.txt (both apt 2.6.1's output),
 *   tests/data/apt/broken/ (damaged files: warnings, never a crash).
 * The integration test aptlists_vs_apt.sh asks apt again at run time. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_aptlists.h"
#include "pw_dpkg.h"
#include "pw_file.h"

static const char in_release[] =
	"-----BEGIN PGP SIGNED MESSAGE-----\n"
	"Hash: SHA512\n"
	"\n"
	"Origin: Debian\n"
	"Label: Debian-Security\n"
	"suite: oldstable-security\n" /* apt reads field names without case */
	"Version: 12\n"
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
	assert_string_equal(r.version, "12");
	assert_true(pw_aptlists_is_security(&r));
	assert_int_equal(pw_aptlists_priority(&r), 500);

	static const char backports[] = "Suite: bookworm-backports\nNotAutomatic: yes\n"
					"ButAutomaticUpgrades: yes\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(backports), "Release", &r, &e), PW_OK);
	assert_false(pw_aptlists_is_security(&r));
	assert_int_equal(pw_aptlists_priority(&r), 100);
	/* apt sets the flag without NotAutomatic too */
	static const char bau[] = "Suite: x\nButAutomaticUpgrades: true\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(bau), "Release", &r, &e), PW_OK);
	assert_int_equal(pw_aptlists_priority(&r), 100);
	static const char experimental[] = "Suite: experimental\nNotAutomatic: yes\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(experimental), "Release", &r, &e), PW_OK);
	assert_int_equal(pw_aptlists_priority(&r), 1);
	static const char no[] = "Suite: x\nNotAutomatic: no\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(no), "Release", &r, &e), PW_OK);
	assert_int_equal(pw_aptlists_priority(&r), 500);
	/* Debian 10 and older: the label says it */
	static const char buster[] = "Label: Debian-Security\nSuite: oldoldstable\nCodename: buster\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(buster), "Release", &r, &e), PW_OK);
	assert_true(pw_aptlists_is_security(&r));
	/* only the first stanza counts */
	static const char two[] = "Suite: first\n\nSuite: second\n";
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr(two), "Release", &r, &e), PW_OK);
	assert_string_equal(r.suite, "first");
	assert_int_equal(pw_aptlists_parse_release(pw_blob_cstr("garbage without fields\n"), "R", &r, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "R: not a Release file"));
	assert_int_equal(pw_aptlists_parse_release(pw_blob("", 0), "R", &r, &e), PW_ERR_PARSE);
}

static void list_names(void **state)
{
	(void)state;
	struct pw_apt_index x;
	assert_true(pw_aptlists_parse_list_name(
		"deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4", &x));
	assert_string_equal(x.site, "deb.debian.org");
	assert_string_equal(x.component, "main");
	assert_string_equal(x.arch, "amd64");
	/* Debian 10's "buster/updates" suite: '/' became '_' */
	assert_true(pw_aptlists_parse_list_name(
		"security.debian.org_dists_buster_updates_main_binary-i386_Packages", &x));
	assert_string_equal(x.component, "main");
	assert_string_equal(x.arch, "i386");
	/* file:/ repositories have no site */
	assert_true(pw_aptlists_parse_list_name("_srv_repo_dists_local_main_binary-amd64_Packages.gz", &x));
	assert_string_equal(x.site, "");
	/* a flat repository */
	assert_true(pw_aptlists_parse_list_name("example.org_repo_Packages", &x));
	assert_string_equal(x.site, "example.org");
	assert_string_equal(x.arch, "");
	assert_false(pw_aptlists_parse_list_name("deb.debian.org_debian_dists_bookworm_InRelease", &x));
	assert_false(pw_aptlists_parse_list_name(
		"deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en", &x));
	assert_false(pw_aptlists_parse_list_name("x_Packages.diff_Index", &x));
	assert_false(pw_aptlists_parse_list_name("Packages", &x));
	assert_false(pw_aptlists_parse_list_name("lock", &x));
}

static struct pw_package *add(struct pw_inventory *inv, const char *name, const char *arch,
			      const char *version)
{
	struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
	p->name = name;
	p->arch = arch;
	p->version = version;
	p->source_name = name;
	p->state = PW_STATE_INSTALLED;
	return p;
}

static struct pw_apt_index suite(const char *name, bool na, bool bau)
{
	struct pw_apt_index x = { 0 };
	snprintf(x.release.suite, sizeof(x.release.suite), "%s", name);
	x.release.not_automatic = na;
	x.release.but_automatic_upgrades = bau;
	snprintf(x.site, sizeof(x.site), "deb.example.org");
	snprintf(x.component, sizeof(x.component), "main");
	snprintf(x.arch, sizeof(x.arch), "amd64");
	return x;
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
	add(&inv, "tostable", "all", "1.0");           /* arch all, then arch any */
	add(&inv, "localonly", "amd64", "5.0");        /* installed version in no list */
	add(&inv, "dpkg", "amd64", "1.21.22");         /* tells the native arch */
	struct pw_package *half = add(&inv, "half", "amd64", "1.0");
	half->state = PW_STATE_HALF_INSTALLED;         /* not installed: no candidate */

	struct pw_apt_index main_r = suite("oldstable", false, false);
	struct pw_apt_index sec = suite("oldstable-security", false, false);
	struct pw_apt_index bpo = suite("bookworm-backports", true, true);
	struct pw_apt_index expr = suite("experimental", true, false);
	static const char main_idx[] =
		"Package: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: amd64\nDescription: x\n y\n\n"
		"Package: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: i386\n\n"
		"Package: tzdata\nVersion: 2025b-0+deb12u1\nArchitecture: all\n\n"
		"Package: stay\nVersion: 1.0-1\nArchitecture: amd64\n\n"
		"Package: exp\nVersion: 1.0-1\nArchitecture: amd64\n\n"
		"Package: current\nVersion: 3.0-1\nArchitecture: amd64\n\n"
		"Package: tostable\nVersion: 2.0\nArchitecture: amd64\n\n"
		"Package: localonly\nVersion: 4.0\nArchitecture: amd64\n\n"
		"Package: half\nVersion: 2.0\nArchitecture: amd64\n\n"
		"Package: notinstalled\nVersion: 9\nArchitecture: amd64\n\n"
		"Package: noversion\nArchitecture: amd64\n";
	static const char sec_idx[] =
		"Package: libc6\nVersion: 2.36-9+deb12u13\nArchitecture: amd64\n\n"
		"Package: tzdata\nVersion: 2025b-0+deb12u1\nArchitecture: all\n";
	static const char bpo_idx[] =
		"Package: fromback\nVersion: 2.1~bpo12+1\nArchitecture: amd64\n\n"
		"Package: stay\nVersion: 2.0~bpo12+1\nArchitecture: amd64\n\n"
		"Package: localonly\nVersion: 5.1~bpo12+1\nArchitecture: amd64\n";
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
	/* same version in two suites: both named in feed order, security wins the flag */
	assert_string_equal(inv.pkgs[2].candidate_origin, "oldstable,oldstable-security");
	assert_true(inv.pkgs[2].candidate_security);
	assert_string_equal(inv.pkgs[3].candidate_version, "2.1~bpo12+1");
	assert_null(inv.pkgs[4].candidate_version); /* main (500) keeps it */
	assert_null(inv.pkgs[5].candidate_version); /* experimental is 1 */
	assert_null(inv.pkgs[6].candidate_version);
	assert_string_equal(inv.pkgs[7].candidate_version, "2.0"); /* all is the native arch */
	/* an older version at 500 does not hide a newer one at 100 */
	assert_string_equal(inv.pkgs[8].candidate_version, "5.1~bpo12+1");
	assert_null(inv.pkgs[10].candidate_version);
	assert_int_equal(inv.nwarnings, 0); /* noversion is not installed: ignored */
	pw_inventory_free(&inv);
}

/* One package, one pin file, the given lists: the candidate or NULL. */
struct pin_case {
	const char *prefs;
	const char *installed;
	const char *want; /* NULL: no update */
};

static void pins(void **state)
{
	(void)state;
	static const struct pin_case cases[] = {
		/* baseline: stable 2.0 (500), backports 3.0 (100), experimental 4.0 (1) */
		{ "", "1.0", "2.0" },
		{ "Package: p\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "3.0" },
		{ "Package: p\nPin: release n=sid\nPin-Priority: 600\n", "1.0", "4.0" },
		{ "Package: p\nPin: release experimental\nPin-Priority: 990\n", "1.0", "4.0" },
		{ "Package: p\nPin: version 3.*\nPin-Priority: 501\n", "1.0", "3.0" },
		{ "Package: p\nPin: version 1.0\nPin-Priority: 1001\n", "1.0", NULL },
		/* a downgrade is a candidate, but not an update */
		{ "Package: p\nPin: version 2.0\nPin-Priority: 1001\n", "3.0", NULL },
		{ "Package: *\nPin: release o=Debian\nPin-Priority: -10\n", "1.0", "3.0" },
		{ "Package: *\nPin: origin deb.example.org\nPin-Priority: 600\n", "1.0", "4.0" },
		{ "Package: *\nPin: origin \"other.example.org\"\nPin-Priority: 600\n", "1.0", "2.0" },
		{ "Package: *\nPin: release c=main\nPin-Priority: 99\n", "1.0", NULL },
		{ "Package: *\nPin: release b=amd64, l=Debian\nPin-Priority: 99\n", "1.0", "3.0" },
		{ "Package: *\nPin: release v=12*\nPin-Priority: 600\n", "1.0", "3.0" },
		{ "Package: /^P$/\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "3.0" },
		{ "Package: /^p{1}$/\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "2.0" }, /* intervals: refused */
		{ "Package: q* p\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "3.0" },
		{ "Package: p:amd64\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "3.0" },
		{ "Package: p:i386\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "2.0" },
		{ "Package: src:psrc\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "3.0" },
		/* the first pin that matches a version wins */
		{ "Package: p\nPin: version 3.0\nPin-Priority: 50\n\n"
		  "Package: p\nPin: release a=bookworm-backports\nPin-Priority: 600\n", "1.0", "2.0" },
		/* the first "Package: *" pin of a file wins, but never always wins */
		{ "Package: *\nPin: release a=oldstable\nPin-Priority: 50\n\n"
		  "Package: *\nPin: release a=oldstable\nPin-Priority: 700\n", "1.0", "3.0" },
		{ "Package: *\nPin: release a=oldstable\nPin-Priority: 700\n\n"
		  "Package: *\nPin: release a=oldstable\nPin-Priority: never\n", "1.0", "3.0" },
		/* the status file is "now" */
		{ "Package: *\nPin: release a=now\nPin-Priority: 600\n", "1.0", NULL },
		/* comments, CRLF, case */
		{ "# comment\r\npackage: p\r\n# inside\r\nPIN: Release A=bookworm-backports\r\n"
		  "pin-priority: 600 # trailing words are ignored\r\n", "1.0", "3.0" },
		/* records apt refuses or ignores change nothing */
		{ "Package: p\nPin: release a=bookworm-backports\n", "1.0", "2.0" },
		{ "Package: p\nPin-Priority: 600\n", "1.0", "2.0" },
		{ "Package: *\nPin: version 3.0\nPin-Priority: 600\n", "1.0", "2.0" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pin_case *c = &cases[i];
		struct pw_inventory inv;
		struct pw_error e;
		pw_inventory_init(&inv, NULL);
		struct pw_package *p = add(&inv, "p", "amd64", c->installed);
		p->source_name = "psrc";
		struct pw_apt_index main_r = suite("oldstable", false, false);
		snprintf(main_r.release.origin, sizeof(main_r.release.origin), "Debian");
		snprintf(main_r.release.label, sizeof(main_r.release.label), "Debian");
		snprintf(main_r.release.version, sizeof(main_r.release.version), "13.2");
		struct pw_apt_index bpo = suite("bookworm-backports", true, true);
		snprintf(bpo.release.version, sizeof(bpo.release.version), "12.1");
		struct pw_apt_index expr = suite("unstable", true, false);
		snprintf(expr.release.codename, sizeof(expr.release.codename), "sid");
		snprintf(expr.release.label, sizeof(expr.release.label), "experimental");
		snprintf(expr.release.suite, sizeof(expr.release.suite), "experimental");
		struct pw_aptlists *s;
		assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
		assert_int_equal(pw_aptlists_add_preferences(s, pw_blob_cstr(c->prefs), "prefs", &e), PW_OK);
		assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr("Package: p\nVersion: 2.0\nArchitecture: amd64\n"
								   "Source: psrc\n"), "main", &main_r, &e), PW_OK);
		assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr("Package: p\nVersion: 3.0\nArchitecture: amd64\n"
								   "Source: psrc (3.0)\n"), "bpo", &bpo, &e), PW_OK);
		assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr("Package: p\nVersion: 4.0\nArchitecture: amd64\n"),
						  "exp", &expr, &e), PW_OK);
		assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);
		if (!c->want ? inv.pkgs[0].candidate_version != NULL
			     : !inv.pkgs[0].candidate_version || strcmp(inv.pkgs[0].candidate_version, c->want))
			fail_msg("case %zu (%s): got %s, want %s", i, c->prefs,
				 inv.pkgs[0].candidate_version ? inv.pkgs[0].candidate_version : "none",
				 c->want ? c->want : "none");
		pw_inventory_free(&inv);
	}
}

static void preference_warnings(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	add(&inv, "p", "amd64", "1.0");
	struct pw_aptlists *s;
	static const char prefs[] =
		"Pin: release a=x\nPin-Priority: 1\n\n"                   /* 1: no Package */
		"Package: p\nPin: bogus\nPin-Priority: 1\n\n"             /* 4: pin type */
		"Package: p\nPin: release a=x\nPin-Priority: 0\n\n"       /* 8: zero */
		"Package: p\nPin: release a=x\nPin-Priority: never\n\n"   /* 12: never, named */
		"Package: p\nPin: release a=x\nPin-Priority: 40000\n\n"   /* 16: range */
		"Package: p\nPin: release a=x\nPin-Priority: high\n\n"    /* 20: not a number */
		"what\n";                                                  /* 24 */
	assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
	assert_int_equal(pw_aptlists_add_preferences(s, pw_blob_cstr(prefs), "prefs", &e), PW_OK);
	assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);
	static const char *const want[] = {
		"prefs:1: record without Package", "prefs:4: pin type 'bogus' not understood",
		"prefs:8: Pin-Priority is zero",   "prefs:12: Pin-Priority: never is for 'Package: *'",
		"prefs:16: Pin-Priority missing or out of range",
		"prefs:20: Pin-Priority is zero",  "prefs:24: not a 'Field: value' line",
	};
	assert_int_equal(inv.nwarnings, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < inv.nwarnings; i++) {
		if (!strstr(inv.warnings[i], want[i]))
			fail_msg("warning %zu: '%s', want '%s'", i, inv.warnings[i], want[i]);
	}
	pw_inventory_free(&inv);
}

static void malformed_index(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	add(&inv, "a", "amd64", "1");
	add(&inv, "b", "amd64", "1");
	struct pw_apt_index r = suite("x", false, false);
	struct pw_aptlists *s;
	static const char idx[] = "garbage line\n\nPackage: a\nArchitecture: amd64\n\n"
				  "Package: a\nVersion: 2\nArchitecture: amd64\n\n"
				  "Version: 5\n\n"
				  "Package: a\nVersion: 3\n\n"
				  "Package: b\nVersion: 1:\nArchitecture: amd64\n\n"
				  "Package: b\nVersion: 7\nArchitecture: amd64\n\n"
				  "Package: a\nVersion: 9"; /* cut inside a line */
	assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
	assert_int_equal(pw_aptlists_feed(s, pw_blob_cstr(idx), "Packages", &r, &e), PW_OK);
	assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);
	assert_string_equal(inv.pkgs[0].candidate_version, "2");
	assert_string_equal(inv.pkgs[1].candidate_version, "7");
	static const char *const want[] = {
		"Packages:1: not a 'Field: value' line",
		"Packages:3: package a: stanza without Version",
		"Packages:10: stanza without Package",
		"Packages:12: package a: stanza without Architecture",
		"Packages:15: package b: Version '1:'",
		"Packages:24: the file ends inside a line",
	};
	assert_int_equal(inv.nwarnings, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < inv.nwarnings; i++) {
		if (!strstr(inv.warnings[i], want[i]))
			fail_msg("warning %zu: '%s', want '%s'", i, inv.warnings[i], want[i]);
	}
	pw_inventory_free(&inv);

	/* a flood of bad stanzas: ten warnings, then a count */
	pw_inventory_init(&inv, NULL);
	add(&inv, "a", "amd64", "1");
	struct pw_buf flood;
	pw_buf_init(&flood, 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(pw_buf_adds(&flood, "Package: a\nArchitecture: amd64\n\n"), PW_OK);
	assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
	assert_int_equal(pw_aptlists_feed(s, pw_blob(flood.data, flood.len), "P", &r, &e), PW_OK);
	assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);
	assert_int_equal(inv.nwarnings, 11);
	assert_non_null(strstr(inv.warnings[10], "P: 90 more problems not listed"));
	pw_buf_free(&flood);
	pw_inventory_free(&inv);
}

/* ---- the index read piece by piece ---- */

/* Hands out text as read would: at most `chunk` bytes a call, the first
 * call stopping at `cut`; `fail_at` bytes in, an error. */
struct mem_reader {
	const char *text;
	size_t len, pos;
	size_t chunk, cut, fail_at;
};

static pw_err mem_read(void *ctx, char *dst, size_t cap, size_t *n, struct pw_error *e)
{
	struct mem_reader *r = ctx;
	size_t want = r->len - r->pos;
	if (want > cap)
		want = cap;
	if (r->chunk && want > r->chunk)
		want = r->chunk;
	if (r->pos < r->cut && r->pos + want > r->cut)
		want = r->cut - r->pos;
	if (r->fail_at && r->pos + want >= r->fail_at)
		return pw_error_set(e, PW_ERR_PARSE, "mem: corrupt at %zu", r->fail_at);
	memcpy(dst, r->text + r->pos, want);
	r->pos += want;
	*n = want;
	return PW_OK;
}

/* Installed: a (amd64), b (amd64), c (all), dpkg; the index of a suite "x". */
static void stream_inventory(struct pw_inventory *inv)
{
	pw_inventory_init(inv, NULL);
	add(inv, "a", "amd64", "1");
	add(inv, "b", "amd64", "1");
	add(inv, "c", "all", "1");
	add(inv, "dpkg", "amd64", "1.21.22");
}

/* What a feed left: every candidate and every warning, as one string. */
static void describe(const struct pw_inventory *inv, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < inv->npkgs && n < size; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		n += (size_t)snprintf(out + n, size - n, "%s=%s|%s|%d\n", p->name,
				      p->candidate_version ? p->candidate_version : "-",
				      p->candidate_origin ? p->candidate_origin : "-",
				      (int)p->candidate_security);
	}
	for (size_t i = 0; i < inv->nwarnings && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s\n", inv->warnings[i]);
	assert_true(n < size);
}

#define DESCRIBED 8192

/* Feed text (through r, or whole when r is NULL) and describe the result. */
static void feed_and_describe(const char *text, size_t len, struct mem_reader *r, size_t window,
			      char *out)
{
	struct pw_inventory inv;
	struct pw_error e;
	struct pw_aptlists *s;
	stream_inventory(&inv);
	struct pw_apt_index idx = suite("x", false, false);
	assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
	if (r) {
		r->text = text;
		r->len = len;
		r->pos = 0;
		assert_int_equal(pw_aptlists_feed_stream(s, mem_read, r, window, "P", &idx, &e), PW_OK);
	} else {
		assert_int_equal(pw_aptlists_feed(s, pw_blob(text, len), "P", &idx, &e), PW_OK);
	}
	assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);
	describe(&inv, out, DESCRIBED);
	pw_inventory_free(&inv);
}

/* Every kind of line the parser treats apart: CRLF stanzas, blank runs,
 * fields before Package, continuation lines, a long stanza nobody
 * installed (skipped without reading its lines one by one), and a last
 * line cut short. */
static void build_index(struct pw_buf *b)
{
	assert_int_equal(pw_buf_adds(b, "garbage line\n\nPackage: a\nArchitecture: amd64\n\n"
				     "Package: a\r\nVersion: 2\r\nArchitecture: amd64\r\n"
				     "Description: x\r\n y\r\n\r\n"
				     "\n\n\r\n"
				     "Version: 5\n\n"
				     "Package: skipme\nVersion: 1\nDescription: long\n"), PW_OK);
	for (int i = 0; i < 40; i++) /* lines of every length around a word */
		assert_int_equal(pw_buf_addf(b, " %.*s\n", i % 19, "abcdefghijklmnopqrstuvwxyz"), PW_OK);
	assert_int_equal(pw_buf_adds(b, " \r\n\r\n" /* " \r" is not blank, "\r" is */
				     "Package: notinst\nX: y\n\r\n"
				     "Package: b\nVersion: 1:\nArchitecture: amd64\n\n"
				     "Architecture: amd64\nPackage: b\nSource: bsrc (1)\nVersion: 7\n\n"
				     "Package: c\nVersion: 3\nArchitecture: all\nno colon here\n\n"
				     "Package: skip2\n\n"
				     "Package: a\nVersion: 9"), PW_OK);
}

static void stream_any_cut(void **state)
{
	(void)state;
	struct pw_buf text;
	pw_buf_init(&text, 0);
	build_index(&text);
	char *whole = malloc(DESCRIBED), *got = malloc(DESCRIBED);
	assert_non_null(whole);
	assert_non_null(got);
	feed_and_describe(text.data, text.len, NULL, 0, whole);
	/* what the whole text gives, checked on its own */
	size_t last_line = 1;
	for (size_t i = 0; i < text.len; i++)
		last_line += text.data[i] == '\n';
	char cut_warning[64];
	snprintf(cut_warning, sizeof(cut_warning), "P:%zu: the file ends inside a line", last_line);
	static const char *const want[] = {
		"a=2|x|0\n", "b=7|x|0\n", "c=3|x|0\n",
		"P:1: not a 'Field: value' line", "P:3: package a: stanza without Version",
		"P:15: stanza without Package",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!strstr(whole, want[i]))
			fail_msg("'%s' not in:\n%s", want[i], whole);
	}
	assert_non_null(strstr(whole, "package b: Version '1:'"));
	if (!strstr(whole, cut_warning))
		fail_msg("'%s' not in:\n%s", cut_warning, whole);

	/* cut in two at every offset, through windows from tight to roomy */
	static const size_t windows[] = { 128, 1024, 0 };
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		for (size_t cut = 1; cut < text.len; cut++) {
			struct mem_reader r = { .cut = cut };
			feed_and_describe(text.data, text.len, &r, windows[w], got);
			if (strcmp(whole, got) != 0)
				fail_msg("window %zu, cut at %zu:\n%s\nwant:\n%s", windows[w], cut, got, whole);
		}
	}
	/* and in pieces of every small size */
	for (size_t chunk = 1; chunk <= 64; chunk++) {
		struct mem_reader r = { .chunk = chunk };
		feed_and_describe(text.data, text.len, &r, 128, got);
		if (strcmp(whole, got) != 0)
			fail_msg("chunks of %zu:\n%s\nwant:\n%s", chunk, got, whole);
	}
	free(whole);
	free(got);
	pw_buf_free(&text);
}

static void stream_window_overflow(void **state)
{
	(void)state;
	struct pw_buf text;
	pw_buf_init(&text, 0);
	/* an installed stanza of 300 bytes, a skipped one with a 500-byte line,
	 * then stanzas that fit a 64-byte window */
	assert_int_equal(pw_buf_adds(&text, "Package: a\nVersion: 5\nArchitecture: amd64\nDescription: "),
			 PW_OK);
	for (int i = 0; i < 250; i++)
		assert_int_equal(pw_buf_addc(&text, 'x'), PW_OK);
	assert_int_equal(pw_buf_adds(&text, "\n\nPackage: nobody\nDescription: "), PW_OK);
	for (int i = 0; i < 500; i++)
		assert_int_equal(pw_buf_addc(&text, 'y'), PW_OK);
	assert_int_equal(pw_buf_adds(&text, "\n more\n\nPackage: b\nVersion: 2\nArchitecture: amd64\n\n"
				     "Package: a\nVersion: 3\nArchitecture: amd64\n"), PW_OK);
	char *got = malloc(DESCRIBED);
	assert_non_null(got);
	for (size_t chunk = 1; chunk <= 80; chunk += 7) {
		struct mem_reader r = { .chunk = chunk };
		feed_and_describe(text.data, text.len, &r, 64, got);
		if (!strstr(got, "a=3|x|0\nb=2|x|0\n") ||
		    !strstr(got, "P:1: stanza longer than 64 bytes; skipped\n"))
			fail_msg("chunks of %zu:\n%s", chunk, got);
		/* one warning: the skipped stanza's long line is not one */
		assert_null(strstr(strstr(got, "skipped\n") + 1, "P:"));
	}
	/* with room, the long stanza counts */
	feed_and_describe(text.data, text.len, NULL, 0, got);
	assert_non_null(strstr(got, "a=5|x|0\n"));
	free(got);
	pw_buf_free(&text);
}

static void stream_read_error(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	struct pw_aptlists *s;
	stream_inventory(&inv);
	struct pw_apt_index idx = suite("x", false, false);
	static const char good[] = "Package: a\nVersion: 2\nArchitecture: amd64\n\n";
	static const char bad[] = "garbage\n\nPackage: b\nVersion: 2\nArchitecture: amd64\n\n"
				  "Package: a\nVersion: 3\nArchitecture: amd64\n\n";
	assert_int_equal(pw_aptlists_begin(&inv, &s, &e), PW_OK);
	struct mem_reader r = { .text = bad, .len = strlen(bad), .chunk = 16,
				.fail_at = strlen(bad) - 4 };
	/* the failing index leaves nothing behind: no candidate, no warning */
	assert_int_equal(pw_aptlists_feed_stream(s, mem_read, &r, 64, "bad", &idx, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "mem: corrupt at"));
	assert_int_equal(inv.nwarnings, 0);
	struct mem_reader ok = { .text = good, .len = strlen(good) };
	assert_int_equal(pw_aptlists_feed_stream(s, mem_read, &ok, 0, "good", &idx, &e), PW_OK);
	assert_int_equal(pw_aptlists_finish(s, &e), PW_OK);
	assert_string_equal(inv.pkgs[0].candidate_version, "2");
	assert_null(inv.pkgs[1].candidate_version);
	pw_inventory_free(&inv);
}

#define LINE 512

/* "name arch version s1,s2" with the suites sorted (apt prints them in
 * sources.list order, we in list file order: the set is what must agree). */
static void format_line(char *dst, const char *name, const char *arch, const char *version,
			char *suites)
{
	char *parts[16];
	size_t np = 0;
	for (char *t = strtok(suites, ","); t && np < 16; t = strtok(NULL, ","))
		parts[np++] = t;
	for (size_t i = 0; i < np; i++)
		for (size_t j = i + 1; j < np; j++)
			if (strcmp(parts[j], parts[i]) < 0) {
				char *t = parts[i];
				parts[i] = parts[j];
				parts[j] = t;
			}
	int w = snprintf(dst, LINE, "%s %s %s ", name, arch, version);
	assert_true(w > 0 && w < LINE);
	for (size_t i = 0; i < np; i++) {
		int m = snprintf(dst + w, LINE - (size_t)w, "%s%s", i ? "," : "", parts[i]);
		assert_true(m >= 0 && m < LINE - w);
		w += m;
	}
}

/* "name arch version suites" lines, suites sorted, from apt list
 * --upgradable output ("name/s1,s2 version arch [upgradable from: v]"). */
static size_t read_apt_list(const char *path, char lines[][LINE], size_t max)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[1024];
	size_t n = 0;
	while (fgets(buf, sizeof(buf), f)) {
		char name[128], suites[128], version[128], arch[32];
		if (!strstr(buf, "[upgradable from:"))
			continue;
		char *slash = strchr(buf, '/');
		assert_non_null(slash);
		*slash = ' ';
		assert_int_equal(sscanf(buf, "%127s %127s %127s %31s", name, suites, version, arch), 4);
		assert_true(n < max);
		format_line(lines[n], name, arch, version, suites);
		n++;
	}
	fclose(f);
	return n;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static size_t our_lines(const struct pw_inventory *inv, char lines[][LINE], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		if (!p->candidate_version)
			continue;
		char suites[LINE];
		snprintf(suites, sizeof(suites), "%s", p->candidate_origin);
		assert_true(n < max);
		format_line(lines[n], p->name, p->arch, p->candidate_version, suites);
		n++;
	}
	qsort(lines, n, LINE, cmp_line);
	return n;
}

#define MAX_LINES 1024
static char want_lines[MAX_LINES][LINE], got_lines[MAX_LINES][LINE];

static void compare_with_apt(struct pw_inventory *inv, const char *expected)
{
	size_t nw = read_apt_list(expected, want_lines, MAX_LINES);
	qsort(want_lines, nw, LINE, cmp_line);
	size_t ng = our_lines(inv, got_lines, MAX_LINES);
	for (size_t i = 0; i < nw || i < ng; i++) {
		if (i >= nw || i >= ng || strcmp(want_lines[i], got_lines[i]))
			fail_msg("line %zu: apt '%s', ours '%s'", i, i < nw ? want_lines[i] : "-",
				 i < ng ? got_lines[i] : "-");
	}
	assert_true(nw > 0);
}

static void fixture_pins(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, PW_TEST_DATA "/apt/pins");
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_OK);
	assert_int_equal(pw_aptlists_collect(&inv, &e), PW_OK);
	assert_true(inv.has_apt_lists);
	for (size_t i = 0; i < inv.nwarnings; i++)
		fail_msg("unexpected warning: %s", inv.warnings[i]);
	compare_with_apt(&inv, PW_TEST_DATA "/apt/pins-apt-list-upgradable.txt");
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *p = &inv.pkgs[i];
		assert_int_equal(p->candidate_security, strcmp(p->name, "secfix") == 0);
	}
	pw_inventory_free(&inv);
}

/* The bundled Debian 12 lists (63,000 packages in main) and a real host's
 * status file, in a root made of symbolic links. */
static void bundled_bookworm(void **state)
{
	(void)state;
	char root[] = "/tmp/pw-aptlists-XXXXXX";
	assert_non_null(mkdtemp(root));
	static const char *const dirs[] = { "/var", "/var/lib", "/var/lib/apt", "/var/lib/dpkg" };
	char path[512];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	char lists[512], status[512];
	snprintf(lists, sizeof(lists), "%s/var/lib/apt/lists", root);
	assert_int_equal(symlink(PW_DATA_DIR "/apt/bookworm", lists), 0);
	snprintf(status, sizeof(status), "%s/var/lib/dpkg/status", root);
	assert_int_equal(symlink(PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/status", status), 0);

	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, root);
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_OK);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pw_aptlists_collect(&inv, &e), PW_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("bundled bookworm lists (3 indexes, ~64,000 stanzas): %.0f ms\n", ms);
	assert_int_equal(inv.nwarnings, 0);
	compare_with_apt(&inv, PW_TEST_DATA "/apt/bookworm-this-host-apt-list-upgradable.txt");
	size_t security = 0;
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *p = &inv.pkgs[i];
		if (p->candidate_version)
			assert_int_equal(p->candidate_security, strstr(p->candidate_origin, "-security") != NULL);
		security += p->candidate_security;
	}
	assert_true(security > 50);
	pw_inventory_free(&inv);
	assert_int_equal(unlink(lists), 0);
	assert_int_equal(unlink(status), 0);
	for (size_t i = 4; i > 0; i--) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i - 1]);
		assert_int_equal(rmdir(path), 0);
	}
	assert_int_equal(rmdir(root), 0);
}

static void fixture_broken(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, PW_TEST_DATA "/apt/broken");
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_OK);
	assert_int_equal(pw_aptlists_collect(&inv, &e), PW_OK);
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *p = &inv.pkgs[i];
		if (strcmp(p->name, "good") == 0)
			assert_string_equal(p->candidate_version, "2.0");
		else if (strcmp(p->name, "other") == 0) /* from the cut plain file */
			assert_string_equal(p->candidate_version, "7.0");
		else
			assert_null(p->candidate_version);
	}
	static const char *const want[] = {
		"preferences:1: record without Package",
		"preferences:4: pin type 'bogus'",
		"preferences:8: Pin-Priority is zero",
		"preferences:12: Pin-Priority: never",
		"preferences:16: Pin-Priority missing or out of range",
		"preferences:20: not a 'Field: value' line",
		"cut_main_binary-amd64_Packages.gz: gzip: truncated; index skipped",
		"garbage_main_binary-amd64_Packages.lz4: lz4: ",
		"good_main_binary-amd64_Packages:5: not a 'Field: value' line",
		"good_main_binary-amd64_Packages:7: stanza without Package",
		"good_main_binary-amd64_Packages:10: package noversion: stanza without Version",
		"good_main_binary-amd64_Packages:13: package other: Version '1:'",
		"norel_Release: not a Release file",
		"norel_main_binary-amd64_Packages: no Release file beside it",
		"orphan_main_binary-amd64_Packages: no Release file beside it",
		"short_main_binary-amd64_Packages:6: the file ends inside a line",
	};
	assert_int_equal(inv.nwarnings, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < inv.nwarnings; i++) {
		if (!strstr(inv.warnings[i], want[i]))
			fail_msg("warning %zu: '%s', want '%s'", i, inv.warnings[i], want[i]);
	}
	pw_inventory_free(&inv);
}

static void no_lists(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, PW_TEST_DATA "/inventory/dpkg/trivy");
	assert_int_equal(pw_aptlists_collect(&inv, &e), PW_ERR_NOTFOUND);
	assert_false(inv.has_apt_lists);
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(release_files),
		cmocka_unit_test(list_names),
		cmocka_unit_test(candidates),
		cmocka_unit_test(pins),
		cmocka_unit_test(preference_warnings),
		cmocka_unit_test(malformed_index),
		cmocka_unit_test(stream_any_cut),
		cmocka_unit_test(stream_window_overflow),
		cmocka_unit_test(stream_read_error),
		cmocka_unit_test(fixture_pins),
		cmocka_unit_test(bundled_bookworm),
		cmocka_unit_test(fixture_broken),
		cmocka_unit_test(no_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
