/* apkdb.c - placeholder, being written. */
#include "pw_apkdb.h"

pw_err pw_apkdb_parse_installed(struct pw_inventory *inv, struct pw_blob data, const char *path,
				struct pw_error *e)
{
	(void)inv; (void)data;
	return pw_error_set(e, PW_ERR_UNSUPPORTED, "%s: apk reader not built yet", path);
}

pw_err pw_apkdb_collect(struct pw_inventory *inv, struct pw_error *e)
{
	(void)inv;
	return pw_error_set(e, PW_ERR_NOTFOUND, "apk reader not built yet");
}
