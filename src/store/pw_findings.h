/* pw_findings.h - the server's findings and their life.
 *
 * A finding is one vulnerability (or available update: its kind) of one
 * package of one host, identified by (host, vulnerability, package as
 * matched: the deb/apk source name, the rpm binary name, or a device's
 * "vendor:product"). The assessor hands over a
 * host's complete current findings (pw_findings_put_host) and the store
 * works out the life of each:
 *
 *  - new ones are inserted, open, first_seen = now;
 *  - ones still present are updated (versions, risk: EPSS and KEV move),
 *    last_seen = now;
 *  - open ones no longer present become fixed, fixed_at = now: the
 *    inventory shows a fixed version (or the package is gone);
 *  - a fixed one present again is reopened: open, reopened_count + 1,
 *    fixed_at cleared.
 *
 * Findings are never deleted: a fixed finding is the evidence that it was
 * there and when it went away.
 *
 * The assessor also keeps a few numbers of its own here (the feed
 * generation it last caught up with): pw_findings_state_get/put.
 */
#ifndef PW_FINDINGS_H
#define PW_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

/* The "findings" component's tables (pw_sql_migrate). */
pw_err pw_findings_migrate(struct pw_store *s, struct pw_error *e);

/* One finding. The assessor fills the first part; the life is the store's
 * (read by pw_findings_list). Strings are borrowed. */
struct pw_finding_row {
	const char *vuln_id;
	const char *package;       /* as matched (see above) */
	const char *binaries;      /* installed packages it covers ("libssl3,openssl"); NULL */
	const char *installed;     /* the version matched */
	const char *fixed;         /* the fixing version; NULL: no fix */
	bool fixable;              /* a fixed version exists */
	const char *affect_status; /* "fixed" (fixable), "vulnerable", "wont-fix", "end-of-life" */
	const char *advisories;    /* "DSA-5000-1,DLA-300-1"; NULL */
	const char *patch;         /* patch available: "yes", "no", "unknown" */
	int score;                 /* 0-100 */
	int priority;              /* 1-4 */
	double cvss, epss;         /* < 0 unknown */
	bool kev;
	const char *reasons;
	/* "vulnerability" (NULL reads so) or "update": a pending security
	 * update no advisory covers (vuln_id "security-update") or a bug-fix
	 * or enhancement erratum (pw_match.h) */
	const char *kind;
	const char *update_class;  /* "security" (NULL reads so), "bugfix", "enhancement" */
	const char *repository;    /* kind update: the repositories offering it; NULL */
	/* read back only */
	int64_t id;
	int64_t host_id;
	const char *hostname;
	const char *state;         /* "open" or "fixed" */
	int64_t first_seen, last_seen;
	int64_t fixed_at;          /* 0 while open */
	int64_t reopened_count;
	/* the exception accepting the risk (pw_exception_match.h), set by the
	 * reader, not the store; 0: none */
	int64_t exception_id;
};

/* What one pw_findings_put_host did. */
struct pw_findings_delta {
	uint64_t opened;   /* new */
	uint64_t updated;  /* still open */
	uint64_t fixed;    /* open before, gone now */
	uint64_t reopened; /* fixed before, back now */
};

/* Make rows the host's current findings (see above). rows is sorted in
 * place; two rows with the same (vuln_id, package) are one finding (the
 * first is kept). Runs in the caller's transaction when one is open (the
 * assessor's, beside pw_registry_mark_assessed), else in its own. *delta
 * (may be NULL) is filled. */
pw_err pw_findings_put_host(struct pw_store *s, int64_t host_id, const char *hostname,
			    struct pw_finding_row *rows, size_t n, int64_t now,
			    struct pw_findings_delta *delta, struct pw_error *e);

/* What to list. Zero / NULL fields do not filter. */
struct pw_findings_filter {
	int priority;          /* 1-4: at this priority or more urgent */
	bool kev;              /* only known exploited */
	bool fixable;          /* only with a fix */
	const char *vuln_id;
	const char *package;   /* as matched, or one of the installed binaries */
	const char *state;     /* "open" or "fixed" */
	const char *kind;      /* "vulnerability" or "update" */
	int64_t host_id;
	/* a set of hosts (a group's members), sorted ascending; used when
	 * use_hosts, even when empty */
	const int64_t *hosts;
	size_t nhosts;
	bool use_hosts;
	/* first seen in [since, until) (0: no bound) */
	int64_t since, until;
	const char *cursor;    /* after this one (a next_cursor given before); NULL: first */
	int64_t limit;         /* at most this many; 0: all */
};

/* The findings passing f, most urgent first (priority, then score
 * descending, then id). When the limit was reached, next_cursor gets the
 * position to continue from, else "". A malformed cursor is
 * PW_ERR_INVALID. Row strings are valid during the callback. */
#define PW_FINDINGS_CURSOR_MAX 64
pw_err pw_findings_list(struct pw_store *s, const struct pw_findings_filter *f,
			pw_err (*cb)(void *ctx, const struct pw_finding_row *row), void *ctx,
			char next_cursor[PW_FINDINGS_CURSOR_MAX], struct pw_error *e);

/* Hosts with an open finding of vuln_id or of also_id (the CVE it is known
 * by; NULL: none): the count the vulnerability view shows. */
pw_err pw_findings_vuln_hosts(struct pw_store *s, const char *vuln_id, const char *also_id,
			      int64_t *hosts, struct pw_error *e);

/* Open findings by priority (index 1-4) and how many are open and fixed in
 * all: for summaries and tests. host_id 0: every host. */
struct pw_findings_counts {
	int64_t open, fixed, by_priority[5];
};
pw_err pw_findings_count(struct pw_store *s, int64_t host_id, struct pw_findings_counts *out,
			 struct pw_error *e);

/* A finding's risk scored again (the host's exposure, criticality or
 * environment changed): score, priority, inputs and reasons, nothing of
 * its life. Runs in the caller's transaction when one is open. */
pw_err pw_findings_set_risk(struct pw_store *s, int64_t id, int score, int priority, double cvss,
			    double epss, bool kev, const char *reasons, struct pw_error *e);

/* The assessor's own numbers, by name; *found false (and *value 0) when
 * never put. put runs in the caller's transaction when one is open. */
pw_err pw_findings_state_get(struct pw_store *s, const char *name, int64_t *value, bool *found,
			     struct pw_error *e);
pw_err pw_findings_state_put(struct pw_store *s, const char *name, int64_t value,
			     struct pw_error *e);

#endif
