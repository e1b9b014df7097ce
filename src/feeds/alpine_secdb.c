/* alpine_secdb.c - placeholder, being written. */
#include "pw_feeds.h"
extern int pw_feeds_alpine_secdb_placeholder;
int pw_feeds_alpine_secdb_placeholder;
