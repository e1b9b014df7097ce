/* fetch.c - placeholder, being written. */
#include "pw_feeds.h"
extern int pw_feeds_fetch_placeholder;
int pw_feeds_fetch_placeholder;
