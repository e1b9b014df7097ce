/* pw_index.h - the index of affected entries: (distro, release, package) ->
 * every feed's entries for that key, built once from the store (or from any
 * stream of pw_affected) and read by the matcher.
 *
 * Strings are interned in the index's arena: equal strings share one
 * pointer, so a key's entries sort and group by vulnerability with pointer
 * comparisons, identical rows from two feeds collapse into one, and one
 * pw_index_free() releases everything. There is no global state: two
 * indexes are independent. An index is not thread-safe.
 *
 * Each key carries a generation, bumped whenever its entries change. The
 * matcher's memo remembers the generation it evaluated against, which is
 * how a changed key invalidates exactly its own memoized results.
 */
#ifndef PW_INDEX_H
#define PW_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_advisory.h"
#include "pw_err.h"
#include "pw_store.h"
#include "pw_version.h"

/* One affected entry as the index keeps it (interned strings). Normalized
 * on the way in: "introduced" "0" means no lower bound (NULL), and a FIXED
 * entry without a fixed version is kept as VULNERABLE (the safe side: a
 * no-fix finding rather than a silent miss). */
struct pw_index_entry {
	const char *vuln_id;
	const char *introduced, *fixed, *last_affected, *exact;
	const char *urgency, *advisory;
	enum pw_affect_status status;
};

/* One (distro, release, package). Read-only for callers. */
struct pw_index_key {
	const char *distro, *release, *package; /* interned */
	enum pw_scheme scheme;                  /* of the distro */
	uint32_t id;                            /* dense: the order keys were made in */
	uint32_t generation;                    /* bumped whenever the entries change */
	/* private to index.c */
	struct pw_index_entry *entries;
	size_t n, cap;
	bool sorted;
	struct pw_index_entry *pending; /* pw_index_refresh(): the fresh entries */
	size_t npending, cap_pending;
	uint32_t mark;
};

struct pw_index;

pw_err pw_index_new(struct pw_index **out, struct pw_error *e);
void pw_index_free(struct pw_index *idx);

/* Copy one entry in (its strings are interned; the caller's may go). An
 * entry for a distribution with no version scheme is ignored (*added false
 * when given). The key's generation is bumped. */
pw_err pw_index_add(struct pw_index *idx, const struct pw_affected *a, bool *added,
		    struct pw_error *e);

/* Every affected entry of the store for one distro/release (NULL: all). */
pw_err pw_index_load(struct pw_index *idx, struct pw_store *s, const char *distro,
		     const char *release, struct pw_error *e);

/* The same for some packages only (one host's). */
pw_err pw_index_load_packages(struct pw_index *idx, struct pw_store *s, const char *distro,
			      const char *release, const char *const *packages, size_t npackages,
			      struct pw_error *e);

/* The key, or NULL when no entry ever named it. */
struct pw_index_key *pw_index_find(struct pw_index *idx, const char *distro, const char *release,
				   const char *package);
/* The key, created empty when missing (a fleet registers every package it
 * has, so an advisory for a package no feed named before still finds its
 * hosts). NULL on ENOMEM or an unknown distro (e says which). */
struct pw_index_key *pw_index_get(struct pw_index *idx, const char *distro, const char *release,
				  const char *package, struct pw_error *e);

/* The key's entries sorted by vulnerability (entries of one vulnerability
 * are adjacent), duplicates removed. Valid until the key next changes. */
const struct pw_index_entry *pw_index_entries(struct pw_index *idx, struct pw_index_key *k,
					      size_t *n);

/* Entries held for one (distro, release): 0 means the index knows nothing
 * of that release, and a host there must not be reported clean. */
size_t pw_index_release_entries(const struct pw_index *idx, const char *distro,
				const char *release);

/* A copy of s owned by the index; equal strings give the same pointer.
 * NULL stays NULL; NULL on ENOMEM otherwise. */
const char *pw_index_intern(struct pw_index *idx, const char *s);

/* ---- incremental refresh ---- */

/* A set of keys (the ones whose entries changed). */
struct pw_keyset {
	struct pw_index_key **keys;
	size_t n, cap;
};

void pw_keyset_init(struct pw_keyset *ks);
void pw_keyset_free(struct pw_keyset *ks);
pw_err pw_keyset_add(struct pw_keyset *ks, struct pw_index_key *k);

/* Bring the index up to date with the store after generation `since`: the
 * releases that rows written after `since` belong to are read again in
 * full, and each of their keys whose entries differ (added, changed or
 * gone: an updated record replaces its rows, so stale ones must go) gets a
 * new generation and is added to *touched. Keys whose entries are the same
 * are left alone, so their memoized results stay valid. */
pw_err pw_index_refresh(struct pw_index *idx, struct pw_store *s, int64_t since,
			struct pw_keyset *touched, struct pw_error *e);

#endif
