/* pw_jobrun.h - the check-in daemon's side of jobs: hand each new job of
 * the check-in reply to the apply program, and report what the journal
 * says to the server.
 *
 * The daemon parses and checks each job (pw_job.h) and hands over only
 * the typed form, written to STATE_DIR/spool/<id>.json: in apply_mode
 * "exec" it then runs the apply program on that file (argv, no shell) and
 * waits; in "spool" it leaves the file for patchwarden-agent-apply.path
 * (systemd), so the daemon itself needs no privilege. A job whose id is in
 * the journal is never handed over again. Reports stay in the journal until
 * the server answered 200 or 409 (or 404: it does not know the job).
 */
#ifndef PW_JOBRUN_H
#define PW_JOBRUN_H

#include <stddef.h>

#include "pw_agent.h"
#include "pw_err.h"

struct json_t;

struct pw_jobrun {
	const struct pw_agent_config *cfg;
	const char *config_path; /* passed to the apply program (NULL: its default) */
	const char *state_dir;
	const char *root;        /* "" or NULL: the live host */
};

/* Each element of the reply's jobs array. *handed the jobs handed over. */
pw_err pw_jobrun_hand_over(const struct pw_jobrun *d, const struct json_t *jobs, size_t *handed,
			struct pw_error *e);

/* POST every finished, unreported journal entry to
 * /api/v1/agent/jobs/{id}. Stops at the first network error or 5xx (the
 * next check-in retries). *sent the reports the server took. */
pw_err pw_jobrun_report(const struct pw_jobrun *d, struct pw_agent_http *h,
			  const struct pw_agent_state *st, size_t *sent, struct pw_error *e);

#endif
