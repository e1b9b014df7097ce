/* rpmver.c - placeholder, being written. */
#include "pw_version.h"
extern int pw_rpmver_placeholder;
int pw_rpmver_placeholder;
