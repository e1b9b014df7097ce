/* test_audit.c - the hash-chained audit log on a real SQLite file: a chain
 * verifies; an edited, deleted, inserted or reordered entry is found at the
 * right seq; so is removing the newest entries; appending outside a
 * transaction is refused; entries read back as written; writers in several
 * processes keep the chain whole. The sealed head kept apart from the store
 * finds the newest entries cut off with the head row moved back, and the
 * log emptied; it is 0600, refuses a forged head file, stays put on a
 * rollback and ends at the newest entry whatever order writers seal in;
 * checkpoints (parsed from a log line or SEQ:HASH) find the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pw_audit.h"
#include "pw_audit_seal.h"
#include "pw_clock.h"
#include "pw_sql.h"
#include "pw_store.h"

struct fixture {
	char path[64];
	struct pw_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-audit-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	assert_int_equal(pw_audit_migrate(f->s, &e), PW_OK);
	pw_clock_set(1700000000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[96];
	pw_store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s.audit-key", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s.audit-key.head", f->path);
	unlink(p);
	free(f);
	pw_clock_set(-1);
	return 0;
}

/* n entries, each in its own transaction, as a change would write them */
static void append_n(struct pw_store *s, int n)
{
	struct pw_error e = { 0 };
	for (int i = 0; i < n; i++) {
		char object[32], after[64];
		snprintf(object, sizeof(object), "host:%d", i + 1);
		snprintf(after, sizeof(after), "{\"n\":%d}", i);
		assert_int_equal(pw_store_begin(s, &e), PW_OK);
		assert_int_equal(pw_audit_append(s, "user:alice", "host.update", object,
						 i % 2 ? "{\"old\":true}" : NULL, after, &e),
				 PW_OK);
		assert_int_equal(pw_store_commit(s, &e), PW_OK);
	}
}

static void expect_ok(struct pw_store *s, int64_t n)
{
	bool ok = false;
	int64_t bad = -1, checked = -1;
	struct pw_error e = { 0 };
	assert_int_equal(pw_audit_verify(s, &ok, &bad, &checked, &e), PW_OK);
	if (!ok)
		fail_msg("verify: %s", e.msg);
	assert_int_equal(bad, 0);
	assert_int_equal(checked, n);
}

static void expect_bad(struct pw_store *s, int64_t seq, const char *words)
{
	bool ok = true;
	int64_t bad = -1, checked = -1;
	struct pw_error e = { 0 };
	assert_int_equal(pw_audit_verify(s, &ok, &bad, &checked, &e), PW_OK);
	assert_false(ok);
	assert_int_equal(bad, seq);
	if (!strstr(e.msg, words))
		fail_msg("message '%s' lacks '%s'", e.msg, words);
}

static void test_empty_and_chain(void **state)
{
	struct fixture *f = *state;
	expect_ok(f->s, 0);
	append_n(f->s, 10);
	expect_ok(f->s, 10);
}

struct seen {
	int n;
	int64_t last_seq;
	char actor[32], object[32];
	bool before_null;
	char hash[80];
};

static pw_err collect(void *ctx, const struct pw_audit_entry *a)
{
	struct seen *s = ctx;
	s->n++;
	s->last_seq = a->seq;
	snprintf(s->actor, sizeof(s->actor), "%s", a->actor);
	snprintf(s->object, sizeof(s->object), "%s", a->object);
	s->before_null = a->before_json == NULL;
	snprintf(s->hash, sizeof(s->hash), "%s", a->hash);
	assert_int_equal(a->at, 1700000000);
	return PW_OK;
}

static void test_each(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	append_n(f->s, 5);
	struct seen got = { 0 };
	assert_int_equal(pw_audit_each(f->s, 0, 0, collect, &got, &e), PW_OK);
	assert_int_equal(got.n, 5);
	assert_int_equal(got.last_seq, 5);
	assert_string_equal(got.actor, "user:alice");
	assert_string_equal(got.object, "host:5");
	assert_true(got.before_null);
	assert_int_equal(strlen(got.hash), 64);
	memset(&got, 0, sizeof(got));
	assert_int_equal(pw_audit_each(f->s, 2, 2, collect, &got, &e), PW_OK);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.last_seq, 4);
	assert_string_equal(got.object, "host:4");
	assert_false(got.before_null);
}

static void test_outside_transaction(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	assert_int_equal(pw_audit_append(f->s, "user:alice", "host.update", "host:1", NULL, "{}", &e),
			 PW_ERR_USAGE);
	assert_non_null(strstr(e.msg, "outside"));
	/* and no actor is refused inside one, with nothing written */
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_audit_append(f->s, NULL, "host.update", "host:1", NULL, "{}", &e),
			 PW_ERR_USAGE);
	pw_store_rollback(f->s);
	expect_ok(f->s, 0);
}

static void test_rolled_back_change_leaves_no_entry(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	append_n(f->s, 2);
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_audit_append(f->s, "user:bob", "user.create", "user:3", NULL, "{}", &e),
			 PW_OK);
	pw_store_rollback(f->s);
	expect_ok(f->s, 2);
	append_n(f->s, 1);
	expect_ok(f->s, 3);
}

static void run_sql(struct pw_store *s, const char *sql)
{
	struct pw_error e = { 0 };
	if (pw_sql_exec(s, sql, PW_SQL_NOARGS, &e))
		fail_msg("%s: %s", sql, e.msg);
}

static void test_edited(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 8);
	run_sql(f->s, "UPDATE audit_log SET after_json = '{\"n\":99}' WHERE seq = 5");
	expect_bad(f->s, 5, "entry 5 does not match");
}

static void test_edited_actor_and_time(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 4);
	run_sql(f->s, "UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2");
	expect_bad(f->s, 2, "entry 2");
	run_sql(f->s, "UPDATE audit_log SET actor = 'user:alice' WHERE seq = 2");
	expect_ok(f->s, 4);
	run_sql(f->s, "UPDATE audit_log SET at = at - 1 WHERE seq = 3");
	expect_bad(f->s, 3, "entry 3");
}

/* NULL and empty differ; moving bytes between fields is seen */
static void test_field_boundaries(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_audit_append(f->s, "ab", "c", NULL, NULL, NULL, &e), PW_OK);
	assert_int_equal(pw_store_commit(f->s, &e), PW_OK);
	expect_ok(f->s, 1);
	run_sql(f->s, "UPDATE audit_log SET actor = 'a', action = 'bc' WHERE seq = 1");
	expect_bad(f->s, 1, "entry 1");
	run_sql(f->s, "UPDATE audit_log SET actor = 'ab', action = 'c', object = '' WHERE seq = 1");
	expect_bad(f->s, 1, "entry 1");
	run_sql(f->s, "UPDATE audit_log SET object = NULL WHERE seq = 1");
	expect_ok(f->s, 1);
}

/* an edit whose hash was recomputed by someone who knows the scheme still
 * breaks the link to the next entry: the chain names the next one */
static void test_edited_with_copied_hash(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 6);
	run_sql(f->s, "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 4)"
		      " WHERE seq = 3");
	expect_bad(f->s, 3, "entry 3");
}

static void test_deleted_middle(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 8);
	run_sql(f->s, "DELETE FROM audit_log WHERE seq = 4");
	expect_bad(f->s, 5, "entry 4 to 4 missing before entry 5");
}

static void test_deleted_first(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 3);
	run_sql(f->s, "DELETE FROM audit_log WHERE seq = 1");
	expect_bad(f->s, 2, "missing before entry 2");
}

static void test_deleted_newest(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 6);
	run_sql(f->s, "DELETE FROM audit_log WHERE seq >= 5");
	expect_bad(f->s, 5, "log truncated: head at 4, expected at least 6");
}

static void test_deleted_everything(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 3);
	run_sql(f->s, "DELETE FROM audit_log");
	expect_bad(f->s, 1, "log truncated: head at 0, expected at least 3");
}

static void test_inserted(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 5);
	/* renumber to make room, then insert a forged entry at 3 */
	run_sql(f->s, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3");
	run_sql(f->s, "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 100");
	run_sql(f->s, "INSERT INTO audit_log(seq, at, actor, action, object, hash)"
		      " SELECT 3, at, actor, 'user.create', 'user:9', hash FROM audit_log"
		      " WHERE seq = 2");
	expect_bad(f->s, 3, "entry 3");
}

static void test_appended_forgery(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 3);
	run_sql(f->s, "INSERT INTO audit_log(seq, at, actor, action, object, hash)"
		      " VALUES (4, 1700000000, 'user:x', 'user.create', 'user:9',"
		      " '0000000000000000000000000000000000000000000000000000000000000000')");
	expect_bad(f->s, 4, "entry 4");
}

static void test_reordered(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 5);
	run_sql(f->s, "UPDATE audit_log SET seq = -1 WHERE seq = 2");
	run_sql(f->s, "UPDATE audit_log SET seq = 2 WHERE seq = 3");
	run_sql(f->s, "UPDATE audit_log SET seq = 3 WHERE seq = -1");
	expect_bad(f->s, 2, "entry 2");
}

static void head_of(struct pw_store *s, int64_t *seq, char hash[PW_AUDIT_HEX])
{
	struct pw_audit_head_seal h;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_audit_seal_read(s, &h, &found, &e))
		fail_msg("seal: %s", e.msg);
	assert_true(found);
	*seq = h.seq;
	snprintf(hash, PW_AUDIT_HEX, "%s", h.hash);
}

/* Writers in several processes, each with its own connection, append at
 * once: every entry takes the last one inside its write transaction, so
 * the chain stays whole and dense. */
static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	enum { WRITERS = 4, EACH = 100 };
	pid_t pids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			struct pw_store *s;
			struct pw_error e = { 0 };
			if (pw_store_open(f->path, &s, &e))
				_exit(1);
			for (int i = 0; i < EACH; i++) {
				char actor[32];
				snprintf(actor, sizeof(actor), "user:w%d", w);
				if (pw_store_begin(s, &e) ||
				    pw_audit_append(s, actor, "host.update", "host:1", NULL, "{}", &e) ||
				    pw_store_commit(s, &e))
					_exit(2);
			}
			pw_store_close(s);
			_exit(0);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status = -1;
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	expect_ok(f->s, WRITERS * EACH);
	/* the sealed head is at the newest entry, whatever order the writers
	 * sealed in */
	int64_t seq;
	char hash[PW_AUDIT_HEX];
	head_of(f->s, &seq, hash);
	assert_int_equal(seq, WRITERS * EACH);
}

/* ---- truncation, against the sealed head kept apart from the store ---- */

/* The newest entries cut off and the store's head row moved back with
 * them, as a writer of the store can: the chain and the head row agree,
 * the sealed head does not. */
static void test_cut_off_with_head_moved_back(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 6);
	run_sql(f->s, "DELETE FROM audit_log WHERE seq >= 5");
	run_sql(f->s, "UPDATE audit_head SET seq = 4,"
		      " hash = (SELECT hash FROM audit_log WHERE seq = 4)");
	expect_bad(f->s, 5, "log truncated: head at 4, expected at least 6");
}

static void test_emptied(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 3);
	run_sql(f->s, "DELETE FROM audit_log");
	run_sql(f->s, "DELETE FROM audit_head");
	expect_bad(f->s, 1, "log truncated: head at 0, expected at least 3");
}

/* The key is 0600 and the head file cannot be rewritten without it; a
 * rolled back change does not move it; it only ever moves forward. */
static void test_seal_file(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	append_n(f->s, 3);
	char key[96], head[112];
	snprintf(key, sizeof(key), "%s.audit-key", f->path);
	snprintf(head, sizeof(head), "%s.audit-key.head", f->path);
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	int64_t seq;
	char hash[PW_AUDIT_HEX];
	head_of(f->s, &seq, hash);
	assert_int_equal(seq, 3);
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_audit_append(f->s, "user:a", "x.y", NULL, NULL, NULL, &e), PW_OK);
	pw_store_rollback(f->s);
	head_of(f->s, &seq, hash);
	assert_int_equal(seq, 3);
	expect_ok(f->s, 3);
	/* a forged head (the right format, a made-up MAC): refused, named */
	FILE *w = fopen(head, "w");
	assert_non_null(w);
	fprintf(w, "patchwarden-audit-head v1 2 %s %064d\n", hash, 0);
	fclose(w);
	bool ok = true, found = false;
	int64_t bad, checked;
	assert_int_equal(pw_audit_verify(f->s, &ok, &bad, &checked, &e), PW_OK);
	assert_false(ok);
	assert_non_null(strstr(e.msg, "does not verify"));
	struct pw_audit_head_seal h;
	assert_int_equal(pw_audit_seal_read(f->s, &h, &found, &e), PW_ERR_INVALID);
	/* removed, the next append writes it again */
	unlink(head);
	append_n(f->s, 1);
	head_of(f->s, &seq, hash);
	assert_int_equal(seq, 4);
	expect_ok(f->s, 4);
}

/* A checkpoint: the entry must be there with its hash, and its MAC verify. */
static void test_checkpoints(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	append_n(f->s, 6);
	int64_t seq;
	char hash[PW_AUDIT_HEX], mac[PW_AUDIT_HEX], got_hash[PW_AUDIT_HEX], got_mac[PW_AUDIT_HEX];
	head_of(f->s, &seq, hash);
	assert_true(pw_audit_seal_mac(f->s, seq, hash, mac));
	char line[300];
	snprintf(line, sizeof(line), "Dec 04 patchwarden: info: audit checkpoint seq=%lld hash=%s mac=%s",
		 (long long)seq, hash, mac);
	int64_t pseq;
	assert_true(pw_audit_checkpoint_parse(line, &pseq, got_hash, got_mac));
	assert_int_equal(pseq, 6);
	assert_string_equal(got_hash, hash);
	assert_string_equal(got_mac, mac);
	snprintf(line, sizeof(line), "6:%s", hash);
	assert_true(pw_audit_checkpoint_parse(line, &pseq, got_hash, got_mac));
	assert_string_equal(got_mac, "");
	assert_false(pw_audit_checkpoint_parse("6:abc", &pseq, got_hash, got_mac));
	assert_false(pw_audit_checkpoint_parse("nothing here", &pseq, got_hash, got_mac));
	bool ok = false;
	assert_int_equal(pw_audit_verify_checkpoint(f->s, 6, hash, mac, &ok, &e), PW_OK);
	assert_true(ok);
	/* a MAC not made with this key */
	char forged[PW_AUDIT_HEX];
	snprintf(forged, sizeof(forged), "%s", mac);
	forged[0] = forged[0] == 'a' ? 'b' : 'a';
	assert_int_equal(pw_audit_verify_checkpoint(f->s, 6, hash, forged, &ok, &e), PW_OK);
	assert_false(ok);
	assert_non_null(strstr(e.msg, "does not verify"));
	/* the key and head file gone with the newest entries: the checkpoint
	 * still tells */
	char p[112];
	snprintf(p, sizeof(p), "%s.audit-key.head", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s.audit-key", f->path);
	unlink(p);
	run_sql(f->s, "DELETE FROM audit_log WHERE seq >= 5");
	run_sql(f->s, "UPDATE audit_head SET seq = 4,"
		      " hash = (SELECT hash FROM audit_log WHERE seq = 4)");
	expect_ok(f->s, 4);
	assert_int_equal(pw_audit_verify_checkpoint(f->s, 6, hash, "", &ok, &e), PW_OK);
	assert_false(ok);
	assert_string_equal(e.msg, "log truncated: head at 4, expected at least 6");
	/* a rewritten entry at the checkpoint */
	assert_int_equal(pw_audit_verify_checkpoint(f->s, 3, hash, "", &ok, &e), PW_OK);
	assert_false(ok);
	assert_non_null(strstr(e.msg, "does not match the checkpoint"));
}

static void test_head_removed(void **state)
{
	struct fixture *f = *state;
	append_n(f->s, 2);
	run_sql(f->s, "DELETE FROM audit_head");
	expect_bad(f->s, 1, "head is missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_and_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rolled_back_change_leaves_no_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_actor_and_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_with_copied_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inserted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_appended_forgery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_off_with_head_moved_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emptied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
