/* pw_deploy_policy.h - the deployment policy: per group SLAs, auto-approval,
 * maintenance windows, blackout dates, reboots, cool-down, holds and
 * quarantine settings, read from an INI file (inih; docs/deploy-policy.md,
 * dist/deploy.ini).
 *
 * A [default] section holds the values every group starts from; a
 * [group NAME] section replaces, key by key, what it names (a list key such
 * as window or hold replaces the default's whole list). pw_deploy_policy_for
 * returns that effective policy, so callers never merge anything.
 *
 * Windows are wall-clock times in the group's time zone: "Sat 22:00-04:00"
 * opens when the local clock first shows Saturday 22:00 and closes when it
 * first shows Sunday 04:00, whatever the UTC offset does meanwhile: on a DST
 * night the window is an hour shorter or longer, a start inside the skipped
 * hour opens at the change, and an hour repeated by the clock falling back
 * does not close and reopen it. A blackout date closes every window for that
 * whole local day. A group with no window line (or `window = always`) may
 * deploy at any time outside its blackouts.
 *
 * A loaded policy is immutable and owns all its memory (one arena); every
 * query is safe from any thread.
 */
#ifndef PW_DEPLOY_POLICY_H
#define PW_DEPLOY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_arena.h"
#include "pw_err.h"

#define PW_DEPLOY_POLICY_DEFAULT_PATH "/etc/patchwarden/deploy.ini"

/* Nothing found after this many days counts as "never" (next_open). */
#define PW_WINDOW_HORIZON_DAYS 400

enum pw_auto_approve {
	PW_AUTO_APPROVE_NONE = 0, /* every change needs its approvals */
	PW_AUTO_APPROVE_SECURITY, /* changes made only of security updates */
	PW_AUTO_APPROVE_ALL,      /* every change */
};

enum pw_reboot {
	PW_REBOOT_IF_REQUIRED = 0, /* when the host reports it needs one */
	PW_REBOOT_NEVER,
	PW_REBOOT_ALWAYS,
};

enum pw_quarantine_mode {
	PW_QUARANTINE_OFF = 0,  /* compliance is not evaluated */
	PW_QUARANTINE_REPORT,   /* non-compliant hosts are listed, not quarantined */
	PW_QUARANTINE_ENFORCE,  /* ... and quarantined after quarantine_after_days */
};

/* One weekly window: on each day of `days` (bit 0 Sunday .. bit 6
 * Saturday) from minute `start` of the local day for `len` minutes
 * (1..1440; start + len past 1440 runs into the next day). */
struct pw_window {
	uint8_t days;
	uint16_t start;
	uint16_t len;
};

/* Local calendar days, inclusive, as days since 1970-01-01. */
struct pw_blackout {
	int64_t first, last;
};

struct pw_tz;

struct pw_group_policy {
	const char *name;              /* "default" or the group's name */
	int sla_days[4];               /* P1..P4: days from first seen to due */
	enum pw_auto_approve auto_approve;
	const char *const *auto_approve_env; /* only for hosts of these environments */
	size_t n_auto_approve_env;           /* (0: any environment) */
	const struct pw_window *windows;
	size_t n_windows;
	const char *timezone;          /* the IANA name as written, "UTC" by default */
	const struct pw_tz *tz;
	const struct pw_blackout *blackouts;
	size_t n_blackouts;
	enum pw_reboot reboot;
	int min_package_age_days;      /* a package version younger than this waits */
	const char *const *holds;      /* package name globs (fnmatch) never deployed */
	size_t n_holds;
	const char *const *exclude_hosts; /* host name globs never deployed to */
	size_t n_exclude_hosts;
	int silent_days;               /* no check-in/inventory this long: non-compliant */
	enum pw_quarantine_mode quarantine;
	int quarantine_after_days;     /* non-compliant this long before quarantined */
};

struct pw_deploy_policy {
	struct pw_arena arena;
	const char *path;              /* the file it was read from, or "(defaults)" */
	struct pw_group_policy *groups; /* groups[0] is [default], the rest in file order */
	size_t n_groups;
};

/* Compiled-in defaults: SLA 7/30/90/180 days, no auto-approval, no
 * windows (always open), UTC, reboot if_required, no cool-down, silent_days
 * 7, quarantine off, quarantine_after_days 0. */
pw_err pw_deploy_policy_defaults(struct pw_deploy_policy **out, struct pw_error *e);

/* Read the policy file at `path`. A malformed line, an unknown key, a
 * scalar set twice in one section, or a bad value is PW_ERR_PARSE naming
 * "file:line: [section] key: ..."; an unknown time zone likewise (with
 * PW_ERR_NOTFOUND's text); an unreadable file PW_ERR_NOTFOUND or PW_ERR_IO.
 * The caller frees *out with pw_deploy_policy_free. */
pw_err pw_deploy_policy_load(const char *path, struct pw_deploy_policy **out,
			     struct pw_error *e);

/* The same from a NUL-terminated text; `name` stands for the file name in
 * messages (the fuzz target and tests use it). */
pw_err pw_deploy_policy_parse(const char *text, const char *name, struct pw_deploy_policy **out,
			      struct pw_error *e);

void pw_deploy_policy_free(struct pw_deploy_policy *p);

/* The effective policy of `group`: its own section, or [default] when the
 * file has none (or group is NULL). Never NULL. Owned by p. */
const struct pw_group_policy *pw_deploy_policy_for(const struct pw_deploy_policy *p,
						   const char *group);

/* ---- windows ---- */

/* Whether a deployment to `group` may run at Unix time `now`. */
bool pw_window_open(const struct pw_deploy_policy *p, const char *group, int64_t now);

/* The first instant >= now at which the window is open (now itself when
 * open), or -1 when none opens within PW_WINDOW_HORIZON_DAYS. */
int64_t pw_window_next_open(const struct pw_deploy_policy *p, const char *group, int64_t now);

/* When the open period containing `now` ends (the first instant > now at
 * which it is closed); now itself when closed; INT64_MAX when it never
 * closes (no windows, no blackout ahead). */
int64_t pw_window_close_at(const struct pw_deploy_policy *p, const char *group, int64_t now);

/* The instant at which `host` should reboot within the open period that
 * contains (or next follows) `now`: hosts are spread evenly over the first
 * half of the period by a hash of their name, so a fleet does not restart
 * at once and late ones still have time to come back. -1 when no window
 * opens within the horizon. */
int64_t pw_reboot_at(const struct pw_deploy_policy *p, const char *group, const char *host,
		     int64_t now);

/* ---- SLA, approval, holds ---- */

/* Due date of a finding of `priority` (1..4; others count as 4) first seen
 * at `first_seen`: first_seen + sla_days, or kev_due when that is earlier
 * (kev_due 0: none). */
int64_t pw_sla_due(const struct pw_deploy_policy *p, const char *group, int priority,
		   int64_t first_seen, int64_t kev_due);

/* Whether a change for hosts of `group` in `environment` (NULL: unknown)
 * made only of security updates (`security_only`) is approved without
 * change-managers. */
bool pw_policy_auto_approved(const struct pw_deploy_policy *p, const char *group,
			     const char *environment, bool security_only);

/* Whether package `pkg` is held (never deployed) for `group`. */
bool pw_policy_held(const struct pw_deploy_policy *p, const char *group, const char *pkg);

/* Whether host `host` (its name) is excluded from deployments of `group`. */
bool pw_policy_host_excluded(const struct pw_deploy_policy *p, const char *group,
			     const char *host);

/* Whether a package version published at `published` (0: unknown, never
 * held back) is old enough at `now` for the group's cool-down. */
bool pw_policy_old_enough(const struct pw_deploy_policy *p, const char *group,
			  int64_t published, int64_t now);

/* Text of the enums, as written in the file ("if_required", "enforce"). */
const char *pw_reboot_name(enum pw_reboot r);
const char *pw_quarantine_mode_name(enum pw_quarantine_mode m);
const char *pw_auto_approve_name(enum pw_auto_approve a);

#endif
