/* pw_job.h - one job of the server's check-in reply (docs/agent.md, "Jobs"),
 * parsed into a typed struct before anything acts on it.
 *
 * Only these fields are read; unknown ones are ignored. Every string is
 * checked against a charset and a length, package names against the
 * distribution's rules, so what reaches a package tool's argv can never be
 * an option ("-o...") or hold a space. The privileged apply program parses
 * the job again from the typed form the daemon hands it.
 */
#ifndef PW_JOB_H
#define PW_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_buf.h"
#include "pw_err.h"

#define PW_JOB_ID_MAX 64        /* [A-Za-z0-9_-]{1,64}, the job and change ids */
#define PW_JOB_NAME_MAX 128     /* a package name, with an optional ":arch" */
#define PW_JOB_VERSION_MAX 128
#define PW_JOB_MAX_PACKAGES 512

enum pw_job_action {
	PW_JOB_SIMULATE,
	PW_JOB_INSTALL,
	PW_JOB_ROLLBACK,
	PW_JOB_REBOOT,
};

enum pw_job_reboot {
	PW_JOB_REBOOT_NEVER,
	PW_JOB_REBOOT_IF_REQUIRED,
	PW_JOB_REBOOT_ALWAYS,
};

struct pw_job_pkg {
	char name[PW_JOB_NAME_MAX + 1];
	char version[PW_JOB_VERSION_MAX + 1]; /* "" for "absent" (a before list) */
};

struct pw_job {
	char id[PW_JOB_ID_MAX + 1];
	char change[PW_JOB_ID_MAX + 1];       /* "" when none */
	enum pw_job_action action;
	struct pw_job_pkg *pkgs;              /* malloc'd, pw_job_free */
	size_t npkgs;
	char of[PW_JOB_ID_MAX + 1];           /* rollback: the job to undo ("" none) */
	enum pw_job_reboot reboot;            /* default never */
	int64_t not_after;                    /* Unix time, 0: no limit */
	bool health_check;
};

/* Parse one job object (JSON text). On error e names the field
 * ("job j-1: packages[2].name: ..."), and job->id holds the id when it was
 * valid, so the caller can still report the job as rejected. */
pw_err pw_job_parse(const char *text, size_t len, struct pw_job *job, struct pw_error *e);
/* The same from a jansson object (the check-in reply's array element). */
struct json_t;
pw_err pw_job_parse_json(const struct json_t *obj, struct pw_job *job, struct pw_error *e);
void pw_job_free(struct pw_job *job);

/* Writes the typed job back as JSON (the contract's field names): what the
 * daemon hands the apply program and the journal keeps. */
pw_err pw_job_write(const struct pw_job *job, struct pw_buf *out);

/* The checks the parser applies, for other callers (the journal). */
bool pw_job_valid_id(const char *s);
bool pw_job_valid_name(const char *s);
bool pw_job_valid_version(const char *s);

const char *pw_job_action_name(enum pw_job_action a);
const char *pw_job_reboot_name(enum pw_job_reboot r);

#endif
