/* pw_apply.h - performs one typed job on the host (or a --root), journaling
 * every step: the privileged half of the agent (apply_main.c).
 *
 * install: pre-checks (dpkg lock free, free space, each package cleanly
 *   installed or absent and not newer than its target), the local pre-hook,
 *   the exact "before" versions and their package files kept in the
 *   rollback cache (STATE_DIR/cache), apt-get install name=version, the
 *   dpkg database read again (verified: after == target), the health hook,
 *   the reboot policy. A failed install, verification or health check rolls
 *   back to "before" and verifies that (rolled_back / rollback_failed).
 * rollback: back to the "before" of the job named by "of" (or to the
 *   listed versions), from the rollback cache, apt for the rest.
 * simulate: apt-get -s, its Inst/Remv lines as the plan. Nothing changes.
 * reboot: the configured reboot command.
 */
#ifndef PW_APPLY_H
#define PW_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_job.h"
#include "pw_journal.h"

struct pw_apply_config {
	const char *state_dir;
	const char *root;            /* "" or NULL: the live host */
	const char *pre_hook;        /* absolute paths, "" or NULL: none */
	const char *health_hook;
	const char *reboot_command;  /* NULL or "": reboots are reported "required" */
	uint64_t min_free_bytes;
	int timeout_s;               /* per command */
	bool require_rollback_cache; /* refuse an install whose "before" has no file */
	const char *apt_get, *dpkg;  /* NULL: /usr/bin/... */
	const char *apt_config;      /* pw_apply_prepare's file, NULL without a root */
	int64_t (*now)(void);        /* NULL: time() */
};

/* Before any job, with a root: the apt configuration that keeps apt-get in
 * it, written to STATE_DIR/apt-root.conf, its path in path ("" without a
 * root); the caller sets apt_config to it. */
pw_err pw_apply_prepare(const struct pw_apply_config *c, char *path, size_t size,
			struct pw_error *e);

/* Run job once. When the journal already has its id, nothing is done and
 * *already is set: a job is never applied twice. The outcome is the
 * journal entry (step finished); PW_OK unless the journal itself could not
 * be written. */
pw_err pw_apply_job(const struct pw_apply_config *c, const struct pw_job *job, bool *already,
		    struct pw_error *e);

/* Journal a job that could not be parsed as rejected, with its error (id
 * must be a valid id; a known id is left alone). */
pw_err pw_apply_reject(const struct pw_apply_config *c, const char *id, const char *error,
		       struct pw_error *e);

/* Finish what a killed run left: every journal entry short of finished
 * gets its true state from the dpkg database (never applied again).
 * *n the number of entries finished now. */
pw_err pw_apply_recover(const struct pw_apply_config *c, size_t *n, struct pw_error *e);

#endif
