/* rpmdb.c - placeholder, being written. */
#include "pw_rpmdb.h"

const char pw_rpmdb_queryformat[] = "";

pw_err pw_rpmdb_parse_qf(struct pw_inventory *inv, struct pw_blob out, struct pw_error *e)
{
	(void)inv; (void)out;
	return pw_error_set(e, PW_ERR_UNSUPPORTED, "rpm reader not built yet");
}

pw_err pw_rpmdb_collect(struct pw_inventory *inv, const char *dbpath, struct pw_error *e)
{
	(void)inv; (void)dbpath;
	return pw_error_set(e, PW_ERR_NOTFOUND, "rpm reader not built yet");
}
