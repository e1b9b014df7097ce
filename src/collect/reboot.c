/* reboot.c - placeholder, being written. */
#include "pw_reboot.h"

void pw_reboot_mark_kernels(struct pw_inventory *inv)
{
	(void)inv;
}

pw_err pw_reboot_collect(struct pw_inventory *inv, struct pw_error *e)
{
	(void)inv; (void)e;
	return PW_OK;
}
