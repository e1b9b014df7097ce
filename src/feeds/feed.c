/* feed.c - placeholder, being written. */
#include "pw_feeds.h"
extern int pw_feeds_feed_placeholder;
int pw_feeds_feed_placeholder;
