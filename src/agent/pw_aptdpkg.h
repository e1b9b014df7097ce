/* pw_aptdpkg.h - apt-get and dpkg run for the apply program, by absolute
 * path through fork/exec (pw_exec_run), never a shell, with a fixed
 * environment (DEBIAN_FRONTEND=noninteractive, LC_ALL=C, a plain PATH) and
 * a deadline; conffiles are kept (--force-confold).
 *
 * With a root (--root DIR) apt-get and dpkg work on that root only:
 * apt's Dir, Dir::State::status and Dir::Etc point into it, dpkg gets
 * --root=DIR and --force-script-chrootless (maintainer scripts run with
 * DPKG_ROOT set, outside a chroot). The host's database is never opened.
 */
#ifndef PW_APTDPKG_H
#define PW_APTDPKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_buf.h"
#include "pw_err.h"
#include "pw_job.h"
#include "pw_journal.h"

struct pw_aptdpkg {
	const char *root;     /* "" or NULL: the live host */
	const char *apt_get;  /* absolute paths; NULL: /usr/bin/apt-get, /usr/bin/dpkg */
	const char *dpkg;
	int timeout_s;        /* per command */
	/* with a root: the file pw_aptdpkg_root_config wrote, given to apt as
	 * APT_CONFIG so that it reads DIR/etc/apt and never the host's
	 * configuration (whose hooks, debconf's among them, would write the
	 * host's files) */
	const char *apt_config;
};

/* Write apt's configuration for a root to path (Dir, Dir::State::status,
 * Dir::Etc of the root). PW_ERR_INVALID for a root apt's syntax cannot
 * quote (a '"' or a control character). */
pw_err pw_aptdpkg_root_config(const char *root, const char *path, struct pw_error *e);

/* The version of each name installed now, per the dpkg status database:
 * out[i].version "" when not installed; *clean[i] (may be NULL) false when
 * the package is in a state other than installed (half-configured, ...),
 * in which case its version is the one dpkg has recorded. */
pw_err pw_aptdpkg_installed(const struct pw_aptdpkg *a, const struct pw_job_pkg *names,
			    size_t n, struct pw_job_pkg *out, bool *clean, struct pw_error *e);

/* Whether dpkg's frontend lock (ROOT/var/lib/dpkg/lock-frontend) is free:
 * an fcntl lock test; *holder the pid holding it (0: free or unknown). */
pw_err pw_aptdpkg_lock_free(const struct pw_aptdpkg *a, bool *is_free, long *holder,
			    struct pw_error *e);

/* Free bytes on the file system holding ROOT/var. */
pw_err pw_aptdpkg_free_space(const struct pw_aptdpkg *a, uint64_t *bytes, struct pw_error *e);

/* apt-get install -y name=version...; allow_downgrades adds
 * --allow-downgrades. *status is apt-get's exit status; log gets the tail
 * of its output. PW_OK whenever apt-get ran. */
pw_err pw_aptdpkg_install(const struct pw_aptdpkg *a, const struct pw_job_pkg *pkgs, size_t n,
			  bool allow_downgrades, struct pw_report *log, int *status,
			  struct pw_error *e);

/* apt-get -s install name=version...: the plan from its Inst/Remv lines. */
pw_err pw_aptdpkg_simulate(const struct pw_aptdpkg *a, const struct pw_job_pkg *pkgs, size_t n,
			   struct pw_report *r, int *status, struct pw_error *e);

/* Parse apt-get -s output ("Inst pkg [old] (new ...)", "Remv pkg [old]")
 * into r->plan. Lines of other kinds are skipped. */
pw_err pw_aptdpkg_parse_plan(const char *text, size_t len, struct pw_report *r);

/* apt-get download name=version into dir (an existing directory); the
 * path of the file it wrote in path. PW_ERR_NOTFOUND when the repository
 * does not have that version. */
pw_err pw_aptdpkg_download(const struct pw_aptdpkg *a, const char *name, const char *version,
			   const char *dir, char *path, size_t size, struct pw_report *log,
			   struct pw_error *e);

/* dpkg -i FILE... (a downgrade is allowed: dpkg's default). */
pw_err pw_aptdpkg_dpkg_install(const struct pw_aptdpkg *a, const char *const *files, size_t n,
			       struct pw_report *log, int *status, struct pw_error *e);
/* dpkg --remove NAME... */
pw_err pw_aptdpkg_dpkg_remove(const struct pw_aptdpkg *a, const char *const *names, size_t n,
			      struct pw_report *log, int *status, struct pw_error *e);

/* apt's name for a version in archive file names (':' as "%3a"). */
void pw_aptdpkg_file_version(const char *version, char *out, size_t size);

#endif
