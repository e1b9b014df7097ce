/* exec.c - run a program with argv and capture its output. */
#include "pw_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
