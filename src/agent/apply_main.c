/* apply_main.c - patchwarden-agent-apply: the agent's privileged half.
 *
 * Reads ONE typed job (JSON, from --job FILE or standard input), performs
 * it (pw_apply.h) and prints its report (the body of JOBS.md's report) on
 * standard output. Before that it finishes whatever a killed earlier run
 * left in the journal. --spool runs every job the check-in daemon left in
 * STATE_DIR/spool/ instead (the systemd path unit's way).
 *
 * The check-in daemon never installs anything itself: it hands over jobs it
 * has parsed and checked, in their typed form, and this program parses
 * them again. Nothing here runs a shell.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_agent.h"
#include "pw_apply.h"
#include "pw_config.h"
#include "pw_file.h"
#include "pw_journal.h"

enum { EXIT_RAN = 0, EXIT_ERROR = 2, EXIT_ALREADY = 3 };

static void say(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "patchwarden-agent-apply: %s: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden-agent-apply [--config FILE] [--state-dir DIR] [--root DIR]\n"
		"                               [--job FILE | --spool | --recover]\n"
		"\n"
		"  --job FILE   the job to run (JSON; default or '-': standard input); its\n"
		"               report is printed; exit 0 when it ran, 3 when the journal\n"
		"               already had it (its report is printed, nothing is run)\n"
		"  --spool      run the jobs in STATE_DIR/spool/ (each file removed once\n"
		"               journaled)\n"
		"  --recover    only finish what an interrupted run left in the journal\n"
		"  --root DIR   apt and dpkg work on DIR instead of the host\n"
		"\n"
		"Configuration: the [apply] section of %s (hooks, reboot command,\n"
		"free space, timeouts); docs/agent.md.\n",
		PW_AGENT_DEFAULT_CONFIG);
}

static int print_report(const char *state_dir, const char *id)
{
	struct pw_journal_entry j;
	struct pw_error e;
	if (pw_journal_read(state_dir, id, &j, &e)) {
		say("error", "%s", e.msg);
		pw_journal_entry_free(&j);
		return EXIT_ERROR;
	}
	struct pw_buf b = PW_BUF_INIT;
	pw_report_write(&j.rep, &b);
	printf("%s\n", b.data ? b.data : "{}");
	pw_buf_free(&b);
	pw_journal_entry_free(&j);
	return EXIT_RAN;
}

/* Parse and run one job's text; a malformed job with a usable id is
 * journaled as rejected. */
static int run_text(const struct pw_apply_config *c, const char *text, size_t len,
		    const char *where)
{
	struct pw_job job;
	struct pw_error e;
	if (pw_job_parse(text, len, &job, &e)) {
		say("error", "%s: %s", where, e.msg);
		if (job.id[0]) {
			struct pw_error re;
			if (pw_apply_reject(c, job.id, e.msg, &re))
				say("error", "%s", re.msg);
			else
				print_report(c->state_dir, job.id);
		}
		pw_job_free(&job);
		return EXIT_ERROR;
	}
	bool already;
	if (pw_apply_job(c, &job, &already, &e)) {
		say("error", "job %s: %s", job.id, e.msg);
		pw_job_free(&job);
		return EXIT_ERROR;
	}
	if (already)
		say("warning", "job %s is in the journal already: not run again", job.id);
	int rc = print_report(c->state_dir, job.id);
	pw_job_free(&job);
	return rc ? rc : already ? EXIT_ALREADY : EXIT_RAN;
}

static int run_spool(const struct pw_apply_config *c)
{
	char dir[1100];
	snprintf(dir, sizeof(dir), "%s/spool", c->state_dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? EXIT_RAN : (say("error", "%s: %s", dir, strerror(errno)),
						     EXIT_ERROR);
	struct dirent *de;
	int rc = EXIT_RAN;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		char path[1400];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct pw_file f;
		struct pw_error e;
		if (pw_file_read(&f, path, &e)) {
			say("error", "%s", e.msg);
			rc = EXIT_ERROR;
			continue;
		}
		int r = run_text(c, f.data.ptr, f.data.len, path);
		pw_file_close(&f);
		if (r == EXIT_ERROR)
			rc = EXIT_ERROR;
		/* journaled (or refused for good): the spool file has done its part */
		unlink(path);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "root", required_argument, NULL, 'r' },
		{ "job", required_argument, NULL, 'j' },
		{ "spool", no_argument, NULL, 's' },
		{ "recover", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = PW_AGENT_DEFAULT_CONFIG, *state_dir = NULL, *root = NULL;
	const char *jobfile = "-";
	bool config_required = false, spool = false, recover_only = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; config_required = true; break;
		case 'S': state_dir = optarg; break;
		case 'r': root = optarg; break;
		case 'j': jobfile = optarg; break;
		case 's': spool = true; break;
		case 'R': recover_only = true; break;
		case 'h': usage(stdout); return EXIT_RAN;
		case 'V': printf("patchwarden-agent-apply %s\n", PW_VERSION); return EXIT_RAN;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		say("error", "unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	struct pw_agent_config cfg;
	struct pw_error e;
	if (pw_agent_config_load(&cfg, config, config_required, &e)) {
		say("error", "%s", e.msg);
		return EXIT_ERROR;
	}
	struct pw_apply_config c = {
		.state_dir = state_dir ? state_dir : cfg.state_dir,
		.root = root ? root : cfg.root,
		.pre_hook = cfg.pre_hook,
		.health_hook = cfg.health_hook,
		.reboot_command = cfg.reboot_command,
		.min_free_bytes = (uint64_t)cfg.min_free_mb << 20,
		.timeout_s = (int)cfg.apply_timeout,
		.require_rollback_cache = cfg.require_rollback_cache,
	};
	/* one apply process at a time (the path unit and an exec'ing daemon
	 * could overlap): the second waits for the first */
	char lockpath[1100];
	snprintf(lockpath, sizeof(lockpath), "%s/apply.lock", c.state_dir);
	if (mkdir(c.state_dir, 0700) != 0 && errno != EEXIST) {
		say("error", "%s: %s", c.state_dir, strerror(errno));
		return EXIT_ERROR;
	}
	int lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) != 0) {
		say("error", "%s: %s", lockpath, strerror(errno));
		return EXIT_ERROR;
	}
	char apt_config[1200];
	if (pw_apply_prepare(&c, apt_config, sizeof(apt_config), &e)) {
		say("error", "%s", e.msg);
		return EXIT_ERROR;
	}
	c.apt_config = apt_config[0] ? apt_config : NULL;
	size_t recovered;
	if (pw_apply_recover(&c, &recovered, &e)) {
		say("error", "recovering the journal: %s", e.msg);
		return EXIT_ERROR;
	}
	if (recovered)
		say("warning", "%zu interrupted job%s finished from the package database's state",
		    recovered, recovered == 1 ? "" : "s");
	if (recover_only)
		return EXIT_RAN;
	if (spool)
		return run_spool(&c);

	struct pw_buf text = PW_BUF_INIT;
	pw_buf_init(&text, 1 << 20);
	FILE *f = strcmp(jobfile, "-") == 0 ? stdin : fopen(jobfile, "r");
	if (!f) {
		say("error", "%s: %s", jobfile, strerror(errno));
		return EXIT_ERROR;
	}
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (pw_buf_add(&text, chunk, n)) {
			say("error", "%s: larger than 1 MiB", jobfile);
			return EXIT_ERROR;
		}
	if (f != stdin)
		fclose(f);
	int rc = run_text(&c, text.data ? text.data : "", text.len, jobfile);
	pw_buf_free(&text);
	return rc;
}
