/* dpkg.c - placeholder, being written. */
#include "pw_dpkg.h"

pw_err pw_dpkg_parse_status(struct pw_inventory *inv, struct pw_blob data, const char *path,
			    struct pw_error *e)
{
	(void)inv; (void)data;
	return pw_error_set(e, PW_ERR_UNSUPPORTED, "%s: dpkg reader not built yet", path);
}

pw_err pw_dpkg_collect(struct pw_inventory *inv, struct pw_error *e)
{
	(void)inv;
	return pw_error_set(e, PW_ERR_NOTFOUND, "dpkg reader not built yet");
}
