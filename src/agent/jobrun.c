/* jobrun.c - jobs from the check-in reply to the apply program, reports
 * from the journal to the server (pw_jobrun.h). */
#include "pw_jobrun.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_exec.h"
#include "pw_job.h"
#include "pw_journal.h"

static pw_err write_spool(const struct pw_jobrun *d, const struct pw_job *job, char *path,
			  size_t size, struct pw_error *e)
{
	char dir[1100], tmp[1300];
	snprintf(dir, sizeof(dir), "%s/spool", d->state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", dir, strerror(errno));
	if (snprintf(path, size, "%s/%s.json", dir, job->id) >= (int)size)
		return pw_error_set(e, PW_ERR_LIMIT, "spool path too long");
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, job->id);
	struct pw_buf b = PW_BUF_INIT;
	if (pw_job_write(job, &b))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pw_err rc = PW_OK;
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) != 0)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	/* the .tmp name does not end in .json: the apply program skips it */
	if (!rc && rename(tmp, path) != 0)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	pw_buf_free(&b);
	return rc;
}

static pw_err exec_apply(const struct pw_jobrun *d, const char *id, const char *spool,
			 struct pw_error *e)
{
	const char *argv[12];
	size_t n = 0;
	argv[n++] = d->cfg->apply_program;
	if (d->config_path) {
		argv[n++] = "--config";
		argv[n++] = d->config_path;
	}
	argv[n++] = "--state-dir";
	argv[n++] = d->state_dir;
	if (d->root && *d->root) {
		argv[n++] = "--root";
		argv[n++] = d->root;
	}
	argv[n++] = "--job";
	argv[n++] = spool;
	argv[n] = NULL;
	static const char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	struct pw_exec_opts o = { .envp = env, .log_max = 8192 };
	struct pw_buf log = PW_BUF_INIT;
	int status;
	pw_err rc = pw_exec_run(argv, &o, &log, &status, NULL, e);
	unlink(spool);
	if (rc) {
		pw_buf_free(&log);
		return rc;
	}
	/* its stderr lines say what happened; its report is in the journal */
	if (status != 0 && status != 3) {
		pw_agent_log("error", "job %s: %s exited %d: %.400s", id, argv[0], status,
			     log.data ? log.data : "");
	}
	pw_buf_free(&log);
	return PW_OK;
}

pw_err pw_jobrun_hand_over(const struct pw_jobrun *d, const json_t *jobs, size_t *handed,
			struct pw_error *e)
{
	*handed = 0;
	size_t i;
	const json_t *obj;
	json_array_foreach(jobs, i, obj) {
		struct pw_job job;
		struct pw_error je;
		if (pw_job_parse_json(obj, &job, &je)) {
			pw_agent_log("error", "check-in: %s", je.msg);
			/* reported as rejected, when it has an id to report under */
			if (job.id[0] && pw_journal_reject(d->state_dir, job.id, je.msg,
							   (int64_t)time(NULL), e))
				return e->code;
			pw_job_free(&job);
			continue;
		}
		struct pw_journal_entry j;
		pw_err r = pw_journal_read(d->state_dir, job.id, &j, &je);
		pw_journal_entry_free(&j);
		if (r != PW_ERR_NOTFOUND) {
			/* seen before (the server sends a job until it has the final
			 * report): never handed over again */
			pw_job_free(&job);
			continue;
		}
		char spool[1300];
		snprintf(spool, sizeof(spool), "%s/spool/%s.json", d->state_dir, job.id);
		if (strcmp(d->cfg->apply_mode, "spool") == 0 && access(spool, F_OK) == 0) {
			/* spooled at an earlier check-in, not yet taken */
			pw_job_free(&job);
			continue;
		}
		pw_err rc = write_spool(d, &job, spool, sizeof(spool), e);
		if (!rc && strcmp(d->cfg->apply_mode, "exec") == 0) {
			pw_agent_log("info", "job %s: %s of %zu package%s", job.id,
				     pw_job_action_name(job.action), job.npkgs,
				     job.npkgs == 1 ? "" : "s");
			rc = exec_apply(d, job.id, spool, e);
		} else if (!rc) {
			pw_agent_log("info", "job %s: spooled for patchwarden-agent-apply", job.id);
		}
		pw_job_free(&job);
		if (rc)
			return rc;
		(*handed)++;
	}
	return PW_OK;
}

pw_err pw_jobrun_report(const struct pw_jobrun *d, struct pw_agent_http *h,
			  const struct pw_agent_state *st, size_t *sent, struct pw_error *e)
{
	char **ids;
	size_t n;
	*sent = 0;
	pw_err rc = pw_journal_list(d->state_dir, &ids, &n, e);
	if (rc)
		return rc;
	size_t slen = strlen(st->server);
	while (slen && st->server[slen - 1] == '/')
		slen--;
	for (size_t i = 0; i < n; i++) {
		struct pw_journal_entry j;
		struct pw_error je;
		if (rc || pw_journal_read(d->state_dir, ids[i], &j, &je) != PW_OK ||
		    j.step != PW_STEP_FINISHED) {
			if (!rc)
				pw_journal_entry_free(&j);
			free(ids[i]);
			continue;
		}
		struct pw_buf body = PW_BUF_INIT;
		struct pw_agent_reply reply = { 0 };
		char url[800];
		snprintf(url, sizeof(url), "%.*s/api/v1/agent/jobs/%s", (int)slen, st->server,
			 j.job.id);
		if (pw_report_write(&j.rep, &body)) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		} else if ((rc = pw_agent_http_send(h, "POST", url, st->credential, body.data,
						    body.len, &reply, e))) {
			/* unreachable: the journal keeps it for the next check-in */
		} else if (reply.status == 200 || reply.status == 409 || reply.status == 404) {
			if (reply.status != 200)
				pw_agent_log("warning", "job %s: the server answered %ld to its "
					     "report (%s): not sent again", j.job.id, reply.status,
					     reply.status == 404 ? "unknown job" :
					     "not this agent's or already final");
			j.step = PW_STEP_REPORTED;
			if (!(rc = pw_journal_write(d->state_dir, &j, e))) {
				(*sent)++;
				pw_agent_log("info", "job %s: reported %s", j.job.id,
					     pw_jstate_name(j.rep.state));
			}
		} else {
			rc = pw_error_set(e, PW_ERR_IO, "job %s: report: HTTP %ld", j.job.id,
					  reply.status);
		}
		pw_buf_free(&reply.body);
		pw_buf_free(&body);
		pw_journal_entry_free(&j);
		free(ids[i]);
	}
	free(ids);
	return rc;
}
