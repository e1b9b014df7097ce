/* test_agents.c - enrollment tokens and agent credentials on a real SQLite
 * file: a token's use limit, expiry and revocation; enrollment creating or
 * finding the host and replacing its earlier credential; credentials found
 * by hash, refused once revoked or malformed; check-in times written in one
 * batch; every change in the audit log, no secret in it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_agents.h"
#include "pw_arena.h"
#include "pw_audit.h"
#include "pw_clock.h"
#include "pw_registry.h"
#include "pw_sql.h"
#include "pw_store.h"

#define T0 1700000000

struct fixture {
	char path[64];
	struct pw_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-agents-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	assert_int_equal(pw_audit_migrate(f->s, &e), PW_OK);
	assert_int_equal(pw_registry_migrate(f->s, &e), PW_OK);
	assert_int_equal(pw_agents_migrate(f->s, &e), PW_OK);
	assert_int_equal(pw_agents_migrate(f->s, &e), PW_OK); /* idempotent */
	pw_clock_set(T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pw_store_close(f->s);
	char p[80];
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	pw_clock_set(-1);
	free(f);
	return 0;
}

static enum pw_enroll_status enroll(struct pw_store *s, const char *token, const char *machine,
				    struct pw_enrollment *en)
{
	struct pw_enroll_request rq = { token, machine, "host.test", "127.0.0.1" };
	enum pw_enroll_status st;
	struct pw_error e = { 0 };
	assert_int_equal(pw_agents_enroll(s, &rq, pw_clock_now(), &st, en, &e), PW_OK);
	return st;
}

static void token_use_limit(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char tok[PW_AGENT_SECRET_SIZE];
	int64_t id;
	assert_int_equal(pw_enrollment_create(f->s, "local:root", "web", T0 + 3600, 2, tok, &id, &e),
			 PW_OK);
	assert_int_equal(strlen(tok), 47);
	assert_memory_equal(tok, "pwe_", 4);
	struct pw_enrollment a, b, c;
	assert_int_equal(enroll(f->s, tok, "m-a", &a), PW_ENROLL_OK);
	assert_int_equal(enroll(f->s, tok, "m-b", &b), PW_ENROLL_OK);
	assert_int_equal(enroll(f->s, tok, "m-c", &c), PW_ENROLL_USED_UP);
	assert_string_equal(c.credential, "");
	assert_true(a.host_created && b.host_created);
	assert_int_not_equal(a.host_id, b.host_id);
	assert_memory_equal(a.credential, "pwa_", 4);
	assert_int_equal(strlen(a.credential), 47);
	assert_string_not_equal(a.credential, b.credential);
	struct pw_enrollment_token t;
	bool found;
	assert_int_equal(pw_enrollment_get(f->s, id, &t, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(t.uses, 2);
	assert_int_equal(t.max_uses, 2);
	assert_string_equal(t.group, "web");
	/* a refused enrollment wrote nothing */
	struct pw_agent_info ag;
	assert_int_equal(pw_agents_get(f->s, 3, &ag, &found, &e), PW_OK);
	assert_false(found);
	/* malformed and unknown tokens */
	assert_int_equal(enroll(f->s, "pwe_short", "m-d", &c), PW_ENROLL_UNKNOWN);
	assert_int_equal(enroll(f->s, "pwe_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "m-d", &c),
			 PW_ENROLL_UNKNOWN);
	/* a machine-id is required */
	struct pw_enroll_request rq = { tok, "", NULL, NULL };
	enum pw_enroll_status st;
	assert_int_equal(pw_agents_enroll(f->s, &rq, T0, &st, &c, &e), PW_ERR_INVALID);
	/* bad arguments */
	assert_int_equal(pw_enrollment_create(f->s, "local:root", NULL, T0 + 60, 0, tok, &id, &e),
			 PW_ERR_INVALID);
	assert_int_equal(pw_enrollment_create(f->s, "local:root", NULL, T0, 1, tok, &id, &e),
			 PW_ERR_INVALID);
}

static void expired_and_revoked(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char t1[PW_AGENT_SECRET_SIZE], t2[PW_AGENT_SECRET_SIZE];
	int64_t id1, id2;
	assert_int_equal(pw_enrollment_create(f->s, "local:root", NULL, T0 + 60, 5, t1, &id1, &e), PW_OK);
	assert_int_equal(pw_enrollment_create(f->s, "local:root", NULL, T0 + 60, 5, t2, &id2, &e), PW_OK);
	assert_int_equal(pw_enrollment_revoke(f->s, "local:root", id2, &e), PW_OK);
	assert_int_equal(pw_enrollment_revoke(f->s, "local:root", id2, &e), PW_OK); /* again: no-op */
	assert_int_equal(pw_enrollment_revoke(f->s, "local:root", 999, &e), PW_ERR_NOTFOUND);
	struct pw_enrollment en;
	assert_int_equal(enroll(f->s, t2, "m-x", &en), PW_ENROLL_REVOKED);
	pw_clock_set(T0 + 61);
	assert_int_equal(enroll(f->s, t1, "m-x", &en), PW_ENROLL_EXPIRED);
	pw_clock_set(T0 + 59);
	assert_int_equal(enroll(f->s, t1, "m-x", &en), PW_ENROLL_OK);
}

static pw_err count_agent(void *ctx, const struct pw_agent_info *a)
{
	(void)a;
	(*(int *)ctx)++;
	return PW_OK;
}

struct audit_actions {
	int pending, approve, reject;
};

static pw_err audit_action(void *ctx, const struct pw_audit_entry *a)
{
	struct audit_actions *s = ctx;
	s->pending += strcmp(a->action, "agent.enroll_pending") == 0;
	s->approve += strcmp(a->action, "agent.approve") == 0;
	s->reject += strcmp(a->action, "agent.reject") == 0;
	return PW_OK;
}

static void credentials(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char tok[PW_AGENT_SECRET_SIZE];
	int64_t id;
	assert_int_equal(pw_enrollment_create(f->s, "local:root", NULL, T0 + 60, 5, tok, &id, &e), PW_OK);
	struct pw_enrollment a, a2, b;
	assert_int_equal(enroll(f->s, tok, "m-a", &a), PW_ENROLL_OK);
	assert_int_equal(enroll(f->s, tok, "m-b", &b), PW_ENROLL_OK);
	struct pw_agent_identity who;
	bool found;
	assert_int_equal(pw_agents_verify(f->s, a.credential, &who, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(who.agent_id, a.agent_id);
	assert_int_equal(who.host_id, a.host_id);
	/* one character off, truncated, wrong prefix, NULL */
	char bad[PW_AGENT_SECRET_SIZE];
	memcpy(bad, a.credential, sizeof(bad));
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(pw_agents_verify(f->s, bad, &who, &found, &e), PW_OK);
	assert_false(found);
	bad[46] = '\0';
	assert_int_equal(pw_agents_verify(f->s, bad, &who, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_agents_verify(f->s, tok, &who, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_agents_verify(f->s, NULL, &who, &found, &e), PW_OK);
	assert_false(found);
	/* the same machine enrolling again waits for an admin; approved, it is
	 * the host's agent and the one before it is revoked */
	assert_int_equal(enroll(f->s, tok, "m-a", &a2), PW_ENROLL_PENDING);
	assert_int_equal(pw_agents_approve(f->s, "user:admin", a2.agent_id, &e), PW_OK);
	assert_false(a2.host_created);
	assert_int_equal(a2.host_id, a.host_id);
	assert_int_equal(pw_agents_verify(f->s, a.credential, &who, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_agents_verify(f->s, a2.credential, &who, &found, &e), PW_OK);
	assert_true(found);
	/* revoking an agent: its credential is refused at once, the other's not */
	assert_int_equal(pw_agents_revoke(f->s, "user:admin", b.agent_id, &e), PW_OK);
	assert_int_equal(pw_agents_verify(f->s, b.credential, &who, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_agents_verify(f->s, a2.credential, &who, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(pw_agents_revoke(f->s, "user:admin", 999, &e), PW_ERR_NOTFOUND);
	struct pw_agent_info info;
	assert_int_equal(pw_agents_get(f->s, b.agent_id, &info, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(info.revoked_at, T0);
	assert_string_equal(info.machine_id, "m-b");
	assert_string_equal(info.enrolled_from, "127.0.0.1");
}

/* Any enrollment token, of any group, names a machine id every role can
 * read: a second enrollment for an enrolled machine id displaces nobody.
 * It is pending, its credential refused (pending, not found) and the host
 * untouched (name, groups), the agent in place works on; an admin
 * approves (the old agent revoked, the host renamed and grouped as the
 * token says) or rejects (refused for good). */
static void takeover_waits_for_approval(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char web[PW_AGENT_SECRET_SIZE], other[PW_AGENT_SECRET_SIZE];
	int64_t id;
	assert_int_equal(pw_enrollment_create(f->s, "local:root", "web", T0 + 60, 5, web, &id, &e),
			 PW_OK);
	assert_int_equal(pw_enrollment_create(f->s, "local:root", "lab", T0 + 60, 5, other, &id,
					      &e),
			 PW_OK);
	struct pw_enrollment real, evil, again;
	assert_int_equal(enroll(f->s, web, "m-real", &real), PW_ENROLL_OK);
	struct pw_enroll_request rq = { other, "m-real", "evil.example", "203.0.113.9" };
	enum pw_enroll_status st;
	assert_int_equal(pw_agents_enroll(f->s, &rq, T0, &st, &evil, &e), PW_OK);
	assert_int_equal(st, PW_ENROLL_PENDING);
	assert_true(evil.pending);
	assert_int_equal(evil.host_id, real.host_id);
	assert_memory_equal(evil.credential, "pwa_", 4);
	struct pw_agent_identity who;
	bool found;
	assert_int_equal(pw_agents_verify(f->s, evil.credential, &who, &found, &e), PW_OK);
	assert_false(found);
	assert_true(who.pending);
	assert_int_equal(pw_agents_verify(f->s, real.credential, &who, &found, &e), PW_OK);
	assert_true(found);
	assert_false(who.pending);
	/* the host is as it was: its name */
	struct pw_arena a;
	struct pw_host h;
	pw_arena_init(&a);
	assert_int_equal(pw_registry_host_get(f->s, real.host_id, &a, &h, &e), PW_OK);
	assert_string_equal(h.hostname, "host.test");
	pw_arena_free(&a);
	/* listed as pending */
	int n = 0;
	assert_int_equal(pw_agents_each_pending(f->s, count_agent, &n, &e), PW_OK);
	assert_int_equal(n, 1);
	/* rejected: refused for good, not pending any more */
	assert_int_equal(pw_agents_reject(f->s, "user:admin", evil.agent_id, &e), PW_OK);
	assert_int_equal(pw_agents_verify(f->s, evil.credential, &who, &found, &e), PW_OK);
	assert_false(found);
	assert_false(who.pending);
	assert_int_equal(pw_agents_approve(f->s, "user:admin", evil.agent_id, &e), PW_ERR_NOTFOUND);
	assert_int_equal(pw_agents_reject(f->s, "user:admin", real.agent_id, &e), PW_ERR_NOTFOUND);
	/* a legitimate re-enrollment (the agent lost its state), approved */
	assert_int_equal(enroll(f->s, other, "m-real", &again), PW_ENROLL_PENDING);
	assert_int_equal(pw_agents_approve(f->s, "user:admin", again.agent_id, &e), PW_OK);
	assert_int_equal(pw_agents_verify(f->s, again.credential, &who, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(who.host_id, real.host_id);
	assert_int_equal(pw_agents_verify(f->s, real.credential, &who, &found, &e), PW_OK);
	assert_false(found);
	n = 0;
	assert_int_equal(pw_agents_each_pending(f->s, count_agent, &n, &e), PW_OK);
	assert_int_equal(n, 0);
	/* audited: the pending enrollment, the rejection, the approval */
	struct audit_actions seen = { 0 };
	assert_int_equal(pw_audit_each(f->s, 0, 0, audit_action, &seen, &e), PW_OK);
	assert_int_equal(seen.pending, 2);
	assert_int_equal(seen.reject, 1);
	assert_int_equal(seen.approve, 1);
}

static void seen_in_batches(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char tok[PW_AGENT_SECRET_SIZE];
	int64_t id;
	assert_int_equal(pw_enrollment_create(f->s, "local:root", NULL, T0 + 60, 5, tok, &id, &e), PW_OK);
	struct pw_enrollment a;
	assert_int_equal(enroll(f->s, tok, "m-a", &a), PW_ENROLL_OK);
	struct pw_agent_info info;
	bool found;
	pw_agents_note_seen(a.agent_id, a.host_id, T0 + 5);
	pw_agents_note_seen(a.agent_id, a.host_id, T0 + 9);
	pw_agents_note_seen(a.agent_id, a.host_id, T0 + 7); /* the latest wins */
	assert_int_equal(pw_agents_get(f->s, a.agent_id, &info, &found, &e), PW_OK);
	assert_int_equal(info.last_seen, 0); /* nothing written yet */
	assert_int_equal(pw_agents_flush_seen(f->s, &e), PW_OK);
	assert_int_equal(pw_agents_get(f->s, a.agent_id, &info, &found, &e), PW_OK);
	assert_int_equal(info.last_seen, T0 + 9);
	assert_int_equal(pw_agents_flush_seen(f->s, &e), PW_OK); /* empty */
	/* many agents: the map grows */
	for (int64_t i = 1; i <= 5000; i++)
		pw_agents_note_seen(i, i, T0 + 20);
	assert_int_equal(pw_agents_flush_seen(f->s, &e), PW_OK);
	assert_int_equal(pw_agents_get(f->s, a.agent_id, &info, &found, &e), PW_OK);
	assert_int_equal(info.last_seen, T0 + 20);
}

struct audit_scan {
	int create, revoke, enroll, agent_revoke;
	bool secret;
	const char *tok, *cred;
};

static pw_err audit_row(void *ctx, const struct pw_audit_entry *a)
{
	struct audit_scan *s = ctx;
	s->create += strcmp(a->action, "enrollment_token.create") == 0;
	s->revoke += strcmp(a->action, "enrollment_token.revoke") == 0;
	s->enroll += strcmp(a->action, "agent.enroll") == 0;
	s->agent_revoke += strcmp(a->action, "agent.revoke") == 0;
	const char *parts[] = { a->before_json, a->after_json, a->object, a->actor };
	for (int i = 0; i < 4; i++) {
		if (parts[i] && (strstr(parts[i], s->tok + 4) || strstr(parts[i], s->cred + 4)))
			s->secret = true;
	}
	return PW_OK;
}

static void audited(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char tok[PW_AGENT_SECRET_SIZE];
	int64_t id;
	assert_int_equal(pw_enrollment_create(f->s, "local:root", "g", T0 + 60, 5, tok, &id, &e), PW_OK);
	struct pw_enrollment a;
	assert_int_equal(enroll(f->s, tok, "m-a", &a), PW_ENROLL_OK);
	assert_int_equal(pw_agents_revoke(f->s, "user:admin", a.agent_id, &e), PW_OK);
	assert_int_equal(pw_enrollment_revoke(f->s, "user:admin", id, &e), PW_OK);
	struct audit_scan s = { 0, 0, 0, 0, false, tok, a.credential };
	assert_int_equal(pw_audit_each(f->s, 0, 0, audit_row, &s, &e), PW_OK);
	assert_int_equal(s.create, 1);
	assert_int_equal(s.enroll, 1);
	assert_int_equal(s.agent_revoke, 1);
	assert_int_equal(s.revoke, 1);
	assert_false(s.secret);
	bool ok;
	int64_t bad, checked;
	assert_int_equal(pw_audit_verify(f->s, &ok, &bad, &checked, &e), PW_OK);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(token_use_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(expired_and_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(takeover_waits_for_approval, setup, teardown),
		cmocka_unit_test_setup_teardown(seen_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(audited, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
