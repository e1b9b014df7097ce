/* pw_journal.h - the job journal: STATE_DIR/jobs/<id>.json, one file per
 * job, rewritten (temporary file, fsync, rename, fsync of the directory)
 * before each step, so that after a crash or a kill the file says how far
 * the job got and what was installed before it.
 *
 * A job id found here is never applied again: the journal is the agent's
 * "at most once". It also keeps the report until the server took it
 * (200, or 409: already final there), then marks it reported.
 */
#ifndef PW_JOURNAL_H
#define PW_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_buf.h"
#include "pw_err.h"
#include "pw_job.h"

/* How far a job got, in order. */
enum pw_jstep {
	PW_STEP_RECEIVED,
	PW_STEP_PRECHECKED,
	PW_STEP_BEFORE_RECORDED, /* before[] and the rollback cache are kept */
	PW_STEP_APPLYING,        /* the package tool may be changing the system */
	PW_STEP_APPLIED,
	PW_STEP_VERIFIED,
	PW_STEP_ROLLING_BACK,
	PW_STEP_FINISHED,        /* the report is final, not yet taken by the server */
	PW_STEP_REPORTED,
};

enum pw_jstate {
	PW_JSTATE_RUNNING,
	PW_JSTATE_SUCCEEDED,
	PW_JSTATE_FAILED,
	PW_JSTATE_ROLLED_BACK,
	PW_JSTATE_ROLLBACK_FAILED,
	PW_JSTATE_REJECTED,
};

enum pw_health { PW_HEALTH_SKIPPED, PW_HEALTH_PASSED, PW_HEALTH_FAILED };
enum pw_reboot_done { PW_REBOOT_NONE, PW_REBOOT_SCHEDULED, PW_REBOOT_DONE, PW_REBOOT_REQUIRED };

enum pw_plan_op { PW_OP_INSTALL, PW_OP_UPGRADE, PW_OP_REMOVE, PW_OP_DOWNGRADE };

struct pw_plan_item {
	char name[PW_JOB_NAME_MAX + 1];
	char from[PW_JOB_VERSION_MAX + 1]; /* "" absent */
	char to[PW_JOB_VERSION_MAX + 1];   /* "" removed */
	enum pw_plan_op op;
};

#define PW_REPORT_LOG_MAX 65536
#define PW_REPORT_ERROR_MAX 1024

/* The report of JOBS.md. Package lists hold "" for an absent version
 * (written as null). */
struct pw_report {
	enum pw_jstate state;
	int64_t started_at, finished_at;
	struct pw_job_pkg *before, *after;
	size_t nbefore, nafter;
	bool verified;
	enum pw_health health;
	enum pw_reboot_done reboot;
	struct pw_plan_item *plan;
	size_t nplan;
	struct pw_buf log;                 /* at most the last 64 KiB */
	char error[PW_REPORT_ERROR_MAX];   /* "" when none */
};

struct pw_journal_entry {
	struct pw_job job;
	enum pw_jstep step;
	struct pw_report rep;
	/* before[i] has a package file in the rollback cache (rollback.c) */
	bool *cached;
	/* the note the server sees when a package file could not be kept */
	char cache_note[512];
};

void pw_journal_entry_init(struct pw_journal_entry *j);
void pw_journal_entry_free(struct pw_journal_entry *j);

/* STATE_DIR/jobs/<id>.json into path; PW_ERR_LIMIT when too long. */
pw_err pw_journal_path(const char *state_dir, const char *id, char *path, size_t size,
		       struct pw_error *e);
/* Write the entry (creating STATE_DIR/jobs mode 0700). */
pw_err pw_journal_write(const char *state_dir, const struct pw_journal_entry *j,
			struct pw_error *e);
/* Read the entry of job id: PW_ERR_NOTFOUND (no message) when there is
 * none, PW_ERR_PARSE naming the file when it is damaged. */
pw_err pw_journal_read(const char *state_dir, const char *id, struct pw_journal_entry *j,
		       struct pw_error *e);
/* The ids in the journal, sorted; *ids is malloc'd (free each and it). */
pw_err pw_journal_list(const char *state_dir, char ***ids, size_t *n, struct pw_error *e);

/* Journal a job that could not be parsed as finished and rejected, with
 * its error; a known id is left alone (it is never run or replaced). */
pw_err pw_journal_reject(const char *state_dir, const char *id, const char *error, int64_t now,
			 struct pw_error *e);

/* The report body POSTed to /api/v1/agent/jobs/{id}. */
pw_err pw_report_write(const struct pw_report *r, struct pw_buf *out);

/* Append to a package list ("" version: absent). */
pw_err pw_report_add_pkg(struct pw_job_pkg **list, size_t *n, const char *name,
			 const char *version);
/* Keep at most the last PW_REPORT_LOG_MAX bytes in r->log. */
void pw_report_log(struct pw_report *r, const char *data, size_t len);
void pw_report_error(struct pw_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const char *pw_jstep_name(enum pw_jstep s);
const char *pw_jstate_name(enum pw_jstate s);
bool pw_jstate_final(enum pw_jstate s);

#endif
