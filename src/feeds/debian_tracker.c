/* debian_tracker.c - placeholder, being written. */
#include "pw_feeds.h"
extern int pw_feeds_debian_tracker_placeholder;
int pw_feeds_debian_tracker_placeholder;
