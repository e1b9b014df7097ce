/* aptlists.c - placeholder, being written. */
#include "pw_aptlists.h"

pw_err pw_aptlists_collect(struct pw_inventory *inv, struct pw_error *e)
{
	(void)inv;
	return pw_error_set(e, PW_ERR_NOTFOUND, "apt lists reader not built yet");
}
