/* test_findings.c - the server's findings on a real SQLite file: their life
 * (first seen, fixed, reopened) in the store, the assessor on hosts of the
 * asset register with the real Debian feeds (a changed inventory, one new
 * advisory re-evaluating exactly the hosts that have its package, the
 * fully patched Debian 12 host clean), and the CPE matcher for devices. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_assessor.h"
#include "pw_audit.h"
#include "pw_clock.h"
#include "pw_cpe.h"
#include "pw_feeds.h"
#include "pw_file.h"
#include "pw_findings.h"
#include "pw_intake.h"
#include "pw_inventory_digest.h"
#include "pw_inventory_hold.h"
#include "pw_policy.h"
#include "pw_registry.h"
#include "pw_rescore.h"
#include "pw_scan.h"
#include "pw_sql.h"
#include "pw_store.h"

/* ---- CPE names and criteria ---- */

static void cpe_parse(void **state)
{
	(void)state;
	struct pw_cpe c;
	struct pw_error e;
	assert_int_equal(pw_cpe_parse("cpe:2.3:o:cisco:ios:15.2\\(4\\)m:*:*:*:*:*:*:*", &c, &e), PW_OK);
	assert_string_equal(c.attr[PW_CPE_PART], "o");
	assert_string_equal(c.attr[PW_CPE_VENDOR], "cisco");
	assert_string_equal(c.attr[PW_CPE_VERSION], "15.2(4)m");
	assert_string_equal(c.attr[PW_CPE_OTHER], "*");
	/* an escaped colon stays inside its attribute */
	assert_int_equal(pw_cpe_parse("cpe:2.3:a:vendor:prod\\:uct:1.0:*:*:*:*:*:*:*", &c, &e), PW_OK);
	assert_string_equal(c.attr[PW_CPE_PRODUCT], "prod:uct");
	/* what is not a CPE 2.3 name says why */
	assert_int_equal(pw_cpe_parse("cpe:/o:cisco:ios:15.2", &c, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "CPE 2.3"));
	assert_int_equal(pw_cpe_parse("cpe:2.3:o:cisco:ios:15.2", &c, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "attributes"));
	assert_int_equal(pw_cpe_parse("cpe:2.3:o:cisco:ios:1:*:*:*:*:*:*:*:*", &c, &e), PW_ERR_PARSE);
	assert_int_equal(pw_cpe_parse("cpe:2.3:x:cisco:ios:1:*:*:*:*:*:*:*", &c, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "part"));
	assert_int_equal(pw_cpe_parse("cpe:2.3:o::ios:1:*:*:*:*:*:*:*", &c, &e), PW_ERR_PARSE);
	assert_int_equal(pw_cpe_parse("cpe:2.3:o:cisco:ios:1:*:*:*:*:*:*:\\", &c, &e), PW_ERR_PARSE);
	char big[PW_CPE_MAX + 40] = "cpe:2.3:a:v:";
	size_t at = strlen(big);
	memset(big + at, 'p', PW_CPE_MAX);
	strcpy(big + at + PW_CPE_MAX, ":1:*:*:*:*:*:*:*");
	assert_int_equal(pw_cpe_parse(big, &c, &e), PW_ERR_LIMIT);
}

static void cpe_versions(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		int want;
	} v[] = {
		{ "1.0", "1.0", 0 },
		{ "1.0", "1.0.0", -1 },   /* goes on with a number: newer */
		{ "1.2", "1.10", -1 },    /* numerically */
		{ "1.02", "1.2", 0 },     /* leading zeros */
		{ "1.0rc1", "1.0", -1 },  /* goes on with letters: a pre-release */
		{ "1.0a", "1.0b", -1 },
		{ "1.0.1", "1.0rc1", 1 }, /* a number outranks letters */
		{ "15.2(4)m", "15.2(4)m1", -1 },
		{ "15.2(4)M", "15.2(4)m", 0 }, /* case-insensitive */
		{ "2.4.1", "2.5", -1 },
		{ "10", "9", 1 },
		{ "99999999999999999999", "100000000000000000000", -1 }, /* no overflow */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int got = pw_cpe_version_cmp(v[i].a, v[i].b);
		int back = pw_cpe_version_cmp(v[i].b, v[i].a);
		if ((got > 0) - (got < 0) != v[i].want || (back > 0) - (back < 0) != -v[i].want)
			fail_msg("%s vs %s: %d / %d, want %d", v[i].a, v[i].b, got, back, v[i].want);
	}
}

static bool cpe_match(const char *device, const char *criteria, const char *si, const char *se,
		      const char *ei, const char *ee)
{
	struct pw_cpe d, c;
	struct pw_error e;
	assert_int_equal(pw_cpe_parse(device, &d, &e), PW_OK);
	assert_int_equal(pw_cpe_parse(criteria, &c, &e), PW_OK);
	struct pw_cpe_match m = { "CVE-1", criteria, si, se, ei, ee, true };
	return pw_cpe_matches(&d, &c, &m);
}

static void cpe_ranges(void **state)
{
	(void)state;
	const char *any = "cpe:2.3:o:acme:router_os:*:*:*:*:*:*:*:*";
	const char *dev = "cpe:2.3:o:acme:router_os:2.4.1:*:*:*:*:*:*:*";
	const char *dev25 = "cpe:2.3:o:acme:router_os:2.5:*:*:*:*:*:*:*";
	/* no range: every version */
	assert_true(cpe_match(dev, any, NULL, NULL, NULL, NULL));
	/* end excluding / including */
	assert_true(cpe_match(dev, any, NULL, NULL, NULL, "2.5"));
	assert_false(cpe_match(dev25, any, NULL, NULL, NULL, "2.5"));
	assert_true(cpe_match(dev25, any, NULL, NULL, "2.5", NULL));
	assert_false(cpe_match(dev25, any, NULL, NULL, "2.4.9", NULL));
	/* start including / excluding */
	assert_true(cpe_match(dev, any, "2.4.1", NULL, NULL, "3"));
	assert_false(cpe_match(dev, any, NULL, "2.4.1", NULL, "3"));
	assert_true(cpe_match(dev25, any, NULL, "2.4.1", NULL, "3"));
	assert_false(cpe_match(dev, any, "2.4.2", NULL, NULL, NULL));
	/* a named version: that version only */
	assert_true(cpe_match(dev, "cpe:2.3:o:acme:router_os:2.4.1:*:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	assert_false(cpe_match(dev25, "cpe:2.3:o:acme:router_os:2.4.1:*:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	/* vendor, product and part must agree (any case) */
	assert_true(cpe_match(dev, "cpe:2.3:o:ACME:Router_OS:*:*:*:*:*:*:*:*", NULL, NULL, NULL, "2.5"));
	assert_false(cpe_match(dev, "cpe:2.3:o:acme:switch_os:*:*:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	assert_false(cpe_match(dev, "cpe:2.3:o:other:router_os:*:*:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	assert_false(cpe_match(dev, "cpe:2.3:a:acme:router_os:*:*:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	/* '-' (not applicable) matches only '-' */
	const char *na = "cpe:2.3:h:acme:board:-:*:*:*:*:*:*:*";
	assert_true(cpe_match(na, "cpe:2.3:h:acme:board:-:*:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	assert_false(cpe_match("cpe:2.3:h:acme:board:1.0:*:*:*:*:*:*:*",
			       "cpe:2.3:h:acme:board:-:*:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	/* an unknown device version is not assumed inside a range */
	const char *unknown = "cpe:2.3:o:acme:router_os:*:*:*:*:*:*:*:*";
	assert_false(cpe_match(unknown, any, NULL, NULL, NULL, "2.5"));
	assert_true(cpe_match(unknown, any, NULL, NULL, NULL, NULL));
	assert_false(cpe_match(na, "cpe:2.3:h:acme:board:*:*:*:*:*:*:*:*", NULL, NULL, NULL, "2"));
	/* other attributes: the criterion's ANY matches all, a value must agree */
	assert_true(cpe_match("cpe:2.3:o:acme:router_os:2.4.1:sp1:*:*:*:*:*:*",
			      "cpe:2.3:o:acme:router_os:2.4.1:sp1:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	assert_false(cpe_match("cpe:2.3:o:acme:router_os:2.4.1:sp2:*:*:*:*:*:*",
			       "cpe:2.3:o:acme:router_os:2.4.1:sp1:*:*:*:*:*:*", NULL, NULL, NULL, NULL));
	assert_true(cpe_match("cpe:2.3:o:acme:router_os:2.4.1:sp2:*:*:*:*:*:*", any, NULL, NULL,
			      NULL, NULL));
}

/* ---- the store's findings ---- */

static char db_path[64];

static struct pw_store *open_store(void)
{
	strcpy(db_path, "/tmp/pw-test-findings-XXXXXX");
	int fd = mkstemp(db_path);
	assert_true(fd >= 0);
	close(fd);
	unlink(db_path);
	struct pw_store *s;
	struct pw_error e = { 0 };
	if (pw_store_open(db_path, &s, &e) || pw_audit_migrate(s, &e) ||
	    pw_registry_migrate(s, &e) || pw_findings_migrate(s, &e) ||
	    pw_inventory_hold_migrate(s, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(pw_findings_migrate(s, &e), PW_OK); /* idempotent */
	return s;
}

static void close_store(struct pw_store *s)
{
	char p[128];
	pw_store_close(s);
	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

struct got {
	int n;
	struct {
		char vuln[64], package[64], state[8], binaries[64], hostname[64];
		int64_t host, first_seen, last_seen, fixed_at, reopened;
		int priority, score;
		bool kev;
	} v[256];
};

static pw_err got_row(void *ctx, const struct pw_finding_row *r)
{
	struct got *g = ctx;
	if (g->n == 256)
		return PW_ERR_LIMIT;
	snprintf(g->v[g->n].vuln, 64, "%s", r->vuln_id);
	snprintf(g->v[g->n].package, 64, "%s", r->package);
	snprintf(g->v[g->n].state, 8, "%s", r->state);
	snprintf(g->v[g->n].binaries, 64, "%s", r->binaries ? r->binaries : "");
	snprintf(g->v[g->n].hostname, 64, "%s", r->hostname ? r->hostname : "");
	g->v[g->n].host = r->host_id;
	g->v[g->n].first_seen = r->first_seen;
	g->v[g->n].last_seen = r->last_seen;
	g->v[g->n].fixed_at = r->fixed_at;
	g->v[g->n].reopened = r->reopened_count;
	g->v[g->n].priority = r->priority;
	g->v[g->n].score = r->score;
	g->v[g->n].kev = r->kev;
	g->n++;
	return PW_OK;
}

static void list(struct pw_store *s, const struct pw_findings_filter *f, struct got *g,
		 char *cursor)
{
	struct pw_error e;
	char next[PW_FINDINGS_CURSOR_MAX];
	g->n = 0;
	if (pw_findings_list(s, f, got_row, g, next, &e))
		fail_msg("%s", e.msg);
	if (cursor)
		strcpy(cursor, next);
}

static int find_got(const struct got *g, int64_t host, const char *vuln, const char *package)
{
	for (int i = 0; i < g->n; i++) {
		if ((!host || g->v[i].host == host) && strcmp(g->v[i].vuln, vuln) == 0 &&
		    (!package || strcmp(g->v[i].package, package) == 0))
			return i;
	}
	return -1;
}

static struct pw_finding_row row(const char *vuln, const char *package, int score, int prio,
				 bool kev)
{
	return (struct pw_finding_row){ .vuln_id = vuln, .package = package,
					.binaries = "libfoo1,foo-utils", .installed = "1.0-1",
					.fixed = "1.0-2", .fixable = true, .affect_status = "fixed",
					.patch = "yes", .score = score, .priority = prio,
					.cvss = 7.5, .epss = -1, .kev = kev, .reasons = "because" };
}

static void store_lifecycle(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e;
	struct pw_findings_delta d;
	struct got g;
	struct pw_finding_row r1[] = { row("CVE-1", "foo", 90, 1, true), row("CVE-2", "foo", 40, 3, false),
				       row("CVE-2", "foo", 10, 4, false) /* the same finding twice */ };
	assert_int_equal(pw_findings_put_host(s, 7, "web1", r1, 3, 1000, &d, &e), PW_OK);
	assert_int_equal(d.opened, 2);
	assert_int_equal(d.updated + d.fixed + d.reopened, 0);
	struct pw_finding_row other[] = { row("CVE-1", "bar", 50, 2, true) };
	other[0].binaries = "bar";
	assert_int_equal(pw_findings_put_host(s, 8, "web2", other, 1, 1000, &d, &e), PW_OK);

	/* the inventory shows CVE-2's fix: fixed, kept */
	struct pw_finding_row r2[] = { row("CVE-1", "foo", 95, 1, true) };
	assert_int_equal(pw_findings_put_host(s, 7, "web1", r2, 1, 2000, &d, &e), PW_OK);
	assert_int_equal(d.opened, 0);
	assert_int_equal(d.updated, 1);
	assert_int_equal(d.fixed, 1);
	struct pw_findings_filter all = { .host_id = 7 }, f0;
	list(s, &all, &g, NULL);
	assert_int_equal(g.n, 2);
	int i1 = find_got(&g, 7, "CVE-1", "foo"), i2 = find_got(&g, 7, "CVE-2", "foo");
	assert_true(i1 >= 0 && i2 >= 0);
	assert_string_equal(g.v[i1].state, "open");
	assert_int_equal(g.v[i1].score, 95); /* risk moves */
	assert_int_equal(g.v[i1].first_seen, 1000);
	assert_int_equal(g.v[i1].last_seen, 2000);
	assert_string_equal(g.v[i2].state, "fixed");
	assert_int_equal(g.v[i2].fixed_at, 2000);
	assert_int_equal(g.v[i2].first_seen, 1000);

	/* the same again later: nothing rewritten but last_seen */
	assert_int_equal(pw_findings_put_host(s, 7, "web1", r2, 1, 2500, &d, &e), PW_OK);
	assert_int_equal(d.updated, 1);
	assert_int_equal(d.opened + d.fixed + d.reopened, 0);
	list(s, &all, &g, NULL);
	i1 = find_got(&g, 7, "CVE-1", "foo");
	assert_int_equal(g.v[i1].last_seen, 2500);
	assert_int_equal(g.v[i1].score, 95);
	assert_int_equal(g.v[find_got(&g, 7, "CVE-2", "foo")].last_seen, 1000); /* fixed: stays */
	/* ... and renamed: rewritten */
	assert_int_equal(pw_findings_put_host(s, 7, "web1.example", r2, 1, 2600, &d, &e), PW_OK);
	f0 = (struct pw_findings_filter){ .host_id = 7, .vuln_id = "CVE-1" };
	list(s, &f0, &g, NULL);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.v[0].last_seen, 2600);
	assert_string_equal(g.v[0].hostname, "web1.example");

	/* a downgrade brings it back: reopened */
	assert_int_equal(pw_findings_put_host(s, 7, "web1", r1, 2, 3000, &d, &e), PW_OK);
	assert_int_equal(d.reopened, 1);
	assert_int_equal(d.updated, 1);
	list(s, &all, &g, NULL);
	i2 = find_got(&g, 7, "CVE-2", "foo");
	assert_string_equal(g.v[i2].state, "open");
	assert_int_equal(g.v[i2].fixed_at, 0);
	assert_int_equal(g.v[i2].reopened, 1);
	assert_int_equal(g.v[i2].first_seen, 1000);
	/* nothing at all: every open one fixed, none deleted */
	assert_int_equal(pw_findings_put_host(s, 7, "web1", NULL, 0, 4000, &d, &e), PW_OK);
	assert_int_equal(d.fixed, 2);
	list(s, &all, &g, NULL);
	assert_int_equal(g.n, 2);
	struct pw_findings_counts c;
	assert_int_equal(pw_findings_count(s, 7, &c, &e), PW_OK);
	assert_int_equal(c.open, 0);
	assert_int_equal(c.fixed, 2);
	assert_int_equal(pw_findings_put_host(s, 7, "web1", r1, 3, 5000, &d, &e), PW_OK);
	assert_int_equal(d.reopened, 2);

	/* filters */
	struct pw_findings_filter f = { .kev = true };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 2); /* CVE-1 on both hosts */
	f = (struct pw_findings_filter){ .priority = 2 };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.v[0].priority, 1); /* most urgent first */
	assert_int_equal(g.v[1].priority, 2);
	f = (struct pw_findings_filter){ .package = "foo-utils" }; /* an installed binary */
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 2);
	f = (struct pw_findings_filter){ .package = "foo_utils" }; /* '_' is no wildcard */
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 0);
	f = (struct pw_findings_filter){ .package = "foo%" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 0);
	f = (struct pw_findings_filter){ .package = "foo" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 2);
	f = (struct pw_findings_filter){ .vuln_id = "CVE-1", .state = "open" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 2);
	int64_t members[] = { 8 };
	f = (struct pw_findings_filter){ .hosts = members, .nhosts = 1, .use_hosts = true };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.v[0].host, 8);
	f = (struct pw_findings_filter){ .use_hosts = true }; /* an empty group */
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 0);
	f = (struct pw_findings_filter){ .state = "closed" };
	char next[PW_FINDINGS_CURSOR_MAX];
	assert_int_equal(pw_findings_list(s, &f, got_row, &g, next, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "closed"));
	int64_t hosts;
	assert_int_equal(pw_findings_vuln_hosts(s, "CVE-1", NULL, &hosts, &e), PW_OK);
	assert_int_equal(hosts, 2);
	assert_int_equal(pw_findings_vuln_hosts(s, "CVE-2", "CVE-1", &hosts, &e), PW_OK);
	assert_int_equal(hosts, 2); /* distinct hosts over both ids */
	assert_int_equal(pw_findings_vuln_hosts(s, "CVE-9", NULL, &hosts, &e), PW_OK);
	assert_int_equal(hosts, 0);

	/* pages of one, in order, each finding once */
	char cursor[PW_FINDINGS_CURSOR_MAX] = "";
	int seen = 0, last_prio = 0;
	for (;;) {
		f = (struct pw_findings_filter){ .limit = 1, .cursor = cursor[0] ? cursor : NULL };
		list(s, &f, &g, cursor);
		if (!g.n)
			break;
		assert_int_equal(g.n, 1);
		assert_true(g.v[0].priority >= last_prio);
		last_prio = g.v[0].priority;
		seen++;
		assert_true(seen <= 3);
	}
	assert_int_equal(seen, 3);
	static const char *const bad[] = { "x", "1.2", "1.2.3.4", "1..2", "-1.2.3", "1.2.3x",
					    "1.2.99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = (struct pw_findings_filter){ .cursor = bad[i] };
		assert_int_equal(pw_findings_list(s, &f, got_row, &g, next, &e), PW_ERR_INVALID);
	}

	/* a bad row writes nothing: the transaction is undone */
	struct pw_finding_row badrows[] = { row("CVE-3", "foo", 50, 2, false),
					    row("CVE-4", "foo", 500, 9, false) };
	assert_int_equal(pw_findings_put_host(s, 7, "web1", badrows, 2, 6000, &d, &e), PW_ERR_USAGE);
	f = (struct pw_findings_filter){ .vuln_id = "CVE-3" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 0);

	/* the assessor's own numbers */
	int64_t v;
	bool found;
	assert_int_equal(pw_findings_state_get(s, "x", &v, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_findings_state_put(s, "x", 42, &e), PW_OK);
	assert_int_equal(pw_findings_state_put(s, "x", 43, &e), PW_OK);
	assert_int_equal(pw_findings_state_get(s, "x", &v, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(v, 43);
	close_store(s);
}

/* ---- the assessor on the asset register ---- */

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

/* One new advisory record (and CPE criteria) in the store. */
static void import_record(struct pw_store *s, const char *id, const struct pw_affected *a, size_t n,
			  const struct pw_cpe_match *cpes, size_t ncpes)
{
	struct pw_feed_sink sink;
	struct pw_import_stats st;
	struct pw_error e;
	struct pw_vuln v = { .id = n ? a[0].vuln_id : cpes[0].vuln_id, .cvss_score = 9.8 };
	/* the record's own id is an alias of its vulnerability, as the
	 * Debian and OSV importers give it */
	const char *alias[] = { id };
	if (strcmp(id, v.id) != 0) {
		v.aliases = alias;
		v.naliases = 1;
	}
	struct pw_feed_record r = { "osv", id, &v, 1, a, n, cpes, ncpes };
	assert_int_equal(pw_store_import_begin(s, "osv", &sink, &st, &e), PW_OK);
	assert_int_equal(sink.record(sink.ctx, &r, &e), PW_OK);
	assert_int_equal(pw_store_import_commit(s, &e), PW_OK);
}

/* A Debian 11 inventory of source packages (binary = source). */
static void deb11(struct pw_inventory *inv, const char *host, const char *const *pkgs)
{
	pw_inventory_init(inv, "/");
	inv->host.machine_id = pw_inventory_strdup(inv, host);
	inv->host.hostname = inv->host.machine_id;
	inv->host.os_id = "debian";
	inv->host.os_version_id = "11";
	inv->host.os_codename = "bullseye";
	inv->has_dpkg = true;
	for (size_t i = 0; pkgs[i]; i += 2) {
		struct pw_package *p = pw_inventory_add_package(inv, PW_FAMILY_DEB);
		assert_non_null(p);
		p->state = PW_STATE_INSTALLED;
		p->name = p->source_name = pkgs[i];
		p->version = p->source_version = pkgs[i + 1];
		p->arch = "amd64";
	}
}

/* Put inv as the host's inventory (creating the host); any failure fails the
 * test. */
static void put_host(struct pw_store *s, const char *machine_id, struct pw_inventory *inv,
		     int64_t *id)
{
	struct pw_error e = { 0 };
	char digest[PW_INVENTORY_DIGEST_SIZE];
	bool created;
	struct pw_inventory_delta delta;
	assert_int_equal(pw_inventory_digest(inv, digest, &e), PW_OK);
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	pw_err rc = pw_registry_host_ensure(s, PW_HOST_IMPORT, machine_id, machine_id, NULL,
					    pw_clock_now(), id, &created, &e);
	if (rc || pw_registry_put_inventory(s, *id, inv, digest, pw_clock_now(), &delta, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
}

static void log_line(void *ctx, const char *level, const char *msg)
{
	(void)ctx;
	printf("# %s: %s\n", level, msg);
}

static void run(struct pw_assessor *a, struct pw_store *s, struct pw_assess_run *r)
{
	struct pw_error e = { 0 };
	if (pw_assessor_run(a, s, r, &e))
		fail_msg("assessor: %s", e.msg);
	char line[512];
	pw_assess_run_describe(r, line, sizeof(line));
	printf("# %s\n", line);
}

static int count_state(struct pw_store *s, int64_t host, const char *package, const char *state)
{
	struct got g;
	struct pw_findings_filter f = { .host_id = host, .package = package, .state = state };
	list(s, &f, &g, NULL);
	return g.n;
}

static void assessor_lifecycle_and_incremental(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e = { 0 };
	pw_clock_set(1700000000);
	import_path(s, "debian/security-tracker/DSA-list");
	import_path(s, "kev/known_exploited_vulnerabilities.json");

	static const char *const p1[] = { "curl", "7.74.0-1.3+deb11u1", "sudo", "1.9.5p2-3", NULL };
	static const char *const p2[] = { "curl", "7.74.0-1.3+deb11u1", "zlib", "1:1.2.11.dfsg-2", NULL };
	static const char *const p3[] = { "sudo", "1.9.5p2-3", "bash", "5.1-2", NULL };
	struct pw_inventory inv[3];
	int64_t id[3];
	deb11(&inv[0], "host-a", p1);
	deb11(&inv[1], "host-b", p2);
	deb11(&inv[2], "host-c", p3);
	put_host(s, "host-a", &inv[0], &id[0]);
	put_host(s, "host-b", &inv[1], &id[1]);
	put_host(s, "host-c", &inv[2], &id[2]);

	struct pw_assessor *a;
	struct pw_assess_run r;
	assert_int_equal(pw_assessor_new(PW_DATA_DIR "/../dist/policy.ini", log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	assert_int_equal(r.hosts, 3);
	assert_int_equal(r.changed, 3);
	assert_true(r.opened > 3);
	int curl_b = count_state(s, id[1], "curl", "open");
	assert_true(curl_b >= 3); /* deb11u2, u5, u7 fixes of the DSA list */
	assert_true(count_state(s, id[0], "sudo", "open") >= 1);
	assert_int_equal(count_state(s, id[2], "curl", NULL), 0);

	/* nothing changed: nothing written */
	run(a, s, &r);
	assert_int_equal(r.hosts, 0);
	assert_int_equal(r.evaluations, 0);

	/* host-b upgrades curl past every fix: its curl findings are fixed */
	pw_clock_set(1700001000);
	pw_inventory_free(&inv[1]);
	static const char *const p2u[] = { "curl", "7.74.0-1.3+deb11u99", "zlib", "1:1.2.11.dfsg-2", NULL };
	deb11(&inv[1], "host-b", p2u);
	put_host(s, "host-b", &inv[1], &id[1]);
	run(a, s, &r);
	assert_int_equal(r.hosts, 1);
	assert_int_equal(r.changed, 1);
	assert_int_equal(r.fixed, curl_b);
	assert_int_equal(count_state(s, id[1], "curl", "open"), 0);
	assert_int_equal(count_state(s, id[1], "curl", "fixed"), curl_b);
	assert_int_equal(count_state(s, id[0], "curl", "open"), curl_b); /* host-a untouched */
	struct got g;
	struct pw_findings_filter f = { .host_id = id[1], .package = "curl" };
	list(s, &f, &g, NULL);
	for (int i = 0; i < g.n; i++) {
		assert_int_equal(g.v[i].fixed_at, 1700001000);
		assert_int_equal(g.v[i].first_seen, 1700000000);
	}

	/* ... and downgrades again: reopened */
	pw_clock_set(1700002000);
	pw_inventory_free(&inv[1]);
	deb11(&inv[1], "host-b", p2);
	put_host(s, "host-b", &inv[1], &id[1]);
	run(a, s, &r);
	assert_int_equal(r.reopened, curl_b);
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, curl_b);
	for (int i = 0; i < g.n; i++) {
		assert_string_equal(g.v[i].state, "open");
		assert_int_equal(g.v[i].fixed_at, 0);
		assert_int_equal(g.v[i].reopened, 1);
		assert_int_equal(g.v[i].first_seen, 1700000000);
	}

	/* one new advisory for sudo: exactly the two hosts having sudo are
	 * evaluated again, one distinct (key, version) evaluation */
	struct pw_affected adv = { .vuln_id = "CVE-2099-0001", .distro = "debian", .release = "11",
				   .package = "sudo", .status = PW_AFFECT_FIXED,
				   .fixed = "1.9.5p2-3+deb11u9", .advisory = "DSA-9999-1" };
	import_record(s, "DSA-9999-1", &adv, 1, NULL, 0);
	run(a, s, &r);
	assert_true(r.feeds_changed);
	assert_int_equal(r.advisory_keys, 1);
	assert_int_equal(r.touched, 2);
	assert_int_equal(r.hosts, 2);
	assert_int_equal(r.evaluations, 1); /* both hosts have the same sudo version */
	assert_int_equal(r.opened, 2);
	f = (struct pw_findings_filter){ .vuln_id = "CVE-2099-0001" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 2);
	assert_true(find_got(&g, id[0], "CVE-2099-0001", "sudo") >= 0);
	assert_true(find_got(&g, id[2], "CVE-2099-0001", "sudo") >= 0);
	/* the same findings by the advisory's name */
	f = (struct pw_findings_filter){ .vuln_id = "DSA-9999-1" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 2);
	f = (struct pw_findings_filter){ .vuln_id = "DSA-9999-1", .host_id = id[0] };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 1);

	/* host-c retired: a change touching sudo writes host-a only */
	struct pw_affected adv3 = adv;
	adv3.vuln_id = "CVE-2099-0003";
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	if (pw_registry_host_retire(s, id[2], pw_clock_now(), "local:test", &e))
		fail_msg("%s", e.msg);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	import_record(s, "DSA-9999-3", &adv3, 1, NULL, 0);
	run(a, s, &r);
	assert_int_equal(r.hosts, 1);
	f = (struct pw_findings_filter){ .vuln_id = "CVE-2099-0003" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.v[0].host, id[0]);

	/* a run that fails after catching up with the feeds: the next one
	 * still writes what the change touched */
	assert_int_equal(pw_sql_exec(s, "CREATE TRIGGER fail_once BEFORE INSERT ON findings"
				     " WHEN NEW.vuln_id = 'CVE-2099-0004'"
				     " BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END",
				     PW_SQL_NOARGS, &e),
			 PW_OK);
	struct pw_affected adv4 = adv;
	adv4.vuln_id = "CVE-2099-0004";
	import_record(s, "DSA-9999-4", &adv4, 1, NULL, 0);
	assert_int_not_equal(pw_assessor_run(a, s, &r, &e), PW_OK);
	assert_non_null(strstr(e.msg, "the disk is on fire"));
	assert_int_equal(pw_sql_exec(s, "DROP TRIGGER fail_once", PW_SQL_NOARGS, &e), PW_OK);
	run(a, s, &r);
	assert_int_equal(r.hosts, 1);
	assert_int_equal(r.opened, 1);
	f = (struct pw_findings_filter){ .vuln_id = "CVE-2099-0004" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 1);

	/* a second assessor (a restarted server) writes nothing: the store is
	 * current with the feeds it saw */
	struct pw_assessor *b;
	assert_int_equal(pw_assessor_new(NULL, log_line, NULL, &b, &e), PW_OK);
	run(b, s, &r);
	assert_int_equal(r.hosts, 0);
	/* ... and catches up with a change like the first */
	struct pw_affected adv2 = adv;
	adv2.fixed = "1.9.5p2-3+deb11u10";
	import_record(s, "DSA-9999-1", &adv2, 1, NULL, 0);
	run(b, s, &r);
	assert_int_equal(r.touched, 1); /* host-a: host-c is retired */
	pw_assessor_free(b);

	pw_assessor_free(a);
	for (int i = 0; i < 3; i++)
		pw_inventory_free(&inv[i]);
	pw_clock_set(-1);
	close_store(s);
}

/* ---- the fully patched Debian 12 host ---- */

/* A pending security update no advisory names is a finding of kind
 * update on the server too: stored with its class and repository, listed
 * by kind, fixed when the update is installed, as advisory findings are. */
struct kind_rows {
	int n;
	char kind[16], cls[16], repo[64], vuln[32], fixed[32];
};

static pw_err kind_row(void *ctx, const struct pw_finding_row *r)
{
	struct kind_rows *k = ctx;
	k->n++;
	snprintf(k->kind, sizeof(k->kind), "%s", r->kind ? r->kind : "");
	snprintf(k->cls, sizeof(k->cls), "%s", r->update_class ? r->update_class : "");
	snprintf(k->repo, sizeof(k->repo), "%s", r->repository ? r->repository : "");
	snprintf(k->vuln, sizeof(k->vuln), "%s", r->vuln_id);
	snprintf(k->fixed, sizeof(k->fixed), "%s", r->fixed ? r->fixed : "");
	return PW_OK;
}

static void list_kind(struct pw_store *s, int64_t host, const char *kind, const char *state,
		      struct kind_rows *k)
{
	struct pw_error e = { 0 };
	char next[PW_FINDINGS_CURSOR_MAX];
	struct pw_findings_filter f = { .host_id = host, .kind = kind, .state = state };
	memset(k, 0, sizeof(*k));
	if (pw_findings_list(s, &f, kind_row, k, next, &e))
		fail_msg("%s", e.msg);
}

static void pending_security_updates(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e = { 0 };
	pw_clock_set(1700000000);
	/* the DSA list knows bullseye's curl, nothing of this glibc update */
	import_path(s, "debian/security-tracker/DSA-list");
	static const char *const pkgs[] = { "curl", "7.74.0-1.3+deb11u1", "glibc", "2.31-13+deb11u5",
					    NULL };
	struct pw_inventory inv;
	int64_t id;
	deb11(&inv, "host-u", pkgs);
	struct pw_package *libc = &inv.pkgs[1];
	libc->candidate_version = "2.31-13+deb11u11";
	libc->candidate_origin = "oldoldstable-security";
	libc->candidate_security = true;
	inv.has_apt_lists = true;
	put_host(s, "host-u", &inv, &id);
	struct pw_assessor *a;
	struct pw_assess_run r;
	assert_int_equal(pw_assessor_new(PW_DATA_DIR "/../dist/policy.ini", log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	struct kind_rows k;
	list_kind(s, id, "update", "open", &k);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.kind, "update");
	assert_string_equal(k.cls, "security");
	assert_string_equal(k.repo, "oldoldstable-security");
	assert_string_equal(k.vuln, "security-update");
	assert_string_equal(k.fixed, "2.31-13+deb11u11");
	list_kind(s, id, "vulnerability", "open", &k);
	assert_true(k.n >= 1); /* curl's DSAs */
	assert_string_equal(k.kind, "vulnerability");
	assert_int_equal(count_state(s, id, "glibc", "open"), 1);
	struct kind_rows bad;
	char next[PW_FINDINGS_CURSOR_MAX];
	struct pw_findings_filter f = { .kind = "patch" };
	assert_int_equal(pw_findings_list(s, &f, kind_row, &bad, next, &e), PW_ERR_INVALID);

	/* the update is installed: the finding is fixed */
	pw_clock_set(1700001000);
	pw_inventory_free(&inv);
	static const char *const up[] = { "curl", "7.74.0-1.3+deb11u1", "glibc", "2.31-13+deb11u11",
					  NULL };
	deb11(&inv, "host-u", up);
	inv.has_apt_lists = true;
	put_host(s, "host-u", &inv, &id);
	run(a, s, &r);
	assert_int_equal(r.fixed, 1);
	list_kind(s, id, "update", "open", &k);
	assert_int_equal(k.n, 0);
	list_kind(s, id, "update", "fixed", &k);
	assert_int_equal(k.n, 1);
	assert_int_equal(count_state(s, id, "glibc", "fixed"), 1);
	pw_assessor_free(a);
	pw_inventory_free(&inv);
	close_store(s);
}

static void copy_file(const char *from, const char *to)
{
	struct pw_file f;
	struct pw_error e;
	if (pw_file_read(&f, from, &e))
		fail_msg("%s", e.msg);
	FILE *out = fopen(to, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(f.data.ptr, 1, f.data.len, out), f.data.len);
	assert_int_equal(fclose(out), 0);
	pw_file_close(&f);
}

static void fully_patched_debian12(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e = { 0 };
	import_path(s, "debian/security-tracker/DSA-list");
	import_path(s, "debian/security-tracker/DLA-list");
	import_path(s, "debian/tracker-json/osvdev-tracker-mock.json");
	import_path(s, "debian/tracker-json/vunnel-debian.json");
	import_path(s, "nvd");

	/* a root with the real status file and the bundled bookworm lists */
	char root[] = "/tmp/pw-test-bookworm-XXXXXX", p[512], q[512];
	assert_non_null(mkdtemp(root));
	static const char *const dirs[] = { "/etc", "/var", "/var/lib", "/var/lib/dpkg", "/var/lib/apt",
					    "/var/lib/apt/lists" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
	}
	static const char *const lists[] = {
		"deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
		"deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4",
		"deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4",
		"deb.debian.org_debian_dists_bookworm_InRelease",
		"deb.debian.org_debian_dists_bookworm-updates_InRelease",
		"deb.debian.org_debian-security_dists_bookworm-security_InRelease",
	};
	const size_t nlists = sizeof(lists) / sizeof(lists[0]);
	snprintf(p, sizeof(p), "%s/var/lib/dpkg/status", root);
	copy_file(PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/status", p);
	snprintf(p, sizeof(p), "%s/etc/os-release", root);
	copy_file(PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/os-release", p);
	for (size_t i = 0; i < nlists; i++) {
		snprintf(p, sizeof(p), "%s/apt/bookworm/%s", PW_DATA_DIR, lists[i]);
		snprintf(q, sizeof(q), "%s/var/lib/apt/lists/%s", root, lists[i]);
		copy_file(p, q);
	}
	struct pw_inventory inv;
	pw_inventory_init(&inv, root);
	struct pw_scan_options so = { .root = root };
	if (pw_scan(&inv, &so, &e))
		fail_msg("%s", e.msg);
	/* every package raised to its pending update */
	size_t raised = 0;
	for (size_t i = 0; i < inv.npkgs; i++) {
		struct pw_package *pk = &inv.pkgs[i];
		if (!pk->candidate_version)
			continue;
		pk->version = pk->candidate_version;
		char sv[256];
		snprintf(sv, sizeof(sv), "%s", pk->candidate_version);
		char *b = strstr(sv, "+b"); /* a binNMU's source version has no +bN */
		if (b && b[2] >= '0' && b[2] <= '9' && strspn(b + 2, "0123456789") == strlen(b + 2))
			*b = '\0';
		pk->source_version = pw_inventory_strdup(&inv, sv);
		pk->candidate_version = NULL;
		pk->candidate_origin = NULL;
		raised++;
	}
	assert_true(raised > 10);
	assert_true(inv.npkgs > 800);
	int64_t id;
	put_host(s, "bookworm", &inv, &id);
	struct pw_assessor *a;
	struct pw_assess_run r;
	assert_int_equal(pw_assessor_new(NULL, log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	assert_int_equal(r.hosts, 1);
	assert_int_equal(r.skipped, 0);
	struct pw_findings_filter f = { .host_id = id, .fixable = true };
	struct got g;
	list(s, &f, &g, NULL);
	for (int i = 0; i < g.n; i++)
		fprintf(stderr, "fixable: %s %s\n", g.v[i].vuln, g.v[i].package);
	assert_int_equal(g.n, 0);
	/* not vacuous: the host has findings with no fix (CVE-2016-1585, apparmor) */
	f = (struct pw_findings_filter){ .host_id = id, .vuln_id = "CVE-2016-1585" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0].package, "apparmor");
	assert_non_null(strstr(g.v[0].binaries, "libapparmor1"));
	pw_assessor_free(a);
	pw_inventory_free(&inv);
	close_store(s);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "%s", root);
	/* remove the sandbox (files we wrote, no shell) */
	snprintf(p, sizeof(p), "%s/var/lib/dpkg/status", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/etc/os-release", root);
	unlink(p);
	for (size_t i = 0; i < nlists; i++) {
		snprintf(q, sizeof(q), "%s/var/lib/apt/lists/%s", root, lists[i]);
		unlink(q);
	}
	for (size_t i = sizeof(dirs) / sizeof(dirs[0]); i-- > 0;) {
		snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
		rmdir(p);
	}
	rmdir(cmd);
}

/* ---- devices by CPE, on the real NVD data; KEV moving the risk ---- */

static void bad_line(void *ctx, size_t line, const char *field, const char *reason)
{
	(void)ctx;
	fail_msg("device CSV line %zu, %s: %s", line, field, reason);
}

static void devices_and_rescoring(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e = { 0 };
	pw_clock_set(1800000000);
	import_path(s, "nvd");
	import_path(s, "debian/security-tracker/DSA-list");
	/* NVD: CVE-2023-24256 in cpe:2.3:o:nio:aspen:* before 3.3.0 */
	static const char csv[] =
		"vendor,product,version,cpe,hostname\n"
		"nio,aspen,3.2.1,cpe:2.3:o:nio:aspen:3.2.1:*:*:*:*:*:*:*,car1\n"
		"nio,aspen,3.3.0,cpe:2.3:o:nio:aspen:3.3.0:*:*:*:*:*:*:*,car2\n"
		"acme,widget,1.0,cpe:2.3:h:acme:widget:1.0:*:*:*:*:*:*:*,widget1\n";
	struct pw_device_import di;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	pw_err rc = pw_registry_import_devices(s, csv, sizeof(csv) - 1, pw_clock_now(), "local:test",
					       &di, bad_line, NULL, &e);
	if (rc)
		fail_msg("%s", e.msg);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_int_equal(di.created, 3);
	static const char *const p1[] = { "curl", "7.74.0-1.3+deb11u1", NULL };
	struct pw_inventory inv;
	int64_t web;
	deb11(&inv, "web", p1);
	put_host(s, "web", &inv, &web);

	struct pw_assessor *a;
	struct pw_assess_run r;
	assert_int_equal(pw_assessor_new(NULL, log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	assert_int_equal(r.devices, 3);
	assert_int_equal(r.hosts, 4);
	struct got g;
	struct pw_findings_filter f = { .vuln_id = "CVE-2023-24256" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 1); /* car1 only: car2 has the fix */
	assert_string_equal(g.v[0].package, "nio:aspen");
	assert_string_equal(g.v[0].state, "open");
	f = (struct pw_findings_filter){ .package = "acme:widget" };
	list(s, &f, &g, NULL);
	assert_int_equal(g.n, 0);

	/* nothing changed: the devices are not matched again */
	run(a, s, &r);
	assert_int_equal(r.hosts, 0);
	assert_int_equal(r.devices, 0);

	/* KEV changed: every host's findings are scored again, nothing is
	 * evaluated again */
	struct pw_feed_state st = { .feed = "kev", .url = "test", .last_checked = 1800000000,
				    .last_changed = 1800000000, .records = 1 };
	assert_int_equal(pw_store_feed_state_put(s, &st, &e), PW_OK);
	run(a, s, &r);
	assert_int_equal(r.rescored, 1); /* the one host with packages */
	assert_int_equal(r.devices, 3);  /* and the devices */
	assert_int_equal(r.evaluations, 0);
	assert_int_equal(r.opened + r.fixed + r.reopened, 0);
	run(a, s, &r);
	assert_int_equal(r.hosts, 0);
	/* a day later (a KEV due date may have passed): scored again */
	pw_clock_set(1800000000 + 86400);
	run(a, s, &r);
	assert_int_equal(r.rescored, 1);
	assert_int_equal(r.evaluations, 0);
	run(a, s, &r);
	assert_int_equal(r.hosts, 0);
	pw_clock_set(-1);
	pw_assessor_free(a);
	pw_inventory_free(&inv);
	close_store(s);
}

/* ---- inventories that would close every finding ---- */

/* Offer inv to host id through the guard, in its own transaction. */
static struct pw_intake offer(struct pw_store *s, int64_t id, struct pw_inventory *inv,
			      int max_loss)
{
	struct pw_error e = { 0 };
	struct pw_intake in;
	char digest[PW_INVENTORY_DIGEST_SIZE];
	assert_int_equal(pw_inventory_digest(inv, digest, &e), PW_OK);
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	if (pw_intake_inventory(s, id, inv, digest, pw_clock_now(), max_loss, "local:test", &in, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	return in;
}

static pw_err int_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

static int64_t audited(struct pw_store *s, const char *action)
{
	int64_t n = -1;
	struct pw_error e = { 0 };
	assert_int_equal(pw_sql_run(s, "SELECT count(*) FROM audit_log WHERE action = $1",
				    PW_SQL_ARGS(PW_SQL_T(action)), int_row, &n, NULL, &e),
			 PW_OK);
	return n;
}

static void collapsed_inventory_keeps_findings(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e = { 0 };
	pw_clock_set(1800000000);
	import_path(s, "debian/security-tracker/DSA-list");
	import_path(s, "debian/security-tracker/DLA-list");
	static const char *const pkgs[] = { "curl", "7.74.0-1.3+deb11u1", "sudo", "1.9.5p2-3",
					    "zlib", "1:1.2.11.dfsg-2", "bash", "5.1-2", NULL };
	struct pw_inventory inv, empty, few, broken;
	int64_t web;
	deb11(&inv, "web", pkgs);
	put_host(s, "web", &inv, &web);
	struct pw_assessor *a;
	struct pw_assess_run r;
	assert_int_equal(pw_assessor_new(NULL, log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	int open0 = count_state(s, web, NULL, "open");
	assert_true(open0 > 0);

	/* a scan of an empty root: no package at all, held with the reason */
	static const char *const none[] = { NULL };
	deb11(&empty, "web", none);
	empty.has_dpkg = false;
	struct pw_intake in = offer(s, web, &empty, PW_INVENTORY_MAX_LOSS_DEFAULT);
	assert_true(in.held);
	assert_non_null(strstr(in.reason, "no package, the host had 4"));
	assert_non_null(strstr(in.reason, "no package database"));
	run(a, s, &r);
	assert_int_equal(r.fixed, 0);
	assert_int_equal(count_state(s, web, NULL, "open"), open0);
	assert_int_equal(count_state(s, web, NULL, "fixed"), 0);
	struct pw_inventory_held h;
	bool found;
	assert_int_equal(pw_inventory_hold_get(s, web, &h, NULL, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(h.packages, 0);
	assert_int_equal(audited(s, "host.inventory_held"), 1);
	struct pw_host host;
	struct pw_arena ar;
	pw_arena_init(&ar);
	assert_int_equal(pw_registry_host_get(s, web, &ar, &host, &e), PW_OK);
	assert_int_equal(host.npackages, 4); /* the stored inventory is untouched */
	pw_arena_free(&ar);

	/* 3 of 4 packages lost: more than 50%, held; allowed at 80% */
	static const char *const one[] = { "curl", "7.74.0-1.3+deb11u1", NULL };
	deb11(&few, "web", one);
	in = offer(s, web, &few, 50);
	assert_true(in.held);
	assert_non_null(strstr(in.reason, "75% fewer than the 4 stored"));
	/* a document that says its package database could not be read: held
	 * even with every package listed */
	deb11(&broken, "web", pkgs);
	assert_int_equal(pw_inventory_add_db_error(&broken, "rpm: rpmdb.sqlite: malformed"), PW_OK);
	in = offer(s, web, &broken, 100);
	assert_true(in.held);
	assert_non_null(strstr(in.reason, "rpm: rpmdb.sqlite: malformed"));
	run(a, s, &r);
	assert_int_equal(count_state(s, web, NULL, "open"), open0);

	/* the next good inventory supersedes the held one */
	in = offer(s, web, &inv, 50);
	assert_false(in.held);
	assert_true(in.superseded);
	assert_int_equal(pw_inventory_hold_get(s, web, &h, NULL, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(audited(s, "host.held_inventory_superseded"), 1);

	/* an admin accepts a held one: applied as uploaded, and only then
	 * are the findings fixed */
	in = offer(s, web, &empty, 50);
	assert_true(in.held);
	struct pw_inventory_delta d;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_intake_accept_held(s, web, pw_clock_now(), "local:admin", &d, &e), PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_int_equal(d.removed, 4);
	assert_int_equal(audited(s, "host.accept_inventory"), 1);
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_intake_accept_held(s, web, pw_clock_now(), "local:admin", &d, &e),
			 PW_ERR_NOTFOUND);
	pw_store_rollback(s);
	run(a, s, &r);
	assert_int_equal(count_state(s, web, NULL, "open"), 0);
	assert_int_equal(count_state(s, web, NULL, "fixed"), open0);

	/* a first inventory has nothing to lose: applied */
	int64_t other;
	put_host(s, "other", &empty, &other);
	assert_false(offer(s, other, &empty, 50).held);

	/* the setting's syntax */
	int pct;
	assert_true(pw_inventory_parse_loss("50%", &pct) && pct == 50);
	assert_true(pw_inventory_parse_loss("100", &pct) && pct == 100);
	assert_false(pw_inventory_parse_loss("0%", &pct));
	assert_false(pw_inventory_parse_loss("101%", &pct));
	assert_false(pw_inventory_parse_loss("50 %", &pct));
	assert_false(pw_inventory_parse_loss("", &pct));
	pw_clock_set(-1);
	pw_assessor_free(a);
	pw_inventory_free(&inv);
	pw_inventory_free(&empty);
	pw_inventory_free(&few);
	pw_inventory_free(&broken);
	close_store(s);
}

/* ---- risk moves with the host's attributes and the policy ---- */

struct scores {
	int n;
	int64_t id[64];
	int score[64], priority[64];
	char reasons[64][512];
};

static pw_err score_row(void *ctx, const struct pw_finding_row *r)
{
	struct scores *sc = ctx;
	if (sc->n == 64)
		return PW_ERR_LIMIT;
	sc->id[sc->n] = r->id;
	sc->score[sc->n] = r->score;
	sc->priority[sc->n] = r->priority;
	snprintf(sc->reasons[sc->n], sizeof(sc->reasons[0]), "%s", r->reasons ? r->reasons : "");
	sc->n++;
	return PW_OK;
}

/* The host's open findings by id. */
static void scores_of(struct pw_store *s, int64_t host, struct scores *sc)
{
	struct pw_error e;
	char next[PW_FINDINGS_CURSOR_MAX];
	struct pw_findings_filter f = { .host_id = host, .state = "open" };
	sc->n = 0;
	if (pw_findings_list(s, &f, score_row, sc, next, &e))
		fail_msg("%s", e.msg);
	for (int i = 1; i < sc->n; i++) { /* insertion sort by id */
		for (int j = i; j > 0 && sc->id[j - 1] > sc->id[j]; j--) {
			struct scores t;
			t.id[0] = sc->id[j]; t.score[0] = sc->score[j]; t.priority[0] = sc->priority[j];
			memcpy(t.reasons[0], sc->reasons[j], sizeof(t.reasons[0]));
			sc->id[j] = sc->id[j - 1]; sc->score[j] = sc->score[j - 1];
			sc->priority[j] = sc->priority[j - 1];
			memcpy(sc->reasons[j], sc->reasons[j - 1], sizeof(t.reasons[0]));
			sc->id[j - 1] = t.id[0]; sc->score[j - 1] = t.score[0];
			sc->priority[j - 1] = t.priority[0];
			memcpy(sc->reasons[j - 1], t.reasons[0], sizeof(t.reasons[0]));
		}
	}
}

static bool is_dirty(struct pw_store *s, int64_t host)
{
	struct pw_error e = { 0 };
	struct pw_host h;
	struct pw_arena ar;
	pw_arena_init(&ar);
	assert_int_equal(pw_registry_host_get(s, host, &ar, &h, &e), PW_OK);
	pw_arena_free(&ar);
	return h.needs_assessment;
}

static void attributes_and_policy_rescore(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e = { 0 };
	pw_clock_set(1800000000);
	import_path(s, "debian/security-tracker/DSA-list");
	import_path(s, "kev/known_exploited_vulnerabilities.json");
	static const char *const pkgs[] = { "curl", "7.74.0-1.3+deb11u1", "sudo", "1.9.5p2-3", NULL };
	struct pw_inventory inv;
	int64_t web;
	deb11(&inv, "web", pkgs);
	put_host(s, "web", &inv, &web);
	struct pw_assessor *a;
	struct pw_assess_run r;
	assert_int_equal(pw_assessor_new(NULL, log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	struct scores before, now, assessed;
	scores_of(s, web, &before);
	assert_true(before.n > 0);
	assert_false(is_dirty(s, web));

	/* the owner does not move the risk: not marked */
	struct pw_host_patch owner = { .set_owner = true, .owner = "team-a" };
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_host_update(s, web, &owner, "local:test", &e), PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_false(is_dirty(s, web));

	/* internet-facing, criticality 5, production: scored again in the
	 * transaction of the change, and marked for the assessor */
	struct pw_host_patch p = { .set_exposure = true, .exposure = "internet",
				   .set_criticality = true, .criticality = 5,
				   .set_environment = true, .environment = "production" };
	struct pw_policy policy;
	pw_policy_defaults(&policy);
	uint64_t moved = 0;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_host_update(s, web, &p, "local:test", &e), PW_OK);
	assert_int_equal(pw_rescore_host(s, web, &policy, &moved, &e), PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_int_equal((int)moved, before.n);
	assert_true(is_dirty(s, web));
	scores_of(s, web, &now);
	assert_int_equal(now.n, before.n);
	for (int i = 0; i < now.n; i++) {
		assert_int_equal(now.id[i], before.id[i]);
		/* +10 internet-facing, +6 criticality 5, +3 production, capped at 100 */
		assert_true(now.score[i] == 100 || now.score[i] == before.score[i] + 19);
		assert_true(now.priority[i] <= before.priority[i]);
		assert_non_null(strstr(now.reasons[i], "internet-facing"));
	}
	/* the assessor's own run agrees with the immediate score, and clears the mark */
	run(a, s, &r);
	assert_int_equal(r.changed, 1);
	assert_false(is_dirty(s, web));
	scores_of(s, web, &assessed);
	for (int i = 0; i < now.n; i++) {
		assert_int_equal(assessed.score[i], now.score[i]);
		assert_int_equal(assessed.priority[i], now.priority[i]);
	}
	pw_assessor_free(a);

	/* the server starts again with the same policy: nothing to write */
	assert_int_equal(pw_assessor_new(NULL, log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	assert_int_equal(r.hosts, 0);
	pw_assessor_free(a);

	/* ... and with other weights: every finding scored again at once */
	char policy_path[64];
	strcpy(policy_path, "/tmp/pw-test-policy-XXXXXX");
	int fd = mkstemp(policy_path);
	assert_true(fd >= 0);
	static const char ini[] = "[weights]\ninternet_facing = 20\n";
	assert_int_equal(write(fd, ini, sizeof(ini) - 1), (ssize_t)(sizeof(ini) - 1));
	close(fd);
	assert_int_equal(pw_assessor_new(policy_path, log_line, NULL, &a, &e), PW_OK);
	run(a, s, &r);
	assert_int_equal(r.rescored, 1);
	assert_int_equal(r.opened + r.fixed + r.reopened, 0);
	scores_of(s, web, &now);
	for (int i = 0; i < now.n; i++)
		assert_true(now.score[i] == 100 || now.score[i] == assessed.score[i] + 10);
	run(a, s, &r);
	assert_int_equal(r.hosts, 0); /* once */
	pw_assessor_free(a);
	unlink(policy_path);
	pw_clock_set(-1);
	pw_inventory_free(&inv);
	close_store(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpe_parse),
		cmocka_unit_test(cpe_versions),
		cmocka_unit_test(cpe_ranges),
		cmocka_unit_test(store_lifecycle),
		cmocka_unit_test(assessor_lifecycle_and_incremental),
		cmocka_unit_test(pending_security_updates),
		cmocka_unit_test(fully_patched_debian12),
		cmocka_unit_test(devices_and_rescoring),
		cmocka_unit_test(collapsed_inventory_keeps_findings),
		cmocka_unit_test(attributes_and_policy_rescore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
