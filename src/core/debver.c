/* debver.c - placeholder, being written. */
#include "pw_version.h"
extern int pw_debver_placeholder;
int pw_debver_placeholder;
