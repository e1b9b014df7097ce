/* pw_reboot.h - does the host need a reboot? Debian's
 * /var/run/reboot-required(.pkgs), and for every family a running kernel
 * older than the newest installed kernel package.
 */
#ifndef PW_REBOOT_H
#define PW_REBOOT_H

#include "pw_err.h"
#include "pw_inventory.h"

/* Mark kernel image packages (pw_package.is_kernel) and set
 * inv->newest_kernel. Call after the package collectors. */
void pw_reboot_mark_kernels(struct pw_inventory *inv);

/* Read reboot-required files under inv->root and compare the running kernel
 * (inv->host.kernel_release) with the newest installed one. */
pw_err pw_reboot_collect(struct pw_inventory *inv, struct pw_error *e);

#endif
