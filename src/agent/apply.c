/* apply.c - one job, step by step, each step journaled first (pw_apply.h).
 *
 * The journal is written before each step that could change the system,
 * so a kill at any point leaves a file that says what may have happened;
 * pw_apply_recover then reads the dpkg database instead of guessing, and
 * never runs the job again.
 */
#include "pw_apply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_aptdpkg.h"
#include "pw_debver.h"
#include "pw_exec.h"

static int64_t now_of(const struct pw_apply_config *c)
{
	return c->now ? c->now() : (int64_t)time(NULL);
}

static const char *root_or_empty(const struct pw_apply_config *c);

static struct pw_aptdpkg tool_of(const struct pw_apply_config *c)
{
	struct pw_aptdpkg a = { .root = c->root, .apt_get = c->apt_get, .dpkg = c->dpkg,
				.timeout_s = c->timeout_s > 0 ? c->timeout_s : 1800,
				.apt_config = c->apt_config };
	return a;
}

pw_err pw_apply_prepare(const struct pw_apply_config *c, char *path, size_t size,
			struct pw_error *e)
{
	path[0] = '\0';
	if (!*root_or_empty(c))
		return PW_OK;
	if (snprintf(path, size, "%s/apt-root.conf", c->state_dir) >= (int)size)
		return pw_error_set(e, PW_ERR_LIMIT, "state directory path too long");
	return pw_aptdpkg_root_config(c->root, path, e);
}

static const char *root_or_empty(const struct pw_apply_config *c)
{
	return c->root && *c->root && strcmp(c->root, "/") != 0 ? c->root : "";
}

static pw_err step(const struct pw_apply_config *c, struct pw_journal_entry *j, enum pw_jstep s,
		   struct pw_error *e)
{
	j->step = s;
	return pw_journal_write(c->state_dir, j, e);
}

static pw_err finish(const struct pw_apply_config *c, struct pw_journal_entry *j,
		     enum pw_jstate state, struct pw_error *e)
{
	j->rep.state = state;
	j->rep.finished_at = now_of(c);
	return step(c, j, PW_STEP_FINISHED, e);
}

/* rep.after := what the database says of these names now; *all_clean
 * whether each is cleanly installed or cleanly absent. */
static pw_err read_after(const struct pw_apply_config *c, struct pw_journal_entry *j,
			 const struct pw_job_pkg *names, size_t n, bool *clean, struct pw_error *e)
{
	struct pw_aptdpkg a = tool_of(c);
	free(j->rep.after);
	j->rep.after = NULL;
	j->rep.nafter = 0;
	if (!n)
		return PW_OK;
	j->rep.after = calloc(n, sizeof(*j->rep.after));
	if (!j->rep.after)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_err rc = pw_aptdpkg_installed(&a, names, n, j->rep.after, clean, e);
	if (!rc)
		j->rep.nafter = n;
	return rc;
}

/* after == targets, each cleanly so ("" target: absent). */
static bool same(const struct pw_job_pkg *after, const bool *clean, const struct pw_job_pkg *t,
		 size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(after[i].version, t[i].version) != 0 || !clean[i])
			return false;
	return true;
}

static void describe(const struct pw_job_pkg *p, const bool *clean, size_t n, char *out,
		     size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o < size; i++) {
		int w = snprintf(out + o, size - o, "%s%s %s%s", i ? ", " : "", p[i].name,
				 p[i].version[0] ? p[i].version : "(absent)",
				 clean && !clean[i] ? " (not fully installed)" : "");
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* ---- hooks and reboot ---- */

static pw_err run_hook(const struct pw_apply_config *c, struct pw_journal_entry *j,
		       const char *path, const char *what, int *status, struct pw_error *e)
{
	char idenv[PW_JOB_ID_MAX + 16], rootenv[4200];
	snprintf(idenv, sizeof(idenv), "PW_JOB_ID=%s", j->job.id);
	snprintf(rootenv, sizeof(rootenv), "PW_ROOT=%s", root_or_empty(c));
	const char *env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", idenv, rootenv,
			      NULL };
	const char *argv[] = { path, what, j->job.id, NULL };
	struct pw_exec_opts o = { .envp = env, .timeout_s = c->timeout_s > 0 ? c->timeout_s : 1800,
				  .log_max = 16384 };
	struct pw_buf out = PW_BUF_INIT;
	int to = 0;
	char head[600];
	int hn = snprintf(head, sizeof(head), "$ %s %s %s\n", path, what, j->job.id);
	pw_report_log(&j->rep, head, (size_t)hn);
	pw_err rc = pw_exec_run(argv, &o, &out, status, &to, e);
	if (out.len)
		pw_report_log(&j->rep, out.data, out.len);
	pw_buf_free(&out);
	if (!rc && to)
		*status = -1;
	return rc;
}

static bool reboot_required(const struct pw_apply_config *c)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/run/reboot-required", root_or_empty(c));
	if (access(p, F_OK) == 0)
		return true;
	snprintf(p, sizeof(p), "%s/var/run/reboot-required", root_or_empty(c));
	return access(p, F_OK) == 0;
}

/* The reboot command, exec'd without arguments: it decides how (a delay,
 * a message); the agent only reports it was scheduled. */
static void reboot_now(const struct pw_apply_config *c, struct pw_journal_entry *j)
{
	if (!c->reboot_command || !*c->reboot_command) {
		j->rep.reboot = PW_REBOOT_REQUIRED;
		pw_report_log(&j->rep, "no reboot_command configured: reboot not scheduled\n", 52);
		return;
	}
	int st;
	struct pw_error he;
	if (run_hook(c, j, c->reboot_command, "reboot", &st, &he) == PW_OK && st == 0)
		j->rep.reboot = PW_REBOOT_SCHEDULED;
	else
		j->rep.reboot = PW_REBOOT_REQUIRED;
}

static void reboot_policy(const struct pw_apply_config *c, struct pw_journal_entry *j)
{
	bool req = reboot_required(c);
	if (j->job.reboot == PW_JOB_REBOOT_ALWAYS ||
	    (j->job.reboot == PW_JOB_REBOOT_IF_REQUIRED && req))
		reboot_now(c, j);
	else
		j->rep.reboot = req ? PW_REBOOT_REQUIRED : PW_REBOOT_NONE;
}

/* ---- the rollback cache: STATE_DIR/cache/NAME=VERSION.deb ---- */

static pw_err cache_path(const struct pw_apply_config *c, const char *name, const char *version,
			 char *out, size_t size, struct pw_error *e)
{
	if (snprintf(out, size, "%s/cache/%s=%s.deb", c->state_dir, name, version) >= (int)size)
		return pw_error_set(e, PW_ERR_LIMIT, "rollback cache path too long");
	return PW_OK;
}

static pw_err copy_file(const char *from, const char *to, struct pw_error *e)
{
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", from, strerror(errno));
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
	}
	char buf[65536];
	pw_err rc = PW_OK;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && write(out, buf, (size_t)n) != n)) {
			rc = pw_error_set(e, PW_ERR_IO, "copying %s: %s", from, strerror(errno));
			break;
		}
		if (n == 0)
			break;
	}
	close(in);
	if (fsync(out) != 0 && !rc)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
	close(out);
	if (!rc && rename(tmp, to) != 0)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", to, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

/* apt's archive cache first (ROOT/var/cache/apt/archives), then
 * apt-get download of the installed version. */
static pw_err keep_one(const struct pw_apply_config *c, struct pw_journal_entry *j,
		       const char *name, const char *version, struct pw_error *e)
{
	char dst[4200];
	pw_err rc = cache_path(c, name, version, dst, sizeof(dst), e);
	if (rc)
		return rc;
	if (access(dst, R_OK) == 0)
		return PW_OK;
	char fv[PW_JOB_VERSION_MAX * 3 + 1], base[PW_JOB_NAME_MAX + 1], prefix[600];
	pw_aptdpkg_file_version(version, fv, sizeof(fv));
	snprintf(base, sizeof(base), "%s", name);
	base[strcspn(base, ":")] = '\0';
	snprintf(prefix, sizeof(prefix), "%s_%s_", base, fv);
	char archives[4200];
	snprintf(archives, sizeof(archives), "%s/var/cache/apt/archives", root_or_empty(c));
	DIR *d = opendir(archives);
	char found[4600] = "";
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 && l > 4 &&
			    strcmp(de->d_name + l - 4, ".deb") == 0) {
				snprintf(found, sizeof(found), "%s/%s", archives, de->d_name);
				break;
			}
		}
		closedir(d);
	}
	if (found[0])
		return copy_file(found, dst, e);
	char dl[4200], got[4600];
	snprintf(dl, sizeof(dl), "%s/cache/download", c->state_dir);
	if (mkdir(dl, 0700) != 0 && errno != EEXIST)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", dl, strerror(errno));
	struct pw_aptdpkg a = tool_of(c);
	if ((rc = pw_aptdpkg_download(&a, name, version, dl, got, sizeof(got), &j->rep, e)))
		return rc;
	if (rename(got, dst) != 0)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", dst, strerror(errno));
	return PW_OK;
}

/* Keep a package file for every "before" version; a note for each that
 * could not be kept. */
static size_t keep_before(const struct pw_apply_config *c, struct pw_journal_entry *j)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/cache", c->state_dir);
	mkdir(dir, 0700);
	free(j->cached);
	j->cached = calloc(j->rep.nbefore ? j->rep.nbefore : 1, sizeof(bool));
	size_t missing = 0, o = 0;
	for (size_t i = 0; i < j->rep.nbefore; i++) {
		const struct pw_job_pkg *b = &j->rep.before[i];
		if (!b->version[0])
			continue; /* absent before: a rollback removes it */
		struct pw_error ke;
		if (keep_one(c, j, b->name, b->version, &ke) == PW_OK) {
			if (j->cached)
				j->cached[i] = true;
			continue;
		}
		missing++;
		if (o < sizeof(j->cache_note)) {
			int w = snprintf(j->cache_note + o, sizeof(j->cache_note) - o,
					 "%sno package file for %s %s kept for rollback (%s)",
					 o ? "; " : "", b->name, b->version, ke.msg);
			if (w > 0)
				o += (size_t)w;
		}
	}
	return missing;
}

/* ---- rollback ---- */

/* Bring the packages to targets ("" version: absent): cached files with
 * dpkg -i, the rest with apt-get --allow-downgrades, absent ones removed;
 * then verify. true when after == targets. */
static bool roll_back(const struct pw_apply_config *c, struct pw_journal_entry *j,
		      const struct pw_job_pkg *t, size_t n, struct pw_error *e)
{
	struct pw_aptdpkg a = tool_of(c);
	char **files = calloc(n + 1, sizeof(*files));
	const char **names = calloc(n + 1, sizeof(*names));
	struct pw_job_pkg *viaapt = calloc(n + 1, sizeof(*viaapt));
	bool *clean = calloc(n + 1, sizeof(bool));
	size_t nf = 0, nr = 0, na = 0;
	bool ok = false;
	if (!files || !names || !viaapt || !clean) {
		pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char p[4200];
		if (!t[i].version[0]) {
			names[nr++] = t[i].name;
		} else if (cache_path(c, t[i].name, t[i].version, p, sizeof(p), NULL) == PW_OK &&
			   access(p, R_OK) == 0) {
			files[nf++] = strdup(p);
		} else {
			viaapt[na++] = t[i];
		}
	}
	int st;
	struct pw_error te;
	if (nf && (pw_aptdpkg_dpkg_install(&a, (const char *const *)files, nf, &j->rep, &st, &te) ||
		   st != 0))
		pw_report_log(&j->rep, "rollback: dpkg -i from the rollback cache failed\n", 48);
	if (na && (pw_aptdpkg_install(&a, viaapt, na, true, &j->rep, &st, &te) || st != 0))
		pw_report_log(&j->rep, "rollback: apt-get install --allow-downgrades failed\n", 51);
	if (nr && (pw_aptdpkg_dpkg_remove(&a, names, nr, &j->rep, &st, &te) || st != 0))
		pw_report_log(&j->rep, "rollback: dpkg --remove failed\n", 31);
	if (read_after(c, j, t, n, clean, e))
		goto out;
	ok = same(j->rep.after, clean, t, n);
	if (!ok) {
		char now[PW_REPORT_ERROR_MAX / 2];
		describe(j->rep.after, clean, n, now, sizeof(now));
		snprintf(e->msg, sizeof(e->msg), "after the rollback: %.480s", now);
	}
out:
	for (size_t i = 0; files && i < nf; i++)
		free(files[i]);
	free(files);
	free(names);
	free(viaapt);
	free(clean);
	return ok;
}

/* A failed install: back to before, verified. The error says why it was
 * rolled back first. */
static pw_err undo(const struct pw_apply_config *c, struct pw_journal_entry *j, const char *why,
		   struct pw_error *e)
{
	pw_err rc = step(c, j, PW_STEP_ROLLING_BACK, e);
	if (rc)
		return rc;
	/* what the failed step left, for the log: the rollback changes it */
	size_t n = j->job.npkgs;
	struct pw_job_pkg *left = calloc(n + 1, sizeof(*left));
	bool *clean = calloc(n + 1, sizeof(bool));
	struct pw_aptdpkg a = tool_of(c);
	struct pw_error le;
	if (left && clean && pw_aptdpkg_installed(&a, j->job.pkgs, n, left, clean, &le) == PW_OK) {
		char now[PW_REPORT_ERROR_MAX / 2], line[PW_REPORT_ERROR_MAX];
		describe(left, clean, n, now, sizeof(now));
		int w = snprintf(line, sizeof(line), "%s; installed then: %s; rolling back\n", why,
				 now);
		pw_report_log(&j->rep, line, w > 0 && (size_t)w < sizeof(line) ? (size_t)w :
			      strlen(line));
	}
	free(left);
	free(clean);
	struct pw_error re = { 0 };
	bool ok = roll_back(c, j, j->rep.before, j->rep.nbefore, &re);
	if (ok) {
		pw_report_error(&j->rep, "%s; rolled back to the versions before", why);
		j->rep.verified = true; /* the rollback's own verification */
		return finish(c, j, PW_JSTATE_ROLLED_BACK, e);
	}
	pw_report_error(&j->rep, "%s; the rollback failed: %s", why, re.msg);
	j->rep.verified = false;
	return finish(c, j, PW_JSTATE_ROLLBACK_FAILED, e);
}

/* ---- the actions ---- */

/* After the install: verify, health hook, reboot policy. Shared with
 * recovery of a job killed after apt-get had run. */
static pw_err verify_and_finish(const struct pw_apply_config *c, struct pw_journal_entry *j,
				struct pw_error *e)
{
	size_t n = j->job.npkgs;
	bool *clean = calloc(n + 1, sizeof(bool));
	if (!clean)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_err rc = read_after(c, j, j->job.pkgs, n, clean, e);
	if (rc) {
		free(clean);
		return rc;
	}
	j->rep.verified = same(j->rep.after, clean, j->job.pkgs, n);
	if (!j->rep.verified) {
		char now[PW_REPORT_ERROR_MAX / 2];
		describe(j->rep.after, clean, n, now, sizeof(now));
		free(clean);
		char why[PW_REPORT_ERROR_MAX];
		snprintf(why, sizeof(why), "verification failed: installed %s", now);
		return undo(c, j, why, e);
	}
	free(clean);
	if ((rc = step(c, j, PW_STEP_VERIFIED, e)))
		return rc;
	if (j->job.health_check) {
		if (!c->health_hook || !*c->health_hook) {
			j->rep.health = PW_HEALTH_SKIPPED;
			pw_report_log(&j->rep, "health check asked for, no health_hook configured\n",
				      51);
		} else {
			int st;
			struct pw_error he;
			if (run_hook(c, j, c->health_hook, "health", &st, &he) || st != 0) {
				j->rep.health = PW_HEALTH_FAILED;
				char why[200];
				snprintf(why, sizeof(why), "health hook %s failed (exit %d)",
					 c->health_hook, st);
				return undo(c, j, why, e);
			}
			j->rep.health = PW_HEALTH_PASSED;
		}
	}
	reboot_policy(c, j);
	return finish(c, j, PW_JSTATE_SUCCEEDED, e);
}

static pw_err do_install(const struct pw_apply_config *c, struct pw_journal_entry *j,
			 struct pw_error *e)
{
	struct pw_aptdpkg a = tool_of(c);
	size_t n = j->job.npkgs;
	pw_err rc;
	struct pw_error te = { 0 };

	/* pre-checks: nothing has changed yet, so any failure is "failed" */
	bool lock_free;
	long holder;
	if (pw_aptdpkg_lock_free(&a, &lock_free, &holder, &te)) {
		pw_report_error(&j->rep, "pre-check: %s", te.msg);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	if (!lock_free) {
		pw_report_error(&j->rep, "pre-check: the dpkg lock %s/var/lib/dpkg/lock-frontend is "
			"held by process %ld", root_or_empty(c), holder);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	uint64_t avail;
	if (pw_aptdpkg_free_space(&a, &avail, &te) == PW_OK && avail < c->min_free_bytes) {
		pw_report_error(&j->rep, "pre-check: %llu MiB free on %s/var, %llu MiB required",
				(unsigned long long)(avail >> 20), root_or_empty(c),
				(unsigned long long)(c->min_free_bytes >> 20));
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	struct pw_job_pkg *before = calloc(n, sizeof(*before));
	bool *clean = calloc(n, sizeof(bool));
	if (!before || !clean) {
		free(before);
		free(clean);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	if (pw_aptdpkg_installed(&a, j->job.pkgs, n, before, clean, &te)) {
		pw_report_error(&j->rep, "pre-check: %s", te.msg);
		free(before);
		free(clean);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		if (!clean[i])
			why = "is not fully installed";
		else if (before[i].version[0] &&
			 pw_debver_cmp(before[i].version, j->job.pkgs[i].version) > 0)
			why = "is newer than the target";
		if (why) {
			pw_report_error(&j->rep, "pre-check: %s %s %s (%s): the plan no longer "
				"matches the host", before[i].name, before[i].version, why,
				j->job.pkgs[i].version);
			free(clean);
			j->rep.before = before;
			j->rep.nbefore = n;
			return finish(c, j, PW_JSTATE_FAILED, e);
		}
	}
	free(clean);
	j->rep.before = before;
	j->rep.nbefore = n;
	if ((rc = step(c, j, PW_STEP_PRECHECKED, e)))
		return rc;

	if (c->pre_hook && *c->pre_hook) {
		int st;
		if (run_hook(c, j, c->pre_hook, "pre", &st, &te) || st != 0) {
			pw_report_error(&j->rep, "pre-hook %s failed (exit %d): nothing was changed",
					c->pre_hook, st);
			return finish(c, j, PW_JSTATE_FAILED, e);
		}
	}
	size_t missing = keep_before(c, j);
	if (missing && c->require_rollback_cache) {
		pw_report_error(&j->rep, "%s; refused: a rollback would be impossible "
			"(require_rollback_cache)", j->cache_note);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	if (missing) {
		/* allowed by the configuration, said in the report */
		pw_report_log(&j->rep, j->cache_note, strlen(j->cache_note));
		pw_report_log(&j->rep, " (require_rollback_cache is off: installing anyway)\n", 52);
	}
	if ((rc = step(c, j, PW_STEP_BEFORE_RECORDED, e)))
		return rc;

	if ((rc = step(c, j, PW_STEP_APPLYING, e)))
		return rc;
	int st;
	pw_err ir = pw_aptdpkg_install(&a, j->job.pkgs, n, false, &j->rep, &st, &te);
	if (ir || st != 0) {
		char why[PW_REPORT_ERROR_MAX / 2];
		if (ir)
			snprintf(why, sizeof(why), "install failed: %.400s", te.msg);
		else
			snprintf(why, sizeof(why), "install failed: apt-get exit %d", st);
		/* what the failed install left, before the rollback changes it */
		return undo(c, j, why, e);
	}
	if ((rc = step(c, j, PW_STEP_APPLIED, e)))
		return rc;
	return verify_and_finish(c, j, e);
}

static pw_err do_rollback(const struct pw_apply_config *c, struct pw_journal_entry *j,
			  struct pw_error *e)
{
	struct pw_job_pkg *t = NULL;
	size_t n = 0;
	struct pw_journal_entry of;
	pw_journal_entry_init(&of);
	pw_err rc = PW_OK;
	if (j->job.npkgs) {
		t = j->job.pkgs;
		n = j->job.npkgs;
	} else {
		struct pw_error oe = { 0 };
		pw_err r = pw_journal_read(c->state_dir, j->job.of, &of, &oe);
		if (r || !of.rep.nbefore) {
			pw_report_error(&j->rep, "rollback: job %s %s", j->job.of,
					r == PW_ERR_NOTFOUND ? "is not in the journal" :
					r ? oe.msg : "recorded no versions before");
			rc = finish(c, j, PW_JSTATE_FAILED, e);
			goto out;
		}
		t = of.rep.before;
		n = of.rep.nbefore;
	}
	struct pw_aptdpkg a = tool_of(c);
	struct pw_error te = { 0 };
	j->rep.before = calloc(n, sizeof(*j->rep.before));
	if (!j->rep.before) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (pw_aptdpkg_installed(&a, t, n, j->rep.before, NULL, &te)) {
		pw_report_error(&j->rep, "pre-check: %s", te.msg);
		rc = finish(c, j, PW_JSTATE_FAILED, e);
		goto out;
	}
	j->rep.nbefore = n;
	bool lock_free;
	long holder;
	if (pw_aptdpkg_lock_free(&a, &lock_free, &holder, &te) || !lock_free) {
		pw_report_error(&j->rep, "pre-check: the dpkg lock is held by process %ld", holder);
		rc = finish(c, j, PW_JSTATE_FAILED, e);
		goto out;
	}
	if ((rc = step(c, j, PW_STEP_APPLYING, e)))
		goto out;
	struct pw_error re = { 0 };
	bool ok = roll_back(c, j, t, n, &re);
	j->rep.verified = ok;
	if (!ok)
		pw_report_error(&j->rep, "rollback incomplete: %s", re.msg);
	if (ok)
		reboot_policy(c, j);
	rc = finish(c, j, ok ? PW_JSTATE_SUCCEEDED : PW_JSTATE_FAILED, e);
out:
	pw_journal_entry_free(&of);
	return rc;
}

static pw_err do_simulate(const struct pw_apply_config *c, struct pw_journal_entry *j,
			  struct pw_error *e)
{
	struct pw_aptdpkg a = tool_of(c);
	size_t n = j->job.npkgs;
	struct pw_error te = { 0 };
	j->rep.before = calloc(n, sizeof(*j->rep.before));
	if (!j->rep.before)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	if (pw_aptdpkg_installed(&a, j->job.pkgs, n, j->rep.before, NULL, &te)) {
		pw_report_error(&j->rep, "%s", te.msg);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	j->rep.nbefore = n;
	int st;
	if (pw_aptdpkg_simulate(&a, j->job.pkgs, n, &j->rep, &st, &te) || st != 0) {
		pw_report_error(&j->rep, "apt-get -s: %s", te.msg[0] ? te.msg : "failed");
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	/* nothing changed: after is before */
	for (size_t i = 0; i < n; i++)
		pw_report_add_pkg(&j->rep.after, &j->rep.nafter, j->rep.before[i].name,
				  j->rep.before[i].version);
	return finish(c, j, PW_JSTATE_SUCCEEDED, e);
}

pw_err pw_apply_job(const struct pw_apply_config *c, const struct pw_job *job, bool *already,
		    struct pw_error *e)
{
	struct pw_journal_entry j;
	*already = false;
	pw_err rc = pw_journal_read(c->state_dir, job->id, &j, e);
	if (rc != PW_ERR_NOTFOUND) {
		pw_journal_entry_free(&j);
		if (rc == PW_OK || rc == PW_ERR_PARSE) {
			/* known (even a damaged entry): never again */
			*already = true;
			return PW_OK;
		}
		return rc;
	}
	pw_journal_entry_init(&j);
	/* the journal's own copy of the job */
	j.job = *job;
	j.job.pkgs = job->npkgs ? calloc(job->npkgs, sizeof(*job->pkgs)) : NULL;
	if (job->npkgs && !j.job.pkgs)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	if (job->npkgs)
		memcpy(j.job.pkgs, job->pkgs, job->npkgs * sizeof(*job->pkgs));
	j.rep.state = PW_JSTATE_RUNNING;
	j.rep.started_at = now_of(c);
	if ((rc = step(c, &j, PW_STEP_RECEIVED, e)))
		goto out;
	if (job->not_after && j.rep.started_at > job->not_after) {
		pw_report_error(&j.rep, "not_after %lld has passed (now %lld): not run",
				(long long)job->not_after, (long long)j.rep.started_at);
		rc = finish(c, &j, PW_JSTATE_REJECTED, e);
		goto out;
	}
	switch (job->action) {
	case PW_JOB_INSTALL: rc = do_install(c, &j, e); break;
	case PW_JOB_ROLLBACK: rc = do_rollback(c, &j, e); break;
	case PW_JOB_SIMULATE: rc = do_simulate(c, &j, e); break;
	case PW_JOB_REBOOT:
		reboot_now(c, &j);
		if (j.rep.reboot != PW_REBOOT_SCHEDULED)
			pw_report_error(&j.rep, "the reboot could not be scheduled");
		rc = finish(c, &j, j.rep.reboot == PW_REBOOT_SCHEDULED ? PW_JSTATE_SUCCEEDED :
			    PW_JSTATE_FAILED, e);
		break;
	}
out:
	pw_journal_entry_free(&j);
	return rc;
}

pw_err pw_apply_reject(const struct pw_apply_config *c, const char *id, const char *error,
		       struct pw_error *e)
{
	return pw_journal_reject(c->state_dir, id, error, now_of(c), e);
}

/* What a killed run left, told by the database. */
static pw_err recover_one(const struct pw_apply_config *c, struct pw_journal_entry *j,
			  struct pw_error *e)
{
	const char *was = pw_jstep_name(j->step);
	char note[128];
	int nn = snprintf(note, sizeof(note), "recovered after an interruption at step %s\n", was);
	pw_report_log(&j->rep, note, (size_t)nn);
	if (j->job.action != PW_JOB_INSTALL && j->job.action != PW_JOB_ROLLBACK) {
		pw_report_error(&j->rep, "interrupted at step %s; not run again", was);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	if (j->job.action == PW_JOB_INSTALL && j->step <= PW_STEP_BEFORE_RECORDED) {
		/* apt-get never started: nothing changed */
		pw_report_error(&j->rep, "interrupted at step %s, before anything was changed; "
				"not run again", was);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	const struct pw_job_pkg *t = j->job.pkgs;
	size_t n = j->job.npkgs;
	if (j->step == PW_STEP_ROLLING_BACK || j->job.action == PW_JOB_ROLLBACK) {
		t = j->rep.before;
		n = j->rep.nbefore;
		if (j->job.action == PW_JOB_ROLLBACK && j->job.npkgs) {
			t = j->job.pkgs;
			n = j->job.npkgs;
		}
	}
	bool *clean = calloc(n + 1, sizeof(bool));
	if (!clean)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_err rc = read_after(c, j, t, n, clean, e);
	if (rc) {
		free(clean);
		return rc;
	}
	bool at = same(j->rep.after, clean, t, n);
	char now[PW_REPORT_ERROR_MAX / 2];
	describe(j->rep.after, clean, n, now, sizeof(now));
	free(clean);
	if (j->job.action == PW_JOB_INSTALL && j->step != PW_STEP_ROLLING_BACK) {
		if (at)
			/* applied but not verified (or not health-checked): finish now */
			return verify_and_finish(c, j, e);
		j->rep.verified = false;
		pw_report_error(&j->rep, "interrupted at step %s: installed now %s; not applied "
			"again; a rollback job with \"of\": \"%s\" restores the versions before",
			was, now, j->job.id);
		return finish(c, j, PW_JSTATE_FAILED, e);
	}
	j->rep.verified = at;
	if (j->job.action == PW_JOB_ROLLBACK) {
		if (!at)
			pw_report_error(&j->rep, "interrupted at step %s: installed now %s", was, now);
		return finish(c, j, at ? PW_JSTATE_SUCCEEDED : PW_JSTATE_FAILED, e);
	}
	/* an install interrupted while rolling back */
	if (at) {
		if (!j->rep.error[0])
			pw_report_error(&j->rep, "install failed; rolled back (finished after an "
					"interruption)");
		return finish(c, j, PW_JSTATE_ROLLED_BACK, e);
	}
	pw_report_error(&j->rep, "interrupted while rolling back: installed now %s", now);
	return finish(c, j, PW_JSTATE_ROLLBACK_FAILED, e);
}

pw_err pw_apply_recover(const struct pw_apply_config *c, size_t *n, struct pw_error *e)
{
	char **ids;
	size_t nids;
	*n = 0;
	pw_err rc = pw_journal_list(c->state_dir, &ids, &nids, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < nids; i++) {
		struct pw_journal_entry j;
		struct pw_error je;
		pw_journal_entry_init(&j);
		if (!rc && pw_journal_read(c->state_dir, ids[i], &j, &je) == PW_OK &&
		    j.step < PW_STEP_FINISHED) {
			rc = recover_one(c, &j, e);
			if (!rc)
				(*n)++;
		}
		pw_journal_entry_free(&j);
		free(ids[i]);
	}
	free(ids);
	return rc;
}
