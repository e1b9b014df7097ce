/* test_rpmdb.c - the two real rpm databases (sqlite and Berkeley DB), read
 * through rpm 4.18, must give exactly their expected-packages.tsv, whether
 * named with --dbpath or found inside a root (directly or through links);
 * a read-only database is read from a private copy; the rpm output cases in
 * tests/data/inventory/rpm/cases give the packages and warnings listed
 * beside them; a missing rpm program is a clear error. */
#include "pw_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_file.h"
#include "pw_rpmdb.h"

#define RPM_DATA PW_TEST_DATA "/inventory/rpm"

/* ---- temporary directories, without a shell ---- */

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/pw-test-rpmdb-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static void mkdirs(const char *base, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	for (char *p = path + strlen(base) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static void copy_file(const char *from, const char *to)
{
	struct pw_file f;
	assert_int_equal(pw_file_read(&f, from, NULL), PW_OK);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, f.data.ptr, f.data.len), (ssize_t)f.data.len);
	close(fd);
	pw_file_close(&f);
}

/* Copy the database files of a fixture (not expected-packages.tsv) into dir;
 * with_shm false leaves out sqlite's -shm and -wal files. */
static void copy_fixture(const char *fixture, const char *dir, bool with_shm)
{
	char src[1024], from[1280], to[1280];
	snprintf(src, sizeof(src), "%s/%s", RPM_DATA, fixture);
	DIR *d = opendir(src);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (n[0] == '.' || strcmp(n, "expected-packages.tsv") == 0)
			continue;
		if (!with_shm && strstr(n, ".sqlite-"))
			continue;
		snprintf(from, sizeof(from), "%s/%s", src, n);
		snprintf(to, sizeof(to), "%s/%s", dir, n);
		copy_file(from, to);
	}
	closedir(d);
}

/* rm -r, for the flat or shallow trees these tests make */
static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		chmod(path, 0755);
		DIR *d = opendir(path);
		assert_non_null(d);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char sub[1280];
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			remove_tree(sub);
		}
		closedir(d);
		assert_int_equal(rmdir(path), 0);
	} else {
		assert_int_equal(unlink(path), 0);
	}
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* rpm ran and was reaped: this process has no child left */
static void assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* ---- the real databases against expected-packages.tsv ---- */

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void assert_matches_tsv(const struct pw_inventory *inv, const char *fixture)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/expected-packages.tsv", RPM_DATA, fixture);
	struct pw_file f;
	assert_int_equal(pw_file_read(&f, path, NULL), PW_OK);
	size_t nwant = 0;
	char **want = calloc(f.data.len + 1, sizeof(*want));
	struct pw_blob rest = f.data, line;
	while (pw_blob_next_line(&rest, &line)) {
		if (line.len)
			want[nwant++] = strndup(line.ptr, line.len);
	}
	pw_file_close(&f);
	assert_int_equal(inv->npkgs, nwant);

	/* ours, in the same form: name epoch(0 if none) version release arch srpm */
	char **got = calloc(inv->npkgs + 1, sizeof(*got));
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		struct pw_buf b = PW_BUF_INIT;
		assert_int_equal(p->family, PW_FAMILY_RPM);
		assert_int_equal(pw_buf_addf(&b, "%s\t%s\t%s\t%s\t%s\t%s", p->name,
					     p->rpm_epoch ? p->rpm_epoch : "0", p->rpm_version,
					     p->rpm_release, p->arch,
					     p->rpm_sourcerpm ? p->rpm_sourcerpm : ""),
				 PW_OK);
		got[i] = pw_buf_detach(&b);
		/* the derived fields agree with the parts */
		char evr[512];
		snprintf(evr, sizeof(evr), "%s%s%s-%s", p->rpm_epoch ? p->rpm_epoch : "",
			 p->rpm_epoch ? ":" : "", p->rpm_version, p->rpm_release);
		assert_string_equal(p->version, evr);
		char srpm[512];
		snprintf(srpm, sizeof(srpm), "%s-%s.src.rpm", p->source_name, p->source_version);
		assert_string_equal(p->rpm_sourcerpm, srpm);
	}
	qsort(got, inv->npkgs, sizeof(*got), cmp_lines);
	qsort(want, nwant, sizeof(*want), cmp_lines);
	for (size_t i = 0; i < nwant; i++) {
		assert_string_equal(got[i], want[i]);
		free(got[i]);
		free(want[i]);
	}
	free(got);
	free(want);
}

static const struct pw_package *find(const struct pw_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->npkgs; i++) {
		if (strcmp(inv->pkgs[i].name, name) == 0)
			return &inv->pkgs[i];
	}
	fail_msg("package %s not found", name);
	return NULL;
}

static void collect_dbpath(const char *fixture, struct pw_inventory *inv)
{
	char *dir = make_tmpdir();
	struct pw_error e;
	copy_fixture(fixture, dir, true);
	pw_inventory_init(inv, "/nonexistent-root");
	if (pw_rpmdb_collect(inv, dir, &e))
		fail_msg("%s: %s", fixture, e.msg);
	assert_true(inv->has_rpm);
	assert_no_children();
	remove_tree(dir);
	free(dir);
}

static void sqlite_db(void **state)
{
	(void)state;
	struct pw_inventory inv;
	collect_dbpath("cbl-mariner-2.0", &inv);
	assert_matches_tsv(&inv, "cbl-mariner-2.0");
	assert_int_equal(inv.nwarnings, 0);
	const struct pw_package *p = find(&inv, "ca-certificates-base");
	assert_string_equal(p->rpm_epoch, "1");
	assert_string_equal(p->version, "1:2.0.0-1.cm2");
	assert_string_equal(p->source_name, "ca-certificates");
	assert_string_equal(p->source_version, "2.0.0-1.cm2");
	p = find(&inv, "libgcc");
	assert_null(p->rpm_epoch);
	assert_string_equal(p->version, "11.2.0-1.cm2");
	assert_string_equal(p->source_name, "gcc");
	assert_int_equal(p->state, PW_STATE_INSTALLED);
	pw_inventory_free(&inv);
}

static void bdb_db(void **state)
{
	(void)state;
	struct pw_inventory inv;
	collect_dbpath("libuuid-bdb", &inv);
	assert_matches_tsv(&inv, "libuuid-bdb");
	/* rpm's warnings about the missing index files are not repeated */
	assert_int_equal(inv.nwarnings, 0);
	assert_string_equal(inv.pkgs[0].source_name, "util-linux");
	assert_string_equal(inv.pkgs[0].source_version, "2.32.1-42.el8_8");
	assert_string_equal(inv.pkgs[0].version, "2.32.1-42.el8_8");
	pw_inventory_free(&inv);
}

/* The database found inside a root: Fedora's layout (usr/lib/sysimage/rpm
 * with var/lib/rpm a link to it, relative or absolute) and the classic one.
 * An absolute link must resolve inside the root, not on this host. */
static void found_in_root(void **state)
{
	(void)state;
	static const struct {
		const char *dir;      /* where the database is */
		const char *link;     /* var/lib/rpm -> this, or NULL */
	} layouts[] = {
		{ "var/lib/rpm", NULL },
		{ "usr/lib/sysimage/rpm", NULL },
		{ "usr/lib/sysimage/rpm", "../../usr/lib/sysimage/rpm" },
		{ "usr/lib/sysimage/rpm", "/usr/lib/sysimage/rpm" },
		{ "srv/rpmdb", "/srv/rpmdb" },
	};
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		char *root = make_tmpdir(), dir[1024];
		struct pw_inventory inv;
		struct pw_error e;
		mkdirs(root, layouts[i].dir);
		snprintf(dir, sizeof(dir), "%s/%s", root, layouts[i].dir);
		copy_fixture("libuuid-bdb", dir, true);
		if (layouts[i].link) {
			char link[1024];
			mkdirs(root, "var/lib");
			snprintf(link, sizeof(link), "%s/var/lib/rpm", root);
			assert_int_equal(symlink(layouts[i].link, link), 0);
		}
		pw_inventory_init(&inv, root);
		if (pw_rpmdb_collect(&inv, NULL, &e))
			fail_msg("layout %zu: %s", i, e.msg);
		assert_int_equal(inv.npkgs, 1);
		assert_string_equal(inv.pkgs[0].name, "libuuid");
		pw_inventory_free(&inv);
		remove_tree(root);
		free(root);
	}
	/* a relative --dbpath works too: rpm itself refuses one */
	char *dir = make_tmpdir(), cwd[1024];
	struct pw_inventory inv;
	struct pw_error e;
	copy_fixture("libuuid-bdb", dir, true);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/tmp"), 0);
	pw_inventory_init(&inv, NULL);
	pw_err rc = pw_rpmdb_collect(&inv, dir + strlen("/tmp/"), &e);
	assert_int_equal(chdir(cwd), 0);
	if (rc)
		fail_msg("relative dbpath: %s", e.msg);
	assert_int_equal(inv.npkgs, 1);
	pw_inventory_free(&inv);
	remove_tree(dir);
	free(dir);
}

/* A read-only sqlite database without its -shm file (a mounted image):
 * rpm cannot open it in place, the collector reads a private copy and
 * removes it afterwards. Run as an unprivileged user, since root may
 * write anywhere. */
static void read_only_db(void **state)
{
	(void)state;
	char *dir = make_tmpdir(), *tmp = make_tmpdir();
	copy_fixture("cbl-mariner-2.0", dir, false);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(chmod(tmp, 0777), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(10);
		setenv("TMPDIR", tmp, 1);
		struct pw_inventory inv;
		struct pw_error e;
		pw_inventory_init(&inv, NULL);
		pw_err rc = pw_rpmdb_collect(&inv, dir, &e);
		if (rc) {
			fprintf(stderr, "read-only: %s\n", e.msg);
			_exit(11);
		}
		if (inv.npkgs != 129)
			_exit(12);
		if (inv.nwarnings != 1 || !strstr(inv.warnings[0], "not writable, rpm read a private copy"))
			_exit(13);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the database was not touched and the private copy is gone */
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(count_entries(tmp), 0);
	remove_tree(dir);
	remove_tree(tmp);
	free(dir);
	free(tmp);
}

static void missing_rpm_program(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	copy_fixture("libuuid-bdb", dir, true);
	char *old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", "/nonexistent", 1);
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_rpmdb_collect(&inv, dir, &e), PW_ERR_EXEC);
	assert_true(strncmp(e.msg, "rpm not found: install the rpm package", 38) == 0);
	assert_int_equal(inv.npkgs, 0);
	pw_inventory_free(&inv);
	setenv("PATH", old, 1);
	free(old);
	remove_tree(dir);
	free(dir);

	/* no database at all: not an error for the scan to report */
	pw_inventory_init(&inv, "/nonexistent-root");
	assert_int_equal(pw_rpmdb_collect(&inv, NULL, &e), PW_ERR_NOTFOUND);
	assert_false(inv.has_rpm);
	pw_inventory_free(&inv);
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_rpmdb_collect(&inv, "/nonexistent-dir", &e), PW_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "/nonexistent-dir: no rpm database there"));
	pw_inventory_free(&inv);
}

/* rpm fails on a file that is not a database: its stderr is in the error */
static void broken_db(void **state)
{
	(void)state;
	char *dir = make_tmpdir(), path[1024];
	snprintf(path, sizeof(path), "%s/rpmdb.sqlite", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not an sqlite database, but it is long enough to be opened\n", f);
	fclose(f);
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_rpmdb_collect(&inv, dir, &e), PW_ERR_EXEC);
	assert_non_null(strstr(e.msg, "-qa exited"));
	assert_non_null(strstr(e.msg, "sqlite"));
	assert_int_equal(inv.npkgs, 0);
	assert_no_children();
	pw_inventory_free(&inv);
	remove_tree(dir);
	free(dir);
}

/* ---- rpm output cases: NAME.out -> NAME.expected ---- */

static const char *field_or_null(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

static void assert_str_or_null(const char *got, const char *want, const char *what,
			       const char *where)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(got, want) != 0)
		fail_msg("%s: %s is '%s', expected '%s'", where, what, got ? got : "(null)",
			 want ? want : "(null)");
}

static void run_case(const char *name)
{
	char path[1024];
	struct pw_file out, exp;
	struct pw_inventory inv;
	struct pw_error e;
	snprintf(path, sizeof(path), "%s/cases/%s.out", RPM_DATA, name);
	assert_int_equal(pw_file_read(&out, path, NULL), PW_OK);
	snprintf(path, sizeof(path), "%s/cases/%s.expected", RPM_DATA, name);
	assert_int_equal(pw_file_read(&exp, path, NULL), PW_OK);
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_rpmdb_parse_qf(&inv, out.data, &e), PW_OK);

	size_t npkg = 0, nwarn = 0, lineno = 0;
	struct pw_blob rest = exp.data, line;
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len == 0 || line.ptr[0] == '#')
			continue;
		char buf[1024], where[1100], *f[11];
		size_t n = 0;
		assert_true(line.len < sizeof(buf));
		memcpy(buf, line.ptr, line.len);
		buf[line.len] = '\0';
		snprintf(where, sizeof(where), "%s.expected:%zu", name, lineno);
		for (char *p = buf; n < 11; n++) {
			f[n] = p;
			char *tab = strchr(p, '\t');
			if (!tab) {
				n++;
				break;
			}
			*tab = '\0';
			p = tab + 1;
		}
		if (strcmp(f[0], "warn") == 0) {
			assert_int_equal(n, 2);
			if (nwarn >= inv.nwarnings)
				fail_msg("%s: warning missing", where);
			if (!strstr(inv.warnings[nwarn], f[1]))
				fail_msg("%s: warning '%s' does not contain '%s'", where,
					 inv.warnings[nwarn], f[1]);
			nwarn++;
			continue;
		}
		assert_string_equal(f[0], "pkg");
		if (n != 10)
			fail_msg("%s: %zu fields, expected 10", where, n);
		if (npkg >= inv.npkgs)
			fail_msg("%s: package missing", where);
		const struct pw_package *p = &inv.pkgs[npkg++];
		assert_str_or_null(p->name, f[1], "name", where);
		assert_str_or_null(p->rpm_epoch, field_or_null(f[2]), "epoch", where);
		assert_str_or_null(p->rpm_version, f[3], "version part", where);
		assert_str_or_null(p->rpm_release, f[4], "release", where);
		assert_str_or_null(p->arch, f[5], "arch", where);
		assert_str_or_null(p->rpm_sourcerpm, field_or_null(f[6]), "source rpm", where);
		assert_str_or_null(p->version, f[7], "version", where);
		assert_str_or_null(p->source_name, f[8], "source name", where);
		assert_str_or_null(p->source_version, f[9], "source version", where);
		assert_int_equal(p->family, PW_FAMILY_RPM);
		assert_int_equal(p->state, PW_STATE_INSTALLED);
	}
	if (npkg != inv.npkgs)
		fail_msg("%s: %zu packages, expected %zu", name, inv.npkgs, npkg);
	if (nwarn != inv.nwarnings)
		fail_msg("%s: %zu warnings, expected %zu (first extra: %s)", name, inv.nwarnings,
			 nwarn, inv.warnings[nwarn]);
	pw_inventory_free(&inv);
	pw_file_close(&out);
	pw_file_close(&exp);
}

static void qf_cases(void **state)
{
	(void)state;
	DIR *d = opendir(RPM_DATA "/cases");
	assert_non_null(d);
	struct dirent *de;
	size_t ran = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n <= 4 || strcmp(de->d_name + n - 4, ".out") != 0)
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 4), de->d_name);
		run_case(name);
		ran++;
	}
	closedir(d);
	assert_true(ran >= 3);
}

/* Inputs without a single newline or with nothing at all. */
static void qf_edges(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_rpmdb_parse_qf(&inv, pw_blob("", 0), &e), PW_OK);
	assert_int_equal(pw_rpmdb_parse_qf(&inv, pw_blob("\n\n", 2), &e), PW_OK);
	assert_int_equal(inv.npkgs, 0);
	assert_int_equal(inv.nwarnings, 0);
	static const char nul[] = "a\t(none)\t1\t1\tx86_64\ta-1-1.src.rpm\0junk\n";
	assert_int_equal(pw_rpmdb_parse_qf(&inv, pw_blob(nul, sizeof(nul) - 1), &e), PW_OK);
	assert_int_equal(inv.npkgs, 0);
	assert_int_equal(inv.nwarnings, 1);
	assert_non_null(strstr(inv.warnings[0], "NUL byte"));
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sqlite_db),
		cmocka_unit_test(bdb_db),
		cmocka_unit_test(found_in_root),
		cmocka_unit_test(read_only_db),
		cmocka_unit_test(missing_rpm_program),
		cmocka_unit_test(broken_db),
		cmocka_unit_test(qf_cases),
		cmocka_unit_test(qf_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
