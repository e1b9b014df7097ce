/* aptdpkg.c - apt-get and dpkg for the apply program (pw_aptdpkg.h). */
#include "pw_aptdpkg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "pw_debver.h"
#include "pw_dpkg.h"
#include "pw_exec.h"
#include "pw_inventory.h"

/* What every tool gets instead of the caller's environment. */
static const char *const tool_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"DEBIAN_FRONTEND=noninteractive",
	"DEBCONF_NONINTERACTIVE_SEEN=true",
	"LC_ALL=C",
	"HOME=/root",
	NULL,
};

#define MAX_ARGS (64 + 2 * PW_JOB_MAX_PACKAGES)

static bool has_root(const struct pw_aptdpkg *a)
{
	return a->root && *a->root && strcmp(a->root, "/") != 0;
}

/* argv with its strings in one arena-like block of owned copies */
struct argv {
	const char *v[MAX_ARGS + 1];
	char *owned[MAX_ARGS];
	size_t n, nowned;
	bool overflow;
};

static void arg(struct argv *av, const char *s)
{
	if (av->n >= MAX_ARGS) {
		av->overflow = true;
		return;
	}
	av->v[av->n++] = s;
	av->v[av->n] = NULL;
}

static void argf(struct argv *av, const char *fmt, const char *a, const char *b)
{
	char *s = NULL;
	if (asprintf(&s, fmt, a, b ? b : "") < 0 || av->nowned >= MAX_ARGS) {
		free(s);
		av->overflow = true;
		return;
	}
	av->owned[av->nowned++] = s;
	arg(av, s);
}

static void argv_free(struct argv *av)
{
	for (size_t i = 0; i < av->nowned; i++)
		free(av->owned[i]);
}

static void apt_base(const struct pw_aptdpkg *a, struct argv *av)
{
	arg(av, a->apt_get ? a->apt_get : "/usr/bin/apt-get");
	arg(av, "-q");
	arg(av, "-o");
	arg(av, "Dpkg::Options::=--force-confold");
	arg(av, "-o");
	arg(av, "Dpkg::Use-Pty=0");
	if (a->dpkg) {
		arg(av, "-o");
		argf(av, "Dir::Bin::dpkg=%s%s", a->dpkg, NULL);
	}
	if (has_root(a)) {
		const char *r = a->root;
		arg(av, "-o");
		argf(av, "Dir=%s/%s", r, NULL);
		arg(av, "-o");
		argf(av, "Dir::State::status=%s/var/lib/dpkg/status%s", r, NULL);
		arg(av, "-o");
		argf(av, "Dir::Etc=%s/etc/apt/%s", r, NULL);
		arg(av, "-o");
		argf(av, "DPkg::Options::=--root=%s%s", r, NULL);
		arg(av, "-o");
		arg(av, "DPkg::Options::=--force-script-chrootless");
		arg(av, "-o");
		argf(av, "DPkg::Options::=--log=%s/var/log/dpkg.log%s", r, NULL);
		/* the root is the agent's to write; apt's _apt user may not be */
		arg(av, "-o");
		arg(av, "APT::Sandbox::User=root");
	}
}

static void dpkg_base(const struct pw_aptdpkg *a, struct argv *av)
{
	arg(av, a->dpkg ? a->dpkg : "/usr/bin/dpkg");
	arg(av, "--force-confold");
	if (has_root(a)) {
		argf(av, "--root=%s%s", a->root, NULL);
		arg(av, "--force-script-chrootless");
		argf(av, "--log=%s/var/log/dpkg.log%s", a->root, NULL);
	}
}

static pw_err run(const struct pw_aptdpkg *a, struct argv *av, const char *cwd,
		  struct pw_report *log, int *status, struct pw_error *e)
{
	if (av->overflow) {
		argv_free(av);
		return pw_error_set(e, PW_ERR_LIMIT, "%s: too many arguments", av->v[0]);
	}
	const char *env[sizeof(tool_env) / sizeof(tool_env[0]) + 1];
	size_t ne = 0;
	for (; tool_env[ne]; ne++)
		env[ne] = tool_env[ne];
	char aptenv[4200];
	if (has_root(a) && a->apt_config) {
		snprintf(aptenv, sizeof(aptenv), "APT_CONFIG=%s", a->apt_config);
		env[ne++] = aptenv;
	}
	env[ne] = NULL;
	struct pw_exec_opts o = { .envp = env, .cwd = cwd, .timeout_s = a->timeout_s,
				  .log_max = PW_REPORT_LOG_MAX };
	struct pw_buf out = PW_BUF_INIT;
	int timed_out = 0;
	pw_err rc = pw_exec_run(av->v, &o, &out, status, &timed_out, e);
	if (log) {
		/* the command line first, so the log says what ran */
		struct pw_buf line = PW_BUF_INIT;
		pw_buf_adds(&line, "$");
		for (size_t i = 0; i < av->n; i++)
			pw_buf_addf(&line, " %s", av->v[i]);
		pw_buf_adds(&line, "\n");
		pw_report_log(log, line.data, line.len);
		pw_buf_free(&line);
		if (out.len)
			pw_report_log(log, out.data, out.len);
		if (timed_out) {
			char m[96];
			int n = snprintf(m, sizeof(m), "(stopped after %d s)\n", a->timeout_s);
			pw_report_log(log, m, (size_t)n);
		}
	}
	if (!rc && timed_out)
		rc = pw_error_set(e, PW_ERR_EXEC, "%s: stopped after %d s", av->v[0], a->timeout_s);
	pw_buf_free(&out);
	argv_free(av);
	return rc;
}

pw_err pw_aptdpkg_installed(const struct pw_aptdpkg *a, const struct pw_job_pkg *names,
			    size_t n, struct pw_job_pkg *out, bool *clean, struct pw_error *e)
{
	struct pw_inventory inv;
	pw_inventory_init(&inv, has_root(a) ? a->root : "/");
	pw_err rc = pw_dpkg_collect(&inv, e);
	if (rc == PW_ERR_NOTFOUND)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "%s/var/lib/dpkg/status: no dpkg database",
				  has_root(a) ? a->root : "");
	for (size_t i = 0; !rc && i < n; i++) {
		char base[PW_JOB_NAME_MAX + 1];
		snprintf(base, sizeof(base), "%s", names[i].name);
		char *colon = strchr(base, ':');
		const char *arch = NULL;
		if (colon) {
			*colon = '\0';
			arch = colon + 1;
		}
		snprintf(out[i].name, sizeof(out[i].name), "%s", names[i].name);
		out[i].version[0] = '\0';
		if (clean)
			clean[i] = true;
		for (size_t k = 0; k < inv.npkgs; k++) {
			const struct pw_package *p = &inv.pkgs[k];
			if (strcmp(p->name, base) != 0 || (arch && strcmp(p->arch, arch) != 0))
				continue;
			if (p->state == PW_STATE_NOT_INSTALLED || p->state == PW_STATE_CONFIG_FILES)
				continue;
			snprintf(out[i].version, sizeof(out[i].version), "%s", p->version);
			if (clean)
				clean[i] = p->state == PW_STATE_INSTALLED;
			break;
		}
	}
	pw_inventory_free(&inv);
	return rc;
}

pw_err pw_aptdpkg_lock_free(const struct pw_aptdpkg *a, bool *is_free, long *holder,
			    struct pw_error *e)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/var/lib/dpkg/lock-frontend", has_root(a) ? a->root : "");
	*is_free = true;
	*holder = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return PW_OK; /* nobody ever took it */
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	/* F_GETLK with a write lock: which lock would conflict (apt and dpkg
	 * hold a write lock on it) */
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int r = fcntl(fd, F_GETLK, &fl);
	int err = errno;
	close(fd);
	if (r != 0)
		return pw_error_set(e, PW_ERR_IO, "%s: lock test: %s", path, strerror(err));
	if (fl.l_type != F_UNLCK) {
		*is_free = false;
		*holder = (long)fl.l_pid;
	}
	return PW_OK;
}

pw_err pw_aptdpkg_free_space(const struct pw_aptdpkg *a, uint64_t *bytes, struct pw_error *e)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/var", has_root(a) ? a->root : "");
	struct statvfs sv;
	if (statvfs(path, &sv) != 0)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	*bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	return PW_OK;
}

pw_err pw_aptdpkg_install(const struct pw_aptdpkg *a, const struct pw_job_pkg *pkgs, size_t n,
			  bool allow_downgrades, struct pw_report *log, int *status,
			  struct pw_error *e)
{
	struct argv av = { 0 };
	apt_base(a, &av);
	arg(&av, "-y");
	arg(&av, "--no-install-recommends");
	if (allow_downgrades)
		arg(&av, "--allow-downgrades");
	arg(&av, "install");
	for (size_t i = 0; i < n; i++)
		argf(&av, "%s=%s", pkgs[i].name, pkgs[i].version);
	return run(a, &av, NULL, log, status, e);
}

pw_err pw_aptdpkg_simulate(const struct pw_aptdpkg *a, const struct pw_job_pkg *pkgs, size_t n,
			   struct pw_report *r, int *status, struct pw_error *e)
{
	struct argv av = { 0 };
	apt_base(a, &av);
	arg(&av, "-s");
	arg(&av, "-y");
	arg(&av, "--no-install-recommends");
	arg(&av, "install");
	for (size_t i = 0; i < n; i++)
		argf(&av, "%s=%s", pkgs[i].name, pkgs[i].version);
	size_t from = r->log.len;
	pw_err rc = run(a, &av, NULL, r, status, e);
	if (rc)
		return rc;
	/* the plan from this command's part of the log (the log keeps a tail,
	 * so a plan of more than 64 KiB of lines loses its start) */
	if (from > r->log.len)
		from = 0;
	return pw_aptdpkg_parse_plan(r->log.data + from, r->log.len - from, r);
}

/* "word" at *p into out (bounded), advancing p past it. */
static bool take_word(const char **p, const char *end, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;
	while (s < end && *s != ' ' && *s != '\n')
		s++, n++;
	if (n == 0 || n >= size)
		return false;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p = s;
	return true;
}

pw_err pw_aptdpkg_parse_plan(const char *text, size_t len, struct pw_report *r)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;
		bool inst = lend - p > 5 && memcmp(p, "Inst ", 5) == 0;
		bool remv = lend - p > 5 && memcmp(p, "Remv ", 5) == 0;
		if (inst || remv) {
			struct pw_plan_item it;
			memset(&it, 0, sizeof(it));
			const char *q = p + 5;
			bool ok = take_word(&q, lend, it.name, sizeof(it.name));
			/* " [old]" when installed, " (new origin [arch])" for Inst */
			if (ok && lend - q > 2 && q[0] == ' ' && q[1] == '[') {
				q += 2;
				const char *c = memchr(q, ']', (size_t)(lend - q));
				if (!c || (size_t)(c - q) >= sizeof(it.from))
					ok = false;
				else {
					memcpy(it.from, q, (size_t)(c - q));
					it.from[c - q] = '\0';
					q = c + 1;
				}
			}
			if (ok && inst) {
				if (lend - q > 2 && q[0] == ' ' && q[1] == '(') {
					q += 2;
					ok = take_word(&q, lend, it.to, sizeof(it.to));
				} else {
					ok = false;
				}
			}
			if (ok) {
				if (remv)
					it.op = PW_OP_REMOVE;
				else if (!it.from[0])
					it.op = PW_OP_INSTALL;
				else
					it.op = pw_debver_cmp(it.to, it.from) < 0 ? PW_OP_DOWNGRADE :
						PW_OP_UPGRADE;
				struct pw_plan_item *g = realloc(r->plan, (r->nplan + 1) * sizeof(*g));
				if (!g)
					return PW_ERR_NOMEM;
				r->plan = g;
				g[r->nplan++] = it;
			}
		}
		p = eol ? eol + 1 : end;
	}
	return PW_OK;
}

void pw_aptdpkg_file_version(const char *version, char *out, size_t size)
{
	size_t o = 0;
	for (const char *s = version; *s && o + 4 < size; s++) {
		if (*s == ':') {
			memcpy(out + o, "%3a", 3);
			o += 3;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

pw_err pw_aptdpkg_download(const struct pw_aptdpkg *a, const char *name, const char *version,
			   const char *dir, char *path, size_t size, struct pw_report *log,
			   struct pw_error *e)
{
	struct argv av = { 0 };
	apt_base(a, &av);
	if (!has_root(a)) {
		/* the rollback cache is root's, mode 0700: _apt cannot write it */
		arg(&av, "-o");
		arg(&av, "APT::Sandbox::User=root");
	}
	arg(&av, "download");
	argf(&av, "%s=%s", name, version);
	int status;
	pw_err rc = run(a, &av, dir, log, &status, e);
	if (rc)
		return rc;
	if (status != 0)
		return pw_error_set(e, PW_ERR_NOTFOUND, "apt-get download %s=%s: exit %d", name,
				    version, status);
	/* the file apt wrote: NAME_VERSION(%3a for ':')_ARCH.deb */
	char fv[PW_JOB_VERSION_MAX * 3 + 1], prefix[PW_JOB_NAME_MAX + sizeof(fv) + 4];
	pw_aptdpkg_file_version(version, fv, sizeof(fv));
	char base[PW_JOB_NAME_MAX + 1];
	snprintf(base, sizeof(base), "%s", name);
	base[strcspn(base, ":")] = '\0';
	snprintf(prefix, sizeof(prefix), "%s_%s_", base, fv);
	DIR *d = opendir(dir);
	if (!d)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", dir, strerror(errno));
	struct dirent *de;
	rc = pw_error_set(e, PW_ERR_NOTFOUND, "apt-get download %s=%s wrote no %s*.deb", name,
			  version, prefix);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 && l > 4 &&
		    strcmp(de->d_name + l - 4, ".deb") == 0) {
			if (snprintf(path, size, "%s/%s", dir, de->d_name) < (int)size) {
				rc = PW_OK;
				pw_error_clear(e);
			}
			break;
		}
	}
	closedir(d);
	return rc;
}

pw_err pw_aptdpkg_dpkg_install(const struct pw_aptdpkg *a, const char *const *files, size_t n,
			       struct pw_report *log, int *status, struct pw_error *e)
{
	struct argv av = { 0 };
	dpkg_base(a, &av);
	arg(&av, "-i");
	for (size_t i = 0; i < n; i++)
		arg(&av, files[i]);
	return run(a, &av, NULL, log, status, e);
}

pw_err pw_aptdpkg_dpkg_remove(const struct pw_aptdpkg *a, const char *const *names, size_t n,
			      struct pw_report *log, int *status, struct pw_error *e)
{
	struct argv av = { 0 };
	dpkg_base(a, &av);
	arg(&av, "--remove");
	for (size_t i = 0; i < n; i++)
		arg(&av, names[i]);
	return run(a, &av, NULL, log, status, e);
}

pw_err pw_aptdpkg_root_config(const char *root, const char *path, struct pw_error *e)
{
	for (const char *p = root; *p; p++)
		if (*p == '"' || (unsigned char)*p < 0x20)
			return pw_error_set(e, PW_ERR_INVALID, "root %s: apt cannot be given this path",
					    root);
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
	/* read first, before any configuration file: so apt's configuration
	 * directory is the root's from the start */
	fprintf(f, "Dir \"%s/\";\nDir::State::status \"%s/var/lib/dpkg/status\";\n"
		   "Dir::Etc \"%s/etc/apt/\";\n", root, root, root);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	return PW_OK;
}
