/* test_hostfacts.c - os-release, machine-id and hostname from the fake
 * roots in tests/data/inventory/hosts (each against its NAME.expected),
 * links resolved inside a root, the real Debian 12 os-release, quoting
 * rules, and the live host against uname(2) and the real `uname` program. */
#include "pw_test.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_file.h"
#include "pw_hostfacts.h"

#define HOSTS PW_TEST_DATA "/inventory/hosts"

static const char *host_field(const struct pw_inventory *inv, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "os_id", offsetof(struct pw_host_facts, os_id) },
		{ "os_version_id", offsetof(struct pw_host_facts, os_version_id) },
		{ "os_codename", offsetof(struct pw_host_facts, os_codename) },
		{ "os_id_like", offsetof(struct pw_host_facts, os_id_like) },
		{ "os_pretty_name", offsetof(struct pw_host_facts, os_pretty_name) },
		{ "hostname", offsetof(struct pw_host_facts, hostname) },
		{ "machine_id", offsetof(struct pw_host_facts, machine_id) },
		{ "arch", offsetof(struct pw_host_facts, arch) },
		{ "kernel_release", offsetof(struct pw_host_facts, kernel_release) },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(key, fields[i].key) == 0)
			return *(const char *const *)((const char *)&inv->host + fields[i].off);
	}
	fail_msg("unknown key %s", key);
	return NULL;
}

/* Check the host keys and warnings of NAME.expected (reboot keys are
 * test_reboot's). */
static void run_root(const char *name)
{
	char root[512], path[600];
	struct pw_inventory inv;
	struct pw_error e;
	struct pw_file exp;
	snprintf(root, sizeof(root), "%s/%s", HOSTS, name);
	snprintf(path, sizeof(path), "%s.expected", root);
	assert_int_equal(pw_file_read(&exp, path, NULL), PW_OK);
	pw_inventory_init(&inv, root);
	assert_int_equal(pw_hostfacts_collect(&inv, &e), PW_OK);
	/* a root scan never reports this machine's kernel */
	assert_null(inv.host.kernel_release);
	assert_null(inv.host.kernel_version);
	assert_null(inv.host.arch);

	struct pw_blob rest = exp.data, line;
	size_t lineno = 0, nwarn = 0;
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len == 0 || line.ptr[0] == '#')
			continue;
		char buf[512];
		assert_true(line.len < sizeof(buf));
		memcpy(buf, line.ptr, line.len);
		buf[line.len] = '\0';
		char *eq = strchr(buf, '=');
		if (!eq)
			fail_msg("%s.expected:%zu: not key=value", name, lineno);
		*eq = '\0';
		const char *key = buf, *want = eq + 1;
		if (strncmp(key, "reboot_", 7) == 0)
			continue;
		if (strcmp(key, "warning") == 0) {
			if (nwarn >= inv.nwarnings)
				fail_msg("%s.expected:%zu: no warning '%s'", name, lineno, want);
			if (!strstr(inv.warnings[nwarn], want))
				fail_msg("%s.expected:%zu: warning '%s' lacks '%s'", name, lineno,
					 inv.warnings[nwarn], want);
			nwarn++;
			continue;
		}
		const char *got = host_field(&inv, key);
		if (strcmp(want, "(null)") == 0) {
			if (got)
				fail_msg("%s.expected:%zu: %s is '%s', expected none", name, lineno, key, got);
		} else if (!got || strcmp(got, want) != 0) {
			fail_msg("%s.expected:%zu: %s is '%s', expected '%s'", name, lineno, key,
				 got ? got : "(null)", want);
		}
	}
	if (nwarn != inv.nwarnings)
		fail_msg("%s: %zu warnings, expected %zu; first extra: %s", name, inv.nwarnings, nwarn,
			 inv.warnings[nwarn]);
	pw_inventory_free(&inv);
	pw_file_close(&exp);
}

static void fake_roots(void **state)
{
	(void)state;
	DIR *d = opendir(HOSTS);
	assert_non_null(d);
	struct dirent *de;
	size_t ran = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n <= 9 || strcmp(de->d_name + n - 9, ".expected") != 0)
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 9), de->d_name);
		run_root(name);
		ran++;
	}
	closedir(d);
	assert_true(ran >= 7);
}

static void resolve_in_root(void **state)
{
	(void)state;
	static const struct {
		const char *root, *path, *want;
	} cases[] = {
		/* an absolute link in the middle of the path: var/run -> /run */
		{ HOSTS "/debian12", "/var/run/reboot-required", HOSTS "/debian12/run/reboot-required" },
		/* a relative link at the end */
		{ HOSTS "/debian12", "/etc/os-release", HOSTS "/debian12/usr/lib/os-release" },
		/* an absolute link at the end */
		{ HOSTS "/alma9", "/etc/os-release", HOSTS "/alma9/usr/lib/os-release" },
		/* ".." cannot climb above the root, in a link or in the path */
		{ HOSTS "/escape", "/etc/os-release", HOSTS "/escape/usr/lib/os-release" },
		{ HOSTS "/escape", "/../../../etc/passwd", HOSTS "/escape/etc/passwd" },
		{ HOSTS "/escape", "/etc/hostname", HOSTS "/escape/proc/sys/kernel/hostname" },
		/* missing components are kept as they are */
		{ HOSTS "/alpine", "/no/such/./file", HOSTS "/alpine/no/such/file" },
		{ HOSTS "/alpine/", "/etc/../etc/os-release", HOSTS "/alpine/etc/os-release" },
		/* the live host: the kernel resolves */
		{ "/", "/etc/os-release", "/etc/os-release" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = pw_hostfacts_resolve(cases[i].root, cases[i].path);
		if (!got || strcmp(got, cases[i].want) != 0)
			fail_msg("resolve(%s, %s) = %s, expected %s", cases[i].root, cases[i].path,
				 got ? got : "(null)", cases[i].want);
		free(got);
	}
	/* a loop (escape/etc/machine-id leads back to itself inside the root) */
	assert_null(pw_hostfacts_resolve(HOSTS "/escape", "/etc/machine-id"));
}

static void real_debian(void **state)
{
	(void)state;
	struct pw_file f;
	struct pw_error e;
	assert_int_equal(pw_file_read(&f, PW_TEST_DATA "/inventory/dpkg/this-host-bookworm/os-release", &e), PW_OK);
	struct pw_inventory inv;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_hostfacts_parse_os_release(&inv, f.data, "os-release", &e), PW_OK);
	assert_string_equal(inv.host.os_id, "debian");
	assert_string_equal(inv.host.os_version_id, "12");
	assert_string_equal(inv.host.os_codename, "bookworm");
	assert_string_equal(inv.host.os_pretty_name, "Debian GNU/Linux 12 (bookworm)");
	assert_null(inv.host.os_id_like);
	assert_int_equal(inv.nwarnings, 0);
	pw_inventory_free(&inv);
	pw_file_close(&f);
}

static void quoting(void **state)
{
	(void)state;
	static const char text[] =
		"ID='single \"kept\" \\n'\n"                       /* 1: single quotes: all literal */
		"PRETTY_NAME=\"a \\\"quoted\\\" \\$name \\`x\\` \\\\ \\n\"\n" /* 2: escapes */
		"VERSION_ID=\"unterminated\n"                      /* 3 */
		"  # indented comment\n"                           /* 4 */
		"\n"                                               /* 5 */
		"VERSION_CODENAME=plain\\ word\n"                  /* 6: unquoted escape */
		"ID_LIKE=\"rhel fedora\"trailing\n"                /* 7: concatenation */
		"=novalue\n"                                       /* 8 */
		"VERSION=\"1 (one)\"\r\n"                          /* 9: CRLF */
		"ID_LIKE = \"spaced\"\n";                          /* 10: spaces around '=' */
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_hostfacts_parse_os_release(&inv, pw_blob_cstr(text), "x", &e), PW_OK);
	assert_string_equal(inv.host.os_id, "single \"kept\" \\n");
	assert_string_equal(inv.host.os_pretty_name, "a \"quoted\" $name `x` \\ \\n");
	assert_null(inv.host.os_version_id);
	assert_string_equal(inv.host.os_codename, "plain word");
	assert_string_equal(inv.host.os_id_like, "spaced");
	assert_int_equal(inv.nwarnings, 3);
	assert_string_equal(inv.warnings[0], "x:3: VERSION_ID: unterminated quote");
	assert_string_equal(inv.warnings[1], "x:7: ID_LIKE: text after the closing quote ignored");
	assert_string_equal(inv.warnings[2], "x:8: not KEY=value");
	pw_inventory_free(&inv);

	/* the codename fallbacks: UBUNTU_CODENAME, then a one-word VERSION */
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_hostfacts_parse_os_release(
				 &inv, pw_blob_cstr("VERSION=\"16.04 (Xenial Xerus)\"\nUBUNTU_CODENAME=xenial\n"),
				 "u", &e),
			 PW_OK);
	assert_string_equal(inv.host.os_codename, "xenial");
	pw_inventory_free(&inv);
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_hostfacts_parse_os_release(
				 &inv, pw_blob_cstr("VERSION=\"39 (Container Image)\"\nVERSION_CODENAME=\n"),
				 "f", &e),
			 PW_OK);
	assert_null(inv.host.os_codename);
	pw_inventory_free(&inv);

	/* a value over the 4096-byte cap is refused, not truncated */
	struct pw_buf big = PW_BUF_INIT;
	pw_buf_adds(&big, "ID=");
	for (int i = 0; i < 5000; i++)
		pw_buf_addc(&big, 'x');
	pw_buf_adds(&big, "\nVERSION_ID=1\n");
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_hostfacts_parse_os_release(&inv, pw_blob(big.data, big.len), "b", &e), PW_OK);
	assert_null(inv.host.os_id);
	assert_string_equal(inv.host.os_version_id, "1");
	assert_string_equal(inv.warnings[0], "b:1: ID: value longer than 4096 bytes");
	pw_inventory_free(&inv);
	pw_buf_free(&big);
}

/* Run a program (argv, no shell) and return its first output line. */
static char *run_first_line(const char *const argv[])
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	char buf[512];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(buf) - 1 && (r = read(fd[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(fd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

static void live_host(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, "/");
	assert_int_equal(pw_hostfacts_collect(&inv, &e), PW_OK);
	static const char *const uname_r[] = { "uname", "-r", NULL };
	static const char *const uname_m[] = { "uname", "-m", NULL };
	static const char *const uname_v[] = { "uname", "-v", NULL };
	static const char *const hostname[] = { "hostname", NULL };
	char *s = run_first_line(uname_r);
	assert_string_equal(inv.host.kernel_release, s);
	free(s);
	s = run_first_line(uname_m);
	assert_string_equal(inv.host.arch, s);
	free(s);
	s = run_first_line(uname_v);
	assert_string_equal(inv.host.kernel_version, s);
	free(s);
	if (access("/bin/hostname", X_OK) == 0 || access("/usr/bin/hostname", X_OK) == 0) {
		s = run_first_line(hostname);
		assert_string_equal(inv.host.hostname, s);
		free(s);
	}
	/* this host's own os-release, read the same way as a root's */
	struct pw_file f;
	struct pw_inventory ref;
	pw_inventory_init(&ref, NULL);
	if (pw_file_read(&f, "/etc/os-release", NULL) == PW_OK ||
	    pw_file_read(&f, "/usr/lib/os-release", NULL) == PW_OK) {
		assert_int_equal(pw_hostfacts_parse_os_release(&ref, f.data, "os-release", &e), PW_OK);
		pw_file_close(&f);
		assert_non_null(inv.host.os_id);
		assert_string_equal(inv.host.os_id, ref.host.os_id);
	}
	pw_inventory_free(&ref);
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fake_roots),
		cmocka_unit_test(resolve_in_root),
		cmocka_unit_test(real_debian),
		cmocka_unit_test(quoting),
		cmocka_unit_test(live_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
