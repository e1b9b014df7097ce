/* dsa_list.c - placeholder, being written. */
#include "pw_feeds.h"
extern int pw_feeds_dsa_list_placeholder;
int pw_feeds_dsa_list_placeholder;
