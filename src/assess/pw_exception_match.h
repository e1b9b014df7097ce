/* pw_exception_match.h - which findings an exception covers: the
 * exceptions in force at one time, loaded once (a group's members
 * resolved then), and matched against finding after finding.
 *
 * An exception covers a finding when the vulnerability is the same (the
 * id as the finding names it), the host is the exception's host or one of
 * its group's hosts, and the exception names no package or the finding's
 * package (as matched, or one of its installed binaries). Several cover
 * one finding: the lowest id is given.
 */
#ifndef PW_EXCEPTION_MATCH_H
#define PW_EXCEPTION_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_arena.h"
#include "pw_err.h"

struct pw_store;

struct pw_exception_rule {
	int64_t id;
	const char *vuln_id;
	const char *package;  /* NULL: every package */
	const int64_t *hosts; /* sorted ascending */
	size_t nhosts;
};

struct pw_exception_set {
	struct pw_arena arena; /* everything below lives here */
	struct pw_exception_rule *rules; /* in id order */
	size_t n;
};

/* The approved exceptions in force at `now`, groups resolved to their
 * hosts now. pw_exception_set_free releases it (also after an error). */
pw_err pw_exception_set_load(struct pw_store *s, int64_t now, struct pw_exception_set *set,
			     struct pw_error *e);
void pw_exception_set_free(struct pw_exception_set *set);

/* An empty set, for pw_exception_set_add. */
void pw_exception_set_init(struct pw_exception_set *set);
/* Add one rule (hosts copied, need not be sorted): for tests and for a
 * set built by hand. false on ENOMEM. */
bool pw_exception_set_add(struct pw_exception_set *set, int64_t id, const char *vuln_id,
			  const char *package, const int64_t *hosts, size_t nhosts);

/* The id of the exception covering the finding, 0 for none. binaries is
 * the finding's comma-separated installed packages (NULL: none). */
int64_t pw_exception_set_match(const struct pw_exception_set *set, int64_t host_id,
			       const char *vuln_id, const char *package, const char *binaries);

/* Open findings the set covers (accepted risk), by priority (index 1-4)
 * and in all: summaries count them apart. */
struct pw_accepted_counts {
	int64_t total, by_priority[5];
};
pw_err pw_exception_set_count_open(struct pw_store *s, const struct pw_exception_set *set,
				   struct pw_accepted_counts *out, struct pw_error *e);

#endif
