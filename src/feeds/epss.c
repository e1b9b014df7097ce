/* epss.c - placeholder, being written. */
#include "pw_feeds.h"
extern int pw_feeds_epss_placeholder;
int pw_feeds_epss_placeholder;
