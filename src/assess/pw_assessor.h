/* pw_assessor.h - the fleet assessment, incremental, as the server runs it.
 *
 * The assessor keeps the vulnerability index and the fleet (pw_fleet.h) in
 * memory between runs, so each run costs what changed:
 *
 *  1. when the store's feed generation moved since the last run, the index
 *     catches up (pw_vulndb_refresh) and only the hosts having a
 *     (distro, release, package) key the changed advisories touch are
 *     evaluated again (pw_fleet_update);
 *  2. hosts whose inventory changed (pw_registry_each_dirty_host) are
 *     assessed again and marked assessed;
 *  3. devices without a package manager are matched against NVD's CPE
 *     configurations (pw_cpe.h) when they or the feeds changed;
 *  4. when KEV or EPSS changed, or on the first run of a new (UTC) day (a
 *     KEV due date passes), every host's findings are scored again
 *     (nothing is re-evaluated: only the risk moves).
 *
 * Each host written gets its findings' life from pw_findings_put_host, in
 * one transaction with pw_registry_mark_assessed. The first run after a
 * start loads every host; it writes them all only when the feeds moved
 * while the server was down (the generation last caught up with is kept in
 * the store).
 *
 * One assessor is used by one thread at a time (the server serializes the
 * background task and POST /api/v1/assessments: pw_assess_task.h).
 *
 * Library code (src/assess): it reads and writes through the store and
 * never knows the HTTP server; `patchwarden finding assess` runs one too.
 */
#ifndef PW_ASSESSOR_H
#define PW_ASSESSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;
struct pw_assessor;

/* Where the assessor says what it passed over (an unsupported OS, a
 * release with no advisories, a bad device CPE): level "warning". */
typedef void (*pw_assessor_log)(void *ctx, const char *level, const char *msg);

/* policy_path: the risk policy (pw_policy.h); NULL: PW_POLICY_DEFAULT_PATH
 * when present, else the built-in defaults. log may be NULL. */
pw_err pw_assessor_new(const char *policy_path, pw_assessor_log log, void *log_ctx,
		       struct pw_assessor **out, struct pw_error *e);
void pw_assessor_free(struct pw_assessor *a);
/* The policy it scores with (valid as long as the assessor). */
struct pw_policy;
const struct pw_policy *pw_assessor_policy(const struct pw_assessor *a);

/* What one run did. */
struct pw_assess_run {
	uint64_t hosts;           /* hosts whose findings were written */
	uint64_t changed;         /* ... because their inventory changed */
	uint64_t touched;         /* ... because changed advisories touched them */
	uint64_t rescored;        /* ... because KEV or EPSS changed, or a day passed */
	uint64_t loaded;          /* ... on the first run (all hosts when the feeds moved meanwhile) */
	uint64_t devices;         /* devices matched against CPE configurations */
	uint64_t skipped;         /* hosts not assessed (said through the log) */
	uint64_t advisory_keys;   /* keys the changed advisories touched */
	uint64_t evaluations;     /* distinct (key, version) evaluations the matcher ran */
	uint64_t opened, fixed, reopened; /* findings */
	bool feeds_changed;
	int64_t generation;       /* the feed generation now caught up with */
	uint64_t ms;              /* how long it took */
};

/* One run (see above) on store s; synchronous. */
pw_err pw_assessor_run(struct pw_assessor *a, struct pw_store *s, struct pw_assess_run *out,
		       struct pw_error *e);

/* "assessed 3 hosts (2 changed inventories, 1 touched by 4 changed
 * advisory keys) in 12 ms; 5 findings opened, 1 fixed, 0 reopened". */
void pw_assess_run_describe(const struct pw_assess_run *r, char *out, size_t size);

#endif
