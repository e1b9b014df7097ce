/* scan.c - placeholder */
#include "pw_scan.h"
pw_err pw_scan(struct pw_inventory *inv, const struct pw_scan_options *opt, struct pw_error *e)
{ (void)inv; (void)opt; (void)e; return PW_OK; }
