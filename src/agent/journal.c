/* journal.c - the job journal (pw_journal.h). */
#include "pw_journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_file.h"

static const char *const step_names[] = { "received", "prechecked", "before_recorded",
	"applying", "applied", "verified", "rolling_back", "finished", "reported" };
static const char *const state_names[] = { "running", "succeeded", "failed", "rolled_back",
	"rollback_failed", "rejected" };
static const char *const health_names[] = { "skipped", "passed", "failed" };
static const char *const reboot_names[] = { "none", "scheduled", "done", "required" };
static const char *const op_names[] = { "install", "upgrade", "remove", "downgrade" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *pw_jstep_name(enum pw_jstep s)
{
	return (unsigned)s < COUNT(step_names) ? step_names[s] : "?";
}

const char *pw_jstate_name(enum pw_jstate s)
{
	return (unsigned)s < COUNT(state_names) ? state_names[s] : "?";
}

bool pw_jstate_final(enum pw_jstate s)
{
	return s != PW_JSTATE_RUNNING;
}

static int pick(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

void pw_journal_entry_init(struct pw_journal_entry *j)
{
	memset(j, 0, sizeof(*j));
	pw_buf_init(&j->rep.log, 0);
}

void pw_journal_entry_free(struct pw_journal_entry *j)
{
	pw_job_free(&j->job);
	free(j->rep.before);
	free(j->rep.after);
	free(j->rep.plan);
	free(j->cached);
	pw_buf_free(&j->rep.log);
	memset(j, 0, sizeof(*j));
}

pw_err pw_report_add_pkg(struct pw_job_pkg **list, size_t *n, const char *name,
			 const char *version)
{
	struct pw_job_pkg *grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (!grown)
		return PW_ERR_NOMEM;
	*list = grown;
	snprintf(grown[*n].name, sizeof(grown[*n].name), "%s", name);
	snprintf(grown[*n].version, sizeof(grown[*n].version), "%s", version ? version : "");
	(*n)++;
	return PW_OK;
}

void pw_report_log(struct pw_report *r, const char *data, size_t len)
{
	if (len >= PW_REPORT_LOG_MAX) {
		data += len - PW_REPORT_LOG_MAX;
		len = PW_REPORT_LOG_MAX;
	}
	if (r->log.len + len > PW_REPORT_LOG_MAX) {
		/* drop the oldest bytes */
		size_t drop = r->log.len + len - PW_REPORT_LOG_MAX;
		memmove(r->log.data, r->log.data + drop, r->log.len - drop);
		r->log.len -= drop;
		r->log.data[r->log.len] = '\0';
	}
	pw_buf_add(&r->log, data, len);
}

void pw_report_error(struct pw_report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

pw_err pw_journal_path(const char *state_dir, const char *id, char *path, size_t size,
		       struct pw_error *e)
{
	if (!pw_job_valid_id(id))
		return pw_error_set(e, PW_ERR_INVALID, "journal: '%.80s' is not a job id", id);
	if (snprintf(path, size, "%s/jobs/%s.json", state_dir, id) >= (int)size)
		return pw_error_set(e, PW_ERR_LIMIT, "journal: path too long");
	return PW_OK;
}

static json_t *pkgs_json(const struct pw_job_pkg *p, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:o}", "name", p[i].name, "version",
						   p[i].version[0] ? json_string(p[i].version) :
						   json_null()));
	return a;
}

static json_t *report_json(const struct pw_report *r)
{
	json_t *plan = json_array();
	for (size_t i = 0; plan && i < r->nplan; i++) {
		const struct pw_plan_item *p = &r->plan[i];
		json_array_append_new(plan, json_pack("{s:s,s:o,s:o,s:s}", "name", p->name, "from",
			p->from[0] ? json_string(p->from) : json_null(), "to",
			p->to[0] ? json_string(p->to) : json_null(), "op", op_names[p->op]));
	}
	/* the log quotes tools' output: jansson refuses invalid UTF-8, so such
	 * bytes become '?' */
	char *log = malloc(r->log.len + 1);
	if (log) {
		for (size_t i = 0; i < r->log.len; i++) {
			unsigned char c = (unsigned char)r->log.data[i];
			log[i] = c >= 0x80 || (c < 0x20 && c != '\n' && c != '\t') ? '?' : (char)c;
		}
		log[r->log.len] = '\0';
	}
	json_t *doc = json_pack("{s:s,s:I,s:I,s:o,s:o,s:b,s:s,s:s,s:o,s:s}", "state",
		state_names[r->state], "started_at", (json_int_t)r->started_at, "finished_at",
		(json_int_t)r->finished_at, "before", pkgs_json(r->before, r->nbefore), "after",
		pkgs_json(r->after, r->nafter), "verified", r->verified, "health",
		health_names[r->health], "reboot", reboot_names[r->reboot], "plan", plan, "log",
		log ? log : "");
	free(log);
	if (doc && r->error[0])
		json_object_set_new(doc, "error", json_string(r->error));
	return doc;
}

pw_err pw_report_write(const struct pw_report *r, struct pw_buf *out)
{
	json_t *doc = report_json(r);
	char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!s)
		return PW_ERR_NOMEM;
	pw_err rc = pw_buf_adds(out, s);
	free(s);
	return rc;
}

static pw_err ensure_dir(const char *path, struct pw_error *e)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return pw_error_set(e, PW_ERR_IO, "journal: %s: %s", path, strerror(errno));
	return PW_OK;
}

pw_err pw_journal_write(const char *state_dir, const struct pw_journal_entry *j,
			struct pw_error *e)
{
	char path[1200], tmp[1250], dir[1100];
	pw_err rc = pw_journal_path(state_dir, j->job.id, path, sizeof(path), e);
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "%s", state_dir);
	if ((rc = ensure_dir(dir, e)))
		return rc;
	snprintf(dir, sizeof(dir), "%s/jobs", state_dir);
	if ((rc = ensure_dir(dir, e)))
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	struct pw_buf jb = PW_BUF_INIT;
	json_t *cached = json_array();
	for (size_t i = 0; cached && j->cached && i < j->rep.nbefore; i++)
		json_array_append_new(cached, json_boolean(j->cached[i]));
	json_t *jobdoc = NULL;
	if (pw_job_write(&j->job, &jb) == PW_OK)
		jobdoc = json_loadb(jb.data, jb.len, 0, NULL);
	pw_buf_free(&jb);
	json_t *doc = jobdoc ? json_pack("{s:o,s:s,s:o,s:o,s:s}", "job", jobdoc, "step",
					 pw_jstep_name(j->step), "report", report_json(&j->rep),
					 "cached", cached, "cache_note", j->cache_note) : NULL;
	char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (!text)
		return pw_error_set(e, PW_ERR_NOMEM, "journal %s: out of memory", j->job.id);
	size_t len = strlen(text);

	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = pw_error_set(e, PW_ERR_IO, "journal: %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = pw_error_set(e, PW_ERR_IO, "journal: %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		rc = pw_error_set(e, PW_ERR_IO, "journal: %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = pw_error_set(e, PW_ERR_IO, "journal: %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* the rename itself must reach the disk before the next step */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	free(text);
	return rc;
}

static pw_err read_pkgs(const json_t *a, struct pw_job_pkg **list, size_t *n)
{
	size_t i;
	const json_t *p;
	json_array_foreach(a, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *ver = json_string_value(json_object_get(p, "version"));
		if (!name || !pw_job_valid_name(name) || (ver && !pw_job_valid_version(ver)))
			return PW_ERR_PARSE;
		if (pw_report_add_pkg(list, n, name, ver))
			return PW_ERR_NOMEM;
	}
	return PW_OK;
}

static pw_err read_report(const json_t *d, struct pw_report *r)
{
	int st = pick(json_string_value(json_object_get(d, "state")), state_names,
		      COUNT(state_names));
	if (st < 0)
		return PW_ERR_PARSE;
	r->state = (enum pw_jstate)st;
	r->started_at = json_integer_value(json_object_get(d, "started_at"));
	r->finished_at = json_integer_value(json_object_get(d, "finished_at"));
	r->verified = json_is_true(json_object_get(d, "verified"));
	int h = pick(json_string_value(json_object_get(d, "health")), health_names, 3);
	int rb = pick(json_string_value(json_object_get(d, "reboot")), reboot_names, 4);
	r->health = h < 0 ? PW_HEALTH_SKIPPED : (enum pw_health)h;
	r->reboot = rb < 0 ? PW_REBOOT_NONE : (enum pw_reboot_done)rb;
	pw_err rc;
	if ((rc = read_pkgs(json_object_get(d, "before"), &r->before, &r->nbefore)) ||
	    (rc = read_pkgs(json_object_get(d, "after"), &r->after, &r->nafter)))
		return rc;
	size_t i;
	const json_t *p;
	const json_t *plan = json_object_get(d, "plan");
	if (json_array_size(plan)) {
		r->plan = calloc(json_array_size(plan), sizeof(*r->plan));
		if (!r->plan)
			return PW_ERR_NOMEM;
	}
	json_array_foreach(plan, i, p) {
		struct pw_plan_item *it = &r->plan[r->nplan];
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *from = json_string_value(json_object_get(p, "from"));
		const char *to = json_string_value(json_object_get(p, "to"));
		int op = pick(json_string_value(json_object_get(p, "op")), op_names, 4);
		if (!name || op < 0)
			return PW_ERR_PARSE;
		snprintf(it->name, sizeof(it->name), "%s", name);
		snprintf(it->from, sizeof(it->from), "%s", from ? from : "");
		snprintf(it->to, sizeof(it->to), "%s", to ? to : "");
		it->op = (enum pw_plan_op)op;
		r->nplan++;
	}
	const char *log = json_string_value(json_object_get(d, "log"));
	if (log)
		pw_report_log(r, log, strlen(log));
	const char *err = json_string_value(json_object_get(d, "error"));
	snprintf(r->error, sizeof(r->error), "%s", err ? err : "");
	return PW_OK;
}

pw_err pw_journal_read(const char *state_dir, const char *id, struct pw_journal_entry *j,
		       struct pw_error *e)
{
	char path[1200];
	pw_journal_entry_init(j);
	pw_err rc = pw_journal_path(state_dir, id, path, sizeof(path), e);
	if (rc)
		return rc;
	struct pw_file f;
	struct pw_error fe;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return PW_ERR_NOTFOUND;
	if ((rc = pw_file_read(&f, path, &fe)))
		return pw_error_set(e, rc, "journal: %s", fe.msg);
	json_error_t je;
	json_t *doc = json_loadb(f.data.ptr, f.data.len, 0, &je);
	pw_file_close(&f);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "journal: %s:%d: %s", path, je.line, je.text);
	struct pw_error je2;
	int step = pick(json_string_value(json_object_get(doc, "step")), step_names,
			COUNT(step_names));
	if ((rc = pw_job_parse_json(json_object_get(doc, "job"), &j->job, &je2))) {
		rc = pw_error_set(e, PW_ERR_PARSE, "journal: %s: %s", path, je2.msg);
		goto out;
	}
	if (step < 0 || strcmp(j->job.id, id) != 0 ||
	    read_report(json_object_get(doc, "report"), &j->rep)) {
		rc = pw_error_set(e, PW_ERR_PARSE, "journal: %s: not a journal entry of job %s",
				  path, id);
		goto out;
	}
	j->step = (enum pw_jstep)step;
	const json_t *cached = json_object_get(doc, "cached");
	if (j->rep.nbefore) {
		j->cached = calloc(j->rep.nbefore, sizeof(*j->cached));
		if (!j->cached) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < j->rep.nbefore; i++)
			j->cached[i] = json_is_true(json_array_get(cached, i));
	}
	const char *note = json_string_value(json_object_get(doc, "cache_note"));
	snprintf(j->cache_note, sizeof(j->cache_note), "%s", note ? note : "");
out:
	json_decref(doc);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

pw_err pw_journal_list(const char *state_dir, char ***ids, size_t *n, struct pw_error *e)
{
	char dir[1100];
	*ids = NULL;
	*n = 0;
	snprintf(dir, sizeof(dir), "%s/jobs", state_dir);
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return PW_OK;
		return pw_error_set(e, PW_ERR_IO, "journal: %s: %s", dir, strerror(errno));
	}
	struct dirent *de;
	size_t cap = 0;
	pw_err rc = PW_OK;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		char id[PW_JOB_ID_MAX + 8];
		if (len - 5 >= sizeof(id))
			continue;
		memcpy(id, de->d_name, len - 5);
		id[len - 5] = '\0';
		if (!pw_job_valid_id(id))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **g = realloc(*ids, cap * sizeof(*g));
			if (!g) {
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
				break;
			}
			*ids = g;
		}
		if (!((*ids)[*n] = strdup(id))) {
			rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*ids, *n, sizeof(**ids), cmp_str);
	return rc;
}

pw_err pw_journal_reject(const char *state_dir, const char *id, const char *error, int64_t now,
			 struct pw_error *e)
{
	struct pw_journal_entry j;
	pw_err rc = pw_journal_read(state_dir, id, &j, e);
	pw_journal_entry_free(&j);
	if (rc != PW_ERR_NOTFOUND)
		return rc == PW_ERR_PARSE ? PW_OK : rc;
	pw_journal_entry_init(&j);
	snprintf(j.job.id, sizeof(j.job.id), "%s", id);
	/* the journal keeps only the id of a job it could not read; reboot
	 * is the one action valid without packages (a placeholder: it never
	 * runs, the entry is finished) */
	j.job.action = PW_JOB_REBOOT;
	j.rep.state = PW_JSTATE_REJECTED;
	j.rep.started_at = j.rep.finished_at = now;
	pw_report_error(&j.rep, "rejected: %s", error);
	j.step = PW_STEP_FINISHED;
	rc = pw_journal_write(state_dir, &j, e);
	pw_journal_entry_free(&j);
	return rc;
}
