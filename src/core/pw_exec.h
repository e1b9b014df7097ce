/* pw_exec.h - run a helper program with an argv (never a shell) and
 * capture what it prints.
 *
 * Used to read databases only their own tools understand (rpm). Both
 * outputs go to unlinked temporary files and are read once the program has
 * exited: standard output whole into a buffer (capped by the buffer's
 * max), standard error up to 64 KiB. The call waits for the program.
 */
#ifndef PW_EXEC_H
#define PW_EXEC_H

#include "pw_buf.h"
#include "pw_err.h"

/* Run argv[0] (looked up in PATH) with argv. On return *exit_status is the
 * program's exit code (or 128 + signal). out and err receive stdout and
 * stderr (err may be NULL). PW_ERR_EXEC when the program cannot be started
 * (e names it); a non-zero exit is not an error here: callers decide. */
pw_err pw_exec_capture(const char *const argv[], struct pw_buf *out, struct pw_buf *err,
		       int *exit_status, struct pw_error *e);

/* Package tools and hooks (the agent's apply program): a fixed environment
 * instead of the caller's, a working directory, a deadline, and stdout and
 * stderr together in one log of which only the tail is kept. */
struct pw_exec_opts {
	const char *const *envp; /* the whole environment; NULL: an empty one */
	const char *cwd;         /* NULL: the caller's */
	int timeout_s;           /* > 0: SIGTERM then to the program and all its
	                          * descendants, SIGKILL 10 s later */
	size_t log_max;          /* bytes of the log's tail kept (0: 64 KiB) */
};

/* Run argv[0], an absolute path (never looked up in PATH), with argv.
 * log receives the last log_max bytes of stdout and stderr interleaved as
 * written. *exit_status as for pw_exec_capture; *timed_out tells a deadline
 * kill from a crash (may be NULL). PW_ERR_EXEC when it cannot start. */
pw_err pw_exec_run(const char *const argv[], const struct pw_exec_opts *o, struct pw_buf *log,
		   int *exit_status, int *timed_out, struct pw_error *e);

#endif
