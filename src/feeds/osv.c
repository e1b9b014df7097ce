/* osv.c - placeholder, being written. */
#include "pw_feeds.h"
extern int pw_feeds_osv_placeholder;
int pw_feeds_osv_placeholder;
