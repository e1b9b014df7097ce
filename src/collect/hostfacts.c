/* hostfacts.c - placeholder, being written. */
#include "pw_hostfacts.h"

pw_err pw_hostfacts_parse_os_release(struct pw_inventory *inv, struct pw_blob data,
				     const char *path, struct pw_error *e)
{
	(void)inv; (void)data; (void)path; (void)e;
	return PW_OK;
}

pw_err pw_hostfacts_collect(struct pw_inventory *inv, struct pw_error *e)
{
	(void)inv; (void)e;
	return PW_OK;
}
