/* test_registry.c - the asset register on a real SQLite file: a real Debian
 * 12 host's 823 packages stored, stored again unchanged (no package row
 * written: counted by triggers), then with 3 changed, 1 removed and 1
 * added (exact delta, 5 history rows); the inventory read back; every term
 * of the filter language; bad filters naming the term; device CSV with bad
 * lines named and nothing stored; attribute validation; retirement, dirty
 * hosts and stale hosts. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pw_audit.h"
#include "pw_dpkg.h"
#include "pw_file.h"
#include "pw_registry.h"
#include "pw_sql.h"
#include "pw_store.h"

#define T0 1767225600 /* 2026-01-01 */

struct fixture {
	char path[64];
	struct pw_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-registry-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	assert_int_equal(pw_audit_migrate(f->s, &e), PW_OK);
	assert_int_equal(pw_registry_migrate(f->s, &e), PW_OK);
	assert_int_equal(pw_registry_migrate(f->s, &e), PW_OK); /* idempotent */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pw_store_close(f->s);
	char side[96];
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

static pw_err cb(void *ctx, const struct pw_sql_row *row, struct pw_error *err)
{
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

/* The first column of the first row of sql, run with one integer argument. */
static int64_t count(struct pw_store *s, const char *sql, int64_t arg)
{
	int64_t n = -1;
	struct pw_error e = { 0 };
	assert_int_equal(pw_sql_run(s, sql, PW_SQL_ARGS(PW_SQL_I(arg)), cb, &n, NULL, &e), PW_OK);
	return n;
}

/* The bookworm fixture: 823 packages from a real status file. */
static void load_bookworm(struct pw_inventory *inv)
{
	struct pw_file file;
	struct pw_error e = { 0 };
	pw_inventory_init(inv, "/");
	assert_int_equal(
		pw_file_read(&file, PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/status", &e),
		PW_OK);
	assert_int_equal(pw_dpkg_parse_status(inv, file.data, "status", false, &e), PW_OK);
	pw_file_close(&file);
	assert_int_equal(inv->npkgs, 823);
	inv->has_dpkg = true;
	inv->host.machine_id = "0123456789abcdef0123456789abcdef";
	inv->host.hostname = "web1";
	inv->host.os_id = "debian";
	inv->host.os_version_id = "12";
	inv->host.os_codename = "bookworm";
	inv->host.os_pretty_name = "Debian GNU/Linux 12 (bookworm)";
	inv->host.arch = "amd64";
}

/* Triggers counting every write to host_packages. */
static void install_write_counters(struct pw_store *s)
{
	struct pw_error e = { 0 };
	static const char *const sql[] = {
		"CREATE TEMP TABLE pkg_writes(kind TEXT)",
		"CREATE TEMP TRIGGER pkg_ins AFTER INSERT ON host_packages BEGIN"
		" INSERT INTO pkg_writes VALUES ('insert'); END",
		"CREATE TEMP TRIGGER pkg_upd AFTER UPDATE ON host_packages BEGIN"
		" INSERT INTO pkg_writes VALUES ('update'); END",
		"CREATE TEMP TRIGGER pkg_del AFTER DELETE ON host_packages BEGIN"
		" INSERT INTO pkg_writes VALUES ('delete'); END",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		assert_int_equal(pw_sql_exec(s, sql[i], PW_SQL_NOARGS, &e), PW_OK);
}

static int64_t writes(struct pw_store *s, const char *kind)
{
	int64_t n = -1;
	struct pw_error e = { 0 };
	assert_int_equal(pw_sql_run(s, "SELECT COUNT(*) FROM pkg_writes WHERE kind = $1",
				    PW_SQL_ARGS(PW_SQL_T(kind)), cb, &n, NULL, &e),
			 PW_OK);
	return n;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int64_t put(struct pw_store *s, int64_t host, const struct pw_inventory *inv,
		   const char *digest, int64_t now, struct pw_inventory_delta *d, double *ms)
{
	struct pw_error e = { 0 };
	double t = now_ms();
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	pw_err rc = pw_registry_put_inventory(s, host, inv, digest, now, d, &e);
	if (rc)
		fprintf(stderr, "put_inventory: %s\n", e.msg);
	assert_int_equal(rc, PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	if (ms)
		*ms = now_ms() - t;
	return 0;
}

static int64_t new_host(struct pw_store *s, enum pw_host_origin origin, const char *mid,
			const char *name, const char *group, int64_t now, bool *created)
{
	struct pw_error e = { 0 };
	int64_t id = 0;
	bool c = false;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	pw_err rc = pw_registry_host_ensure(s, origin, mid, name, group, now, &id, &c, &e);
	if (rc)
		fprintf(stderr, "host_ensure: %s\n", e.msg);
	assert_int_equal(rc, PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	if (created)
		*created = c;
	return id;
}

struct change_list {
	int n;
	struct pw_package_change c[8];
	char text[8][160];
};

static pw_err change_cb(void *ctx, const struct pw_package_change *c)
{
	struct change_list *l = ctx;
	if (l->n < 8) {
		snprintf(l->text[l->n], sizeof(l->text[0]), "%s %s %s -> %s", c->family, c->name,
			 c->old_version ? c->old_version : "(none)",
			 c->new_version ? c->new_version : "(none)");
		l->c[l->n] = *c;
	}
	l->n++;
	return PW_OK;
}

static void test_inventory_delta(void **state)
{
	struct fixture *f = *state;
	struct pw_store *s = f->s;
	struct pw_error e = { 0 };
	struct pw_inventory inv;
	load_bookworm(&inv);

	/* outside a transaction: refused */
	int64_t id = 0;
	bool created = false;
	assert_int_equal(
		pw_registry_host_ensure(s, PW_HOST_AGENT, "m", "h", NULL, T0, &id, &created, &e),
		PW_ERR_USAGE);

	int64_t host = new_host(s, PW_HOST_AGENT, inv.host.machine_id, "web1", NULL, T0, &created);
	assert_true(created);
	assert_int_equal(
		new_host(s, PW_HOST_AGENT, inv.host.machine_id, "web1", NULL, T0, &created), host);
	assert_false(created);

	char digest[80];
	assert_int_equal(pw_registry_inventory_digest(s, host, digest, sizeof(digest), &e), PW_OK);
	assert_string_equal(digest, "");
	assert_int_equal(pw_registry_inventory_digest(s, 999, digest, sizeof(digest), &e),
			 PW_ERR_NOTFOUND);

	struct pw_inventory_delta d;
	double ms_first, ms_same, ms_changed;
	put(s, host, &inv, "sha256:one", T0 + 10, &d, &ms_first);
	assert_int_equal(d.added, 823);
	assert_int_equal(d.unchanged + d.removed + d.changed, 0);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM host_packages WHERE host_id = $1", host),
			 823);
	/* the first inventory is the baseline (the host's inventory_at): its
	 * packages are not changes, and write no history */
	assert_int_equal(count(s, "SELECT COUNT(*) FROM package_history WHERE host_id = $1", host),
			 0);
	assert_int_equal(pw_registry_inventory_digest(s, host, digest, sizeof(digest), &e), PW_OK);
	assert_string_equal(digest, "sha256:one");
	assert_int_equal(pw_registry_inventory_digest(s, host, digest, 4, &e), PW_ERR_LIMIT);

	/* the same inventory again: nothing written to the packages */
	install_write_counters(s);
	put(s, host, &inv, "sha256:one", T0 + 20, &d, &ms_same);
	assert_int_equal(d.unchanged, 823);
	assert_int_equal(d.added + d.removed + d.changed, 0);
	assert_int_equal(writes(s, "insert") + writes(s, "update") + writes(s, "delete"), 0);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM package_history WHERE host_id = $1", host),
			 0);
	assert_int_equal(count(s, "SELECT last_seen FROM hosts WHERE id = $1", host), T0 + 20);

	/* 3 changed, 1 removed, 1 added */
	const char *changed_names[3];
	const char *old_versions[3];
	size_t idx[3] = { 5, 100, 700 };
	for (int i = 0; i < 3; i++) {
		changed_names[i] = inv.pkgs[idx[i]].name;
		old_versions[i] = inv.pkgs[idx[i]].version;
		inv.pkgs[idx[i]].version = pw_inventory_strdup(&inv, "99.0-test1");
	}
	const char *removed = inv.pkgs[400].name;
	const char *removed_version = inv.pkgs[400].version;
	inv.pkgs[400] = inv.pkgs[inv.npkgs - 1];
	inv.npkgs--;
	struct pw_package *p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
	p->name = "zz-new-package";
	p->arch = "amd64";
	p->version = "1.0-1";
	p->source_name = "zz-new-package";
	p->source_version = "1.0-1";
	p->state = PW_STATE_INSTALLED;
	put(s, host, &inv, "sha256:two", T0 + 30, &d, &ms_changed);
	assert_int_equal(d.changed, 3);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.unchanged, 819);
	assert_int_equal(writes(s, "update"), 3);
	assert_int_equal(writes(s, "delete"), 1);
	assert_int_equal(writes(s, "insert"), 1);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM package_history WHERE host_id = $1", host),
			 5);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM package_history WHERE at = $1", T0 + 30),
			 5);
	struct change_list cl = { 0 };
	assert_int_equal(pw_registry_each_change(s, host, 0, 5, change_cb, &cl, &e), PW_OK);
	assert_int_equal(cl.n, 5);
	int seen_changed = 0, seen_removed = 0, seen_added = 0;
	for (int i = 0; i < 5; i++) {
		assert_true(cl.c[i].at == T0 + 30);
		char want[160];
		for (int k = 0; k < 3; k++) {
			snprintf(want, sizeof(want), "deb %s %s -> 99.0-test1", changed_names[k],
				 old_versions[k]);
			seen_changed += strcmp(cl.text[i], want) == 0;
		}
		snprintf(want, sizeof(want), "deb %s %s -> (none)", removed, removed_version);
		seen_removed += strcmp(cl.text[i], want) == 0;
		seen_added += strcmp(cl.text[i], "deb zz-new-package (none) -> 1.0-1") == 0;
	}
	assert_int_equal(seen_changed, 3);
	assert_int_equal(seen_removed, 1);
	assert_int_equal(seen_added, 1);
	/* newest first, paged by id: after the fourth, the fifth and last */
	assert_true(cl.c[0].id > cl.c[4].id);
	struct change_list older = { 0 };
	assert_int_equal(pw_registry_each_change(s, host, cl.c[3].id, 5, change_cb, &older, &e),
			 PW_OK);
	assert_int_equal(older.n, 1);
	assert_true(older.c[0].id == cl.c[4].id);

	/* only a pending update changes: the row is rewritten, no history */
	inv.pkgs[0].candidate_version = "100.0";
	inv.pkgs[0].candidate_origin = "bookworm-security";
	inv.pkgs[0].candidate_security = true;
	put(s, host, &inv, "sha256:three", T0 + 40, &d, NULL);
	assert_int_equal(d.unchanged, 823);
	assert_int_equal(d.changed + d.added + d.removed, 0);
	assert_int_equal(writes(s, "update"), 4);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM package_history WHERE host_id = $1", host),
			 5);

	/* read back: the same packages, fields and host facts */
	struct pw_inventory back;
	pw_inventory_init(&back, "/");
	assert_int_equal(pw_registry_load_inventory(s, host, &back, &e), PW_OK);
	pw_inventory_sort(&inv);
	assert_int_equal(back.npkgs, inv.npkgs);
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *a = &inv.pkgs[i], *b = &back.pkgs[i];
		assert_int_equal(a->family, b->family);
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->arch ? a->arch : "", b->arch);
		assert_string_equal(a->version, b->version);
		assert_string_equal(a->source_name, b->source_name);
		assert_string_equal(a->source_version, b->source_version);
		assert_int_equal(a->state, b->state);
		assert_int_equal(a->candidate_security, b->candidate_security);
		assert_int_equal(a->is_kernel, b->is_kernel);
		if (a->multi_arch)
			assert_string_equal(a->multi_arch, b->multi_arch);
		else
			assert_null(b->multi_arch);
		if (a->candidate_version)
			assert_string_equal(a->candidate_version, b->candidate_version);
		else
			assert_null(b->candidate_version);
	}
	assert_string_equal(back.host.os_id, "debian");
	assert_string_equal(back.host.os_version_id, "12");
	assert_string_equal(back.host.os_codename, "bookworm");
	assert_string_equal(back.host.machine_id, inv.host.machine_id);
	assert_true(back.has_dpkg);
	assert_false(back.has_rpm);
	pw_inventory_free(&back);
	pw_inventory_init(&back, "/");
	assert_int_equal(pw_registry_load_inventory(s, 4242, &back, &e), PW_ERR_NOTFOUND);
	pw_inventory_free(&back);

	/* rpm's install-only packages: several versions of one name */
	struct pw_inventory rpm;
	pw_inventory_init(&rpm, "/");
	const char *kernels[] = { "5.14.0-362.el9", "5.14.0-427.el9" };
	for (int i = 0; i < 2; i++) {
		struct pw_package *k = pw_inventory_add_package(&rpm, PW_FAMILY_RPM);
		k->name = "kernel-core";
		k->arch = "x86_64";
		k->version = kernels[i];
		k->source_name = "kernel";
		k->source_version = kernels[i];
		k->is_kernel = true;
	}
	int64_t alma = new_host(s, PW_HOST_AGENT, "alma-1", "alma", NULL, T0, NULL);
	put(s, alma, &rpm, "d1", T0 + 50, &d, NULL);
	assert_int_equal(d.added, 2);
	rpm.pkgs[0].version = "5.14.0-503.el9"; /* the oldest kernel removed, a new one installed */
	rpm.pkgs[0].source_version = "5.14.0-503.el9";
	put(s, alma, &rpm, "d2", T0 + 60, &d, NULL);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.unchanged, 1);
	assert_int_equal(d.changed, 0);
	pw_inventory_free(&rpm);

	fprintf(stderr, "# 823 packages: first put %.2f ms, unchanged %.2f ms, 5 changes %.2f ms\n",
		ms_first, ms_same, ms_changed);
	pw_inventory_free(&inv);
}

/* ---- dynamic groups and lists ---- */

struct ids {
	int n;
	int64_t v[32];
};

static pw_err id_cb(void *ctx, const struct pw_host *h)
{
	struct ids *l = ctx;
	if (l->n < 32)
		l->v[l->n] = h->id;
	l->n++;
	return PW_OK;
}

static struct ids match(struct pw_store *s, const char *filter)
{
	struct ids l = { 0 };
	struct pw_error e = { 0 };
	struct pw_host_query q = { .filter = filter };
	pw_err rc = pw_registry_each_host_matching(s, &q, id_cb, &l, &e);
	if (rc)
		fprintf(stderr, "%s: %s\n", filter, e.msg);
	assert_int_equal(rc, PW_OK);
	return l;
}

static void set_attrs(struct pw_store *s, int64_t id, const char *owner, const char *env,
		      int crit, const char *exposure, const char *site, const char *const *tags,
		      size_t ntags)
{
	struct pw_error e = { 0 };
	struct pw_host_patch p = {
		.set_owner = true,
		.owner = owner,
		.set_environment = true,
		.environment = env,
		.set_criticality = true,
		.criticality = crit,
		.set_exposure = true,
		.exposure = exposure,
		.set_site = true,
		.site = site,
		.set_tags = true,
		.tags = tags,
		.ntags = ntags,
	};
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	pw_err rc = pw_registry_host_update(s, id, &p, "local:test", &e);
	if (rc)
		fprintf(stderr, "update: %s\n", e.msg);
	assert_int_equal(rc, PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
}

static void put_facts(struct pw_store *s, int64_t id, const char *os, const char *rel,
		      const char *codename, const char *arch, const char *pkg)
{
	struct pw_inventory inv;
	pw_inventory_init(&inv, "/");
	inv.host.os_id = os;
	inv.host.os_version_id = rel;
	inv.host.os_codename = codename;
	inv.host.arch = arch;
	struct pw_package *p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
	p->name = pkg;
	p->arch = arch;
	p->version = "1.0";
	p->source_name = pkg;
	p->source_version = "1.0";
	struct pw_inventory_delta d;
	put(s, id, &inv, NULL, T0, &d, NULL);
	pw_inventory_free(&inv);
}

static bool same(struct ids got, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	bool ok = got.n == n;
	for (int i = 0; i < n; i++) {
		int64_t want = va_arg(ap, int64_t);
		if (i >= got.n || got.v[i] != want)
			ok = false;
	}
	va_end(ap);
	if (!ok) {
		fprintf(stderr, "got %d:", got.n);
		for (int i = 0; i < got.n && i < 32; i++)
			fprintf(stderr, " %lld", (long long)got.v[i]);
		fprintf(stderr, "\n");
	}
	return ok;
}

#define I(x) ((int64_t)(x))

static void test_groups_and_filters(void **state)
{
	struct fixture *f = *state;
	struct pw_store *s = f->s;
	struct pw_error e = { 0 };
	const char *web[] = { "web", "frontend" };
	const char *db[] = { "db" };
	int64_t a = new_host(s, PW_HOST_AGENT, "m-a", "web1.par1.example", NULL, T0, NULL);
	int64_t b = new_host(s, PW_HOST_AGENT, "m-b", "web2.fra1.example", NULL, T0, NULL);
	int64_t c = new_host(s, PW_HOST_IMPORT, "m-c", "db1.par1.example", NULL, T0, NULL);
	int64_t dd = new_host(s, PW_HOST_AGENT, "m-d", "alpine1", NULL, T0, NULL);
	put_facts(s, a, "debian", "12", "bookworm", "amd64", "openssl");
	put_facts(s, b, "debian", "11", "bullseye", "arm64", "nginx");
	put_facts(s, c, "ubuntu", "22.04", "jammy", "amd64", "openssl");
	put_facts(s, dd, "alpine", "3.19", NULL, "x86_64", "musl");
	set_attrs(s, a, "Team Web", "production", 5, "internet", "par1", web, 2);
	set_attrs(s, b, "Team Web", "staging", 3, "internal", "fra1", web, 1);
	set_attrs(s, c, "DBA", "production", 4, "isolated", "par1", db, 1);

	assert_true(same(match(s, "os=debian"), 2, I(a), I(b)));
	assert_true(same(match(s, "release=12"), 1, I(a)));
	assert_true(same(match(s, "codename=jammy"), 1, I(c)));
	assert_true(same(match(s, "arch=amd64"), 2, I(a), I(c)));
	assert_true(same(match(s, "tag=web"), 2, I(a), I(b)));
	assert_true(same(match(s, "tag=frontend"), 1, I(a)));
	assert_true(same(match(s, "environment=production"), 2, I(a), I(c)));
	assert_true(same(match(s, "exposure=internet"), 1, I(a)));
	assert_true(same(match(s, "site=par1"), 2, I(a), I(c)));
	assert_true(same(match(s, "owner=\"Team Web\""), 2, I(a), I(b)));
	assert_true(same(match(s, "origin=import"), 1, I(c)));
	assert_true(same(match(s, "criticality>=4"), 2, I(a), I(c)));
	assert_true(same(match(s, "criticality>4"), 1, I(a)));
	assert_true(same(match(s, "criticality<=3"), 1, I(b)));
	assert_true(same(match(s, "criticality<4"), 1, I(b)));
	assert_true(same(match(s, "criticality=4"), 1, I(c)));
	assert_true(same(match(s, "package=openssl"), 2, I(a), I(c)));
	assert_true(same(match(s, "hostname~'web*'"), 2, I(a), I(b)));
	assert_true(same(match(s, "hostname~*.PAR1.*"), 2, I(a), I(c)));
	assert_true(same(match(s, "hostname=alpine1"), 1, I(dd)));
	/* AND */
	assert_true(same(match(s, "os=debian release=12 environment=production"), 1, I(a)));
	assert_true(same(match(s, "  package=openssl   site=par1 tag=db "), 1, I(c)));
	assert_true(same(match(s, "os=debian tag=db"), 0));
	assert_true(same(match(s, ""), 4, I(a), I(b), I(c), I(dd)));

	/* bad filters: refused, naming the term */
	static const struct {
		const char *filter, *needle;
	} bad[] = {
		{ "os=debian relase=12", "term 2 \"relase=12\": unknown key" },
		{ "os", "term 1 \"os\": expected =" },
		{ "os=", "term 1 \"os=\": empty value" },
		{ "criticality>=9", "term 1 \"criticality>=9\": criticality is an integer" },
		{ "criticality=high", "criticality is an integer" },
		{ "exposure=dmz", "term 1 \"exposure=dmz\": exposure is" },
		{ "os>=debian", "only criticality compares" },
		{ "os~deb*", "only hostname matches a glob" },
		{ "owner=\"Team", "unterminated quoted value" },
		{ "tag=Web", "term 1 \"tag=Web\": tag" },
		{ "origin=cloud", "origin is agent, import or device" },
		{ "=x", "expected key=value" },
		{ "hostname~*a*b*c*d*e", "at most 4 '*'" },
		{ "os=debian\x01", "control character" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pw_error_clear(&e);
		assert_int_equal(pw_registry_filter_check(bad[i].filter, &e), PW_ERR_INVALID);
		if (!strstr(e.msg, bad[i].needle))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].filter, e.msg,
				 bad[i].needle);
	}

	/* dynamic groups: saved, validated, evaluated */
	int64_t g1, g2, g3;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(
		pw_registry_group_create(s, "debian-prod", "os=debian environment=production",
					 "Debian in production", T0, "local:test", &g1, &e),
		PW_OK);
	assert_int_equal(pw_registry_group_create(s, "bad", "os=debian relase=12", NULL, T0,
						  "local:test", &g2, &e),
			 PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "relase=12"));
	assert_int_equal(pw_registry_group_create(s, "debian-prod", NULL, NULL, T0, "local:test",
						  &g2, &e),
			 PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "exists"));
	assert_int_equal(pw_registry_group_create(s, "bad name!", NULL, NULL, T0, "local:test", &g2,
						  &e),
			 PW_ERR_INVALID);
	assert_int_equal(pw_registry_group_create(s, "pets", NULL, NULL, T0, "local:test", &g2, &e),
			 PW_OK);
	int64_t members[] = { b, dd };
	int64_t added = 0;
	assert_int_equal(pw_registry_group_add_members(s, g2, members, 2, "local:test", &added, &e),
			 PW_OK);
	assert_int_equal(added, 2);
	assert_int_equal(pw_registry_group_add_members(s, g2, members, 2, "local:test", &added, &e),
			 PW_OK);
	assert_int_equal(added, 0);
	int64_t ghost = 9999;
	assert_int_equal(pw_registry_group_add_members(s, g2, &ghost, 1, "local:test", &added, &e),
			 PW_ERR_NOTFOUND);
	assert_int_equal(pw_registry_group_add_members(s, g1, members, 1, "local:test", &added, &e),
			 PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "dynamic"));
	assert_int_equal(pw_registry_group_update(s, g2, NULL, "os=debian", NULL, "local:test", &e),
			 PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "static"));
	assert_int_equal(pw_registry_group_create(s, "edge", "criticality>=5", NULL, T0,
						  "local:test", &g3, &e),
			 PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);

	struct ids l = { 0 };
	struct pw_host_query q = { .group = "debian-prod" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 1, I(a)));
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .group = "pets" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(b), I(dd)));
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .group_id = g2, .os = "debian" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 1, I(b)));
	q = (struct pw_host_query){ .group = "nope" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_ERR_NOTFOUND);

	/* the filter of a dynamic group can change; the audit-free read sees it */
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_group_update(s, g3, "edge-nodes", "criticality>=4", "",
						  "local:test", &e),
			 PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .group = "edge-nodes" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(a), I(c)));

	/* list filters, q, pagination */
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .q = "PAR1" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(a), I(c)));
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .limit = 2 };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(a), I(b)));
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .limit = 2, .after_id = b };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(c), I(dd)));
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .tag = "web", .environment = "staging", .release = "11" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 1, I(b)));

	/* stale: last_seen older than stale_after */
	assert_int_equal(pw_registry_touch(s, a, T0 + 5 * 86400, &e), PW_OK);
	assert_int_equal(pw_registry_touch(s, 31337, T0, &e), PW_ERR_NOTFOUND);
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .stale = 1, .now = T0 + 5 * 86400, .stale_after = 3 * 86400 };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 3, I(b), I(c), I(dd)));
	memset(&l, 0, sizeof(l));
	q.stale = -1;
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 1, I(a)));

	/* attribute validation names the field; nothing changes */
	static const struct pw_host_patch badp[] = {
		{ .set_environment = true, .environment = "Prod uction" },
		{ .set_exposure = true, .exposure = "dmz" },
		{ .set_criticality = true, .criticality = 6 },
		{ .set_site = true, .site = "par 1" },
		{ .set_owner = true, .owner = "a\nb" },
		{ .set_owner = true, .owner = "Team \xc2\x9b" "2J" }, /* C1 CSI */
		{ .set_owner = true, .owner = "Team \x9b" },          /* not UTF-8 */
	};
	static const char *const badf[] = { "environment", "exposure", "criticality", "site",
					    "owner", "owner", "owner" };
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	for (size_t i = 0; i < sizeof(badp) / sizeof(badp[0]); i++) {
		assert_int_equal(pw_registry_host_update(s, a, &badp[i], "local:test", &e),
				 PW_ERR_INVALID);
		assert_non_null(strstr(e.msg, badf[i]));
	}
	const char *badtags[] = { "ok", "Not Ok" };
	struct pw_host_patch tp = { .set_tags = true, .tags = badtags, .ntags = 2 };
	assert_int_equal(pw_registry_host_update(s, a, &tp, "local:test", &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "Not Ok"));
	struct pw_host_patch clear = { .set_owner = true, .owner = NULL, .set_criticality = true };
	assert_int_equal(pw_registry_host_update(s, a, &clear, "local:test", &e), PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	struct pw_arena ar;
	pw_arena_init(&ar);
	struct pw_host h;
	assert_int_equal(pw_registry_host_get(s, a, &ar, &h, &e), PW_OK);
	assert_null(h.owner);
	assert_int_equal(h.criticality, 0);
	assert_string_equal(h.environment, "production");
	assert_int_equal(h.ntags, 2);
	assert_string_equal(h.tags[0], "frontend");
	assert_string_equal(h.tags[1], "web");
	pw_arena_free(&ar);

	/* context for risk scoring */
	struct pw_host_context cx;
	assert_int_equal(pw_registry_host_context(s, c, &cx, &e), PW_OK);
	assert_string_equal(cx.hostname, "db1.par1.example");
	assert_string_equal(cx.exposure, "isolated");
	assert_string_equal(cx.environment, "production");
	assert_int_equal(cx.criticality, 4);

	/* retire: out of lists and assessment; the same machine id brings it back */
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_host_retire(s, b, T0 + 100, "local:test", &e), PW_OK);
	assert_int_equal(pw_registry_host_retire(s, b, T0 + 100, "local:test", &e),
			 PW_ERR_NOTFOUND);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_true(same(match(s, "os=debian"), 1, I(a)));
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .include_retired = true, .os = "debian" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(a), I(b)));
	bool created = true;
	assert_int_equal(new_host(s, PW_HOST_AGENT, "m-b", NULL, NULL, T0 + 200, &created), b);
	assert_false(created);
	assert_true(same(match(s, "os=debian"), 2, I(a), I(b)));

	/* host_ensure with a group: created static, member added */
	int64_t n = new_host(s, PW_HOST_AGENT, "m-n", "new1", "enrolled", T0, NULL);
	memset(&l, 0, sizeof(l));
	q = (struct pw_host_query){ .group = "enrolled" };
	assert_int_equal(pw_registry_each_host_matching(s, &q, id_cb, &l, &e), PW_OK);
	assert_true(same(l, 1, I(n)));
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	int64_t x;
	bool cr;
	assert_int_equal(pw_registry_host_ensure(s, PW_HOST_AGENT, "m-x", "x", "debian-prod", T0,
						 &x, &cr, &e),
			 PW_ERR_INVALID);
	pw_store_rollback(s);
}

static pw_err dirty_cb(void *ctx, int64_t id)
{
	struct ids *l = ctx;
	if (l->n < 32)
		l->v[l->n] = id;
	l->n++;
	return PW_OK;
}

static void test_dirty_hosts(void **state)
{
	struct fixture *f = *state;
	struct pw_store *s = f->s;
	struct pw_error e = { 0 };
	int64_t a = new_host(s, PW_HOST_AGENT, "d-a", "a", NULL, T0, NULL);
	int64_t b = new_host(s, PW_HOST_AGENT, "d-b", "b", NULL, T0, NULL);
	struct ids l = { 0 };
	assert_int_equal(pw_registry_each_dirty_host(s, dirty_cb, &l, &e), PW_OK);
	assert_int_equal(l.n, 0); /* no inventory yet: nothing to assess */
	put_facts(s, a, "debian", "12", "bookworm", "amd64", "bash");
	put_facts(s, b, "debian", "12", "bookworm", "amd64", "bash");
	assert_int_equal(pw_registry_each_dirty_host(s, dirty_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(a), I(b)));
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_mark_assessed(s, a, T0 + 1, &e), PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	memset(&l, 0, sizeof(l));
	assert_int_equal(pw_registry_each_dirty_host(s, dirty_cb, &l, &e), PW_OK);
	assert_true(same(l, 1, I(b)));
	/* the same inventory again leaves an assessed host clean */
	put_facts(s, a, "debian", "12", "bookworm", "amd64", "bash");
	memset(&l, 0, sizeof(l));
	assert_int_equal(pw_registry_each_dirty_host(s, dirty_cb, &l, &e), PW_OK);
	assert_true(same(l, 1, I(b)));
	/* a new OS release makes it dirty again */
	put_facts(s, a, "debian", "13", "trixie", "amd64", "bash");
	memset(&l, 0, sizeof(l));
	assert_int_equal(pw_registry_each_dirty_host(s, dirty_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(a), I(b)));
	memset(&l, 0, sizeof(l));
	assert_int_equal(pw_registry_each_host(s, dirty_cb, &l, &e), PW_OK);
	assert_true(same(l, 2, I(a), I(b)));

	/* last_seen never goes back (a late flush of an older check-in) */
	assert_int_equal(pw_registry_touch(s, a, T0 + 500, &e), PW_OK);
	assert_int_equal(pw_registry_touch(s, a, T0 + 400, &e), PW_OK);
	assert_int_equal(count(s, "SELECT last_seen FROM hosts WHERE id = $1", a), T0 + 500);

	/* an agent enrolling on an imported host makes it an agent's; an
	 * import never takes it back */
	int64_t imp = new_host(s, PW_HOST_IMPORT, "d-imp", "imp", NULL, T0, NULL);
	struct pw_arena ar;
	pw_arena_init(&ar);
	struct pw_host h;
	assert_int_equal(new_host(s, PW_HOST_AGENT, "d-imp", NULL, NULL, T0, NULL), imp);
	assert_int_equal(pw_registry_host_get(s, imp, &ar, &h, &e), PW_OK);
	assert_int_equal(h.origin, PW_HOST_AGENT);
	assert_string_equal(h.hostname, "imp");
	assert_int_equal(new_host(s, PW_HOST_IMPORT, "d-imp", NULL, NULL, T0, NULL), imp);
	assert_int_equal(pw_registry_host_get(s, imp, &ar, &h, &e), PW_OK);
	assert_int_equal(h.origin, PW_HOST_AGENT);
	pw_arena_free(&ar);
}

static pw_err pkg_cb(void *ctx, int64_t row_id, const struct pw_package *p)
{
	struct ids *l = ctx;
	if (l->n < 32)
		l->v[l->n] = row_id;
	l->n++;
	return PW_OK;
}

static void test_inventory_pages(void **state)
{
	struct fixture *f = *state;
	struct pw_store *s = f->s;
	struct pw_error e = { 0 };
	struct pw_inventory inv;
	load_bookworm(&inv);
	int64_t host = new_host(s, PW_HOST_IMPORT, inv.host.machine_id, "web1", NULL, T0, NULL);
	struct pw_inventory_delta d;
	put(s, host, &inv, "x", T0, &d, NULL);
	/* pages of 300 by row id: every package once */
	int64_t after = 0, total = 0, pages = 0;
	for (;;) {
		struct ids l = { 0 };
		assert_int_equal(pw_registry_each_package(s, host, after, 300, pkg_cb, &l, &e),
				 PW_OK);
		if (l.n == 0)
			break;
		total += l.n;
		pages++;
		int64_t last = 0;
		assert_int_equal(pw_sql_run(s,
					    "SELECT MAX(id) FROM (SELECT id FROM host_packages"
					    " WHERE host_id = $1 AND id > $2 ORDER BY id LIMIT 300)",
					    PW_SQL_ARGS(PW_SQL_I(host), PW_SQL_I(after)), cb, &last, NULL,
					    &e),
				 PW_OK);
		after = last;
	}
	assert_int_equal(total, 823);
	assert_int_equal(pages, 3);
	/* no limit: all of them */
	struct ids all = { 0 };
	assert_int_equal(pw_registry_each_package(s, host, 0, 0, pkg_cb, &all, &e), PW_OK);
	assert_int_equal(all.n, 823);
	pw_inventory_free(&inv);
}

/* ---- devices ---- */

struct bad_lines {
	int n;
	char text[16][200];
};

static void bad_cb(void *ctx, size_t line, const char *field, const char *reason)
{
	struct bad_lines *b = ctx;
	if (b->n < 16)
		snprintf(b->text[b->n], sizeof(b->text[0]), "%zu:%s: %s", line, field, reason);
	b->n++;
}

static pw_err cpe_cb(void *ctx, int64_t host_id, const char *cpe)
{
	(*(int *)ctx)++;
	return PW_OK;
}

static char *read_data(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/registry/%s", PW_TEST_DATA, name);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char *buf = malloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

static void test_devices(void **state)
{
	struct fixture *f = *state;
	struct pw_store *s = f->s;
	struct pw_error e = { 0 };
	size_t len;
	char *csv = read_data("devices-bad.csv", &len);
	struct bad_lines bl = { 0 };
	struct pw_device_import r;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_import_devices(s, csv, len, T0, "local:test", &r, bad_cb, &bl,
						    &e),
			 PW_ERR_INVALID);
	pw_store_rollback(s);
	free(csv);
	/* each bad line named as line:field, with the good lines not stored */
	static const char *const want[] = {
		"3:cpe: \"cpe:/o:cisco:ios:15.2\" is not a CPE 2.3 name",
		"4:vendor: empty",
		"5:criticality: criticality \"9\"",
		"6:csv: 3 fields",
		"7:exposure: exposure \"dmz\"",
		"9:csv: unterminated quoted field",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool found = false;
		for (int k = 0; k < bl.n && k < 16; k++)
			found |= strncmp(bl.text[k], want[i], strlen(want[i])) == 0;
		if (!found) {
			for (int k = 0; k < bl.n && k < 16; k++)
				fprintf(stderr, "# reported %s\n", bl.text[k]);
			fail_msg("not reported: %s", want[i]);
		}
	}
	assert_int_equal(bl.n, 6);
	assert_non_null(strstr(e.msg, "6 bad lines, nothing stored"));
	assert_int_equal(
		count(s, "SELECT COUNT(*) FROM hosts WHERE origin = 'device' AND $1 = 1", 1), 0);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM host_cpes WHERE $1 = 1", 1), 0);

	csv = read_data("devices.csv", &len);
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	pw_err rc = pw_registry_import_devices(s, csv, len, T0, "local:test", &r, bad_cb, &bl, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	assert_int_equal(rc, PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_int_equal(r.lines, 4);
	assert_int_equal(r.created, 3); /* fw1 has two CPEs */
	assert_int_equal(r.cpes_added, 4);
	int n = 0;
	assert_int_equal(pw_registry_each_device_cpe(s, cpe_cb, &n, &e), PW_OK);
	assert_int_equal(n, 4);
	struct ids l = match(s, "origin=device exposure=internet");
	assert_int_equal(l.n, 1);
	/* again: the same devices, nothing new */
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_import_devices(s, csv, len, T0 + 1, "local:test", &r, bad_cb,
						    &bl, &e),
			 PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_int_equal(r.created, 0);
	assert_int_equal(r.updated, 3);
	assert_int_equal(r.cpes_added, 0);
	free(csv);

	/* headered CSV, columns in any order */
	static const char hdr[] =
		"cpe,vendor,product,hostname\r\n"
		"cpe:2.3:h:hp:laserjet_pro_m404:-:*:*:*:*:*:*:*,HP,\"LaserJet, Pro\",printer-3\r\n";
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_import_devices(s, hdr, sizeof(hdr) - 1, T0, "local:test", &r,
						    bad_cb, &bl, &e),
			 PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_int_equal(r.created, 1);
	assert_true(same(match(s, "hostname=printer-3"), 1, I(count(s,
		"SELECT id FROM hosts WHERE hostname = 'printer-3' AND $1 = 1", 1))));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inventory_delta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory_pages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
