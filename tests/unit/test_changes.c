/* test_changes.c - a change's life on a real SQLite file: planned from
 * exact versions on a group (hosts without the package left out), the
 * requester refused as approver, approvals counted per person and voided
 * by an edit, the pilot ring's jobs handed out once and only while the
 * change runs, a ring advancing when its reports pass the gates (the pilot's
 * results kept as evidence), a failed report halting the next ring until a
 * resume, reports checked against the job's host and repeated
 * idempotently, a rollback queueing the "before" versions, every step in
 * the audit log. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_audit.h"
#include "pw_change.h"
#include "pw_changes.h"
#include "pw_deploy_policy.h"
#include "pw_dispatch.h"
#include "pw_findings.h"
#include "pw_inventory.h"
#include "pw_migrations.h"
#include "pw_registry.h"
#include "pw_sql.h"
#include "pw_store.h"

#define T0 1733300000
#define NHOSTS 40

struct fixture {
	char path[64];
	struct pw_store *s;
	int64_t hosts[NHOSTS];
};

static void put_inventory(struct pw_store *s, int64_t host, bool with_openssl,
			  const char *candidate)
{
	struct pw_inventory inv;
	struct pw_error e = { 0 };
	pw_inventory_init(&inv, "/");
	inv.has_dpkg = true;
	struct pw_package *p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
	p->name = "bash";
	p->arch = "amd64";
	p->version = p->source_version = "5.2.15-2+b2";
	p->source_name = "bash";
	if (with_openssl) {
		p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
		p->name = "openssl";
		p->arch = "amd64";
		p->version = p->source_version = "3.0.11-1~deb12u2";
		p->source_name = "openssl";
		p->candidate_version = candidate;
		p->candidate_security = candidate != NULL;
	}
	struct pw_inventory_delta d;
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_registry_put_inventory(s, host, &inv,
						   "0000000000000000000000000000000000000000000000000000000000000000",
						   T0, &d, &e),
			 PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	pw_inventory_free(&inv);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-changes-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	assert_int_equal(pw_migrations_run(f->s, &e), PW_OK);
	for (int i = 0; i < NHOSTS; i++) {
		char mid[64], name[32];
		bool created;
		snprintf(mid, sizeof(mid), "%032x", 0x5eed + i);
		snprintf(name, sizeof(name), "web%d", i);
		assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
		assert_int_equal(pw_registry_host_ensure(f->s, PW_HOST_AGENT, mid, name, "web", T0,
							 &f->hosts[i], &created, &e),
				 PW_OK);
		assert_int_equal(pw_store_commit(f->s, &e), PW_OK);
		/* the last host has no openssl: nothing to install there */
		/* host 2 has a pending update */
		put_inventory(f->s, f->hosts[i], i != NHOSTS - 1, i == 2 ? "3.0.16-1~deb12u1" : NULL);
	}
	int64_t pilot, added;
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_registry_group_create(f->s, "pilot", NULL, NULL, T0, "local:test",
						  &pilot, &e),
			 PW_OK);
	assert_int_equal(pw_registry_group_add_members(f->s, pilot, f->hosts, 2, "local:test",
						       &added, &e),
			 PW_OK);
	assert_int_equal(pw_store_commit(f->s, &e), PW_OK);
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
	free(f);
	return 0;
}

static const struct pw_change_who alice = { "user:alice", "user:1" };
static const struct pw_change_who bob = { "user:bob", "user:2" };
static const struct pw_change_who bobs_token = { "token:9:ci", "user:2" };
static const struct pw_change_who carol = { "user:carol", "user:3" };

static int64_t create(struct fixture *f, int approvals, json_t **plan_out)
{
	static const char *const pkgs[] = { "openssl=3.0.15-1~deb12u1" };
	struct pw_change_spec sp = {
		.title = "openssl DSA-5800", .ticket = "CHG-1", .source = PW_CHANGE_FROM_PACKAGES,
		.packages = pkgs, .npackages = 1, .group = "web", .pilot_group = "pilot",
		.success_pct = -1, .soak_s = -1, .approvals = approvals,
	};
	struct pw_error e = { 0 };
	json_t *plan = NULL;
	assert_int_equal(pw_change_plan(f->s, &sp, &plan, &e), PW_OK);
	int64_t id = 0;
	pw_err rc = pw_change_create(f->s, &sp, plan, &alice, T0, &id, &e);
	if (rc)
		fail_msg("create: %s", e.msg);
	if (plan_out)
		*plan_out = plan;
	else
		json_decref(plan);
	return id;
}

static const char *state_of(struct fixture *f, int64_t id)
{
	static char buf[32];
	struct pw_arena a;
	struct pw_change_row c;
	struct pw_error e = { 0 };
	pw_arena_init(&a);
	assert_int_equal(pw_changes_get(f->s, id, &a, &c, &e), PW_OK);
	snprintf(buf, sizeof(buf), "%s", c.state);
	pw_arena_free(&a);
	return buf;
}

static int ring_of(const json_t *plan, int64_t host)
{
	size_t i;
	const json_t *h;
	json_array_foreach(json_object_get(plan, "hosts"), i, h) {
		if (json_integer_value(json_object_get(h, "host_id")) == host)
			return (int)json_integer_value(json_object_get(h, "ring"));
	}
	return -1;
}

/* every job the fleet gets at one round of check-ins */
static size_t checkin_all(struct fixture *f, int64_t now, char ids[][PW_JOB_ID_SIZE],
			  int64_t *hosts_out)
{
	size_t n = 0;
	for (int i = 0; i < NHOSTS; i++) {
		json_t *jobs;
		struct pw_error e = { 0 };
		assert_int_equal(pw_dispatch_checkin(f->s, NULL, f->hosts[i], now, &jobs, &e), PW_OK);
		size_t k;
		const json_t *j;
		json_array_foreach(jobs, k, j) {
			if (ids) {
				snprintf(ids[n], PW_JOB_ID_SIZE, "%s",
					 json_string_value(json_object_get(j, "id")));
				hosts_out[n] = f->hosts[i];
			}
			assert_string_equal(json_string_value(json_object_get(j, "action")),
					    "install");
			const json_t *p = json_array_get(json_object_get(j, "packages"), 0);
			assert_string_equal(json_string_value(json_object_get(p, "version")),
					    "3.0.15-1~deb12u1");
			n++;
		}
		json_decref(jobs);
	}
	return n;
}

static int report(struct fixture *f, int64_t host, const char *id, const char *doc)
{
	struct pw_error e = { 0 };
	json_t *r = json_loads(doc, 0, NULL);
	assert_non_null(r);
	int status = 0;
	pw_err rc = pw_dispatch_report(f->s, host, "agent:1", id, r, T0 + 100, NULL, NULL,
				       &status, &e);
	if (rc)
		fail_msg("report: %s", e.msg);
	json_decref(r);
	return status;
}

#define OK_REPORT                                                                              \
	"{\"state\":\"succeeded\",\"verified\":true,\"health\":\"passed\","                    \
	"\"before\":[{\"name\":\"openssl\",\"version\":\"3.0.11-1~deb12u2\"}],"               \
	"\"after\":[{\"name\":\"openssl\",\"version\":\"3.0.15-1~deb12u1\"}]}"
#define FAILED_REPORT "{\"state\":\"failed\",\"verified\":false,\"error\":\"postinst failed\"}"

static pw_err count_cb(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

static int64_t audited(struct fixture *f, const char *action)
{
	int64_t n = -1;
	struct pw_error e = { 0 };
	assert_int_equal(pw_sql_run(f->s, "SELECT count(*) FROM audit_log WHERE action = $1",
				    PW_SQL_ARGS(PW_SQL_T(action)), count_cb, &n, NULL, &e),
			 PW_OK);
	return n;
}

static void test_plan(void **state)
{
	struct fixture *f = *state;
	json_t *plan;
	int64_t id = create(f, 1, &plan);
	assert_true(id > 0);
	assert_int_equal(json_array_size(json_object_get(plan, "hosts")), NHOSTS - 1);
	assert_int_equal(json_array_size(json_object_get(plan, "skipped")), 1);
	/* the pilot group is ring 0; 37 others: ceil(1.85) = 2, ceil(9.25) = 10 */
	assert_int_equal(ring_of(plan, f->hosts[0]), 0);
	assert_int_equal(ring_of(plan, f->hosts[1]), 0);
	const json_t *rings = json_object_get(plan, "rings");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rings, 0), "hosts")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rings, 1), "hosts")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rings, 2), "hosts")), 8);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rings, 3), "hosts")), 27);
	const json_t *p = json_array_get(json_object_get(json_array_get(json_object_get(plan, "hosts"), 0), "packages"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "installed")), "3.0.11-1~deb12u2");
	json_decref(plan);
	assert_string_equal(state_of(f, id), "pending_approval");
}

static void test_approvals(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	enum pw_change_refusal why;
	int64_t id = create(f, 2, NULL);
	assert_int_equal(pw_change_approve(f->s, id, &alice, T0, &why, &e), PW_ERR_INVALID);
	assert_int_equal(why, PW_CHANGE_REFUSED_SELF);
	assert_non_null(strstr(e.msg, "requester"));
	assert_int_equal(pw_change_start(f->s, id, &bob, T0, &why, &e), PW_ERR_INVALID);
	assert_int_equal(why, PW_CHANGE_REFUSED_STATE);
	assert_int_equal(pw_change_approve(f->s, id, &bob, T0, &why, &e), PW_OK);
	/* bob's token is bob */
	assert_int_equal(pw_change_approve(f->s, id, &bobs_token, T0, &why, &e), PW_ERR_INVALID);
	assert_int_equal(why, PW_CHANGE_REFUSED_TWICE);
	assert_string_equal(state_of(f, id), "pending_approval");
	assert_int_equal(pw_change_approve(f->s, id, &carol, T0, &why, &e), PW_OK);
	assert_string_equal(state_of(f, id), "approved");
	/* an edit voids them */
	assert_int_equal(pw_change_edit(f->s, id, &alice, NULL, "CHG-2", -1, 600, -1, T0, &why, &e),
			 PW_OK);
	assert_string_equal(state_of(f, id), "pending_approval");
	assert_int_equal(pw_change_approve(f->s, id, &bob, T0, &why, &e), PW_OK);
	assert_string_equal(state_of(f, id), "pending_approval");
	json_t *doc;
	assert_int_equal(pw_change_json(f->s, id, false, &doc, &e), PW_OK);
	assert_int_equal(json_integer_value(json_object_get(doc, "approvals_given")), 1);
	assert_int_equal(json_integer_value(json_object_get(doc, "revision")), 2);
	json_decref(doc);
	assert_int_equal(pw_change_reject(f->s, id, &carol, "wrong window", T0, &why, &e), PW_OK);
	assert_string_equal(state_of(f, id), "rejected");
	assert_int_equal(pw_change_approve(f->s, id, &carol, T0, &why, &e), PW_ERR_INVALID);
	assert_int_equal(why, PW_CHANGE_REFUSED_STATE);
}

static void test_rollout(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	enum pw_change_refusal why;
	json_t *plan;
	int64_t id = create(f, 1, &plan);
	char ids[NHOSTS][PW_JOB_ID_SIZE];
	int64_t hosts[NHOSTS];
	assert_int_equal(pw_change_approve(f->s, id, &bob, T0, &why, &e), PW_OK);
	/* approved, not started: nothing goes out */
	assert_int_equal(checkin_all(f, T0 + 1, NULL, NULL), 0);
	assert_int_equal(pw_change_start(f->s, id, &bob, T0 + 2, &why, &e), PW_OK);
	size_t n = checkin_all(f, T0 + 3, ids, hosts);
	assert_int_equal(n, 2); /* the pilot */
	assert_int_equal(ring_of(plan, hosts[0]), 0);
	assert_int_equal(checkin_all(f, T0 + 4, NULL, NULL), 0); /* handed out once */
	/* another host's report, a report before the end, a malformed one */
	assert_int_equal(report(f, f->hosts[5], ids[0], OK_REPORT), 409);
	assert_int_equal(report(f, hosts[0], "j-0000000000000000", OK_REPORT), 404);
	assert_int_equal(report(f, hosts[0], ids[0], "{\"state\":\"done\"}"), 400);
	assert_int_equal(report(f, hosts[0], ids[0], "{\"state\":\"running\"}"), 200);
	assert_int_equal(report(f, hosts[0], ids[0], OK_REPORT), 200);
	assert_int_equal(report(f, hosts[0], ids[0], OK_REPORT), 200); /* idempotent */
	assert_int_equal(report(f, hosts[0], ids[0], FAILED_REPORT), 409);
	assert_int_equal(report(f, hosts[1], ids[1], OK_REPORT), 200);
	/* the pilot passed: ring 1 (2 hosts) is out, the evidence kept */
	json_t *doc;
	assert_int_equal(pw_change_json(f->s, id, false, &doc, &e), PW_OK);
	assert_int_equal(json_integer_value(json_object_get(doc, "current_ring")), 1);
	const json_t *ev = json_object_get(doc, "evidence");
	assert_int_equal(json_integer_value(json_object_get(ev, "succeeded")), 2);
	assert_int_equal(json_array_size(json_object_get(ev, "jobs")), 2);
	json_decref(doc);
	n = checkin_all(f, T0 + 5, ids, hosts);
	assert_int_equal(n, 2);
	assert_int_equal(ring_of(plan, hosts[0]), 1);
	/* one fails: ring 1 halts, and stays halted */
	assert_int_equal(report(f, hosts[0], ids[0], FAILED_REPORT), 200);
	assert_string_equal(state_of(f, id), "halted");
	assert_int_equal(report(f, hosts[1], ids[1], OK_REPORT), 200);
	assert_int_equal(pw_change_advance_all(f->s, T0 + 200, NULL, NULL, &e), PW_OK);
	assert_string_equal(state_of(f, id), "halted");
	assert_int_equal(checkin_all(f, T0 + 6, NULL, NULL), 0);
	/* a resume acknowledges the failure: ring 1 passes, ring 2 goes out */
	assert_int_equal(pw_change_resume(f->s, id, &carol, T0 + 300, &why, &e), PW_OK);
	n = checkin_all(f, T0 + 302, ids, hosts);
	assert_int_equal(n, 8);
	assert_int_equal(ring_of(plan, hosts[0]), 2);
	/* pause: the reports are taken, the next ring waits */
	assert_int_equal(pw_change_pause(f->s, id, &carol, T0 + 303, &why, &e), PW_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(report(f, hosts[i], ids[i], OK_REPORT), 200);
	assert_string_equal(state_of(f, id), "paused");
	assert_int_equal(checkin_all(f, T0 + 303, NULL, NULL), 0);
	/* the pause ends; ring 3 goes out, one agent never reports: a day
	 * and an hour later its job expired and the ring halts */
	assert_int_equal(pw_change_resume(f->s, id, &carol, T0 + 303, &why, &e), PW_OK);
	n = checkin_all(f, T0 + 304, ids, hosts);
	assert_int_equal(n, 27);
	for (size_t i = 1; i < n; i++)
		assert_int_equal(report(f, hosts[i], ids[i], OK_REPORT), 200);
	assert_string_equal(state_of(f, id), "running");
	assert_int_equal(pw_change_advance_all(f->s, T0 + 304 + 86400, NULL, NULL, &e), PW_OK);
	assert_string_equal(state_of(f, id), "running");
	assert_int_equal(pw_change_advance_all(f->s, T0 + 304 + 86400 + 3601, NULL, NULL, &e),
			 PW_OK);
	assert_string_equal(state_of(f, id), "halted");
	assert_int_equal(audited(f, "change.jobs_expired"), 1);
	/* the late report is still taken */
	assert_int_equal(report(f, hosts[0], ids[0], OK_REPORT), 200);
	/* roll back: a job per patched host with the versions from before */
	assert_int_equal(pw_change_rollback(f->s, id, &carol, T0 + 305, &why, &e), PW_OK);
	assert_string_equal(state_of(f, id), "rolling_back");
	size_t rollbacks = 0;
	for (int i = 0; i < NHOSTS; i++) {
		json_t *jobs;
		assert_int_equal(pw_dispatch_checkin(f->s, NULL, f->hosts[i], T0 + 306, &jobs, &e), PW_OK);
		size_t k;
		const json_t *j;
		json_array_foreach(jobs, k, j) {
			assert_string_equal(json_string_value(json_object_get(j, "action")), "rollback");
			assert_non_null(json_object_get(j, "of"));
			const json_t *p = json_array_get(json_object_get(j, "packages"), 0);
			assert_string_equal(json_string_value(json_object_get(p, "version")),
					    "3.0.11-1~deb12u2");
			assert_int_equal(report(f, f->hosts[i], json_string_value(json_object_get(j, "id")),
						"{\"state\":\"succeeded\",\"verified\":true}"),
					 200);
			rollbacks++;
		}
		json_decref(jobs);
	}
	assert_int_equal(rollbacks, 2 + 1 + 8 + 27); /* pilot, ring 1's success, rings 2, 3 */
	assert_string_equal(state_of(f, id), "rolled_back");
	json_decref(plan);
	/* the audit log tells the story */
	bool ok = false;
	int64_t bad, checked;
	assert_int_equal(pw_audit_verify(f->s, &ok, &bad, &checked, &e), PW_OK);
	assert_true(ok);
	assert_int_equal(audited(f, "change.halt"), 2); /* a failure, an expiry */
	assert_int_equal(audited(f, "change.resume"), 2);
	assert_int_equal(audited(f, "change.ring_pass"), 3); /* ring 2 passed on resume */
	assert_int_equal(audited(f, "change.rolled_back"), 1);
}

/* the deploy policy: a closed window holds the jobs back (an emergency
 * change's extra approval does not wait), holds and exclusions shape the
 * plan */
static void test_policy(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	enum pw_change_refusal why;
	struct pw_deploy_policy *p;
	/* T0 is a Wednesday, 08:13 UTC: outside a Saturday night window */
	assert_int_equal(pw_deploy_policy_parse("[default]\nwindow = Sat 22:00-04:00\n"
						"exclude_host = web3*\n[group web]\n"
						"window = Sat 22:00-04:00\nexclude_host = web3*\n",
						"test.ini", &p, &e),
			 PW_OK);
	static const char *const pkgs[] = { "openssl=3.0.15-1~deb12u1" };
	struct pw_change_spec sp = {
		.title = "windowed", .source = PW_CHANGE_FROM_PACKAGES, .packages = pkgs,
		.npackages = 1, .group = "web", .success_pct = -1, .soak_s = -1, .policy = p,
	};
	json_t *plan;
	assert_int_equal(pw_change_plan(f->s, &sp, &plan, &e), PW_OK);
	/* web3 and web30..web39 excluded, web39 had nothing anyway */
	assert_int_equal(json_array_size(json_object_get(plan, "hosts")), NHOSTS - 11);
	int64_t id, id2;
	assert_int_equal(pw_change_create(f->s, &sp, plan, &alice, T0, &id, &e), PW_OK);
	assert_int_equal(pw_change_approve(f->s, id, &bob, T0, &why, &e), PW_OK);
	assert_int_equal(pw_change_start(f->s, id, &bob, T0, &why, &e), PW_OK);
	size_t n = 0;
	for (int i = 0; i < NHOSTS; i++) {
		json_t *jobs;
		assert_int_equal(pw_dispatch_checkin(f->s, p, f->hosts[i], T0, &jobs, &e), PW_OK);
		n += json_array_size(jobs);
		json_decref(jobs);
	}
	assert_int_equal(n, 0);
	/* Saturday 23:00 UTC: open */
	int64_t sat = T0 + 3 * 86400 + (23 * 3600 - (T0 % 86400));
	assert_true(pw_dispatch_window_open(p, "web", sat));
	assert_false(pw_dispatch_window_open(p, "web", T0));
	/* an emergency change needs one more approval, then ignores the window */
	sp.emergency = true;
	sp.title = "emergency";
	assert_int_equal(pw_change_create(f->s, &sp, plan, &alice, T0, &id2, &e), PW_OK);
	assert_int_equal(pw_change_approve(f->s, id2, &bob, T0, &why, &e), PW_OK);
	assert_string_equal(state_of(f, id2), "pending_approval");
	assert_int_equal(pw_change_approve(f->s, id2, &carol, T0, &why, &e), PW_OK);
	assert_int_equal(pw_change_start(f->s, id2, &bob, T0, &why, &e), PW_OK);
	n = 0;
	for (int i = 0; i < NHOSTS; i++) {
		json_t *jobs;
		assert_int_equal(pw_dispatch_checkin(f->s, p, f->hosts[i], T0, &jobs, &e), PW_OK);
		n += json_array_size(jobs);
		json_decref(jobs);
	}
	assert_true(n > 0);
	json_decref(plan);
	pw_deploy_policy_free(p);
	/* a hold leaves the hosts with nothing: skipped, saying why */
	assert_int_equal(pw_deploy_policy_parse("[default]\nhold = openssl\n", "hold.ini", &p, &e),
			 PW_OK);
	sp.policy = p;
	assert_int_equal(pw_change_plan(f->s, &sp, &plan, &e), PW_OK);
	assert_int_equal(json_array_size(json_object_get(plan, "hosts")), 0);
	assert_non_null(strstr(json_string_value(json_object_get(
				       json_array_get(json_object_get(plan, "skipped"), 0), "reason")),
			       "held"));
	json_decref(plan);
	pw_deploy_policy_free(p);
}

static void finding(struct fixture *f, int64_t host, int priority, const char *fixed)
{
	struct pw_finding_row r = {
		.vuln_id = "CVE-2024-0001", .package = "openssl", .binaries = "openssl",
		.installed = "3.0.11-1~deb12u2", .fixed = fixed, .fixable = true,
		.affect_status = "fixed", .patch = "yes", .score = 90, .priority = priority,
		.cvss = -1, .epss = -1,
	};
	struct pw_error e = { 0 };
	assert_int_equal(pw_findings_put_host(f->s, host, "h", &r, 1, T0, NULL, &e), PW_OK);
}

static const char *target(const json_t *plan, int64_t host)
{
	size_t i;
	const json_t *h;
	json_array_foreach(json_object_get(plan, "hosts"), i, h) {
		if (json_integer_value(json_object_get(h, "host_id")) == host)
			return json_string_value(json_object_get(
				json_array_get(json_object_get(h, "packages"), 0), "version"));
	}
	return NULL;
}

/* from findings: the fixed version, or the pending candidate when it is at
 * least that; from pending updates: the candidate */
static void test_sources(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	finding(f, f->hosts[0], 1, "3.0.13-1~deb12u1");
	finding(f, f->hosts[1], 3, "3.0.13-1~deb12u1");
	finding(f, f->hosts[2], 1, "3.0.13-1~deb12u1");
	struct pw_change_spec sp = {
		.title = "P1 on web", .source = PW_CHANGE_FROM_FINDINGS, .priority = 1,
		.group = "web", .success_pct = -1, .soak_s = -1,
	};
	json_t *plan;
	assert_int_equal(pw_change_plan(f->s, &sp, &plan, &e), PW_OK);
	assert_int_equal(json_array_size(json_object_get(plan, "hosts")), 2);
	assert_string_equal(target(plan, f->hosts[0]), "3.0.13-1~deb12u1");
	assert_null(target(plan, f->hosts[1])); /* P3: not asked for */
	assert_string_equal(target(plan, f->hosts[2]), "3.0.16-1~deb12u1");
	json_decref(plan);
	sp.source = PW_CHANGE_FROM_UPDATES;
	sp.security_only = true;
	assert_int_equal(pw_change_plan(f->s, &sp, &plan, &e), PW_OK);
	assert_int_equal(json_array_size(json_object_get(plan, "hosts")), 1);
	assert_string_equal(target(plan, f->hosts[2]), "3.0.16-1~deb12u1");
	json_decref(plan);
	/* a bad spec names its field */
	sp.rings = "5,50";
	assert_int_equal(pw_change_plan(f->s, &sp, &plan, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "rings"));
	sp.rings = NULL;
	sp.group = NULL;
	assert_int_equal(pw_change_plan(f->s, &sp, &plan, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "hosts"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approvals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
