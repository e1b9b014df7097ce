/* pw_hostfacts.h - host identity: os-release, machine-id, hostname,
 * architecture and the running kernel.
 */
#ifndef PW_HOSTFACTS_H
#define PW_HOSTFACTS_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* Parse os-release contents (os-release(5): KEY=value, values optionally in
 * double or single quotes, backslash escapes, comments, blank lines) into
 * inv->host: os_id, os_version_id, os_codename (VERSION_CODENAME, else
 * UBUNTU_CODENAME, else a one-word "(codename)" in VERSION), os_id_like,
 * os_pretty_name. Malformed lines are skipped with a warning naming
 * path:line. Strings are owned by the inventory. */
pw_err pw_hostfacts_parse_os_release(struct pw_inventory *inv, struct pw_blob data,
				     const char *path, struct pw_error *e);

/* Fill inv->host from inv->root: etc/os-release (or usr/lib/os-release),
 * etc/machine-id, etc/hostname, all resolved inside the root. For the live
 * host ("/") the hostname is gethostname() and uname(2) gives the
 * architecture and the running kernel; for a root they stay NULL. Missing
 * files are not errors; a malformed machine-id is a warning. */
pw_err pw_hostfacts_collect(struct pw_inventory *inv, struct pw_error *e);

/* The host path of `path` (absolute, as seen from inside `root`) with every
 * symlink on the way resolved inside the root, as if root were "/": an
 * absolute link target starts again at the root and ".." never climbs above
 * it, so reading an image never reads the live host's files. The last
 * components need not exist. For root "/" (or NULL) the path is returned as
 * is. Returns a new string the caller frees, or NULL on ENOMEM, a symlink
 * loop (more than 40 links) or a path longer than PATH_MAX.
 * This is lexical and not atomic: fine for reading an image or a stopped
 * container, not a defence against a root that changes while it is read. */
char *pw_hostfacts_resolve(const char *root, const char *path);

#endif
