/* pw_hostfacts.h - host identity: os-release, machine-id, hostname,
 * architecture and the running kernel.
 */
#ifndef PW_HOSTFACTS_H
#define PW_HOSTFACTS_H

#include "pw_blob.h"
#include "pw_err.h"
#include "pw_inventory.h"

/* Parse os-release contents (KEY=value with shell quoting) into inv->host. */
pw_err pw_hostfacts_parse_os_release(struct pw_inventory *inv, struct pw_blob data,
				     const char *path, struct pw_error *e);

/* Fill inv->host from inv->root: etc/os-release (or usr/lib/os-release),
 * etc/machine-id, etc/hostname. For the live host ("/") also uname(2) for the
 * architecture and running kernel. Missing files are not errors. */
pw_err pw_hostfacts_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
