/* policy.c - the deployment policy file and its queries (windows, SLA,
 * holds). The file is parsed into per-section values with a bit per key
 * set; each group is then resolved against [default] once, at load, so a
 * query reads one struct and never merges. */
#include "pw_deploy_policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_file.h"
#include "pw_tz.h"

#define MAX_GROUPS 10000
#define MAX_LIST 1000 /* entries per list key in one section */

enum key {
	K_SLA_P1, K_SLA_P2, K_SLA_P3, K_SLA_P4,
	K_AUTO_APPROVE, K_AUTO_APPROVE_ENV,
	K_WINDOW, K_TIMEZONE, K_BLACKOUT,
	K_REBOOT, K_MIN_AGE, K_HOLD, K_EXCLUDE_HOST,
	K_SILENT_DAYS, K_QUARANTINE, K_QUARANTINE_AFTER,
	NKEYS
};

static const struct {
	const char *name;
	bool list; /* may be repeated; the lines add up */
} keys[NKEYS] = {
	[K_SLA_P1] = { "sla_p1", false },
	[K_SLA_P2] = { "sla_p2", false },
	[K_SLA_P3] = { "sla_p3", false },
	[K_SLA_P4] = { "sla_p4", false },
	[K_AUTO_APPROVE] = { "auto_approve", false },
	[K_AUTO_APPROVE_ENV] = { "auto_approve_environment", true },
	[K_WINDOW] = { "window", true },
	[K_TIMEZONE] = { "timezone", false },
	[K_BLACKOUT] = { "blackout", true },
	[K_REBOOT] = { "reboot", false },
	[K_MIN_AGE] = { "min_package_age", false },
	[K_HOLD] = { "hold", true },
	[K_EXCLUDE_HOST] = { "exclude_host", true },
	[K_SILENT_DAYS] = { "silent_days", false },
	[K_QUARANTINE] = { "quarantine", false },
	[K_QUARANTINE_AFTER] = { "quarantine_after_days", false },
};

/* Mutable twin of pw_group_policy while parsing. */
struct section {
	uint32_t set; /* bit per enum key */
	struct pw_group_policy g;
	struct pw_tz *tz_owned;
	bool win_always; /* window = always */
	size_t cap_env, cap_win, cap_black, cap_hold, cap_excl;
};

struct parse {
	struct pw_deploy_policy *p;
	struct section **secs; /* [0] is [default] */
	size_t n, cap;
	char bad[400];
};

static const char *const day_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

const char *pw_reboot_name(enum pw_reboot r)
{
	return r == PW_REBOOT_NEVER ? "never" : r == PW_REBOOT_ALWAYS ? "always" : "if_required";
}

const char *pw_quarantine_mode_name(enum pw_quarantine_mode m)
{
	return m == PW_QUARANTINE_REPORT ? "report" : m == PW_QUARANTINE_ENFORCE ? "enforce" : "off";
}

const char *pw_auto_approve_name(enum pw_auto_approve a)
{
	return a == PW_AUTO_APPROVE_SECURITY ? "security" : a == PW_AUTO_APPROVE_ALL ? "all" : "none";
}

static void group_defaults(struct pw_group_policy *g)
{
	static const int sla[4] = { 7, 30, 90, 180 };
	memcpy(g->sla_days, sla, sizeof(sla));
	g->auto_approve = PW_AUTO_APPROVE_NONE;
	g->timezone = "UTC";
	g->tz = pw_tz_utc();
	g->reboot = PW_REBOOT_IF_REQUIRED;
	g->min_package_age_days = 0;
	g->silent_days = 7;
	g->quarantine = PW_QUARANTINE_OFF;
	g->quarantine_after_days = 0;
}

/* ---- value scanners ---- */

static bool parse_int(const char *v, int min, int max, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < min || n > max)
		return false;
	*out = (int)n;
	return true;
}

static int day_index(const char *s, size_t n)
{
	if (n != 3)
		return -1;
	for (int i = 0; i < 7; i++)
		if (strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* HH:MM with 00:00..23:59, or 24:00 when allow_24. */
static bool parse_hhmm(const char *s, size_t n, bool allow_24, int *min)
{
	if (n != 5 || s[2] != ':')
		return false;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (!allow_24 || m != 0)))
		return false;
	*min = h * 60 + m;
	return true;
}

/* "Sat 22:00-04:00", "Mon-Fri 01:00-03:00", "Tue,Thu 12:00-13:00",
 * "daily 02:00-03:00". */
static bool parse_window(const char *v, struct pw_window *w)
{
	const char *sp = strchr(v, ' ');
	if (!sp)
		return false;
	size_t dn = (size_t)(sp - v);
	uint8_t days = 0;
	if ((dn == 5 && strncasecmp(v, "daily", 5) == 0) || (dn == 1 && v[0] == '*')) {
		days = 0x7f;
	} else {
		const char *p = v;
		while (p < sp) {
			const char *comma = memchr(p, ',', (size_t)(sp - p));
			const char *item_end = comma ? comma : sp;
			const char *dash = memchr(p, '-', (size_t)(item_end - p));
			int a = day_index(p, (size_t)((dash ? dash : item_end) - p));
			int b = dash ? day_index(dash + 1, (size_t)(item_end - dash - 1)) : a;
			if (a < 0 || b < 0)
				return false;
			for (int d = a;; d = (d + 1) % 7) { /* Fri-Mon wraps over the weekend */
				days |= (uint8_t)(1u << d);
				if (d == b)
					break;
			}
			p = comma ? comma + 1 : sp;
		}
	}
	while (*sp == ' ')
		sp++;
	const char *dash = strchr(sp, '-');
	int start, end;
	if (!dash || !parse_hhmm(sp, (size_t)(dash - sp), false, &start) ||
	    !parse_hhmm(dash + 1, strlen(dash + 1), true, &end) || start == end)
		return false;
	w->days = days;
	w->start = (uint16_t)start;
	w->len = (uint16_t)(end > start ? end - start : end + 1440 - start);
	return true;
}

static bool parse_date(const char *s, size_t n, int64_t *day)
{
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	int v[3] = { 0, 0, 0 }, pos[3][2] = { { 0, 4 }, { 5, 2 }, { 8, 2 } };
	for (int f = 0; f < 3; f++)
		for (int i = 0; i < pos[f][1]; i++) {
			char c = s[pos[f][0] + i];
			if (c < '0' || c > '9')
				return false;
			v[f] = v[f] * 10 + (c - '0');
		}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1)
		return false;
	int64_t first = pw_days_from_civil(v[0], (unsigned)v[1], 1);
	int64_t next = v[1] == 12 ? pw_days_from_civil(v[0] + 1, 1, 1)
				  : pw_days_from_civil(v[0], (unsigned)v[1] + 1, 1);
	if (first + v[2] - 1 >= next)
		return false; /* 2026-02-30 */
	*day = first + v[2] - 1;
	return true;
}

/* "2026-12-24..2026-12-26" or one day "2026-12-31". */
static bool parse_blackout(const char *v, struct pw_blackout *b)
{
	const char *dots = strstr(v, "..");
	if (!dots)
		return parse_date(v, strlen(v), &b->first) && (b->last = b->first, true);
	return parse_date(v, (size_t)(dots - v), &b->first) &&
	       parse_date(dots + 2, strlen(dots + 2), &b->last) && b->first <= b->last;
}

/* Append one element to an arena-backed array, doubling by copy (lists are
 * short; the arena frees the old copies with the rest). */
static bool push(struct pw_arena *a, void *arrp, size_t *n, size_t *cap, size_t size,
		 const void *elem)
{
	char **arr = arrp;
	if (*n >= MAX_LIST)
		return false;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		char *na = pw_arena_alloc(a, nc * size);
		if (!na)
			return false;
		if (*n)
			memcpy(na, *arr, *n * size);
		*arr = na;
		*cap = nc;
	}
	memcpy(*arr + *n * size, elem, size);
	(*n)++;
	return true;
}

/* A comma-separated list of names or globs, blanks around items dropped. */
static bool push_names(struct parse *pp, const char *v, const char *const **arr, size_t *n,
		       size_t *cap)
{
	struct pw_arena *a = &pp->p->arena;
	const char *p = v;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len || len > 255)
			return false;
		char *s = pw_arena_blobdup(a, (struct pw_blob){ p, len });
		if (!s || !push(a, arr, n, cap, sizeof(char *), &s))
			return false;
		if (!end)
			return true;
		p = end + 1;
	}
}

/* ---- the inih callback ---- */

static int fail(struct parse *pp, const char *section, const char *name, const char *fmt,
		const char *value)
{
	if (!pp->bad[0]) { /* inih returns the first bad line: keep its message */
		char what[300];
		snprintf(what, sizeof(what), fmt, value);
		snprintf(pp->bad, sizeof(pp->bad), "[%s] %s: %s", section, name, what);
	}
	return 0;
}

static struct section *section_for(struct parse *pp, const char *section)
{
	const char *name;
	if (strcmp(section, "default") == 0)
		return pp->secs[0];
	if (strncmp(section, "group ", 6) != 0)
		return NULL;
	name = section + 6;
	while (*name == ' ')
		name++;
	if (!*name || strlen(name) > 255)
		return NULL;
	for (size_t i = 1; i < pp->n; i++)
		if (strcmp(pp->secs[i]->g.name, name) == 0)
			return pp->secs[i];
	if (pp->n >= MAX_GROUPS)
		return NULL;
	if (pp->n == pp->cap) {
		size_t nc = pp->cap * 2;
		struct section **ns = realloc(pp->secs, nc * sizeof(*ns));
		if (!ns)
			return NULL;
		pp->secs = ns;
		pp->cap = nc;
	}
	struct section *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->g.name = pw_arena_strdup(&pp->p->arena, name);
	if (!s->g.name) {
		free(s);
		return NULL;
	}
	pp->secs[pp->n++] = s;
	return s;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct parse *pp = user;
	struct section *s = section_for(pp, section);
	if (!s)
		return fail(pp, section, name, "%sa section is [default] or [group NAME]", "");
	int k = -1;
	for (int i = 0; i < NKEYS; i++)
		if (strcmp(name, keys[i].name) == 0)
			k = i;
	if (k < 0)
		return fail(pp, section, name, "%sunknown key", "");
	if (!keys[k].list && (s->set & (1u << k)))
		return fail(pp, section, name, "%sset twice", "");
	s->set |= 1u << k;
	struct pw_group_policy *g = &s->g;
	struct pw_arena *a = &pp->p->arena;
	switch ((enum key)k) {
	case K_SLA_P1: case K_SLA_P2: case K_SLA_P3: case K_SLA_P4:
		if (!parse_int(value, 0, 3650, &g->sla_days[k - K_SLA_P1]))
			return fail(pp, section, name, "'%s' is not a number of days (0 to 3650)",
				    value);
		break;
	case K_AUTO_APPROVE:
		if (strcmp(value, "none") == 0)
			g->auto_approve = PW_AUTO_APPROVE_NONE;
		else if (strcmp(value, "security") == 0)
			g->auto_approve = PW_AUTO_APPROVE_SECURITY;
		else if (strcmp(value, "all") == 0)
			g->auto_approve = PW_AUTO_APPROVE_ALL;
		else
			return fail(pp, section, name, "'%s' is not none, security or all", value);
		break;
	case K_AUTO_APPROVE_ENV:
		if (!push_names(pp, value, (const char *const **)&g->auto_approve_env,
				&g->n_auto_approve_env, &s->cap_env))
			return fail(pp, section, name, "'%s' is not a list of environments", value);
		break;
	case K_WINDOW: {
		struct pw_window w;
		/* "always" lets a group drop the windows it would inherit */
		if (strcmp(value, "always") == 0 || s->win_always) {
			if (strcmp(value, "always") != 0 || g->n_windows)
				return fail(pp, section, name, "%s'always' cannot be combined with "
					    "other windows", "");
			s->win_always = true;
			break;
		}
		if (!parse_window(value, &w))
			return fail(pp, section, name, "'%s' is not DAYS HH:MM-HH:MM (e.g. "
				    "Sat 22:00-04:00, Mon-Fri 01:00-03:00, daily 02:00-03:00)", value);
		if (!push(a, &g->windows, &g->n_windows, &s->cap_win, sizeof(w), &w))
			return fail(pp, section, name, "%stoo many windows", "");
		break;
	}
	case K_TIMEZONE: {
		struct pw_error te;
		if (strcmp(value, "UTC") == 0) {
			g->tz = pw_tz_utc();
		} else if (pw_tz_load(value, &s->tz_owned, &te) != PW_OK) {
			return fail(pp, section, name, "%.200s", te.msg);
		} else {
			g->tz = s->tz_owned;
		}
		g->timezone = pw_arena_strdup(a, value);
		if (!g->timezone)
			return fail(pp, section, name, "%sout of memory", "");
		break;
	}
	case K_BLACKOUT: {
		struct pw_blackout b;
		if (!parse_blackout(value, &b))
			return fail(pp, section, name, "'%s' is not YYYY-MM-DD or "
				    "YYYY-MM-DD..YYYY-MM-DD (first <= last)", value);
		if (!push(a, &g->blackouts, &g->n_blackouts, &s->cap_black, sizeof(b), &b))
			return fail(pp, section, name, "%stoo many blackouts", "");
		break;
	}
	case K_REBOOT:
		if (strcmp(value, "never") == 0)
			g->reboot = PW_REBOOT_NEVER;
		else if (strcmp(value, "if_required") == 0)
			g->reboot = PW_REBOOT_IF_REQUIRED;
		else if (strcmp(value, "always") == 0)
			g->reboot = PW_REBOOT_ALWAYS;
		else
			return fail(pp, section, name, "'%s' is not never, if_required or always",
				    value);
		break;
	case K_MIN_AGE:
		if (!parse_int(value, 0, 365, &g->min_package_age_days))
			return fail(pp, section, name, "'%s' is not a number of days (0 to 365)",
				    value);
		break;
	case K_HOLD:
		if (!push_names(pp, value, (const char *const **)&g->holds, &g->n_holds,
				&s->cap_hold))
			return fail(pp, section, name, "'%s' is not a list of package globs", value);
		break;
	case K_EXCLUDE_HOST:
		if (!push_names(pp, value, (const char *const **)&g->exclude_hosts,
				&g->n_exclude_hosts, &s->cap_excl))
			return fail(pp, section, name, "'%s' is not a list of host globs", value);
		break;
	case K_SILENT_DAYS:
		if (!parse_int(value, 1, 3650, &g->silent_days))
			return fail(pp, section, name, "'%s' is not a number of days (1 to 3650)",
				    value);
		break;
	case K_QUARANTINE:
		if (strcmp(value, "off") == 0)
			g->quarantine = PW_QUARANTINE_OFF;
		else if (strcmp(value, "report") == 0)
			g->quarantine = PW_QUARANTINE_REPORT;
		else if (strcmp(value, "enforce") == 0)
			g->quarantine = PW_QUARANTINE_ENFORCE;
		else
			return fail(pp, section, name, "'%s' is not off, report or enforce", value);
		break;
	case K_QUARANTINE_AFTER:
		if (!parse_int(value, 0, 3650, &g->quarantine_after_days))
			return fail(pp, section, name, "'%s' is not a number of days (0 to 3650)",
				    value);
		break;
	case NKEYS:
		break;
	}
	return 1;
}

/* A group takes each key it did not set from [default]. */
static void resolve(struct pw_group_policy *g, uint32_t set, const struct pw_group_policy *d)
{
#define TAKE(k, stmt) do { if (!(set & (1u << (k)))) { stmt; } } while (0)
	for (int i = 0; i < 4; i++)
		TAKE(K_SLA_P1 + i, g->sla_days[i] = d->sla_days[i]);
	TAKE(K_AUTO_APPROVE, g->auto_approve = d->auto_approve);
	TAKE(K_AUTO_APPROVE_ENV, (g->auto_approve_env = d->auto_approve_env,
				  g->n_auto_approve_env = d->n_auto_approve_env));
	TAKE(K_WINDOW, (g->windows = d->windows, g->n_windows = d->n_windows));
	TAKE(K_TIMEZONE, (g->timezone = d->timezone, g->tz = d->tz));
	TAKE(K_BLACKOUT, (g->blackouts = d->blackouts, g->n_blackouts = d->n_blackouts));
	TAKE(K_REBOOT, g->reboot = d->reboot);
	TAKE(K_MIN_AGE, g->min_package_age_days = d->min_package_age_days);
	TAKE(K_HOLD, (g->holds = d->holds, g->n_holds = d->n_holds));
	TAKE(K_EXCLUDE_HOST, (g->exclude_hosts = d->exclude_hosts,
			      g->n_exclude_hosts = d->n_exclude_hosts));
	TAKE(K_SILENT_DAYS, g->silent_days = d->silent_days);
	TAKE(K_QUARANTINE, g->quarantine = d->quarantine);
	TAKE(K_QUARANTINE_AFTER, g->quarantine_after_days = d->quarantine_after_days);
#undef TAKE
}

/* The zones a policy loaded, freed with it (the arena holds pointers). */
struct zones {
	size_t n;
	struct pw_tz *tz[];
};

static struct zones *policy_zones(struct pw_deploy_policy *p)
{
	/* stored right after the group array: see finish() */
	return (struct zones *)(void *)(p->groups + p->n_groups);
}

static pw_err new_policy(struct pw_deploy_policy **out, const char *path, struct pw_error *e)
{
	struct pw_deploy_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return pw_error_set(e, PW_ERR_NOMEM, "%s: out of memory", path);
	pw_arena_init(&p->arena);
	p->path = pw_arena_strdup(&p->arena, path);
	if (!p->path) {
		pw_arena_free(&p->arena);
		free(p);
		return pw_error_set(e, PW_ERR_NOMEM, "%s: out of memory", path);
	}
	*out = p;
	return PW_OK;
}

static pw_err finish(struct parse *pp, struct pw_error *e)
{
	struct pw_deploy_policy *p = pp->p;
	size_t nz = 0;
	for (size_t i = 0; i < pp->n; i++)
		nz += pp->secs[i]->tz_owned != NULL;
	/* groups and the zone list in one block (heap, so free order is simple) */
	size_t size = pp->n * sizeof(struct pw_group_policy) + sizeof(struct zones) +
		      nz * sizeof(struct pw_tz *);
	p->groups = calloc(1, size);
	if (!p->groups)
		return pw_error_set(e, PW_ERR_NOMEM, "%s: out of memory", p->path);
	p->n_groups = pp->n;
	struct zones *z = policy_zones(p);
	for (size_t i = 0; i < pp->n; i++) {
		struct section *s = pp->secs[i];
		p->groups[i] = s->g;
		if (i > 0)
			resolve(&p->groups[i], s->set, &p->groups[0]);
		if (s->tz_owned)
			z->tz[z->n++] = s->tz_owned;
		s->tz_owned = NULL;
	}
	return PW_OK;
}

static void parse_free(struct parse *pp)
{
	for (size_t i = 0; i < pp->n; i++) {
		pw_tz_free(pp->secs[i]->tz_owned);
		free(pp->secs[i]);
	}
	free(pp->secs);
}

typedef int (*ini_runner)(const void *src, ini_handler h, void *user);

static int run_string(const void *src, ini_handler h, void *user)
{
	return ini_parse_string(src, h, user);
}

static int run_file(const void *src, ini_handler h, void *user)
{
	return ini_parse_file((FILE *)(uintptr_t)src, h, user);
}

static pw_err parse_with(ini_runner run, const void *src, const char *name,
			 struct pw_deploy_policy **out, struct pw_error *e)
{
	struct parse pp = { 0 };
	pw_err rc = new_policy(&pp.p, name, e);
	if (rc != PW_OK)
		return rc;
	pp.cap = 8;
	pp.secs = calloc(pp.cap, sizeof(*pp.secs));
	struct section *d = calloc(1, sizeof(*d));
	if (!pp.secs || !d) {
		free(d);
		rc = pw_error_set(e, PW_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	d->g.name = "default";
	group_defaults(&d->g);
	pp.secs[pp.n++] = d;
	int r = run(src, on_setting, &pp);
	if (r < 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: cannot read the deployment policy", name);
		goto out;
	}
	if (r > 0) {
		rc = pw_error_set(e, PW_ERR_PARSE, "%s:%d: %s", name, r,
				  pp.bad[0] ? pp.bad : "not a [section] or key = value line");
		goto out;
	}
	rc = finish(&pp, e);
out:
	parse_free(&pp);
	if (rc != PW_OK) {
		pw_deploy_policy_free(pp.p);
		return rc;
	}
	*out = pp.p;
	return PW_OK;
}

pw_err pw_deploy_policy_parse(const char *text, const char *name, struct pw_deploy_policy **out,
			      struct pw_error *e)
{
	return parse_with(run_string, text, name, out, e);
}

pw_err pw_deploy_policy_load(const char *path, struct pw_deploy_policy **out,
			     struct pw_error *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return pw_error_set(e, errno == ENOENT ? PW_ERR_NOTFOUND : PW_ERR_IO,
				    "%s: cannot read the deployment policy: %s", path,
				    strerror(errno));
	pw_err rc = parse_with(run_file, f, path, out, e);
	fclose(f);
	return rc;
}

pw_err pw_deploy_policy_defaults(struct pw_deploy_policy **out, struct pw_error *e)
{
	return pw_deploy_policy_parse("", "(defaults)", out, e);
}

void pw_deploy_policy_free(struct pw_deploy_policy *p)
{
	if (!p)
		return;
	if (p->groups) {
		struct zones *z = policy_zones(p);
		for (size_t i = 0; i < z->n; i++)
			pw_tz_free(z->tz[i]);
		free(p->groups);
	}
	pw_arena_free(&p->arena);
	free(p);
}

const struct pw_group_policy *pw_deploy_policy_for(const struct pw_deploy_policy *p,
						   const char *group)
{
	if (group)
		for (size_t i = 1; i < p->n_groups; i++)
			if (strcmp(p->groups[i].name, group) == 0)
				return &p->groups[i];
	return &p->groups[0];
}

/* ---- windows ---- */

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int weekday(int64_t day)
{
	return (int)(((day + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

/* The instant the local clock first reaches wall time `local`: the first of
 * two when the clock falls back over it, the transition itself when the
 * clock skips it. Assumes offset changes are more than a day apart. */
static int64_t local_to_utc(const struct pw_tz *tz, int64_t local)
{
	int64_t best = INT64_MAX;
	int32_t offs[2] = { pw_tz_offset(tz, local - 86400), pw_tz_offset(tz, local + 86400) };
	for (int i = 0; i < 2; i++) {
		int64_t u = local - offs[i];
		if (pw_tz_offset(tz, u) == offs[i] && u < best)
			best = u;
	}
	if (best == INT64_MAX) /* skipped: the clock jumps past it at the change */
		best = pw_tz_next_change(tz, local - (offs[0] > offs[1] ? offs[0] : offs[1]));
	return best;
}

static bool blacked_out(const struct pw_group_policy *g, int64_t t)
{
	int64_t day = floordiv(t + pw_tz_offset(g->tz, t), 86400);
	for (size_t i = 0; i < g->n_blackouts; i++)
		if (day >= g->blackouts[i].first && day <= g->blackouts[i].last)
			return true;
	return false;
}

/* A window of local day `day` runs from the instant the clock first shows
 * its start to the instant it first shows its end. */
static bool in_window(const struct pw_group_policy *g, int64_t t)
{
	int64_t day = floordiv(t + pw_tz_offset(g->tz, t), 86400);
	for (int64_t d = day - 1; d <= day; d++) {
		int wd = weekday(d);
		for (size_t i = 0; i < g->n_windows; i++) {
			const struct pw_window *w = &g->windows[i];
			if (!(w->days & (1u << wd)))
				continue;
			int64_t s = d * 86400 + (int64_t)w->start * 60;
			if (t >= local_to_utc(g->tz, s) &&
			    t < local_to_utc(g->tz, s + (int64_t)w->len * 60))
				return true;
		}
	}
	return false;
}

static bool group_open(const struct pw_group_policy *g, int64_t t)
{
	return !blacked_out(g, t) && (g->n_windows == 0 || in_window(g, t));
}

bool pw_window_open(const struct pw_deploy_policy *p, const char *group, int64_t now)
{
	return group_open(pw_deploy_policy_for(p, group), now);
}

static void consider(const struct pw_group_policy *g, int64_t c, int64_t after, bool want,
		     int64_t *best)
{
	if (c > after && c < *best && group_open(g, c) == want)
		*best = c;
}

/* The first instant > after at which the group's open state equals want,
 * or INT64_MAX within the horizon. The state changes only at a window's
 * start or end, a local midnight (blackouts) or an offset change, so those
 * instants are the only candidates, and group_open stays the one
 * definition of "open". */
static int64_t first_state(const struct pw_group_policy *g, int64_t after, bool want)
{
	int64_t best = INT64_MAX;
	int64_t limit = after + (int64_t)PW_WINDOW_HORIZON_DAYS * 86400;
	int64_t day0 = floordiv(after + pw_tz_offset(g->tz, after), 86400) - 1;
	for (int64_t day = day0; day <= day0 + PW_WINDOW_HORIZON_DAYS + 1; day++) {
		/* a candidate found is final once the days scanned are past it */
		if (best != INT64_MAX && day * 86400 - 2 * 86400 > best)
			break;
		consider(g, local_to_utc(g->tz, day * 86400), after, want, &best);
		int wd = weekday(day);
		for (size_t i = 0; i < g->n_windows; i++) {
			const struct pw_window *w = &g->windows[i];
			if (!(w->days & (1u << wd)))
				continue;
			int64_t s = day * 86400 + (int64_t)w->start * 60;
			consider(g, local_to_utc(g->tz, s), after, want, &best);
			consider(g, local_to_utc(g->tz, s + (int64_t)w->len * 60), after, want, &best);
		}
	}
	for (int64_t c = pw_tz_next_change(g->tz, after); c < best && c < limit;
	     c = pw_tz_next_change(g->tz, c))
		consider(g, c, after, want, &best);
	return best <= limit ? best : INT64_MAX;
}

int64_t pw_window_next_open(const struct pw_deploy_policy *p, const char *group, int64_t now)
{
	const struct pw_group_policy *g = pw_deploy_policy_for(p, group);
	if (group_open(g, now))
		return now;
	int64_t t = first_state(g, now, true);
	return t == INT64_MAX ? -1 : t;
}

int64_t pw_window_close_at(const struct pw_deploy_policy *p, const char *group, int64_t now)
{
	const struct pw_group_policy *g = pw_deploy_policy_for(p, group);
	if (!group_open(g, now))
		return now;
	if (g->n_windows == 0 && g->n_blackouts == 0)
		return INT64_MAX;
	return first_state(g, now, false);
}

int64_t pw_reboot_at(const struct pw_deploy_policy *p, const char *group, const char *host,
		     int64_t now)
{
	int64_t open = pw_window_next_open(p, group, now);
	if (open < 0)
		return -1;
	int64_t close = pw_window_close_at(p, group, open);
	int64_t span = close == INT64_MAX ? 4 * 3600 : (close - open) / 2;
	if (span <= 0)
		return open;
	uint64_t h = 1469598103934665603ull; /* FNV-1a of the host name */
	for (const char *c = host ? host : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	return open + (int64_t)(h % (uint64_t)span);
}

/* ---- SLA, approval, holds ---- */

int64_t pw_sla_due(const struct pw_deploy_policy *p, const char *group, int priority,
		   int64_t first_seen, int64_t kev_due)
{
	const struct pw_group_policy *g = pw_deploy_policy_for(p, group);
	if (priority < 1 || priority > 4)
		priority = 4;
	int64_t due = first_seen + (int64_t)g->sla_days[priority - 1] * 86400;
	return kev_due > 0 && kev_due < due ? kev_due : due;
}

bool pw_policy_auto_approved(const struct pw_deploy_policy *p, const char *group,
			     const char *environment, bool security_only)
{
	const struct pw_group_policy *g = pw_deploy_policy_for(p, group);
	if (g->auto_approve == PW_AUTO_APPROVE_NONE ||
	    (g->auto_approve == PW_AUTO_APPROVE_SECURITY && !security_only))
		return false;
	if (g->n_auto_approve_env == 0)
		return true;
	for (size_t i = 0; environment && i < g->n_auto_approve_env; i++)
		if (strcmp(g->auto_approve_env[i], environment) == 0)
			return true;
	return false;
}

static bool any_glob(const char *const *globs, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (fnmatch(globs[i], s, 0) == 0)
			return true;
	return false;
}

bool pw_policy_held(const struct pw_deploy_policy *p, const char *group, const char *pkg)
{
	const struct pw_group_policy *g = pw_deploy_policy_for(p, group);
	return any_glob(g->holds, g->n_holds, pkg);
}

bool pw_policy_host_excluded(const struct pw_deploy_policy *p, const char *group,
			     const char *host)
{
	const struct pw_group_policy *g = pw_deploy_policy_for(p, group);
	return any_glob(g->exclude_hosts, g->n_exclude_hosts, host);
}

bool pw_policy_old_enough(const struct pw_deploy_policy *p, const char *group,
			  int64_t published, int64_t now)
{
	const struct pw_group_policy *g = pw_deploy_policy_for(p, group);
	return published <= 0 || now - published >= (int64_t)g->min_package_age_days * 86400;
}
