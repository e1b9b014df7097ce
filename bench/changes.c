/* changes.c - planning and dispatching a change across a synthetic fleet.
 *
 *   changes STORE HOSTS [PILOT]
 *
 * Seeds STORE (a new file) with HOSTS hosts in group "fleet", each with a
 * 40-package Debian inventory holding openssl 3.0.11, and a static pilot
 * group of PILOT hosts (default 50). Then, through the same library calls
 * as `patchwarden change` and the server's check-in (src/deploy):
 *   plan    pw_change_plan: the exact target version per host
 *   create  pw_change_create: the change, its targets and rings
 *   first   from the approval to the first ring's jobs handed out: approve,
 *           start (the pilot's jobs queued), the pilot hosts' check-ins
 *   idle    a check-in of every host with no job for it (the fast path)
 * and the same without a pilot group, where the first ring is 5% of the
 * fleet under the default concurrency limit of 50. Wall and CPU time of
 * each, the jobs handed out. Not a test: nothing is asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pw_change.h"
#include "pw_dispatch.h"
#include "pw_inventory.h"
#include "pw_migrations.h"
#include "pw_registry.h"
#include "pw_sql.h"
#include "pw_store.h"

static double clock_ms(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

struct timer {
	double wall, cpu;
};

static struct timer start_timer(void)
{
	return (struct timer){ clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_PROCESS_CPUTIME_ID) };
}

static void report(const char *what, struct timer t, const char *extra)
{
	printf("  %-44s %9.1f ms wall %9.1f ms CPU%s%s\n", what, clock_ms(CLOCK_MONOTONIC) - t.wall,
	       clock_ms(CLOCK_PROCESS_CPUTIME_ID) - t.cpu, extra ? "  " : "", extra ? extra : "");
}

static void die(const char *what, const struct pw_error *e)
{
	fprintf(stderr, "changes: %s: %s\n", what, e->msg);
	exit(2);
}

static void seed(struct pw_store *s, int64_t *ids, size_t n, size_t pilot)
{
	struct pw_error e = { 0 };
	char names[40][16];
	for (int k = 0; k < 40; k++)
		snprintf(names[k], sizeof(names[k]), "pkg%02d", k);
	for (size_t i = 0; i < n; i++) {
		if (i % 500 == 0 && pw_store_begin(s, &e))
			die("begin", &e);
		char mid[40], host[32];
		bool created;
		snprintf(mid, sizeof(mid), "%032zx", 0xbe000000 + i);
		snprintf(host, sizeof(host), "host%05zu", i);
		if (pw_registry_host_ensure(s, PW_HOST_AGENT, mid, host, "fleet", 1733300000, &ids[i],
					    &created, &e))
			die("host", &e);
		struct pw_inventory inv;
		pw_inventory_init(&inv, "/");
		inv.has_dpkg = true;
		for (int k = 0; k < 40; k++) {
			struct pw_package *p = pw_inventory_add_package(&inv, PW_FAMILY_DEB);
			p->name = k == 0 ? "openssl" : names[k];
			p->arch = "amd64";
			p->version = p->source_version = k == 0 ? "3.0.11-1~deb12u2" : "1.0-1";
			p->source_name = p->name;
		}
		struct pw_inventory_delta d;
		if (pw_registry_put_inventory(s, ids[i], &inv,
					      "0000000000000000000000000000000000000000000000000000000000000000",
					      1733300000, &d, &e))
			die("inventory", &e);
		pw_inventory_free(&inv);
		if ((i % 500 == 499 || i == n - 1) && pw_store_commit(s, &e))
			die("commit", &e);
	}
	int64_t g, added;
	if (pw_store_begin(s, &e) ||
	    pw_registry_group_create(s, "pilot", NULL, NULL, 1733300000, "local:bench", &g, &e) ||
	    pw_registry_group_add_members(s, g, ids, pilot, "local:bench", &added, &e) ||
	    pw_store_commit(s, &e))
		die("pilot group", &e);
}

static size_t checkin_all(struct pw_store *s, const int64_t *ids, size_t n, int64_t now)
{
	size_t jobs = 0;
	struct pw_error e = { 0 };
	for (size_t i = 0; i < n; i++) {
		json_t *j;
		if (pw_dispatch_checkin(s, NULL, ids[i], now, &j, &e))
			die("check-in", &e);
		jobs += json_array_size(j);
		json_decref(j);
	}
	return jobs;
}

static void run(struct pw_store *s, const int64_t *ids, size_t n, size_t pilot,
		const char *pilot_group, const char *title)
{
	static const char *const pkgs[] = { "openssl=3.0.15-1~deb12u1" };
	static const struct pw_change_who requester = { "user:alice", "user:1" };
	static const struct pw_change_who manager = { "user:bob", "user:2" };
	struct pw_change_spec sp = {
		.title = title, .source = PW_CHANGE_FROM_PACKAGES, .packages = pkgs,
		.npackages = 1, .group = "fleet", .pilot_group = pilot_group, .success_pct = -1,
		.soak_s = -1,
	};
	struct pw_error e = { 0 };
	enum pw_change_refusal why;
	char line[128];
	json_t *plan;
	int64_t id;
	printf("%s:\n", title);
	struct timer t = start_timer();
	if (pw_change_plan(s, &sp, &plan, &e))
		die("plan", &e);
	snprintf(line, sizeof(line), "%zu hosts planned",
		 json_array_size(json_object_get(plan, "hosts")));
	report("plan (exact versions per host)", t, line);
	t = start_timer();
	if (pw_change_create(s, &sp, plan, &requester, 1733400000, &id, &e))
		die("create", &e);
	report("create (change, targets, rings)", t, NULL);
	json_decref(plan);
	t = start_timer();
	if (pw_change_approve(s, id, &manager, 1733400001, &why, &e) ||
	    pw_change_start(s, id, &manager, 1733400001, &why, &e))
		die("approve and start", &e);
	/* the first ring's hosts check in: the pilot's, or (no pilot) every
	 * host, the first ring's being spread over the fleet */
	size_t jobs = checkin_all(s, ids, pilot_group ? pilot : n, 1733400002);
	snprintf(line, sizeof(line), "%zu jobs handed out", jobs);
	report(pilot_group ? "approval -> pilot ring's jobs handed out"
			   : "approval -> first ring's jobs handed out", t, line);
	if (pw_change_abort(s, id, &manager, 1733400003, &why, &e))
		die("abort", &e);
	(void)n;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: changes STORE HOSTS [PILOT]\n");
		return 2;
	}
	size_t n = strtoul(argv[2], NULL, 10), pilot = argc > 3 ? strtoul(argv[3], NULL, 10) : 50;
	if (!n || pilot > n) {
		fprintf(stderr, "changes: HOSTS must be positive and PILOT at most HOSTS\n");
		return 2;
	}
	struct pw_store *s;
	struct pw_error e = { 0 };
	unlink(argv[1]);
	if (pw_store_open(argv[1], &s, &e) || pw_migrations_run(s, &e))
		die(argv[1], &e);
	int64_t *ids = calloc(n, sizeof(*ids));
	struct timer t = start_timer();
	seed(s, ids, n, pilot);
	printf("== change planning and dispatch: %zu hosts, 40 packages each, pilot group of %zu\n",
	       n, pilot);
	report("seeding the store", t, NULL);
	t = start_timer();
	size_t none = checkin_all(s, ids, n, 1733400000);
	char line[96];
	snprintf(line, sizeof(line), "%.1f us a check-in, %zu jobs",
		 (clock_ms(CLOCK_MONOTONIC) - t.wall) * 1000 / (double)n, none);
	report("idle: every host checks in, no change", t, line);
	run(s, ids, n, pilot, "pilot", "with a pilot group");
	run(s, ids, n, pilot, NULL, "without a pilot (5% first, 50 at once)");
	t = start_timer();
	none = checkin_all(s, ids, n, 1733400010);
	snprintf(line, sizeof(line), "%.1f us a check-in, %zu jobs",
		 (clock_ms(CLOCK_MONOTONIC) - t.wall) * 1000 / (double)n, none);
	report("idle again (changes aborted)", t, line);
	free(ids);
	pw_store_close(s);
	unlink(argv[1]);
	return 0;
}
