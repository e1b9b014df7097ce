/* pw_aptlists.h - pending updates from apt's lists: for each installed deb
 * package the candidate apt would install (apt's policy: pin priorities from
 * the suites and from apt_preferences(5), then versions) and whether it comes
 * from a security suite.
 *
 * What is read: var/lib/apt/lists/ *_Packages[.gz|.xz|.lz4|.zst|.bz2] with
 * the InRelease (or Release) file beside each, and etc/apt/preferences plus
 * etc/apt/preferences.d/ (apt's file-name rules). InRelease signatures are
 * not checked: apt verified them when it fetched the files, and these are
 * apt's own copies, as trusted as the rest of the host's root.
 *
 * Not covered (each a documented difference from apt): sources.list is not
 * read, so a list file apt no longer uses (its source was removed and
 * `apt update` has not run since) still counts; apt.conf settings
 * (APT::Default-Release, Dir::* relocations) are not applied; phased updates
 * and hardware conditions are ignored (apt list --upgradable ignores phasing
 * too); architecture specifications in pins other than an exact name, "any"
 * and "native" are compared literally; a /regex/ pin with an interval
 * expression ("{m,n}") matches nothing (its compiled form can grow
 * exponentially, and a scanned image's files are not trusted that far).
 */
#ifndef PW_APTLISTS_H
#define PW_APTLISTS_H

#include <stdbool.h>

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* What a Release or InRelease file says about its suite ("" when absent). */
struct pw_apt_release {
	char suite[64];    /* "oldstable-security": apt calls it the archive and prints it */
	char codename[64]; /* "bookworm-security" */
	char origin[64];   /* "Debian" */
	char label[64];    /* "Debian-Security" */
	char version[64];  /* "12.15" */
	bool not_automatic;
	bool but_automatic_upgrades;
};

/* One Packages index: its suite, and what its file name tells (apt names
 * the file after the URI: <site>_<path>_dists_<suite>_<component>_binary-<arch>_Packages). */
struct pw_apt_index {
	struct pw_apt_release release;
	char site[128];     /* "deb.debian.org"; "" for file: repositories */
	char component[64]; /* "main" */
	char arch[32];      /* "amd64" */
};

/* Parse a Release file, or the signed body of an InRelease file (the
 * signature is not checked, see above). Only the first stanza counts, field
 * names are case-insensitive, as apt reads them. PW_ERR_PARSE when there is
 * no field at all. */
pw_err pw_aptlists_parse_release(struct pw_blob data, const char *path,
				 struct pw_apt_release *out, struct pw_error *e);

/* Fill out->site, component and arch from a list file name (the release
 * part is left zeroed). False when the name is not a Packages index. */
bool pw_aptlists_parse_list_name(const char *name, struct pw_apt_index *out);

/* The default pin priority of a suite, before preferences: 500; 100 when it
 * says ButAutomaticUpgrades (backports; apt needs no NotAutomatic for it);
 * 1 for NotAutomatic alone (experimental). */
int pw_aptlists_priority(const struct pw_apt_release *r);

/* A security suite: its Suite or Codename ends in "-security" (Debian 11+,
 * Ubuntu, Ubuntu's ESM pockets), or its Label is "Debian-Security" (Debian
 * 10 and older, whose suite was "buster/updates"). The list file name is not
 * looked at: a mirror's path says nothing reliable. */
bool pw_aptlists_is_security(const struct pw_apt_release *r);

/* The candidate selection, in steps, for callers that have the files in
 * memory (tests, fuzzers) and for pw_aptlists_collect():
 *   begin, then any number of add_preferences and feed, then finish (or
 *   abort). Malformed input never fails a step: it adds warnings naming
 *   path:line to the inventory; only PW_ERR_NOMEM does. */
struct pw_aptlists;
pw_err pw_aptlists_begin(struct pw_inventory *inv, struct pw_aptlists **out, struct pw_error *e);

/* Add the pins of one apt_preferences(5) file, in order (earlier pins win,
 * as in apt). Pin types: version (with a trailing '*' or a glob), release
 * (a= n= o= l= v= c= b=, a bare suite or version, '*'), origin; package
 * names: "*", exact names, globs and /regex/, "name:arch", "src:name";
 * Pin-Priority: an integer or "never" (for "*" only). A record apt would
 * refuse or ignore is skipped with a warning. */
pw_err pw_aptlists_add_preferences(struct pw_aptlists *s, struct pw_blob data, const char *path,
				   struct pw_error *e);

/* Feed one Packages index (uncompressed text) of the suite described by idx.
 * Only stanzas of installed package names are kept; a stanza without
 * Version or with an invalid one is skipped with a warning. */
pw_err pw_aptlists_feed(struct pw_aptlists *s, struct pw_blob packages, const char *path,
			const struct pw_apt_index *idx, struct pw_error *e);

/* Where the text of an index comes from, piece by piece: put up to cap
 * bytes at dst and their count in *n, 0 at the end (pw_decoder_read
 * behind a cast-free wrapper, or a test's reader cutting anywhere). */
typedef pw_err (*pw_aptlists_read_fn)(void *ctx, char *dst, size_t cap, size_t *n,
				      struct pw_error *e);

/* pw_aptlists_feed for an index read through a window of `window` bytes (0:
 * 1 MiB; at least 64): memory stays bounded whatever the index's size, and
 * the result is the same wherever read cuts the text. A stanza that does
 * not fit the window is skipped with a warning (real ones are under 80 KB).
 * When read fails, what this index added is taken back, as if it had never
 * been fed, and read's error returned. */
pw_err pw_aptlists_feed_stream(struct pw_aptlists *s, pw_aptlists_read_fn read, void *ctx,
			       size_t window, const char *path, const struct pw_apt_index *idx,
			       struct pw_error *e);

/* Pick the candidates and fill candidate_version, candidate_origin (the
 * suites that ship the candidate, comma-separated in feed order, as apt
 * list prints them; the codename when a Release file has no Suite) and
 * candidate_security (the candidate is in at least one security suite) of
 * each installed deb package whose candidate is newer. Frees s. */
pw_err pw_aptlists_finish(struct pw_aptlists *s, struct pw_error *e);
void pw_aptlists_abort(struct pw_aptlists *s);

/* Read the lists and preferences under inv->root (see the top of this file)
 * and fill the candidates of its installed deb packages. Sets
 * inv->has_apt_lists. PW_ERR_NOTFOUND when there are no lists. An index
 * that cannot be read or decompressed is skipped with a warning; the others
 * still count. */
pw_err pw_aptlists_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
