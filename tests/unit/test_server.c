/* test_server.c - the server's settings: reading the INI file, the
 * precedence of --db, $PATCHWARDEN_DB and [store] path, every [server] key's
 * checks and the file:line of each refusal. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_server.h"
#include "server_internal.h"

static char dir[] = "/tmp/pw-test-server-XXXXXX";
static char conf[256];

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(conf, sizeof(conf), "%s/patchwarden.conf", dir);
	unsetenv("PATCHWARDEN_DB");
	return 0;
}

static int teardown(void **state)
{
	unlink(conf);
	rmdir(dir);
	return 0;
}

static void write_conf(const char *text)
{
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load `text` as the configuration; NULL (and the message in e) on error. */
static struct pw_server *load(const char *text, const struct pw_server_options *extra,
			      struct pw_error *e)
{
	struct pw_server_options o = { 0 };
	if (extra)
		o = *extra;
	o.config_path = conf;
	write_conf(text);
	struct pw_server *srv = NULL;
	pw_error_clear(e);
	if (pw_server_load(&o, &srv, e) != PW_OK)
		return NULL;
	return srv;
}

static void test_defaults(void **state)
{
	struct pw_error e;
	struct pw_server *srv = load("# nothing\n", &(struct pw_server_options){ .db_path = "/x.db" }, &e);
	assert_non_null(srv);
	assert_string_equal(srv->listen, "127.0.0.1:8080");
	assert_true(srv->threads >= 1);
	assert_int_equal(srv->max_body, 16 << 20);
	assert_false(srv->access_log);
	assert_null(srv->tls_cert);
	assert_int_equal(srv->shutdown_timeout, 30);
	assert_string_equal(pw_server_db_path(srv), "/x.db");
	pw_server_free(srv);
}

static void test_values(void **state)
{
	struct pw_error e;
	struct pw_server *srv = load("[server]\n"
				     "listen = [::1]:0\n"
				     "threads = 3\n"
				     "max_body = 512k\n"
				     "access_log = yes\n"
				     "tls_cert = /c.pem\n"
				     "tls_key = /k.pem\n"
				     "[Other]\n"
				     "Name = first\n"
				     "count = 12\n"
				     "bad = 12x\n"
				     "name = second ; a comment\n"
				     "[store]\n"
				     "path = /from/conf.db\n",
				     NULL, &e);
	if (!srv)
		fail_msg("%s", e.msg);
	assert_string_equal(srv->listen, "[::1]:0");
	assert_int_equal(srv->threads, 3);
	assert_int_equal(srv->max_body, 512 * 1024);
	assert_true(srv->access_log);
	assert_string_equal(srv->tls_cert, "/c.pem");
	assert_string_equal(srv->tls_key, "/k.pem");
	/* sections and keys are matched ignoring case; the last one wins */
	assert_string_equal(pw_server_setting(srv, "other", "name"), "second");
	assert_null(pw_server_setting(srv, "other", "missing"));
	assert_null(pw_server_setting(srv, "nosuch", "name"));
	assert_int_equal(pw_server_setting_int(srv, "other", "count", 5), 12);
	assert_int_equal(pw_server_setting_int(srv, "other", "missing", 5), 5);
	assert_int_equal(pw_server_setting_int(srv, "other", "bad", 5), 5);
	assert_string_equal(pw_server_db_path(srv), "/from/conf.db");
	pw_server_free(srv);
}

static void test_db_precedence(void **state)
{
	struct pw_error e;
	const char *text = "[store]\npath = /conf.db\n";
	struct pw_server *srv = load(text, NULL, &e);
	assert_string_equal(pw_server_db_path(srv), "/conf.db");
	pw_server_free(srv);
	setenv("PATCHWARDEN_DB", "/env.db", 1);
	srv = load(text, NULL, &e);
	assert_string_equal(pw_server_db_path(srv), "/env.db");
	pw_server_free(srv);
	srv = load(text, &(struct pw_server_options){ .db_path = "/opt.db" }, &e);
	assert_string_equal(pw_server_db_path(srv), "/opt.db");
	pw_server_free(srv);
	unsetenv("PATCHWARDEN_DB");
	/* --listen over [server] listen */
	srv = load("[server]\nlisten = 127.0.0.1:1\n",
		   &(struct pw_server_options){ .listen = "0.0.0.0:2" }, &e);
	assert_string_equal(srv->listen, "0.0.0.0:2");
	pw_server_free(srv);
}

static void test_refused(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* in the message, after the file name */
	} cases[] = {
		{ "[server]\nthreads = 0\n", ":2: [server] threads:" },
		{ "[server]\n\nthreads = many\n", ":3: [server] threads:" },
		{ "[server]\nthreads = 99999\n", ":2: [server] threads:" },
		{ "[server]\nmax_body = 0\n", ":2: [server] max_body:" },
		{ "[server]\nmax_body = 12q\n", ":2: [server] max_body:" },
		{ "[server]\nmax_body = -1\n", ":2: [server] max_body:" },
		{ "[server]\nmax_body = 99999999g\n", ":2: [server] max_body:" },
		{ "[server]\naccess_log = maybe\n", ":2: [server] access_log:" },
		{ "[server]\nidle_timeout = 0\n", ":2: [server] idle_timeout:" },
		{ "[server]\nlisten = localhost:80\n", ":2: [server] listen:" },
		{ "[server]\nlisten = 127.0.0.1\n", ":2: [server] listen:" },
		{ "[server]\nlisten = 127.0.0.1:65536\n", ":2: [server] listen:" },
		{ "[server]\nlisten = 127.0.0.1:-1\n", ":2: [server] listen:" },
		{ "[server]\nlisten = ::1:80\n", ":2: [server] listen:" },
		{ "[server]\nlisten = [::1]80\n", ":2: [server] listen:" },
		{ "[server]\nlisten = :80\n", ":2: [server] listen:" },
		{ "[server]\ntls_cert = /c.pem\n", ":2: [server] tls_cert: tls_key must be set" },
		{ "[server]\ntls_key = /k.pem\n", ":2: [server] tls_key: tls_cert must be set" },
		{ "[server]\nthread = 2\n", ":2: [server] thread: unknown key" },
		{ "[server]\nnot a setting\n", ":2: not a [section]" },
		{ "[server\n", ":1: not a [section]" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_error e;
		struct pw_server *srv = load(cases[i].text, NULL, &e);
		if (srv)
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		char want[512];
		snprintf(want, sizeof(want), "%s%s", conf, cases[i].want);
		if (!strstr(e.msg, want))
			fail_msg("case %zu: '%s' does not say '%s'", i, e.msg, want);
	}
	/* a line longer than inih reads is refused, not split */
	char text[600] = "[server]\n# ";
	memset(text + strlen(text), 'x', 400);
	strcat(text, "\n");
	struct pw_error e;
	assert_null(load(text, NULL, &e));
	assert_non_null(strstr(e.msg, ":2: line longer than"));
	/* --listen is checked too */
	assert_null(load("", &(struct pw_server_options){ .listen = "nowhere" }, &e));
	assert_non_null(strstr(e.msg, "--listen nowhere"));
}

static void test_config_file(void **state)
{
	struct pw_error e;
	struct pw_server *srv = NULL;
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/none.conf", dir);
	/* a --config that does not exist is an error */
	assert_int_not_equal(pw_server_load(&(struct pw_server_options){ .config_path = missing,
									.db_path = "/x.db" },
					    &srv, &e),
			     PW_OK);
	assert_null(srv);
	assert_non_null(strstr(e.msg, "none.conf"));
}

/* A log line never carries a control character: host names and paths in
 * it come from callers, and the journal ends on an admin's terminal. */
static void test_log_escaped(void **state)
{
	(void)state;
	char path[] = "/tmp/pw-test-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	assert_true(dup2(fd, 2) == 2);
	pw_server_log("info", "agent enrolled: host %s", "web\033]0;pwned\007\033[2J\xc2\x9b\nx");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char buf[512] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	assert_string_equal(buf, "patchwarden: info: agent enrolled: host "
				 "web\\x1b]0;pwned\\x07\\x1b[2J\\u009b\\x0ax\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),      cmocka_unit_test(test_values),
		cmocka_unit_test(test_db_precedence), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_log_escaped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
