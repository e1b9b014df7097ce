/* test_enforce.c - compliance and quarantine on a real SQLite store: an
 * overdue P1 quarantines a host under enforce (and only lists it under
 * report), a KEV due date makes a finding overdue before its SLA, a silent
 * host is quarantined and lifted when it reports again, a fixed finding
 * lifts an overdue quarantine only with a newer assessed inventory, every
 * transition is audited and queued once in the webhook outbox. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_deploy_policy.h"
#include "pw_enforce.h"
#include "pw_migrations.h"
#include "pw_quarantine.h"
#include "pw_quarantine_export.h"
#include "pw_registry.h"
#include "pw_sql.h"
#include "pw_store.h"
#include "pw_webhook.h"

#define DAY 86400
#define NOW 1800000000LL

struct fixture {
	char path[64];
	struct pw_store *s;
	int64_t web1, web2, idle;
};

static int64_t add_host(struct pw_store *s, const char *name, const char *group, int64_t seen)
{
	struct pw_error e = { 0 };
	int64_t id;
	bool created;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	if (pw_registry_host_ensure(s, PW_HOST_AGENT, name, name, group, seen, &id, &created, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	return id;
}

static void sql(struct pw_store *s, const char *q, const struct pw_sql_arg *a, size_t n)
{
	struct pw_error e = { 0 };
	if (pw_sql_exec(s, q, a, n, &e))
		fail_msg("%s: %s", q, e.msg);
}

static void add_finding(struct pw_store *s, int64_t host, const char *cve, int prio,
			int64_t first_seen)
{
	sql(s, "INSERT INTO findings(host_id, hostname, vuln_id, package, installed, fixable,"
	       " affect_status, patch, score, priority, kev, state, first_seen, last_seen)"
	       " VALUES ($1, 'h', $2, 'openssl', '1.0', 1, 'affected', 'yes', 90, $3, 0, 'open',"
	       " $4, $4)",
	    PW_SQL_ARGS(PW_SQL_I(host), PW_SQL_T(cve), PW_SQL_I(prio), PW_SQL_I(first_seen)));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-enforce-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	if (pw_migrations_run(f->s, &e))
		fail_msg("%s", e.msg);
	f->web1 = add_host(f->s, "web1", "web", NOW - DAY);
	f->web2 = add_host(f->s, "web2", "web", NOW - DAY);
	f->idle = add_host(f->s, "idle", NULL, NOW - 10 * DAY);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pw_store_close(f->s);
	unlink(f->path);
	char side[96];
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

struct seen {
	char state[3][16];
	char reason[3][16];
};

static pw_err note(void *ctx, const struct pw_host_compliance *h)
{
	struct seen *sn = ctx;
	int i = h->host_id >= 1 && h->host_id <= 3 ? (int)h->host_id - 1 : 0;
	snprintf(sn->state[i], sizeof(sn->state[i]), "%s", pw_compliance_name(h->state));
	snprintf(sn->reason[i], sizeof(sn->reason[i]), "%s", h->reason ? h->reason : "-");
	return PW_OK;
}

static struct pw_enforce_result run(struct pw_store *s, const struct pw_deploy_policy *p,
				    int64_t now, struct seen *sn)
{
	struct pw_enforce_options o = { .now = now, .actor = "system:test", .notify = true,
					.each = note, .ctx = sn };
	struct pw_enforce_result r;
	struct pw_error e = { 0 };
	memset(sn, 0, sizeof(*sn));
	if (pw_enforce_run(s, p, &o, &r, &e))
		fail_msg("%s", e.msg);
	return r;
}

static pw_err count_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

static int64_t scalar(struct pw_store *s, const char *q)
{
	int64_t v = -1;
	struct pw_error e = { 0 };
	if (pw_sql_run(s, q, PW_SQL_NOARGS, count_row, &v, NULL, &e))
		fail_msg("%s: %s", q, e.msg);
	return v;
}

static struct pw_deploy_policy *policy(const char *text)
{
	struct pw_deploy_policy *p = NULL;
	struct pw_error e = { 0 };
	if (pw_deploy_policy_parse(text, "test.ini", &p, &e))
		fail_msg("%s", e.msg);
	return p;
}

static void overdue_quarantines_and_verified_fix_lifts(void **state)
{
	struct fixture *f = *state;
	struct pw_deploy_policy *p = policy("[default]\nquarantine = report\nsilent_days = 30\n"
					    "[group web]\nquarantine = enforce\nsla_p1 = 7\n");
	/* web1: a P1 first seen 8 days ago (due a day ago); web2: 6 days ago */
	add_finding(f->s, f->web1, "CVE-2026-0001", 1, NOW - 8 * DAY);
	add_finding(f->s, f->web2, "CVE-2026-0002", 1, NOW - 6 * DAY);
	add_finding(f->s, f->idle, "CVE-2026-0003", 1, NOW - 60 * DAY);
	struct seen sn;
	struct pw_enforce_result r = run(f->s, p, NOW, &sn);
	assert_int_equal(r.hosts, 3);
	assert_int_equal(r.added, 1);
	assert_string_equal(sn.state[0], "quarantined");
	assert_string_equal(sn.reason[0], "overdue");
	assert_string_equal(sn.state[1], "compliant");
	assert_string_equal(sn.state[2], "noncompliant"); /* [default] only reports */
	/* again: nothing new, nothing queued twice */
	r = run(f->s, p, NOW + 60, &sn);
	assert_int_equal(r.added, 0);
	assert_int_equal(r.quarantined, 1);
	assert_int_equal(scalar(f->s, "SELECT COUNT(*) FROM webhook_outbox"), 1);
	assert_int_equal(scalar(f->s, "SELECT COUNT(*) FROM audit_log WHERE action = "
				      "'quarantine.add'"), 1);
	/* the finding is fixed, but no inventory newer than the quarantine yet */
	sql(f->s, "UPDATE findings SET state = 'fixed' WHERE vuln_id = 'CVE-2026-0001'",
	    PW_SQL_NOARGS);
	r = run(f->s, p, NOW + 120, &sn);
	assert_int_equal(r.lifted, 0);
	assert_string_equal(sn.state[0], "quarantined");
	/* a new inventory, assessed: verified, lifted */
	sql(f->s, "UPDATE hosts SET inventory_at = $1, assessed_at = $1, last_seen = $1 WHERE id = $2",
	    PW_SQL_ARGS(PW_SQL_I(NOW + 200), PW_SQL_I(f->web1)));
	r = run(f->s, p, NOW + 300, &sn);
	assert_int_equal(r.lifted, 1);
	assert_string_equal(sn.state[0], "compliant");
	assert_int_equal(scalar(f->s, "SELECT COUNT(*) FROM quarantine WHERE lifted_at IS NULL"), 0);
	assert_int_equal(scalar(f->s, "SELECT COUNT(*) FROM webhook_outbox WHERE event_key = "
				      "'quarantine.lift:1'"), 1);
	assert_int_equal(scalar(f->s, "SELECT COUNT(*) FROM audit_log WHERE action = "
				      "'quarantine.lift'"), 1);
	pw_deploy_policy_free(p);
}

static void kev_due_and_after_days(void **state)
{
	struct fixture *f = *state;
	struct pw_deploy_policy *p = policy("[default]\nquarantine = enforce\n"
					    "quarantine_after_days = 2\nsilent_days = 30\n");
	/* a P2 seen 3 days ago is within its 30 days, but KEV said due 5 days ago */
	add_finding(f->s, f->web2, "CVE-2026-1111", 2, NOW - 3 * DAY);
	sql(f->s, "INSERT INTO kev(cve, due_date, ransomware) VALUES ('CVE-2026-1111', $1, 0)",
	    PW_SQL_ARGS(PW_SQL_I(NOW - 5 * DAY)));
	/* a P2 due (30 days) 1 day ago: non-compliant, not yet 2 days */
	add_finding(f->s, f->web1, "CVE-2026-2222", 2, NOW - 31 * DAY);
	struct seen sn;
	struct pw_enforce_result r = run(f->s, p, NOW, &sn);
	assert_string_equal(sn.state[1], "quarantined");
	assert_string_equal(sn.state[0], "noncompliant");
	assert_int_equal(r.added, 1);
	r = run(f->s, p, NOW + 2 * DAY, &sn);
	assert_string_equal(sn.state[0], "quarantined");
	pw_deploy_policy_free(p);
}

static void silent_host_and_mode_off(void **state)
{
	struct fixture *f = *state;
	struct pw_deploy_policy *p = policy("[default]\nquarantine = enforce\nsilent_days = 7\n");
	add_finding(f->s, f->web1, "CVE-2026-3333", 3, NOW - 400 * DAY);
	struct seen sn;
	struct pw_enforce_result r = run(f->s, p, NOW, &sn);
	assert_int_equal(r.added, 1);
	assert_string_equal(sn.state[2], "quarantined");
	assert_string_equal(sn.reason[2], "silent");
	assert_string_equal(sn.state[0], "compliant");
	/* it checks in: lifted */
	sql(f->s, "UPDATE hosts SET last_seen = $1 WHERE id = $2",
	    PW_SQL_ARGS(PW_SQL_I(NOW + 10), PW_SQL_I(f->idle)));
	r = run(f->s, p, NOW + 20, &sn);
	assert_int_equal(r.lifted, 1);
	assert_string_equal(sn.state[2], "compliant");
	/* silent again, then the policy turns quarantine off: lifted as policy */
	r = run(f->s, p, NOW + 20 * DAY, &sn);
	assert_int_equal(r.added, 3);
	pw_deploy_policy_free(p);
	p = policy("[default]\nquarantine = off\n");
	r = run(f->s, p, NOW + 20 * DAY, &sn);
	assert_int_equal(r.lifted, 3);
	assert_string_equal(sn.state[0], "unchecked");
	assert_int_equal(scalar(f->s, "SELECT COUNT(*) FROM quarantine WHERE lift_reason = "
				      "'policy: quarantine = off'"), 3);
	pw_deploy_policy_free(p);
}

static void exports(void **state)
{
	struct fixture *f = *state;
	struct pw_deploy_policy *p = policy("[default]\nquarantine = enforce\nsilent_days = 1\n");
	/* web1 enrolled from a v4-mapped address, web2 from v6, idle unknown */
	sql(f->s, "INSERT INTO agents(host_id, cred_hash, machine_id, enrolled_from, enrolled_at)"
		  " VALUES ($1, x'01', 'web1', '::ffff:192.0.2.7', 1),"
		  " ($2, x'02', 'web2', '2001:db8::7', 1)",
	    PW_SQL_ARGS(PW_SQL_I(f->web1), PW_SQL_I(f->web2)));
	struct seen sn;
	struct pw_enforce_result r = run(f->s, p, NOW + 5 * DAY, &sn);
	assert_int_equal(r.added, 3);
	struct pw_buf b = PW_BUF_INIT;
	struct pw_error e = { 0 };
	assert_int_equal(pw_quarantine_export(f->s, PW_EXPORT_NFT, &b, &e), PW_OK);
	assert_non_null(strstr(b.data, "add element inet patchwarden quarantine_v4 { 192.0.2.7 }\n"));
	assert_non_null(strstr(b.data, "add element inet patchwarden quarantine_v6 { 2001:db8::7 }\n"));
	assert_non_null(strstr(b.data, "# no address known: host 3\n"));
	assert_non_null(strstr(b.data, "flush set inet patchwarden quarantine_v4\n"));
	pw_buf_free(&b);
	assert_int_equal(pw_quarantine_export(f->s, PW_EXPORT_CSV, &b, &e), PW_OK);
	assert_non_null(strstr(b.data, "host_id,hostname,address,reason,detail,since\n1,web1,"
				       "192.0.2.7,silent,"));
	pw_buf_free(&b);
	assert_int_equal(pw_quarantine_export(f->s, PW_EXPORT_JSON, &b, &e), PW_OK);
	assert_non_null(strstr(b.data, "\"address\": \"2001:db8::7\""));
	pw_buf_free(&b);
	pw_deploy_policy_free(p);
}

/* the first [group] section in file order that has the host decides;
 * dynamic groups count; a section for a group that does not exist is no
 * error */
static void group_precedence(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	int64_t gid;
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	if (pw_registry_group_create(f->s, "web-dyn", "hostname=web2", NULL, NOW, "system:test",
				     &gid, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(pw_store_commit(f->s, &e), PW_OK);
	struct pw_deploy_policy *p = policy("[default]\nquarantine = off\n"
					    "[group not-made-yet]\nquarantine = enforce\n"
					    "[group web-dyn]\nquarantine = report\nsilent_days = 1\n"
					    "[group web]\nquarantine = enforce\nsilent_days = 1\n");
	struct seen sn;
	struct pw_enforce_result r = run(f->s, p, NOW + 5 * DAY, &sn);
	assert_string_equal(sn.state[0], "quarantined");  /* web1: [group web] */
	assert_string_equal(sn.state[1], "noncompliant"); /* web2: web-dyn comes first */
	assert_string_equal(sn.state[2], "unchecked");    /* idle: [default] */
	assert_int_equal(r.added, 1);
	pw_deploy_policy_free(p);
}

/* a receiver that is not there: one attempt, the rest wait with it */
static void webhook_down(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char secret[80];
	snprintf(secret, sizeof(secret), "%s.secret", f->path);
	FILE *sf = fopen(secret, "w");
	assert_non_null(sf);
	fputs("k\n", sf);
	fclose(sf);
	struct pw_webhook wh;
	/* port 1 on loopback: refused at once */
	assert_int_equal(pw_webhook_config("http://127.0.0.1:1/hook", secret, &wh, &e), PW_OK);
	unlink(secret);
	wh.retry_s = 60;
	assert_int_equal(pw_quarantine_outbox_add(f->s, "quarantine.add:1", "{}", NOW, &e), PW_OK);
	assert_int_equal(pw_quarantine_outbox_add(f->s, "quarantine.add:2", "{}", NOW, &e), PW_OK);
	assert_int_equal(pw_quarantine_outbox_add(f->s, "quarantine.add:1", "{}", NOW, &e), PW_OK);
	assert_int_equal(scalar(f->s, "SELECT COUNT(*) FROM webhook_outbox"), 2);
	struct pw_webhook_result r;
	assert_int_equal(pw_webhook_deliver(f->s, &wh, NOW, 10, &r, &e), PW_OK);
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.failed, 1);
	assert_int_equal(scalar(f->s, "SELECT SUM(attempts) FROM webhook_outbox"), 1);
	assert_int_equal(scalar(f->s, "SELECT MIN(next_at) FROM webhook_outbox"), NOW + 60);
	/* not due yet: nothing tried */
	assert_int_equal(pw_webhook_deliver(f->s, &wh, NOW + 30, 10, &r, &e), PW_OK);
	assert_int_equal(r.failed, 0);
	/* due again: the backoff doubles for the one tried twice */
	assert_int_equal(pw_webhook_deliver(f->s, &wh, NOW + 60, 10, &r, &e), PW_OK);
	assert_int_equal(r.failed, 1);
	assert_int_equal(scalar(f->s, "SELECT MAX(next_at) FROM webhook_outbox"), NOW + 60 + 120);
	assert_int_equal(pw_webhook_config("ftp://x/", secret, &wh, &e), PW_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(overdue_quarantines_and_verified_fix_lifts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(kev_due_and_after_days, setup, teardown),
		cmocka_unit_test_setup_teardown(silent_host_and_mode_off, setup, teardown),
		cmocka_unit_test_setup_teardown(exports, setup, teardown),
		cmocka_unit_test_setup_teardown(group_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(webhook_down, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
