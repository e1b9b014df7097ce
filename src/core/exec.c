/* exec.c - run a program with argv and capture its output. */
#include "pw_exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static pw_err read_all(int fd, struct pw_buf *out, const char *what, struct pw_error *e)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pw_error_set(e, PW_ERR_IO, "reading %s: %s", what, strerror(errno));
		}
		if (n == 0)
			return PW_OK;
		pw_err rc = pw_buf_add(out, chunk, (size_t)n);
		if (rc)
			return pw_error_set(e, rc, "output of %s: %s", what, pw_strerror(rc));
	}
}

/* Standard output goes to an unlinked temporary file, read once the
 * program has exited, rather than to a pipe: rpm writes one line per
 * package unbuffered, and a pipe woke this process for each (1-2 ms of a
 * 10 ms query). Standard error likewise, so neither can fill and block. */
pw_err pw_exec_capture(const char *const argv[], struct pw_buf *out, struct pw_buf *err,
		       int *exit_status, struct pw_error *e)
{
	FILE *outfile = NULL, *errfile = NULL;
	posix_spawn_file_actions_t fa;
	bool fa_ready = false;
	pid_t pid = -1;
	pw_err rc = PW_OK;

	*exit_status = -1;
	outfile = tmpfile();
	errfile = tmpfile();
	if (!outfile || !errfile) {
		rc = pw_error_set(e, PW_ERR_EXEC, "temporary file: %s", strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	fa_ready = true;
	if (posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, fileno(outfile), STDOUT_FILENO) ||
	    posix_spawn_file_actions_adddup2(&fa, fileno(errfile), STDERR_FILENO)) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	int sp = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	if (sp != 0) {
		pid = -1;
		rc = pw_error_set(e, PW_ERR_EXEC, "%s: %s", argv[0], strerror(sp));
		goto out;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (lseek(fileno(outfile), 0, SEEK_SET) != 0)
		rc = pw_error_set(e, PW_ERR_IO, "reading %s: %s", argv[0], strerror(errno));
	else
		rc = read_all(fileno(outfile), out, argv[0], e);
	if (err) {
		rewind(errfile);
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), errfile)) > 0 && err->len < 65536)
			pw_buf_add(err, chunk, n);
	}
out:
	if (outfile)
		fclose(outfile);
	if (errfile)
		fclose(errfile);
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* The tail of fd's contents (from offset 0) into log: at most max bytes. */
static pw_err read_tail(int fd, struct pw_buf *log, size_t max, const char *what,
			struct pw_error *e)
{
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return pw_error_set(e, PW_ERR_IO, "output of %s: %s", what, strerror(errno));
	off_t from = (size_t)size > max ? size - (off_t)max : 0;
	if (lseek(fd, from, SEEK_SET) != from)
		return pw_error_set(e, PW_ERR_IO, "output of %s: %s", what, strerror(errno));
	return read_all(fd, log, what, e);
}

/* Send sig to pid and everything under it. A process group is not enough:
 * apt-get starts dpkg in a session of its own, which a kill of apt-get's
 * group never reaches. The tree is read from /proc (parent of each pid),
 * stopped first so no process can fork past the walk, then signalled. */
static void kill_tree(pid_t top, int sig)
{
	pid_t pids[4096];
	size_t n = 0;
	pids[n++] = top;
	for (size_t at = 0; at < n; at++) {
		DIR *d = opendir("/proc");
		if (!d)
			break;
		struct dirent *de;
		while ((de = readdir(d)) && n < sizeof(pids) / sizeof(pids[0])) {
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			char path[300], buf[512];
			snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			ssize_t len = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (len <= 0)
				continue;
			buf[len] = '\0';
			/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
			char *rp = strrchr(buf, ')');
			if (!rp || strlen(rp) < 5 || rp[1] != ' ' || rp[3] != ' ')
				continue;
			char *end;
			long ppid = strtol(rp + 4, &end, 10);
			if (end == rp + 4 || ppid != (long)pids[at])
				continue;
			pid_t child = (pid_t)atol(de->d_name);
			kill(child, SIGSTOP);
			pids[n++] = child;
		}
		closedir(d);
	}
	for (size_t i = 0; i < n; i++) {
		kill(pids[i], sig);
		kill(pids[i], SIGCONT);
	}
}

pw_err pw_exec_run(const char *const argv[], const struct pw_exec_opts *o, struct pw_buf *log,
		   int *exit_status, int *timed_out, struct pw_error *e)
{
	static const char *const empty_env[] = { NULL };
	size_t max = o && o->log_max ? o->log_max : 65536;
	*exit_status = -1;
	if (timed_out)
		*timed_out = 0;
	if (!argv[0] || argv[0][0] != '/')
		return pw_error_set(e, PW_ERR_USAGE, "%s: not an absolute path",
				    argv[0] ? argv[0] : "(no program)");
	FILE *logfile = tmpfile();
	if (!logfile)
		return pw_error_set(e, PW_ERR_EXEC, "temporary file: %s", strerror(errno));
	int fd = fileno(logfile);
	pid_t pid = fork();
	if (pid < 0) {
		fclose(logfile);
		return pw_error_set(e, PW_ERR_EXEC, "%s: fork: %s", argv[0], strerror(errno));
	}
	if (pid == 0) {
		/* the child: only async-signal-safe calls until exec */
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
		if (o && o->cwd && chdir(o->cwd) != 0)
			_exit(126);
		/* its own process group, so a deadline reaches its children */
		setpgid(0, 0);
		execve(argv[0], (char *const *)argv,
		       (char *const *)(o && o->envp ? o->envp : empty_env));
		_exit(127);
	}
	setpgid(pid, pid);
	int status = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	bool termed = false;
	/* a pidfd wakes this process the moment the child ends; without one
	 * (old kernels) the wait polls */
	int pfd = o && o->timeout_s > 0 ? pidfd_open(pid, 0) : -1;
	for (;;) {
		pid_t r = waitpid(pid, &status, o && o->timeout_s > 0 ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			int err = errno;
			if (pfd >= 0)
				close(pfd);
			fclose(logfile);
			return pw_error_set(e, PW_ERR_EXEC, "%s: wait: %s", argv[0], strerror(err));
		}
		if (r == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long el = (long long)(now.tv_sec - start.tv_sec);
			if (!termed && el >= o->timeout_s) {
				kill_tree(pid, SIGTERM);
				termed = true;
				if (timed_out)
					*timed_out = 1;
			} else if (termed && el >= o->timeout_s + 10) {
				kill_tree(pid, SIGKILL);
			}
			if (pfd >= 0) {
				struct pollfd p = { .fd = pfd, .events = POLLIN };
				poll(&p, 1, 1000);
			} else {
				struct timespec d = { 0, 5 * 1000 * 1000 };
				nanosleep(&d, NULL);
			}
		}
	}
	if (pfd >= 0)
		close(pfd);
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	pw_err rc = log ? read_tail(fd, log, max, argv[0], e) : PW_OK;
	fclose(logfile);
	if (*exit_status == 127 && log && log->len == 0)
		return pw_error_set(e, PW_ERR_EXEC, "%s: cannot be executed", argv[0]);
	return rc;
}
